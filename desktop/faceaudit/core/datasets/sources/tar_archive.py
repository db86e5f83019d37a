"""A dataset as a tar archive (plain, gzip, bzip2 or xz), read in place in one sequential pass."""

from __future__ import annotations

import tarfile
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
    first_of_each,
    read_bounded,
    safe_key,
)

__all__ = ["TarSource"]


class TarSource(Source):
    kind = "tar"
    suffixes = (".tar", ".tgz", ".tar.gz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")

    @staticmethod
    def is_one(path: Path) -> bool:
        return tarfile.is_tarfile(path)

    def _members(self) -> Iterator[tuple[tarfile.TarFile, tarfile.TarInfo] | Gap]:
        listed = False
        try:
            with tarfile.open(self.path, mode="r:*") as archive:
                for member in archive:
                    listed = True
                    yield archive, member
                cut = _cut_short(self.path, archive.offset)
        except DAMAGE as exc:
            if not listed:
                raise SourceError(f"{self.path.name}: broken tar archive ({exc})") from None
            cut = f"it breaks off ({exc})"
        if cut:
            # tarfile reads a header cut short (a download stopped) as a normal end: members after
            # the cut would be taken for removed ones.
            yield Gap("", f"the archive {self.path.name} is damaged or incomplete: {cut}; what follows could not"
                          " be listed")

    def entries(self) -> Iterator[Entry | Gap]:
        yield from first_of_each(
            record if isinstance(record, Gap) else entry for record in self._members()
            if isinstance(record, Gap) or (entry := self._entry(record[1])))

    def _entry(self, member: tarfile.TarInfo) -> Entry | None:
        if member.isdir() or not classify(member.name):
            return None
        problem = None
        if member.issym() or member.islnk():
            problem = LINK
        elif not member.isfile():
            problem = "not a regular file (device or special member)"
        elif member.size > limits.MAX_MEMBER_BYTES:
            problem = f"member larger than the {limits.MAX_MEMBER_BYTES // 2**20} MiB limit"
        elif classify(member.name) == "archive":
            problem = NESTED
        return Entry(safe_key(member.name), member.size, f"{member.size}:{member.mtime}", problem)

    def read(self, wanted):
        wanted = set(wanted)
        members = self._members()
        while wanted:
            try:
                record = next(members)
            except StopIteration:
                break
            except SourceError as exc:
                record = Gap("", str(exc))
            if isinstance(record, Gap):
                # The archive breaks off (a truncated download): what is left cannot be read now.
                for key in sorted(wanted):
                    problem = Unreadable(f"archive damaged before this member: {record.reason}")
                    yield Entry(key, 0, "?", problem), None, problem
                return
            archive, member = record
            entry = self._entry(member)
            if entry is None or entry.key not in wanted:
                continue
            wanted.discard(entry.key)  # a name held twice: the first counts, as in entries()
            if entry.problem:
                yield entry, None, entry.problem
                continue
            try:
                data, problem = read_bounded(archive.extractfile(member), limits.MAX_MEMBER_BYTES), None
            except DAMAGE as exc:
                data, problem = None, f"cannot read member: {exc}"
            yield entry, data, problem


_COMPRESSED_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")


def _cut_short(path: Path, end: int) -> str | None:
    """Why a plain tar that tarfile read to its end is incomplete, or None: after the last member
    must come the end-of-archive marker (a block of zeros), not a part of a header or nothing."""
    with open(path, "rb") as handle:
        if handle.read(6).startswith(_COMPRESSED_MAGIC):
            return None  # a cut compressed stream raises on its own
        handle.seek(end)
        block = handle.read(tarfile.BLOCKSIZE)
    if len(block) == tarfile.BLOCKSIZE and not block.strip(b"\0"):
        return None
    size = path.stat().st_size
    if end > size:
        return f"it is cut short inside a member (at byte {size})"
    if len(block) < tarfile.BLOCKSIZE:
        return f"it is cut short inside a header (at byte {size})"
    return f"an unreadable header at byte {end}"
