"""A dataset as a folder of photos (one sub-folder per person, or any tree), read in place."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from faceaudit.core import limits
from faceaudit.core.datasets.sources.base import (
    CHANGED,
    NESTED,
    Entry,
    Source,
    classify,
    first_of_each,
    read_bounded,
    safe_key,
)

__all__ = ["FolderSource"]


class FolderSource(Source):
    kind = "folder"

    def _scan(self) -> Iterator[tuple[Entry, Path]]:
        for root, dirs, files in os.walk(self.path, followlinks=False):
            dirs.sort()
            for name in sorted(files):
                if classify(name):
                    full = Path(root, name)
                    yield self._entry(safe_key(full.relative_to(self.path).as_posix()), full), full

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
        elif classify(full.name) == "archive":
            problem = NESTED
        elif info.st_size > limits.MAX_FILE_BYTES:
            problem = f"larger than the {limits.MAX_FILE_BYTES // 2**20} MiB limit"
        return Entry(key, info.st_size, f"{info.st_size}:{info.st_mtime_ns}", problem)

    def entries(self) -> Iterator[Entry]:
        yield from first_of_each(entry for entry, _ in self._scan())

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
            return None, CHANGED
        data = read_bounded(handle, limits.MAX_FILE_BYTES)
        after = os.fstat(fd)
        if len(data) != before.st_size or (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            return None, CHANGED
    return data, None
