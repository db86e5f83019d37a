"""FaceAudit's engine: images, faces, dataset sources, the local store, indexing and scans.

Pure Python: this package never imports Qt, so the CLI and the desktop app both stand on it.
"""
