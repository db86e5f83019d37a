"""Seek points into a gzip stream (with `indexed_gzip`), so one member of a tar.gz is read without
decompressing the archive from its start.

A seek point holds the 32 KiB of history deflate needs to restart there; points are kept every
few MiB of uncompressed data (at most about 2,000 points per archive), so a read decompresses
at most that much. The index is a rebuildable helper file in the cache folder, named after the
archive's path and fingerprint: an archive that changes gets a new one.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from faceaudit.core import limits
from faceaudit.core.datasets.sources.base import file_fingerprint

__all__ = ["ensure", "find", "read_at", "SPACING_MIN", "MAX_POINTS"]

SPACING_MIN = 4 * 1024 * 1024
MAX_POINTS = 2000
_FOLDER = "gzip-seek-points"
_READ = 16 * 1024 * 1024


def _index_path(archive: Path, cache: Path) -> Path:
    tag = hashlib.sha256(os.fsencode(archive.resolve())).hexdigest()[:20]
    stamp = file_fingerprint(archive.stat()).replace(":", "-")
    return cache / _FOLDER / f"{tag}-{stamp}.gzidx"


def find(archive: Path, cache: Path | None) -> Path | None:
    """The seek-point file of this archive as it is now, or None when there is none."""
    if cache is None:
        return None
    path = _index_path(archive, cache)
    return path if path.is_file() else None


def ensure(archive: Path, cache: Path) -> Path | None:
    """Build the archive's seek points unless they exist; older ones of the same path are removed.

    One pass over the archive in C (about 1 s per 100 MB), stopped like any other read when the
    stream expands beyond the compression-ratio limit.

    Returns:
        The index file, or None when `indexed_gzip` is not installed, the archive is damaged or
        a bomb (reads of one item then scan from the start, and say what is wrong).
    """
    try:
        import indexed_gzip
    except ImportError:
        return None
    path = _index_path(archive, cache)
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    for old in path.parent.glob(path.name.split("-", 1)[0] + "-*.gzidx"):
        old.unlink(missing_ok=True)
    size = archive.stat().st_size
    # Photos barely compress: the archive's own size is close to what it expands to.
    spacing = max(SPACING_MIN, size // MAX_POINTS)
    most = size * limits.MAX_COMPRESSION_RATIO + limits.RATIO_CHECK_FLOOR_BYTES
    partial = path.with_suffix(".partial")
    try:
        with indexed_gzip.IndexedGzipFile(str(archive), spacing=spacing) as stream:
            done = 0
            while chunk := stream.read(_READ):  # reading in order records a seek point every `spacing` bytes
                done += len(chunk)
                if done > most:
                    raise ValueError("compression bomb")
            stream.build_full_index()  # marks the index complete (the data is already read)
            stream.export_index(str(partial))
        os.replace(partial, path)
    except (OSError, ValueError, indexed_gzip.ZranError):
        partial.unlink(missing_ok=True)
        return None
    return path


def read_at(archive: Path, index: Path, offset: int, size: int) -> bytes:
    """`size` uncompressed bytes from `offset`, starting at the nearest seek point before it."""
    import indexed_gzip

    with indexed_gzip.IndexedGzipFile(str(archive), index_file=str(index), auto_build=False) as stream:
        stream.seek(offset)
        return stream.read(size)
