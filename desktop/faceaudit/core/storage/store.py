"""The local SQLite database: one file, private to its owner, opened per thread."""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from faceaudit.core.storage import paths
from faceaudit.core.storage.encryption import DataLocked, is_locked
from faceaudit.core.storage.lock_journal import finish_interrupted

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Store", "now", "to_blob", "from_blob", "close_stores", "BUSY_TIMEOUT_S"]


def now() -> str:
    """The current time as an ISO 8601 UTC string (what the database stores)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def to_blob(vector: np.ndarray) -> bytes:
    """An embedding as little-endian float32 bytes."""
    import numpy as np  # here, not at the top: `faceaudit dataset list` opens the store without numpy

    return np.asarray(vector, dtype="<f4").tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    """An embedding back from its bytes."""
    import numpy as np

    return np.frombuffer(blob, dtype="<f4")


class Store:
    """FaceAudit's database.

    A Store (and its connection) belongs to the thread that opened it; other threads and
    processes open their own. Writes of a long job go through one writer (see indexing.py).

    Args:
        path: the database file; the default is `faceaudit.db` in the data folder.

    Raises:
        DataLocked: the database is encrypted (unlock it first).
        LockBusy: another process is locking or unlocking the database right now.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        # Imported here, not at the top: a module that only needs this one's names (`now`, the
        # vocabularies beside a store function) then costs `faceaudit --help` no database library.
        import sqlite_utils

        from faceaudit.core.storage.migrations import apply_migrations

        self.path = Path(path) if path else paths.database_path()
        #: What was done about a lock or unlock cut off earlier (naming the good copy), or None.
        self.recovered = finish_interrupted(self.path)
        if is_locked(self.path):
            raise DataLocked()
        _create_private(self.path)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        self.conn = conn
        _open_stores.add(self)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            self.db = sqlite_utils.Database(conn)
            apply_migrations(self.db)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Close the connection (again: nothing)."""
        _open_stores.discard(self)
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def transaction(self):
        """A context manager: everything inside commits together or not at all."""
        return _Transaction(self.conn)

    def query(self, sql: str, params=()) -> list[dict]:
        """Rows of a read query as dicts."""
        return list(self.db.query(sql, params))

    def scalar(self, sql: str, params=()):
        """The first column of the first row (or None)."""
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        """A stored setting's value."""
        value = self.scalar("SELECT value FROM settings WHERE key = ?", [key])
        return default if value is None else value

    def set_setting(self, key: str, value: str) -> None:
        """Store a setting."""
        self.conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", [key, value])


#: How long a Store waits for another connection's write to end before "database is locked".
BUSY_TIMEOUT_S = 30.0

#: Every Store of this process that is open (to close them before a damaged file is copied).
_open_stores: weakref.WeakSet[Store] = weakref.WeakSet()


def close_stores(path: Path) -> None:
    """Close this process's Stores on `path` that this thread may close (a damaged file is about to be copied)."""
    for store in list(_open_stores):
        if store.path.resolve() == Path(path).resolve():
            try:
                store.close()
            except sqlite3.ProgrammingError:
                pass  # opened in another thread; it ends with its job


class _Transaction:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, *_exc):
        if exc_type is None:
            self.conn.execute("COMMIT")
        elif self.conn.in_transaction:  # SQLite has already rolled back after some errors (a full disk)
            self.conn.execute("ROLLBACK")
        return False


def _create_private(path: Path) -> None:
    """Create the database file, private to its owner, when it does not exist yet; else touch nothing.

    Only SQLite opens the file once it exists: closing any other descriptor of it would drop every
    POSIX lock this process holds on it (the locks of every other Store in the process with them),
    and another process could then checkpoint and delete the write-ahead log under a live
    connection ("disk I/O error", lost writes).
    """
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    # Made under another name and closed, then linked into place: no descriptor of ours is ever open
    # on the file once another thread or process can see it. SQLite gives its -wal and -shm files
    # this file's mode.
    temp = path.with_name(f"{path.name}.new-{os.getpid()}-{threading.get_ident()}")
    os.close(os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        os.link(temp, path)
    except FileExistsError:
        pass  # another thread or process made it a moment ago (and may have it open already)
    except OSError:  # a file system without hard links (FAT, some network shares): create it in place
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            pass
    finally:
        temp.unlink()
