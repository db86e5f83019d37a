"""Count the scans of a JPEG before it is decoded: a progressive JPEG repeating a scan thousands of
times costs the decoder a pass over the whole image for each (a 9.75 MB file took 14 minutes).

The count walks the file's marker segments by their lengths (so a JPEG thumbnail inside an EXIF
block is not counted), and each scan's entropy-coded data to the next marker, up to the end of the
first image (an MPO file's later images are not decoded). It reads every byte at most once.
"""

from __future__ import annotations

__all__ = ["count_scans"]

_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM and RSTn carry no length


def count_scans(data: bytes, stop_after: int) -> int:
    """How many scans (SOS segments) the first image in `data` has, counting no further than `stop_after + 1`.

    A file that is not a JPEG or is damaged gives the scans counted so far; the decoder judges the rest.
    """
    if not data.startswith(b"\xff\xd8"):
        return 0
    scans, at, size = 0, 2, len(data)
    while at + 4 <= size:
        if data[at] != 0xFF:
            return scans  # damaged: not a marker where one must be
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte before a marker
            at += 1
            continue
        if marker == _EOI:
            return scans
        if marker in _STANDALONE or marker == _SOI:
            at += 2
            continue
        at += 2 + int.from_bytes(data[at + 2:at + 4], "big")
        if marker != _SOS:
            continue
        scans += 1
        if scans > stop_after:
            return scans
        at = _after_entropy_data(data, at)
    return scans


def _after_entropy_data(data: bytes, at: int) -> int:
    """Where the marker after a scan's entropy-coded data starts (stuffed 0xFF00 and RSTn are data)."""
    while True:
        at = data.find(b"\xff", at)
        if at < 0 or at + 1 >= len(data):
            return len(data)
        following = data[at + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            at += 1 if following == 0xFF else 2
            continue
        return at
