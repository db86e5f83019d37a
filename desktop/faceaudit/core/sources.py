"""Face datasets as published: a folder, or a zip/tar archive read in place, never extracted."""

from __future__ import annotations

import csv
import hashlib
import os
import stat
import tarfile
import zipfile
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
    if zipfile.is_zipfile(path):
        return _ZipSource(path)
    try:
        if tarfile.is_tarfile(path):
            return _TarSource(path)
    except (OSError, EOFError) as exc:
        raise SourceError(f"{path.name} looks like a broken archive: {exc}") from None
    raise SourceError(f"{path.name} is neither a folder nor a zip/tar archive")


def label_from_key(key: str) -> str | None:
    """The identity implied by a one-folder-per-person layout (the file's parent folder)."""
    parent = PurePosixPath(key).parent.name
    return parent or None


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
                    key = os.fsencode(full.relative_to(self.path).as_posix()).decode("utf-8", "backslashreplace")
                    yield self._entry(key, full), full

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
        for entry, _ in self._scan():
            yield entry

    def read(self, wanted):
        wanted = set(wanted)
        for entry, full in self._scan():
            if entry.key not in wanted:
                continue
            if entry.problem:
                yield entry, None, entry.problem
                continue
            try:
                with open(full, "rb") as handle:
                    yield entry, _read_bounded(handle, limits.MAX_FILE_BYTES), None
            except (OSError, ValueError) as exc:
                yield entry, None, f"cannot read: {getattr(exc, 'strerror', None) or exc}"


class _ZipSource(Source):
    kind = "zip"

    def entries(self) -> Iterator[Entry]:
        try:
            with zipfile.ZipFile(self.path) as archive:
                infos = archive.infolist()
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise SourceError(f"{self.path.name}: broken zip archive ({exc})") from None
        total = 0
        for info in sorted(infos, key=lambda i: i.filename):
            if info.is_dir() or not _classify(info.filename):
                continue
            total += info.file_size
            yield Entry(info.filename, info.file_size, f"{info.file_size}:{info.CRC}:{info.date_time}", _zip_problem(info, total))

    def read(self, wanted):
        wanted = set(wanted)
        with zipfile.ZipFile(self.path) as archive:
            for entry in self.entries():
                if entry.key not in wanted:
                    continue
                if entry.problem:
                    yield entry, None, entry.problem
                    continue
                try:
                    with archive.open(entry.key) as handle:
                        yield entry, _read_bounded(handle, limits.MAX_MEMBER_BYTES), None
                except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
                    yield entry, None, f"cannot read member: {exc}"


def _zip_problem(info: zipfile.ZipInfo, total: int) -> str | None:
    if info.flag_bits & 0x1:
        return "encrypted member"
    if info.file_size > limits.MAX_MEMBER_BYTES:
        return f"member larger than the {limits.MAX_MEMBER_BYTES // 2**20} MiB limit"
    if total > limits.MAX_ARCHIVE_TOTAL_BYTES:
        return "archive's total uncompressed size is over the limit"
    if info.compress_size and info.file_size / info.compress_size > limits.MAX_COMPRESSION_RATIO:
        return f"zip bomb refused: compression ratio {info.file_size // info.compress_size}:1"
    if _classify(info.filename) == "archive":
        return _NESTED
    return None


class _TarSource(Source):
    kind = "tar"

    def _members(self) -> Iterator[tuple[tarfile.TarFile, tarfile.TarInfo]]:
        try:
            with tarfile.open(self.path, mode="r:*") as archive:
                for member in archive:
                    yield archive, member
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise SourceError(f"{self.path.name}: broken tar archive ({exc})") from None

    def entries(self) -> Iterator[Entry]:
        for _, member in self._members():
            entry = self._entry(member)
            if entry:
                yield entry

    def _entry(self, member: tarfile.TarInfo) -> Entry | None:
        if member.isdir() or not _classify(member.name):
            return None
        problem = None
        if member.issym() or member.islnk():
            problem = "link member not followed"
        elif not member.isfile():
            problem = "not a regular file (device or special member)"
        elif member.size > limits.MAX_MEMBER_BYTES:
            problem = f"member larger than the {limits.MAX_MEMBER_BYTES // 2**20} MiB limit"
        elif _classify(member.name) == "archive":
            problem = _NESTED
        return Entry(member.name, member.size, f"{member.size}:{member.mtime}", problem)

    def read(self, wanted):
        wanted = set(wanted)
        for archive, member in self._members():
            entry = self._entry(member)
            if entry is None or entry.key not in wanted:
                continue
            if entry.problem:
                yield entry, None, entry.problem
                continue
            try:
                handle = archive.extractfile(member)
                yield entry, _read_bounded(handle, limits.MAX_MEMBER_BYTES), None
            except (tarfile.TarError, OSError, ValueError, EOFError) as exc:
                yield entry, None, f"cannot read member: {exc}"
