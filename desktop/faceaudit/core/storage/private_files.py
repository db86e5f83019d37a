"""Files only their owner can read (mode 0600): letters, calendars, the registry's local changes.

They name whom a person wrote to and what was found of them; nobody else on the machine needs
to read them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

__all__ = ["write_private", "open_private", "write_all_or_none"]


def open_private(path: str | os.PathLike) -> BinaryIO:
    """Open `path` for writing (truncated), created or made private to its owner."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    if os.name == "posix" and stat.S_ISREG(os.fstat(fd).st_mode):
        # O_CREAT's mode is ignored for a file that already exists. Never a device or a pipe
        # (`--out /dev/stdout` must not change the terminal's mode).
        os.fchmod(fd, 0o600)
    return os.fdopen(fd, "wb")


def write_private(path: str | os.PathLike, data: bytes | str, *, atomic: bool = False) -> Path:
    """Write `data` (text as UTF-8) to a file private to its owner, and return its path.

    Args:
        atomic: write a temporary file beside it and rename it over `path`, so a reader (or a
            crash) never sees half a file.
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    target = path.with_name(path.name + ".tmp") if atomic else path
    with open_private(target) as handle:
        handle.write(data)
        if atomic:
            handle.flush()
            os.fsync(handle.fileno())
    if atomic:
        target.replace(path)
    return path


def write_all_or_none(files: list[tuple[str | os.PathLike, bytes]]) -> list[Path]:
    """Write several files private to their owner, all of them or none.

    Each is written whole to a temporary file beside it first; only when every one is written are
    they renamed into place. A failure before that (a full disk, a folder not writable) removes the
    temporary files and leaves the targets as they were.

    Returns:
        The paths written, in the order given.
    """
    written: list[tuple[Path, Path]] = []
    try:
        for path, data in files:
            path = Path(path)
            partial = path.with_name(path.name + ".partial")
            written.append((partial, path))
            write_private(partial, data)
    except BaseException:
        for partial, _path in written:
            partial.unlink(missing_ok=True)
        raise
    for partial, path in written:
        partial.replace(path)
    return [path for _partial, path in written]
