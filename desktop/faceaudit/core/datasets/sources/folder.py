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
    Gap,
    Source,
    Unreadable,
    classify,
    first_of_each,
    read_bounded,
    safe_key,
)

__all__ = ["FolderSource"]


class FolderSource(Source):
    kind = "folder"

    def _scan(self) -> Iterator[tuple[Entry, Path] | Gap]:
        """Files top-down, each folder's files (sorted) before its sub-folders (sorted), as os.walk gives them.

        Walked with a stack of our own, not os.walk (recursive up to Python 3.12: a folder nested
        1,100 deep raised RecursionError and stopped the whole index). A folder that cannot be
        read gives a Gap for its part, and the walk goes on.
        """
        if not self.path.is_dir():
            yield Gap("", f"the dataset's folder {self.path} is not there (is its disk mounted?)")
            return
        stack = [(self.path, "")]
        while stack:
            folder, prefix = stack.pop()
            try:
                with os.scandir(folder) as scanned:
                    children = sorted(scanned, key=lambda child: child.name)
            except OSError as exc:
                yield Gap(prefix, f"folder {prefix or self.path} cannot be read: {exc.strerror or exc}")
                continue
            subfolders = []
            for child in children:
                try:
                    is_folder = child.is_dir()  # a link to a folder counts as one, and is not followed
                except OSError:
                    is_folder = False
                if is_folder:
                    if not child.is_symlink():
                        subfolders.append((Path(child.path), prefix + safe_key(child.name) + "/"))
                elif classify(child.name):
                    full = Path(child.path)
                    yield self._entry(prefix + safe_key(child.name), full), full
            stack.extend(reversed(subfolders))

    @staticmethod
    def _entry(key: str, full: Path) -> Entry:
        try:
            info = full.lstat()
        except OSError as exc:
            return Entry(key, 0, "?", Unreadable(f"cannot read: {exc.strerror or exc}"))
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

    def entries(self) -> Iterator[Entry | Gap]:
        yield from first_of_each(record if isinstance(record, Gap) else record[0] for record in self._scan())

    def read(self, wanted):
        wanted = set(wanted)
        for record in self._scan():
            if isinstance(record, Gap):
                continue  # its items stay unread; the next listing marks them unavailable
            entry, full = record
            if entry.key not in wanted:
                continue
            wanted.discard(entry.key)  # two names that differ only in non-UTF-8 bytes share a key
            if entry.problem:
                yield entry, None, entry.problem
                continue
            try:
                data, problem = _read_regular_file(full, entry.fingerprint)
            except OSError as exc:
                data, problem = None, Unreadable(f"cannot read: {exc.strerror or exc}")
            except ValueError as exc:
                data, problem = None, str(exc)
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
