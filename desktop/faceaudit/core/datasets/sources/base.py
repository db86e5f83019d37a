"""What every dataset form shares: an Entry per item, the Source interface, and safe reading helpers."""

from __future__ import annotations

import lzma
import os
import tarfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from faceaudit.core.errors import FaceAuditError

__all__ = ["Entry", "Gap", "Unreadable", "Source", "SourceError", "IMAGE_SUFFIXES", "ARCHIVE_SUFFIXES", "classify",
           "safe_key",
           "first_of_each", "read_bounded", "DAMAGE", "NESTED", "LINK", "CHANGED"]

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".bmp", ".dib", ".tif", ".tiff", ".gif"})
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tgz", ".tar.gz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")


class SourceError(FaceAuditError, OSError):
    """A dataset path that cannot be opened as a folder or a supported archive."""


@dataclass(frozen=True)
class Entry:
    """One file of a dataset.

    Attributes:
        key: stable name inside the dataset (relative path or archive member name).
        size: bytes (uncompressed).
        fingerprint: changes when the file changes (size and time, plus CRC in zips).
        problem: why the file will not be read, if known before reading.
    """

    key: str
    size: int
    fingerprint: str
    problem: str | None = None


@dataclass(frozen=True)
class Gap:
    """A part of a dataset that could not be listed this time (an unreadable folder, a disk not
    mounted, an archive cut short).

    Known items under it that the listing did not see are marked unavailable, never removed: their
    faces and the decisions on them stay, and the next index looks again.

    Attributes:
        prefix: the key prefix of the part ('' = all of the dataset; a folder's prefix ends in '/').
        reason: why, for the person (no command in it).
    """

    prefix: str
    reason: str


class Unreadable(str):
    """A reason that may pass (a read error, a file changing while read, a disk away): the item is
    marked unavailable and read again at the next index, never recorded as a bad file."""

    __slots__ = ()


class Source:
    """A dataset's files, listed and read in one sequential pass (archives read in place)."""

    kind = "?"
    #: File name endings of this form (lower case); a name with one is tried in this form first.
    suffixes: tuple[str, ...] = ()

    @staticmethod
    def is_one(path: Path) -> bool:
        """True when the file at `path` is of this form (read its first bytes, not its name)."""
        return False

    def __init__(self, path: Path):
        self.path = path

    def entries(self) -> Iterator[Entry | Gap]:
        """Every image-like file, in a stable order, and a `Gap` for each part that could not be listed."""
        raise NotImplementedError

    def read(self, wanted: Iterable[str]) -> Iterator[tuple[Entry, bytes | None, str | None]]:
        """Read the wanted keys in one pass.

        Yields:
            (entry, data, problem): data is None when the file could not be read, and
            problem says why.
        """
        raise NotImplementedError


def classify(name: str) -> str | None:
    """'image', 'archive' or None (ignored) by file name."""
    lower = name.lower()
    if lower.endswith(ARCHIVE_SUFFIXES):
        return "archive"
    if os.path.splitext(lower)[1] in IMAGE_SUFFIXES:
        return "image"
    return None


NESTED = "nested archive not read: extract it, or add it as a dataset of its own"
LINK = "link member not followed"
CHANGED = Unreadable("file changed while it was being read; it is read again at the next index")

# What a damaged compressed stream raises: zlib and lzma have their own exception classes,
# outside OSError and ValueError.
DAMAGE = (OSError, ValueError, EOFError, RuntimeError, NotImplementedError, zlib.error, lzma.LZMAError,
           tarfile.TarError, zipfile.BadZipFile)


def safe_key(name: str) -> str:
    """A name as valid text: bytes that are not UTF-8 (kept by surrogateescape) become `\\xNN`."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def first_of_each(entries: Iterable[Entry | Gap]) -> Iterator[Entry | Gap]:
    """Entries with a key seen before dropped: an archive may hold one name twice, the first counts."""
    seen: set[str] = set()
    for entry in entries:
        if isinstance(entry, Gap):
            yield entry
        elif entry.key not in seen:
            seen.add(entry.key)
            yield entry


def read_bounded(handle, limit: int) -> bytes:
    data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"larger than the {limit // 2**20} MiB limit")
    return data
