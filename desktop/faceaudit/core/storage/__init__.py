"""Storage: the one SQLite database and every file FaceAudit keeps.

The store opens the database (numbered migrations, WAL, one connection per thread), the
encryption module locks it at rest, `wipe` deletes only what FaceAudit created, and
`private_files` writes files only their owner can read. `paths` says where the data folder is
and `resources` where the bundled data (templates, registry, calibration) lives. Nothing here
knows about faces, datasets or letters.
"""
