"""Every safety limit in one place: what FaceAudit refuses to read, and why.

Face datasets come from anywhere. These bounds keep a hostile or broken file from
exhausting memory or time; each refusal is recorded with its reason, never a crash.
"""

from __future__ import annotations

__all__ = [
    "MAX_IMAGE_PIXELS",
    "MAX_FILE_BYTES",
    "MAX_MEMBER_BYTES",
    "MAX_ARCHIVE_TOTAL_BYTES",
    "MAX_COMPRESSION_RATIO",
    "DETECTION_MAX_SIDE",
    "MAX_EXIF_BYTES",
    "MAX_CACHED_CROPS",
]

#: Largest image we decode, in pixels (width x height). 100 Mpx is beyond any camera photo
#: in a face dataset; a PNG that declares more is treated as a decompression bomb.
MAX_IMAGE_PIXELS = 100_000_000

#: Largest single file (or archive member) we read into memory, in bytes. Indexing holds up to
#: workers x 2 batches of 8 files in memory at once, so this bounds its memory: 64 MiB is above
#: any camera JPEG (a 100 Mpx JPEG is 30-60 MB) and any photo in a published face dataset.
MAX_FILE_BYTES = 64 * 1024 * 1024

#: Largest uncompressed archive member, in bytes (checked before reading, and while reading).
MAX_MEMBER_BYTES = MAX_FILE_BYTES

#: Largest total uncompressed size of one archive, in bytes.
MAX_ARCHIVE_TOTAL_BYTES = 2 * 1024**4

#: Highest compression ratio of an archive member; images barely compress, bombs compress
#: a thousandfold.
MAX_COMPRESSION_RATIO = 200

#: Photos larger than this (longest side, pixels) are downscaled for face detection; boxes
#: are still reported in the original image's coordinates.
DETECTION_MAX_SIDE = 1600

#: Largest EXIF block we parse, in bytes; larger blocks are ignored (orientation unknown).
MAX_EXIF_BYTES = 1024 * 1024

#: Face crops kept for the review grid (core/datasets/crops_cache.py), about 10 KB each: the
#: least recently shown go first beyond this.
MAX_CACHED_CROPS = 3000
