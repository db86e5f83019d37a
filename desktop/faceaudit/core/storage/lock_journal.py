"""The journal of `lock` and `unlock`: a kill at any step leaves one good copy, and the next command
finishes the step or undoes it.

Before it changes a file, `lock` or `unlock` writes a journal beside the database naming the
operation, and holds a guard lock (a file lock, released by the system if the process dies) until
it is done. Which step was reached is read from the files themselves, so recovery is the same
after a kill and after an error:

    lock:   faceaudit.db.enc.tmp present   -> not sealed yet: delete it; the plain database is good
            faceaudit.db.enc present        -> sealed and checked: overwrite and delete the plain files
    unlock: faceaudit.db.unlock.tmp present -> not decrypted yet: delete it; the encrypted file is good
            faceaudit.db present            -> decrypted and in place: delete the encrypted file
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from faceaudit.core.errors import Action, FaceAuditError
from faceaudit.core.storage.file_lock import FileLock
from faceaudit.core.storage.private_files import write_private

__all__ = ["Journal", "LockBusy", "finish_interrupted", "journal_path", "guard_path", "overwrite", "sync_folder",
           "sealed_temp", "opened_temp", "plain_side_files"]

CHUNK = 1024 * 1024


class LockBusy(FaceAuditError, OSError):
    """Another process is locking or unlocking the data right now."""

    def __init__(self):
        super().__init__("another FaceAudit process is locking or unlocking the data; try again when it has finished",
                         action=Action.WAIT_FOR_OTHER)


def journal_path(database: Path) -> Path:
    """The journal of an interrupted lock or unlock (present only while one runs or was cut off)."""
    return database.with_name(database.name + ".lock-journal")


def guard_path(database: Path) -> Path:
    """The file whose lock is held by the process that locks or unlocks."""
    return database.with_name(database.name + ".lock-guard")


def sealed_temp(database: Path) -> Path:
    """Where `lock` writes the encrypted copy before it is checked and renamed into place."""
    return database.with_name(database.name + ".enc.tmp")


def opened_temp(database: Path) -> Path:
    """Where `unlock` writes the decrypted database before it is renamed into place."""
    return database.with_name(database.name + ".unlock.tmp")


def plain_side_files(database: Path) -> list[Path]:
    """SQLite's files beside the database (write-ahead log, shared memory, rollback journal)."""
    return [Path(f"{database}-wal"), Path(f"{database}-shm"), Path(f"{database}-journal")]


class Journal:
    """Held around a lock or unlock: takes the guard and settles any step cut off earlier; `begin()`
    writes the journal once the checks have passed; on leaving after `begin()`, finishes or undoes
    what the files show (after an error, as after a kill) and removes the journal.

    Raises:
        LockBusy: another process holds the guard.
    """

    def __init__(self, database: Path, operation: str):
        self.database, self.operation = database, operation
        self.guard = FileLock(guard_path(database))
        self.begun = False

    def __enter__(self) -> Journal:
        if not self.guard.acquire():
            raise LockBusy()
        try:
            _settle(self.database)
        except BaseException:
            self.guard.release()
            raise
        return self

    def begin(self) -> None:
        """From here on, a kill or an error is finished or undone by the next command."""
        write_private(journal_path(self.database), json.dumps({"operation": self.operation}), atomic=True)
        sync_folder(self.database.parent)
        self.begun = True

    def __exit__(self, exc_type, *_exc) -> None:
        try:
            if self.begun and exc_type is not None:
                _settle(self.database)
            elif self.begun:
                journal_path(self.database).unlink(missing_ok=True)
                sync_folder(self.database.parent)
        finally:
            self.guard.release()


def finish_interrupted(database: Path) -> str | None:
    """Finish or undo a lock or unlock that was cut off (killed, power lost); say which copy is good.

    Returns:
        What was done, naming the good copy, or None when nothing was interrupted.

    Raises:
        LockBusy: another process is locking or unlocking right now.
    """
    if not journal_path(database).exists():
        return None
    guard = FileLock(guard_path(database))
    if not guard.acquire():
        raise LockBusy()
    try:
        return _settle(database)
    finally:
        guard.release()


def _settle(database: Path) -> str | None:
    journal = journal_path(database)
    try:
        operation = json.loads(journal.read_text(encoding="utf-8"))["operation"]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        operation = None
    encrypted = database.with_name(database.name + ".enc")
    if operation == "lock":
        message = _settle_lock(database, encrypted)
    elif operation == "unlock":
        message = _settle_unlock(database, encrypted)
    else:
        raise FaceAuditError(f"the journal of an interrupted lock or unlock ({journal}) cannot be read; look at the"
                             f" files beside it, keep the good copy of the database, then delete the journal")
    journal.unlink()
    sync_folder(database.parent)
    return message


def _settle_lock(database: Path, encrypted: Path) -> str:
    temp = sealed_temp(database)
    if temp.exists() or not encrypted.exists():
        temp.unlink(missing_ok=True)
        return f"an interrupted lock was undone: the plain database {database} is the good copy; nothing was encrypted"
    # Sealed, read back and renamed before anything plain was touched: the encrypted file is whole.
    for path in [database, *plain_side_files(database)]:
        if path.exists():
            overwrite(path)
            path.unlink()
    sync_folder(database.parent)
    return (f"an interrupted lock was finished: {encrypted} is the good copy (it was checked before the plain"
            f" database was touched); the plain database was overwritten and deleted")


def _settle_unlock(database: Path, encrypted: Path) -> str:
    temp = opened_temp(database)
    if temp.exists() or not database.exists():
        temp.unlink(missing_ok=True)
        return f"an interrupted unlock was undone: the encrypted file {encrypted} is the good copy"
    # Decrypted in full and synced before the rename: the plain database is whole.
    encrypted.unlink(missing_ok=True)
    sync_folder(database.parent)
    return f"an interrupted unlock was finished: the plain database {database} is the good copy"


def overwrite(path: Path, handle_fd: int | None = None) -> None:
    """Zeros over a file's bytes before it is unlinked (through `handle_fd` when one is open)."""
    # On SSDs and copy-on-write or journalling file systems old blocks may survive; docs/trust.md says so.
    fd = handle_fd if handle_fd is not None else os.open(path, os.O_WRONLY | getattr(os, "O_BINARY", 0))
    try:
        left = os.fstat(fd).st_size
        os.lseek(fd, 0, os.SEEK_SET)
        while left > 0:
            left -= os.write(fd, b"\0" * min(left, CHUNK))
        os.fsync(fd)
    finally:
        if handle_fd is None:
            os.close(fd)


def sync_folder(folder: Path) -> None:
    """Make a rename or unlink in `folder` durable."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
