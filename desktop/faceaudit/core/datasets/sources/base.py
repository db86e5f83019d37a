"""What every dataset form shares: an Entry per item, the Source interface, and safe reading helpers."""

from __future__ import annotations

import json
import lzma
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pyzstd import ZstdError as _ZstdError

from faceaudit.core.datasets.sources.unreadable import unreadable_form
from faceaudit.core.errors import FaceAuditError

__all__ = ["Entry", "Gap", "Aside", "Unreadable", "open_regular",
           "Source", "SourceError", "IMAGE_SUFFIXES", "ARCHIVE_SUFFIXES", "classify",
           "safe_key", "first_of_each", "read_as_walked", "read_bounded", "file_fingerprint", "make_locator",
           "place_of", "walk",
           "DAMAGE", "NESTED", "NESTED_SHARD", "LINK", "CHANGED", "SHARD_KINDS"]

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".bmp", ".dib", ".tif", ".tiff", ".gif"})
#: A volume after the first of a split set: `x.z01 …` (the `.zip` is the last) or `x.7z.002 …`.
_VOLUME = re.compile(r"\.z\d{2,}$|\.7z\.(?!0*1$)\d{3,}$")
#: Inside an archive, these parts are never read (extract them, or add them as datasets of their own).
SHARD_KINDS = frozenset({"parquet", "recordio", "arrow", "lmdb"})
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tgz", ".tar.gz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".tzst")


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
        label: who the photo shows, where the form says it (the person's folder, a label
            column, a record's label, a sidecar file).
        locator: what a later read of this one item needs to go straight to it (an offset,
            a row group and row), with the fingerprint of the file it points into.
    """

    key: str
    size: int
    fingerprint: str
    problem: str | None = None
    label: str | None = None
    locator: str | None = None


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


@dataclass(frozen=True)
class Aside:
    """A file or archive member that no reader takes as photos or as a list: companion metadata (inspected:
    no photo, no identifier in it), or not read, with why. The ledger keeps one per file, so that every
    byte of a dataset is accounted for.

    Attributes:
        key: its name in the dataset, as an Entry's would be.
        size: bytes.
        form: what it is, in words the detector gives ("7-Zip volume", "text file", "unrecognised file").
        reason: why it is not read; None for a companion.
    """

    key: str
    size: int
    form: str
    reason: str | None = None


class Unreadable(str):
    """A reason that may pass (a read error, a file changing while read, a disk away): the item is
    marked unavailable and read again at the next index, never recorded as a bad file."""

    __slots__ = ()


class Source:
    """A dataset's items, listed and read in place (archives and shards are never extracted).

    Args:
        path: the dataset's file or folder.
        prefix: put before every key; a part of a folder dataset (an archive or shard beside
            others) gets its relative path here, so keys stay unique and name the part.
        cache: a folder for helper files that make later reads fast (gzip seek points);
            None: nothing is written, reads of one item may scan from the start.
    """

    kind = "?"
    #: File name endings of this form (lower case); a name with one is tried in this form first.
    suffixes: tuple[str, ...] = ()

    @staticmethod
    def is_one(path: Path) -> bool:
        """True when the file at `path` is of this form (read its first bytes, not its name)."""
        return False

    def __init__(self, path: Path, prefix: str = "", cache: Path | None = None):
        self.path = path
        self.prefix = prefix
        self.cache = cache

    def entries(self) -> Iterator[Entry | Gap]:
        """Every image-like item in a stable order, and a `Gap` for each part that could not be listed."""
        raise NotImplementedError

    def read(self, wanted: Iterable[str]) -> Iterator[tuple[Entry, bytes | None, str | None]]:
        """Read the wanted keys in one pass.

        Yields:
            (entry, data, problem): data is None when the file could not be read, and
            problem says why.
        """
        raise NotImplementedError

    def prepare_reads(self) -> None:
        """Make later reads of one item fast (gzip seek points in the cache folder); called after a
        listing, outside any database transaction. Most forms need nothing."""

    def read_one(self, key: str, locator: str | None = None) -> bytes:
        """One item's bytes; with the locator its listing recorded, without scanning from the start.

        Raises:
            SourceError: the item is not there any more or cannot be read (the message says why).
        """
        for _entry, data, problem in self.read([key]):
            if data is None:
                raise SourceError(f"{key}: {problem}")
            return data
        raise SourceError(f"{key} is no longer in the dataset")


def classify(name: str) -> str | None:
    """What a file is by its name: 'image', 'archive', 'volume', 'parquet', 'recordio', 'arrow', 'lmdb',
    'unreadable' or None (ignored; a table of photos is found by its content, see `image_table`)."""
    lower = name.lower()
    if lower.endswith(ARCHIVE_SUFFIXES) or lower.endswith((".7z", ".7z.001")):
        return "archive"
    if _VOLUME.search(lower):
        return "volume"  # read with the rest of its set (`x.z01` with `x.zip`, `x.7z.002` with `x.7z.001`)
    if lower.endswith(".arrow"):
        return "arrow"
    if lower == "data.mdb" or lower.endswith("/data.mdb"):
        return "lmdb"
    if lower.endswith(".parquet"):
        return "parquet"
    if lower.endswith(".rec"):
        return "recordio"
    if unreadable_form(lower):
        return "unreadable"
    base = lower.rsplit("/", 1)[-1]
    # A WebDataset member may be named `.jpg` (an empty sample key): its suffix is still `.jpg`.
    if "." in base and base[base.rfind("."):] in IMAGE_SUFFIXES:
        return "image"
    return None


def make_locator(fingerprint: str, **place: int) -> str:
    """A locator: where an item is (offsets, row numbers) in the file with this fingerprint."""
    return json.dumps({"f": fingerprint, **place}, separators=(",", ":"))


def place_of(locator: str | None, fingerprint: str, *names: str) -> dict[str, int] | None:
    """The place a locator records, when it points into the file as it is now (same fingerprint)
    and holds the named whole numbers; None otherwise (the reader then scans for the item)."""
    try:
        place = json.loads(locator) if locator else None
    except ValueError:
        return None
    if not isinstance(place, dict) or place.get("f") != fingerprint:
        return None
    if not all(isinstance(place.get(name), int) and place[name] >= 0 for name in names):
        return None
    return place


def file_fingerprint(info: os.stat_result) -> str:
    """A file's size and modification time: changes when the file is rewritten."""
    return f"{info.st_size}:{info.st_mtime_ns}"


NESTED = "nested archive not read: extract it, or add it as a dataset of its own"
#: Inside an archive: a parquet shard, a RecordIO pack or another archive is never read.
NESTED_SHARD = "shard inside an archive not read: extract it, or add it as a dataset of its own"
LINK = "link member not followed"
CHANGED = Unreadable("file changed while it was being read; it is read again at the next index")

# What a damaged compressed stream raises: zlib, lzma and zstd have their own exception classes,
# outside OSError and ValueError.
DAMAGE = (OSError, ValueError, EOFError, RuntimeError, NotImplementedError, zlib.error, lzma.LZMAError,
           zipfile.BadZipFile, _ZstdError)


def safe_key(name: str) -> str:
    """A name as valid text: bytes that are not UTF-8 (kept by surrogateescape) become `\\xNN`."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def first_of_each(entries: Iterable[Entry | Gap | Aside]) -> Iterator[Entry | Gap | Aside]:
    """Entries with a key seen before dropped: an archive may hold one name twice, the first counts."""
    seen: set[str] = set()
    for entry in entries:
        if not isinstance(entry, Entry):
            yield entry
        elif entry.key not in seen:
            seen.add(entry.key)
            yield entry


def read_as_walked(wanted: Iterable[str], walked: Iterable[tuple[Entry, object]], as_data,
                   errors: tuple[type[BaseException], ...], where: str, gone: str) -> Iterator[tuple]:
    """`Source.read` for a source read in one pass: the wanted entries as the pass meets them, then
    the ones it did not meet, each with why.

    Args:
        wanted: the keys to read.
        walked: (entry, its payload) in the source's order.
        as_data: a payload -> (the image's bytes, None) or (None, why not).
        errors: what stops the pass: every wanted key not met yet is then not read, with `where`.
        where: the source's name, for "cannot be read".
        gone: why a wanted key the whole pass did not meet is not read ("no longer in the table").
    """
    wanted = set(wanted)
    try:
        for entry, payload in walked:
            if not wanted:
                return
            if entry.key not in wanted:
                continue
            wanted.discard(entry.key)
            yield (entry, None, entry.problem) if entry.problem else (entry, *as_data(payload))
    except errors as exc:
        for key in sorted(wanted):
            problem = Unreadable(f"{where} cannot be read: {getattr(exc, 'strerror', None) or exc}")
            yield Entry(key, 0, "?", problem), None, problem
        return
    for key in sorted(wanted):
        yield Entry(key, 0, "?"), None, gone


def walk(root: str | os.PathLike, errors: list | None = None) -> Iterator[tuple[str, list[str], list[str]]]:
    """`os.walk(root)` top-down, names sorted, links to folders not followed, with a stack of our own.

    os.walk recursed up to Python 3.12: a folder nested 1,100 deep raised RecursionError. As with
    os.walk, a folder that cannot be read is passed over (appended to `errors` as (path, OSError)
    when a list is given), and the caller may prune `dirs` in place.
    """
    stack = [os.fspath(root)]
    while stack:
        top = stack.pop()
        try:
            with os.scandir(top) as scanned:
                children = sorted(scanned, key=lambda child: child.name)
        except OSError as exc:
            if errors is not None:
                errors.append((top, exc))
            continue
        dirs, files = [], []
        for child in children:
            try:
                is_dir = child.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            (dirs if is_dir else files).append(child.name)
        yield top, dirs, files
        stack.extend(os.path.join(top, name) for name in reversed(dirs))


def open_regular(path: str | os.PathLike):
    """A regular file opened for binary reading; anything else (a FIFO, a socket, a device) is refused
    without blocking: opened with O_NONBLOCK and checked on the descriptor, before any read.

    Raises:
        OSError: it cannot be opened, or is not a regular file.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{Path(path).name} is not a regular file (a FIFO, socket or device): not read")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bounded(handle, limit: int) -> bytes:
    data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"larger than the {limit // 2**20} MiB limit")
    return data
