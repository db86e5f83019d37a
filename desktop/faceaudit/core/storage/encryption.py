"""Encryption at rest of the database with a passphrase (off by default): lock, unlock, is_locked.

`lock` encrypts `faceaudit.db` into `faceaudit.db.enc` and overwrites, then deletes, the plain file;
`unlock` decrypts it back for a session. While unlocked the database is plain on disk. A lost
passphrase means lost data: nothing can recover it.

File format (all integers big-endian): MAGIC, scrypt log2(n), r, p (1 byte each), 16-byte salt,
8-byte nonce prefix, then a key check (the sealed word CHECK) and the database in CHUNK-byte pieces,
each sealed with AES-256-GCM: nonce = prefix + 4-byte piece number, associated data = header +
8-byte piece number + 1 byte "last piece", so a changed header, a swapped, cut or appended piece
fails to open.
"""

from __future__ import annotations

import io
import os
import sqlite3
from pathlib import Path

from faceaudit.core import limits
from faceaudit.core.errors import Action, FaceAuditError
from faceaudit.core.storage import paths
from faceaudit.core.storage.lock_journal import (
    Journal,
    opened_temp,
    overwrite,
    plain_side_files,
    sealed_temp,
    sync_folder,
)
from faceaudit.core.storage.private_files import open_private

__all__ = ["EncryptionError", "DataLocked", "encrypted_path", "is_locked", "lock", "unlock", "LOST_PASSPHRASE",
           "seal_bytes", "open_sealed", "is_sealed"]

MAGIC = b"FAUDENC1"
CHECK = b"faceaudit-key-check"
CHUNK = 1024 * 1024
SCRYPT = (15, 8, 1)  # log2(n), r, p: 32 MiB and about 0.1 s per derivation
_TAG = 16

#: Said by `lock` before it does anything.
LOST_PASSPHRASE = ("If you lose this passphrase your FaceAudit data is lost: nobody, not even FaceAudit, can "
                   "decrypt it without the passphrase.")


class EncryptionError(FaceAuditError, ValueError):
    """A wrong passphrase, a damaged or changed encrypted file, or nothing to lock or unlock."""


class DataLocked(EncryptionError):
    """The database is encrypted; it must be unlocked before use."""

    def __init__(self, message: str = "the data is locked (encrypted at rest)"):
        super().__init__(message, action=Action.UNLOCK)


def encrypted_path(database: Path | None = None) -> Path:
    """Where the encrypted database lives (next to the plain one)."""
    database = database or paths.database_path()
    return database.with_name(database.name + ".enc")


def is_locked(database: Path | None = None) -> bool:
    """True when the database is held encrypted (and so cannot be opened)."""
    return encrypted_path(database).exists()


def lock(passphrase: str, database: Path | None = None) -> Path:
    """Encrypt the database into `faceaudit.db.enc`, then overwrite and delete the plain file.

    Close the app (every window and command) first: a database in use cannot be locked safely.
    Journalled (see lock_journal): a kill at any moment leaves one good copy, and the next command
    finishes or undoes the lock.

    Returns:
        The encrypted file.

    Raises:
        EncryptionError: already locked, no database, an empty passphrase, or the database is in
            use (nothing is changed then).
    """
    database = database or paths.database_path()
    target = encrypted_path(database)
    _check_passphrase(passphrase)
    with Journal(database, "lock") as journal:
        if target.exists():
            raise EncryptionError(f"the data is already locked ({target})")
        if not database.is_file():
            raise EncryptionError(f"there is no database to lock at {database}")
        journal.begin()
        # One descriptor, opened before SQLite's and closed after it: reading and overwriting through
        # it never drops the exclusive lock SQLite holds (closing a descriptor drops them all).
        plain_fd = os.open(database, os.O_RDWR | getattr(os, "O_BINARY", 0))
        try:
            conn = _take_alone(database)
            try:
                _seal(passphrase, plain_fd, sealed_temp(database))
                os.replace(sealed_temp(database), target)
                sync_folder(target.parent)
                # Overwrite while still holding the lock: a process that was waiting for it then finds
                # zeros (and fails loudly) instead of writing into a file about to be unlinked.
                overwrite(database, plain_fd)
            finally:
                conn.close()
        finally:
            os.close(plain_fd)
        database.unlink()
        for path in plain_side_files(database):
            if path.exists():
                overwrite(path)
                path.unlink()
        sync_folder(target.parent)
    return target


def unlock(passphrase: str, database: Path | None = None) -> Path:
    """Decrypt `faceaudit.db.enc` back into the plain database and delete the encrypted file.

    Nothing changes when the passphrase is wrong or the file was damaged. Journalled like `lock`.

    Returns:
        The plain database.

    Raises:
        EncryptionError: not locked, a wrong passphrase, a damaged or changed file, or both a plain
            and an encrypted database (the message says which of them is good).
    """
    database = database or paths.database_path()
    source = encrypted_path(database)
    with Journal(database, "unlock") as journal:
        if not source.exists():
            raise EncryptionError("the data is not locked")
        if database.exists():
            raise EncryptionError(_which_is_good(database, source, passphrase))
        journal.begin()
        temp = opened_temp(database)
        _decrypt_to(source, passphrase, temp)
        os.replace(temp, database)
        sync_folder(database.parent)
        source.unlink()
        sync_folder(database.parent)
    return database


def seal_bytes(passphrase: str, plain: bytes) -> bytes:
    """`plain` sealed in the database's format (for files made elsewhere with the same privacy: index parts)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    _check_passphrase(passphrase)
    salt, prefix = os.urandom(16), os.urandom(8)
    header = MAGIC + bytes(SCRYPT) + salt + prefix
    aead = AESGCM(_key(passphrase, salt, SCRYPT))
    sealed = [header, aead.encrypt(prefix + b"\xff" * 4, CHECK, header + b"check")]
    for number, piece, last in _pieces(io.BytesIO(plain)):
        sealed.append(aead.encrypt(_nonce(prefix, number), piece, _ad(header, number, last)))
    return b"".join(sealed)


def is_sealed(head: bytes) -> bool:
    """True when a file starting with `head` is sealed in this format."""
    return head.startswith(MAGIC)


def open_sealed(source: Path, passphrase: str) -> bytes:
    """The plain bytes of a file `seal_bytes` made.

    Raises:
        EncryptionError: a wrong passphrase, or the file is damaged or was changed.
    """
    sink = io.BytesIO()
    _decrypt_to(source, passphrase, None, sink)
    return sink.getvalue()


def _seal(passphrase: str, plain_fd: int, temp: Path) -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # here: every command checks the lock, few use it

    salt, prefix = os.urandom(16), os.urandom(8)
    header = MAGIC + bytes(SCRYPT) + salt + prefix
    aead = AESGCM(_key(passphrase, salt, SCRYPT))
    os.lseek(plain_fd, 0, os.SEEK_SET)
    plain = os.fdopen(os.dup(plain_fd), "rb")  # a duplicate shares the open file: closing it drops no lock
    with open_private(temp) as out, plain:
        out.write(header)
        out.write(aead.encrypt(prefix + b"\xff" * 4, CHECK, header + b"check"))
        for number, piece, last in _pieces(plain):
            out.write(aead.encrypt(_nonce(prefix, number), piece, _ad(header, number, last)))
        out.flush()
        os.fsync(out.fileno())
    _decrypt_to(temp, passphrase, None)  # read it back before anything plain is touched


def _which_is_good(database: Path, source: Path, passphrase: str) -> str:
    """Both copies exist and no journal (an older FaceAudit cut off, or a copy put back): say which is good."""
    try:
        _decrypt_to(source, passphrase, None)
        encrypted_good, encrypted = True, "opens with this passphrase and is complete"
    except EncryptionError as exc:
        encrypted_good, encrypted = False, f"cannot be used ({exc})"
    plain_problem = _plain_problem(database)
    plain = f"is damaged ({plain_problem})" if plain_problem else "is a complete database"
    both = (f"both {database} (plain) and {source} (encrypted) exist. The encrypted file {encrypted}; the plain"
            f" file {plain}.")
    if encrypted_good and plain_problem:
        return f"{both} The encrypted file is the good copy: move {database.name} out of the folder, then unlock again"
    if not plain_problem and not encrypted_good:
        return f"{both} The plain database is the good copy: move {source.name} out of the folder to use it"
    if not plain_problem:
        return (f"{both} Both are good copies: the encrypted one was written {_when(source)}, the plain one last"
                f" changed {_when(database)}; move the one you do not want out of the folder")
    return f"{both} Neither is a good copy; restore one from a backup"


def _plain_problem(database: Path) -> str | None:
    """Why the plain file is not a whole FaceAudit database, or None when it is."""
    try:
        conn = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
        try:
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
            ours = conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'datasets'").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"{exc}; a lock cut off while overwriting it leaves zeros"
    if verdict != "ok" or not ours:
        return "partly overwritten, or not FaceAudit's"
    return None


def _when(path: Path) -> str:
    from datetime import datetime

    return datetime.fromtimestamp(path.stat().st_mtime).isoformat(sep=" ", timespec="minutes")


def _decrypt_to(source: Path, passphrase: str, target: Path | None, sink=None) -> None:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    with open(source, "rb") as encrypted:
        header = encrypted.read(len(MAGIC) + 3 + 16 + 8)
        if len(header) < len(MAGIC) + 27 or not header.startswith(MAGIC):
            raise EncryptionError(f"{source} is not a FaceAudit encrypted database (or its start is damaged)")
        params = tuple(header[len(MAGIC):len(MAGIC) + 3])
        salt, prefix = header[len(MAGIC) + 3:len(MAGIC) + 19], header[len(MAGIC) + 19:]
        _check_key_cost(source, params)
        aead = AESGCM(_key(passphrase, salt, params))
        try:
            aead.decrypt(prefix + b"\xff" * 4, encrypted.read(len(CHECK) + _TAG), header + b"check")
        except InvalidTag:
            raise EncryptionError("wrong passphrase (or the file's header was changed); nothing was changed") from None
        out = open_private(target) if target else sink
        try:
            for number, piece, last in _pieces(encrypted, CHUNK + _TAG):
                try:
                    plain = aead.decrypt(_nonce(prefix, number), piece, _ad(header, number, last))
                except InvalidTag:
                    raise EncryptionError(f"{source} is damaged or was changed (piece {number} fails its check);"
                                          " nothing was changed") from None
                if out:
                    out.write(plain)
            if target:
                out.flush()
                os.fsync(out.fileno())
        finally:
            if target:
                out.close()


def _pieces(handle, size: int = CHUNK):
    number, piece = 0, handle.read(size)
    while True:
        following = handle.read(size)
        yield number, piece, not following
        if not following:
            return
        number, piece = number + 1, following


def _nonce(prefix: bytes, number: int) -> bytes:
    if number >= 0xFFFFFFFF:
        raise EncryptionError("the database is too large to encrypt (over 4 PiB)")
    return prefix + number.to_bytes(4, "big")


def _ad(header: bytes, number: int, last: bool) -> bytes:
    return header + number.to_bytes(8, "big") + (b"\x01" if last else b"\x00")


def _key(passphrase: str, salt: bytes, params: tuple[int, ...]) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    log_n, r, p = params
    return Scrypt(salt=salt, length=32, n=2**log_n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _check_key_cost(source: Path, params: tuple[int, ...]) -> None:
    # Bounded before any key is derived: the header is checked (as associated data) only after the
    # derivation, and a changed header could otherwise ask for gigabytes and minutes.
    log_n, r, p = params
    memory, work = 128 * r * 2**log_n, 2**log_n * r * p
    too_costly = memory > limits.MAX_KEY_COST_MEMORY_BYTES or work > limits.MAX_KEY_COST_WORK
    if min(log_n, r, p) < 1 or too_costly:
        raise EncryptionError(f"{source} asks for key settings FaceAudit never writes (scrypt 2^{log_n}, r={r}, p={p});"
                              " its header was changed, so it was not opened")


def _check_passphrase(passphrase: str) -> None:
    if not passphrase:
        raise EncryptionError("the passphrase is empty")


def _take_alone(database: Path) -> sqlite3.Connection:
    # Fold every committed page from the -wal file into the database file, leave WAL mode (SQLite
    # refuses that while any other connection is open: this is how an open app is detected) and
    # hold an exclusive lock until the plain file is overwritten. Store() turns WAL on again.
    conn = sqlite3.connect(database, timeout=2, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("BEGIN EXCLUSIVE")
    except sqlite3.OperationalError:
        conn.close()
        raise EncryptionError("the database is in use; close FaceAudit (every window and command) and try again"
                              ) from None
    except sqlite3.Error as exc:
        conn.close()
        raise EncryptionError(f"cannot lock the database: {exc}") from None
    return conn
