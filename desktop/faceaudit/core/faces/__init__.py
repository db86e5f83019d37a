"""Faces: from the bytes of one photo to faces with 128-d embeddings.

`images` decodes any common format into upright RGB and refuses hostile files, `engine` finds
faces (HOG or the MMOD CNN) and embeds them (dlib, or the same networks through ONNX Runtime
in `dlibnet`), `model_files` locates dlib's model files, and `photo_hashes` recognises copies of
one photo (SHA-256 and perceptual hashes). It knows nothing of datasets or of the database
beyond the cache folder.
"""
