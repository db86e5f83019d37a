"""Matching: my reference faces against every indexed face, with honest confidence.

`references` keeps my faces, `vectors` holds each dataset's embeddings as memory-mapped
matrices (exact and approximate search), `confidence` estimates how many strangers would look
as close, `bands` turns that into strong / possible / weak, `scan` runs a scan and stores its
candidates, `matches` lists them and records my decisions, and `erasure_check` looks for my
confirmed faces in a newer release of a dataset.
"""
