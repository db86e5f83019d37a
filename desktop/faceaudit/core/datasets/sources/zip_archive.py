"""A dataset as a zip archive, read in place: members are listed from the central directory."""

from __future__ import annotations

import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

from faceaudit.core import limits
from faceaudit.core.datasets.sources.base import (
    DAMAGE,
    LINK,
    NESTED,
    Entry,
    Gap,
    Source,
    SourceError,
    Unreadable,
    classify,
    read_bounded,
)

__all__ = ["ZipSource"]


class ZipSource(Source):
    kind = "zip"
    suffixes = (".zip",)

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
            if info.is_dir() or not classify(info.filename):
                continue
            key = info.filename
            if key in seen:
                continue  # a zip may hold one name twice; the first counts, as in indexing
            seen.add(key)
            total += info.file_size
            fingerprint = f"{info.file_size}:{info.CRC}:{info.date_time}"
            yield Entry(key, info.file_size, fingerprint, _zip_problem(info, total, archive_size)), info

    def entries(self) -> Iterator[Entry | Gap]:
        try:
            archive = self._open()
        except SourceError as exc:
            # Its table of contents is at the end: a zip cut short (a download not finished) or
            # overwritten lists nothing. Known items stay, unavailable, until it reads again.
            yield Gap("", f"{exc}; none of its members could be listed")
            return
        with archive:
            for entry, _ in self._listing(archive):
                yield entry

    def read(self, wanted):
        wanted = set(wanted)
        try:
            archive = self._open()
        except SourceError as exc:
            for key in sorted(wanted):
                yield Entry(key, 0, "?"), None, Unreadable(str(exc))
            return
        with archive:
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
                        data, problem = read_bounded(handle, limits.MAX_MEMBER_BYTES), None
                except DAMAGE as exc:
                    data, problem = None, f"cannot read member: {exc}"
                yield entry, data, problem


def _zip_problem(info: zipfile.ZipInfo, total: int, archive_size: int) -> str | None:
    if info.flag_bits & 0x1:
        return "encrypted member"
    if info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16):  # 3: made on Unix
        return LINK
    if info.compress_size > archive_size or info.header_offset + info.compress_size > archive_size:
        return "damaged member: its declared size is larger than the archive"
    if info.file_size > limits.MAX_MEMBER_BYTES:
        return f"member larger than the {limits.MAX_MEMBER_BYTES // 2**20} MiB limit"
    if total > limits.MAX_ARCHIVE_TOTAL_BYTES:
        return f"archive's total uncompressed size is over the {limits.MAX_ARCHIVE_TOTAL_BYTES // 2**30} GiB limit"
    if info.compress_size and info.file_size / info.compress_size > limits.MAX_COMPRESSION_RATIO:
        return f"zip bomb refused: compression ratio {info.file_size // info.compress_size}:1"
    if classify(info.filename) == "archive":
        return NESTED
    return None
