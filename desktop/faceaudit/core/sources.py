"""Face datasets as published: a folder, or a zip/tar archive read in place, never extracted."""

from __future__ import annotations

import csv
import hashlib
import lzma
import os
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from . import limits

__all__ = ["Entry", "Source", "open_source", "SourceError", "IMAGE_SUFFIXES", "read_labels_csv", "label_from_key", "sha256_hex"]

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".bmp", ".dib", ".tif", ".tiff", ".gif"})
_ARCHIVE_SUFFIXES = (".zip", ".tar", ".tgz", ".tar.gz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")


class SourceError(OSError):
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


class Source:
    """A dataset's files, listed and read in one sequential pass (archives read in place)."""

    kind = "?"

    def __init__(self, path: Path):
        self.path = path

    def entries(self) -> Iterator[Entry]:
        """Every image-like file, in a stable order."""
        raise NotImplementedError

    def read(self, wanted: Iterable[str]) -> Iterator[tuple[Entry, bytes | None, str | None]]:
        """Read the wanted keys in one pass.

        Yields:
            (entry, data, problem): data is None when the file could not be read, and
            problem says why.
        """
        raise NotImplementedError


def open_source(path: str | os.PathLike) -> Source:
    """Open a dataset folder or archive.

    Raises:
        SourceError: the path does not exist or is not a folder, zip or tar archive.
    """
    path = Path(path).expanduser().resolve()
    if path.is_dir():
        return _FolderSource(path)
    if not path.is_file():
        raise SourceError(f"{path} does not exist or is not a file or folder")
    # The name says which test comes first: zipfile finds the end record of a zip stored as
    # the last member of a plain tar, so an unnamed file is tried as a tar first.
    kinds = (_ZipSource, _TarSource) if path.name.lower().endswith(".zip") else (_TarSource, _ZipSource)
    for kind in kinds:
        try:
            if kind.is_one(path):
                return kind(path)
        except _DAMAGE as exc:
            raise SourceError(f"{path.name} looks like a broken archive: {exc}") from None
    raise SourceError(f"{path.name} is neither a folder nor a zip/tar archive")


def label_from_key(key: str) -> str | None:
    """The identity implied by a one-folder-per-person layout (the file's parent folder)."""
    parent = PurePosixPath(key).parent.name
    return parent if parent not in ("", ".", "..") else None


def read_labels_csv(path: str | os.PathLike) -> dict[str, str]:
    """Labels from a CSV of `key,label` rows (a header row is skipped when present)."""
    labels: dict[str, str] = {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for row in csv.reader(handle):
            if len(row) >= 2 and row[0].strip() and row[0].strip().lower() != "key":
                labels[row[0].strip()] = row[1].strip()
    return labels


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    return hashlib.sha256(data).hexdigest()


def _classify(name: str) -> str | None:
    """'image', 'archive' or None (ignored) by file name."""
    lower = name.lower()
    if lower.endswith(_ARCHIVE_SUFFIXES):
        return "archive"
    if os.path.splitext(lower)[1] in IMAGE_SUFFIXES:
        return "image"
    return None


_NESTED = "nested archive not read: extract it, or add it as a dataset of its own"
_LINK = "link member not followed"
_CHANGED = "file changed while it was being read; index again to read the new version"

# What a damaged compressed stream raises: zlib and lzma have their own exception classes,
# outside OSError and ValueError.
_DAMAGE = (OSError, ValueError, EOFError, RuntimeError, NotImplementedError, zlib.error, lzma.LZMAError,
           tarfile.TarError, zipfile.BadZipFile)


def _safe_key(name: str) -> str:
    """A name as valid text: bytes that are not UTF-8 (kept by surrogateescape) become `\\xNN`."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _first_of_each(entries: Iterable[Entry]) -> Iterator[Entry]:
    """Entries with a key seen before dropped: an archive may hold one name twice, the first counts."""
    seen: set[str] = set()
    for entry in entries:
        if entry.key not in seen:
            seen.add(entry.key)
            yield entry


def _read_bounded(handle, limit: int) -> bytes:
    data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"larger than the {limit // 2**20} MiB limit")
    return data


class _FolderSource(Source):
    kind = "folder"

    def _scan(self) -> Iterator[tuple[Entry, Path]]:
        for root, dirs, files in os.walk(self.path, followlinks=False):
            dirs.sort()
            for name in sorted(files):
                if _classify(name):
                    full = Path(root, name)
                    yield self._entry(_safe_key(full.relative_to(self.path).as_posix()), full), full

    @staticmethod
    def _entry(key: str, full: Path) -> Entry:
        try:
            info = full.lstat()
        except OSError as exc:
            return Entry(key, 0, "?", f"cannot read: {exc.strerror or exc}")
        problem = None
        if stat.S_ISLNK(info.st_mode):
            problem = "symbolic link not followed"
        elif not stat.S_ISREG(info.st_mode):
            problem = "not a regular file"
        elif _classify(full.name) == "archive":
            problem = _NESTED
        elif info.st_size > limits.MAX_FILE_BYTES:
            problem = f"larger than the {limits.MAX_FILE_BYTES // 2**20} MiB limit"
        return Entry(key, info.st_size, f"{info.st_size}:{info.st_mtime_ns}", problem)

    def entries(self) -> Iterator[Entry]:
        yield from _first_of_each(entry for entry, _ in self._scan())

    def read(self, wanted):
        wanted = set(wanted)
        for entry, full in self._scan():
            if entry.key not in wanted:
                continue
            wanted.discard(entry.key)  # two names that differ only in non-UTF-8 bytes share a key
            if entry.problem:
                yield entry, None, entry.problem
                continue
            try:
                data, problem = _read_regular_file(full, entry.fingerprint)
            except (OSError, ValueError) as exc:
                data, problem = None, f"cannot read: {getattr(exc, 'strerror', None) or exc}"
            yield entry, data, problem


def _read_regular_file(full: Path, fingerprint: str) -> tuple[bytes | None, str | None]:
    """The file's bytes, or None and why: the file may have been swapped or rewritten since it was listed."""
    # O_NOFOLLOW: a file replaced by a link after listing is not followed; O_NONBLOCK: a file
    # replaced by a FIFO does not block us forever.
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(full, flags)
    with os.fdopen(fd, "rb") as handle:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            return None, "not a regular file"
        if f"{before.st_size}:{before.st_mtime_ns}" != fingerprint:
            return None, _CHANGED
        data = _read_bounded(handle, limits.MAX_FILE_BYTES)
        after = os.fstat(fd)
        if len(data) != before.st_size or (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            return None, _CHANGED
    return data, None


class _ZipSource(Source):
    kind = "zip"

    @staticmethod
    def is_one(path: Path) -> bool:
        return zipfile.is_zipfile(path)

    def _open(self) -> zipfile.ZipFile:
        try:
            return zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:  # ValueError: names not UTF-8
            raise SourceError(f"{self.path.name}: broken zip archive ({exc})") from None

    def _listing(self, archive: zipfile.ZipFile) -> Iterator[tuple[Entry, zipfile.ZipInfo]]:
        archive_size = self.path.stat().st_size
        total = 0
        seen: set[str] = set()
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.is_dir() or not _classify(info.filename):
                continue
            key = info.filename
            if key in seen:
                continue  # a zip may hold one name twice; the first counts, as in indexing
            seen.add(key)
            total += info.file_size
            fingerprint = f"{info.file_size}:{info.CRC}:{info.date_time}"
            yield Entry(key, info.file_size, fingerprint, _zip_problem(info, total, archive_size)), info

    def entries(self) -> Iterator[Entry]:
        with self._open() as archive:
            for entry, _ in self._listing(archive):
                yield entry

    def read(self, wanted):
        wanted = set(wanted)
        with self._open() as archive:
            for entry, info in self._listing(archive):
                if entry.key not in wanted:
                    continue
                if entry.problem:
                    yield entry, None, entry.problem
                    continue
                try:
                    # Open the ZipInfo itself, not the name: with a name held twice, the name
                    # would give the last member while the entry describes the first.
                    with archive.open(info) as handle:
                        data, problem = _read_bounded(handle, limits.MAX_MEMBER_BYTES), None
                except _DAMAGE as exc:
                    data, problem = None, f"cannot read member: {exc}"
                yield entry, data, problem


def _zip_problem(info: zipfile.ZipInfo, total: int, archive_size: int) -> str | None:
    if info.flag_bits & 0x1:
        return "encrypted member"
    if info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16):  # 3: made on Unix
        return _LINK
    if info.compress_size > archive_size or info.header_offset + info.compress_size > archive_size:
        return "damaged member: its declared size is larger than the archive"
    if info.file_size > limits.MAX_MEMBER_BYTES:
        return f"member larger than the {limits.MAX_MEMBER_BYTES // 2**20} MiB limit"
    if total > limits.MAX_ARCHIVE_TOTAL_BYTES:
        return f"archive's total uncompressed size is over the {limits.MAX_ARCHIVE_TOTAL_BYTES // 2**30} GiB limit"
    if info.compress_size and info.file_size / info.compress_size > limits.MAX_COMPRESSION_RATIO:
        return f"zip bomb refused: compression ratio {info.file_size // info.compress_size}:1"
    if _classify(info.filename) == "archive":
        return _NESTED
    return None


class _TarSource(Source):
    kind = "tar"

    @staticmethod
    def is_one(path: Path) -> bool:
        return tarfile.is_tarfile(path)

    def _members(self) -> Iterator[tuple[tarfile.TarFile, tarfile.TarInfo]]:
        try:
            with tarfile.open(self.path, mode="r:*") as archive:
                for member in archive:
                    yield archive, member
        except _DAMAGE as exc:
            raise SourceError(f"{self.path.name}: broken tar archive ({exc})") from None

    def entries(self) -> Iterator[Entry]:
        yield from _first_of_each(entry for _, member in self._members() if (entry := self._entry(member)))

    def _entry(self, member: tarfile.TarInfo) -> Entry | None:
        if member.isdir() or not _classify(member.name):
            return None
        problem = None
        if member.issym() or member.islnk():
            problem = _LINK
        elif not member.isfile():
            problem = "not a regular file (device or special member)"
        elif member.size > limits.MAX_MEMBER_BYTES:
            problem = f"member larger than the {limits.MAX_MEMBER_BYTES // 2**20} MiB limit"
        elif _classify(member.name) == "archive":
            problem = _NESTED
        return Entry(_safe_key(member.name), member.size, f"{member.size}:{member.mtime}", problem)

    def read(self, wanted):
        wanted = set(wanted)
        members = self._members()
        while wanted:
            try:
                archive, member = next(members)
            except StopIteration:
                break
            except SourceError as exc:
                # The archive breaks off (a truncated download): what is left cannot be read.
                for key in sorted(wanted):
                    problem = f"archive damaged before this member: {exc}"
                    yield Entry(key, 0, "?", problem), None, problem
                return
            entry = self._entry(member)
            if entry is None or entry.key not in wanted:
                continue
            wanted.discard(entry.key)  # a name held twice: the first counts, as in entries()
            if entry.problem:
                yield entry, None, entry.problem
                continue
            try:
                data, problem = _read_bounded(archive.extractfile(member), limits.MAX_MEMBER_BYTES), None
            except _DAMAGE as exc:
                data, problem = None, f"cannot read member: {exc}"
            yield entry, data, problem
