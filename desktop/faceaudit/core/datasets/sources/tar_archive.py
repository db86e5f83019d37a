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
    Source,
    SourceError,
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

    def _members(self) -> Iterator[tuple[tarfile.TarFile, tarfile.TarInfo]]:
        try:
            with tarfile.open(self.path, mode="r:*") as archive:
                for member in archive:
                    yield archive, member
        except DAMAGE as exc:
            raise SourceError(f"{self.path.name}: broken tar archive ({exc})") from None

    def entries(self) -> Iterator[Entry]:
        yield from first_of_each(entry for _, member in self._members() if (entry := self._entry(member)))

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
                data, problem = read_bounded(archive.extractfile(member), limits.MAX_MEMBER_BYTES), None
            except DAMAGE as exc:
                data, problem = None, f"cannot read member: {exc}"
            yield entry, data, problem
