"""What went wrong with the disk or the database, in words a person can act on.

SQLite and the file system report a damaged database, a full disk, a read-only folder or a
database busy in another process as bare exceptions ("database disk image is malformed", "disk
I/O error"). `explain` turns each into a FaceAuditError that says what happened and names the
fix (an Action each front end words). A damaged database is first copied aside, byte for byte,
so that nothing more is lost whatever the person does next.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path

from faceaudit.core.errors import Action, FaceAuditError
from faceaudit.core.storage import paths
from faceaudit.core.storage.store import close_stores

__all__ = ["StorageProblem", "DatabaseDamaged", "DiskFull", "DataFolderReadOnly", "DatabaseBusy", "explain",
           "damaged_copy_name"]

# SQLite's primary result codes (the low byte of an extended code).
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26


class StorageProblem(FaceAuditError, OSError):
    """The disk or the database stopped FaceAudit; nothing after the last saved step was changed."""


class DatabaseDamaged(StorageProblem):
    """The database file is damaged; a copy of it was kept (`copy`)."""

    def __init__(self, message: str, copy: Path | None, database: Path):
        super().__init__(message, action=Action.RESTORE_DATABASE, subject=str(database))
        self.copy = copy


class DiskFull(StorageProblem):
    """No space left where FaceAudit writes."""


class DataFolderReadOnly(StorageProblem):
    """FaceAudit may not write where it must (a read-only folder, disk or file)."""


class DatabaseBusy(StorageProblem):
    """Another process held the database longer than FaceAudit waits."""


def explain(error: BaseException, database: Path | None = None) -> StorageProblem | None:
    """The error in words, or None when it is not a disk or database problem (then it is a bug).

    Args:
        error: what SQLite or the file system raised.
        database: the database file concerned (default: the data folder's).
    """
    if isinstance(error, StorageProblem):
        return error
    if isinstance(error, sqlite3.Error):
        return _explain_sqlite(error, database)
    if isinstance(error, OSError):
        return _explain_os(error)
    return None


def _explain_sqlite(error: sqlite3.Error, database: Path | None) -> StorageProblem | None:
    code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
    text = str(error)
    if code in (_CORRUPT, _NOTADB) or "malformed" in text or "not a database" in text:
        return _damaged(database or _default_database(), text)
    if code == _FULL or "disk is full" in text:
        return _disk_full(text)
    if code == _READONLY or "readonly database" in text:
        return DataFolderReadOnly(f"FaceAudit may not write its database in {_folder(database)} ({text}); nothing"
                                  " was changed", action=Action.MAKE_WRITABLE, subject=str(_folder(database)))
    if code == _CANTOPEN or "unable to open database" in text:
        return DataFolderReadOnly(f"the database in {_folder(database)} cannot be opened ({text}): the folder may be"
                                  " read-only, gone, or on a disk that is not connected", action=Action.MAKE_WRITABLE,
                                  subject=str(_folder(database)))
    if code in (_BUSY, _LOCKED) or "database is locked" in text:
        return DatabaseBusy("another FaceAudit window or command kept the database busy for longer than FaceAudit"
                            " waits; nothing was changed", action=Action.WAIT_FOR_OTHER)
    if code == _IOERR or "disk I/O error" in text:
        return StorageProblem(f"the disk reported an error while FaceAudit used its database ({text}); nothing after"
                              " the last saved step was changed. The disk may be full, removed, or failing",
                              action=Action.FREE_SPACE)
    return None


def _explain_os(error: OSError) -> StorageProblem | None:
    where = f" ({error.filename})" if error.filename else ""
    if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return _disk_full(f"{error.strerror or error}{where}")
    if error.errno == errno.EROFS or (error.errno in (errno.EACCES, errno.EPERM) and _in_data_folder(error.filename)):
        subject = str(error.filename or paths.data_home(create=False))
        return DataFolderReadOnly(f"FaceAudit may not write{where}: {error.strerror or error}",
                                  action=Action.MAKE_WRITABLE, subject=subject)
    return None


def _disk_full(detail: str) -> DiskFull:
    return DiskFull(f"the disk is full ({detail}); nothing after the last saved step was written",
                    action=Action.FREE_SPACE)


def damaged_copy_name(database: Path) -> Path:
    """Where the copy of a damaged database goes: one name per damaged state (size and time), so
    that the same damage seen again is not copied again."""
    info = database.stat()
    return database.with_name(f"{database.name}.damaged-{info.st_mtime_ns}-{info.st_size}")


def _damaged(database: Path, detail: str) -> DatabaseDamaged:
    copy = None
    try:
        if database.is_file():
            # Every connection of this process to it is closed first: copying opens and closes the
            # file, which would drop their locks (and they cannot be used on a damaged file anyway).
            close_stores(database)
            copy = damaged_copy_name(database)
            if not copy.exists():
                shutil.copyfile(database, copy.with_name(copy.name + ".tmp"))
                copy.with_name(copy.name + ".tmp").replace(copy)
            wal = Path(f"{database}-wal")
            if wal.is_file() and not Path(f"{copy}-wal").exists():
                shutil.copyfile(wal, f"{copy}-wal")  # committed changes not yet folded into the file
    except OSError:
        copy = None
    kept = f" FaceAudit kept a copy of it as {copy}." if copy else " FaceAudit could not copy it (see the disk)."
    return DatabaseDamaged(f"the database {database} is damaged ({detail}).{kept} Nothing more is written to it",
                           copy, database)


def _default_database() -> Path:
    return paths.data_home(create=False) / "faceaudit.db"


def _folder(database: Path | None) -> Path:
    return (database or _default_database()).parent


def _in_data_folder(filename) -> bool:
    if not filename:
        return False
    home = paths.data_home(create=False).resolve()
    target = Path(filename).resolve()
    return target == home or home in target.parents
