"""Datasets: face datasets as they are published, registered, listed and indexed.

`sources` reads each published form in place (folder, zip, tar; one module per form),
`catalog` registers datasets and reports their state, and indexing turns every item into
stored faces: `listing` brings the items table in line with the files, `pool` runs the face
work in worker processes, `worker` is what runs inside one, and `indexing` is the resumable
generator that drives them and is the single database writer.
"""
