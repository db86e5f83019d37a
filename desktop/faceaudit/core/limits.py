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
    "MAX_JPEG_SCANS",
    "SECONDS_PER_FILE",
    "WORKER_MEMORY_BYTES",
    "MAX_UPSAMPLE",
    "MAX_WORKERS",
    "MAX_KEY_COST_MEMORY_BYTES",
    "MAX_KEY_COST_WORK",
    "RATIO_CHECK_FLOOR_BYTES",
    "MEMBER_RATIO_MIN_BYTES",
    "MAX_TAR_NAME_BYTES",
    "MAX_PAX_HEADER_BYTES",
    "MAX_PAX_RECORDS",
    "MAX_SIDECAR_BYTES",
    "MAX_PARQUET_FOOTER_BYTES",
    "MAX_PARQUET_ROW_GROUP_BYTES",
    "MAX_PARQUET_ROWS",
    "MAX_7Z_HEADER_BYTES",
    "MAX_SHARD_ITEMS",
    "MAX_VERIFICATION_FILE_BYTES",
    "MAX_LIST_LINE_BYTES",
    "MAX_LIST_ENTRY_BYTES",
    "MAX_LIST_NESTING",
    "MAX_PARQUET_ROWS_PER_BYTE",
    "MAX_COMPANION_BYTES",
    "MAX_PARQUET_TEXT_BYTES",
    "MAX_COMPANION_JSON_BYTES",
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

#: Uncompressed bytes a compressed archive stream may produce before its overall ratio is
#: checked: past this, a stream that has expanded more than MAX_COMPRESSION_RATIO times the
#: compressed bytes read is a bomb and the rest of it is not read. Work on any file is thus at
#: most MAX_COMPRESSION_RATIO x its size, plus this floor.
RATIO_CHECK_FLOOR_BYTES = 64 * 1024 * 1024

#: Tar members at least this large get their own compression-ratio check (the compressed input
#: is measured in 16 KiB steps, so below this size a ratio cannot be told apart from noise; a
#: smaller member is bounded by MAX_MEMBER_BYTES anyway).
MEMBER_RATIO_MIN_BYTES = 4 * 1024 * 1024

#: Longest member name (GNU long name or pax path) a tar archive may declare. PATH_MAX is 4 KiB
#: on Linux; a header that declares 2 GiB of name is an attack on the reader.
MAX_TAR_NAME_BYTES = 64 * 1024

#: Largest pax extended header, and most records in one. Real ones hold a path, a size and
#: times in a few hundred bytes (extended attributes can add some kB).
MAX_PAX_HEADER_BYTES = 1024 * 1024
MAX_PAX_RECORDS = 1000

#: Largest WebDataset sidecar (`KEY.cls`, `KEY.json`) read while listing, for an item's label.
MAX_SIDECAR_BYTES = 64 * 1024

#: Largest parquet footer (schema and row-group metadata) read. A 500 MB Hub shard of
#: 100-row groups has a footer of a few hundred kB.
MAX_PARQUET_FOOTER_BYTES = 64 * 1024 * 1024

#: Largest parquet row group, by the declared uncompressed size of its image column, that is read.
#: Hub shards hold about 100 images per group (a few MB to tens of MB). Reading streams a group
#: page by page in small batches, but a data page may hold up to 1,024 images (pyarrow's
#: default), so this also bounds the largest page held in memory.
MAX_PARQUET_ROW_GROUP_BYTES = 1024**3

#: Most rows one parquet file may declare (CelebA's largest Hub shard holds about 11,000).
MAX_PARQUET_ROWS = 50_000_000

#: Largest 7-Zip header read, once decompressed (names, sizes, times of every member): py7zr holds
#: it whole. It holds tens of bytes per member (a million members: tens of MiB); a compressed header
#: declaring gigabytes is a bomb.
MAX_7Z_HEADER_BYTES = 256 * 1024 * 1024

#: Most items one shard or pack may hold (MS1M-ArcFace is 5.8M crops, Glint360K 17M).
MAX_SHARD_ITEMS = 100_000_000

#: Largest RecordIO verification file (`lfw.bin`, `agedb_30.bin`: 12,000-14,000 crops, 60-120 MB).
MAX_VERIFICATION_FILE_BYTES = 2 * 1024**3

#: Photos larger than this (longest side, pixels) are downscaled for face detection; boxes
#: are still reported in the original image's coordinates.
DETECTION_MAX_SIDE = 1600

#: Most scans a JPEG may have. A baseline JPEG has 1 (or one per colour), a progressive one about
#: 10 (libjpeg's default script) to a few dozen; a file repeating a scan thousands of times makes the
#: decoder pass over the whole image for each (9.75 MB took 14 minutes). Counted before decoding.
MAX_JPEG_SCANS = 100

#: Time budget for decoding one photo and finding its faces in an indexing worker, at the default
#: settings (HOG, upsample 1; see pool.seconds_per_file for others). A 100-Mpx photo takes about
#: 10 s on a slow laptop core; a file over the budget ends its worker and is refused with a reason.
SECONDS_PER_FILE = 120.0

#: Memory one indexing worker may need, and what the default worker count is sized by (see
#: `indexing.default_workers`). Measured largest worker on photos of the largest size it decodes
#: (100 Mpx TIFFs in RGBA, float, RGB and grey, models loaded): 1.2 GiB; docs/limits.md has the figures.
WORKER_MEMORY_BYTES = 3 * 2**30 // 2

#: Most upsampling steps before face detection; each doubles the photo's width and height (at 7 a
#: 1,600-pixel photo would become 204,800 pixels wide).
MAX_UPSAMPLE = 3

#: Most indexing worker processes one index may start.
MAX_WORKERS = 64

#: Largest EXIF block we parse, in bytes; larger blocks are ignored (orientation unknown).
MAX_EXIF_BYTES = 1024 * 1024

#: Face crops kept for the review grid (core/datasets/crops_cache.py), about 10 KB each: the
#: least recently shown go first beyond this.
MAX_CACHED_CROPS = 3000
#: Most memory the key derivation (scrypt: 128 x r x 2**log_n bytes) of an encrypted database may
#: ask for. FaceAudit writes 32 MiB (log_n 15, r 8, p 1); a header asking for more was changed, and
#: is refused before any key is derived (a changed header once asked for 8 GiB and 85 s).
MAX_KEY_COST_MEMORY_BYTES = 256 * 2**20

#: Most work (2**log_n x r x p) the key derivation may ask for: 8 times what FaceAudit writes,
#: under a second on a slow machine.
MAX_KEY_COST_WORK = 8 * 2**15 * 8

#: Longest line of a text list (CSV, TSV, JSON Lines) we read, in bytes. A list of links has
#: lines of a few hundred bytes (LAION's longest captions are a few KB); a longer line means a
#: file that is not a list, and stops its reading before it can fill memory.
MAX_LIST_LINE_BYTES = 1024 * 1024

#: Largest single entry of a JSON list document, in bytes (FFHQ's entries are about 4 KB).
MAX_LIST_ENTRY_BYTES = 16 * 1024 * 1024

#: Deepest nesting of a JSON list entry we flatten (FFHQ's entries nest 3 levels).
MAX_LIST_NESTING = 32

#: Most rows a parquet list of links may claim per byte of its size: a row costs at least a few
#: bits even run-length encoded, so a footer that claims more lies (and would keep a reader busy
#: for ever). (MAX_PARQUET_FOOTER_BYTES, above, bounds the footers of lists of links too: LAION's
#: shards have footers of tens of KB.)
MAX_PARQUET_ROWS_PER_BYTE = 64

#: A text file beside photos is read to its end to show it holds no photo and no link (companion
#: metadata, such as CelebA's 26 MB attribute list) up to this size; a larger one is counted as not read.
MAX_COMPANION_BYTES = 64 * 1024 * 1024

#: A JSON document beside photos (dataset_info.json, state.json) is parsed as a companion up to this size,
#: and only after its nesting was counted (at most MAX_LIST_NESTING deep).
MAX_COMPANION_JSON_BYTES = 1024 * 1024

#: A parquet shard's path or label column, per row group: names and labels, never this large. Checked
#: in the footer before the column is decompressed (a 400 MB label fits in a 28 KB zstd shard).
MAX_PARQUET_TEXT_BYTES = 64 * 1024 * 1024
