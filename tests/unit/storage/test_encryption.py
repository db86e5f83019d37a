"""Encryption at rest: round trip, wrong passphrase, tampering, the plain file gone, every command refusing."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from faceaudit.core.letters.requests import add_request, list_requests
from faceaudit.core.storage import paths
from faceaudit.core.storage.encryption import CHUNK, DataLocked, EncryptionError, encrypted_path, lock, unlock
from faceaudit.core.storage.store import Store

SECRET = "correct horse battery staple"
MARKER = "Jane-Doe-private-note-4711"


def _files(home) -> list[str]:
    """The data folder's files, less the two that stay there for good (the folder's marker, the lock guard)."""
    return sorted(p.name for p in home.iterdir() if p.name not in (paths.MARKER, "faceaudit.db.lock-guard"))


def _filled_store(data_home, big: bool = False) -> None:
    with Store() as store:
        add_request(store, "erasure", "gdpr", "University", notes=MARKER)
        if big:  # more than one encrypted piece
            store.set_setting("padding", os.urandom(CHUNK + 12345).hex())


def test_round_trip_leaves_no_plain_file(data_home):
    _filled_store(data_home, big=True)
    database = data_home / "faceaudit.db"
    target = lock(SECRET)
    assert target == encrypted_path() and target.exists()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert _files(data_home) == ["faceaudit.db.enc"]  # no db, -wal, -shm, temp file
    assert MARKER.encode() not in target.read_bytes()
    with pytest.raises(DataLocked, match="locked"):
        Store()
    assert not database.exists()  # refusing did not create an empty database
    unlock(SECRET)
    assert not target.exists()
    with Store() as store:
        assert [r.notes for r in list_requests(store)] == [MARKER]
        assert len(store.get_setting("padding")) == 2 * (CHUNK + 12345)


def test_wrong_passphrase_is_a_clear_error_and_loses_nothing(data_home):
    _filled_store(data_home)
    target = lock(SECRET)
    before = target.read_bytes()
    with pytest.raises(EncryptionError, match="wrong passphrase"):
        unlock("not it")
    assert target.read_bytes() == before
    assert _files(data_home) == ["faceaudit.db.enc"]
    unlock(SECRET)
    with Store() as store:
        assert [r.notes for r in list_requests(store)] == [MARKER]


@pytest.mark.parametrize("change", ["flip a data byte", "flip a header byte", "cut the end", "append a piece",
                                    "not ours"])
def test_a_changed_file_is_detected(data_home, change):
    _filled_store(data_home, big=True)
    target = lock(SECRET)
    data = bytearray(target.read_bytes())
    if change == "flip a data byte":
        data[len(data) // 2] ^= 1
    elif change == "flip a header byte":
        data[12] ^= 1  # the salt
    elif change == "cut the end":
        data = data[:-(len(data) // 3)]
    elif change == "append a piece":
        data += data[-100:]
    else:
        data = bytearray(b"SQLite format 3\0" + bytes(200))
    target.write_bytes(bytes(data))
    with pytest.raises(EncryptionError, match="changed|damaged|not a FaceAudit"):
        unlock(SECRET)
    assert not (data_home / "faceaudit.db").exists()
    assert not any(p.name.endswith(".tmp") for p in data_home.iterdir())


def test_lock_refuses_twice_and_without_a_database(data_home):
    with pytest.raises(EncryptionError, match="no database"):
        lock(SECRET)
    _filled_store(data_home)
    with pytest.raises(EncryptionError, match="empty"):
        lock("")
    lock(SECRET)
    with pytest.raises(EncryptionError, match="already locked"):
        lock(SECRET)
    unlock(SECRET)
    with pytest.raises(EncryptionError, match="not locked"):
        unlock(SECRET)


def test_lock_refuses_a_database_in_use_and_changes_nothing(data_home):
    _filled_store(data_home)
    with Store() as open_elsewhere:  # the GUI, say, still running
        with pytest.raises(EncryptionError, match="in use"):
            lock(SECRET)
        assert not encrypted_path().exists() and not any(p.name.endswith(".tmp") for p in data_home.iterdir())
        assert [r.notes for r in list_requests(open_elsewhere)] == [MARKER]
    lock(SECRET)


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "faceaudit.cli", *args], input=stdin, capture_output=True,
                          text=True, timeout=120)


def test_cli_lock_warns_and_every_command_says_locked(data_home):
    _filled_store(data_home)
    done = _cli("lock", "--passphrase-stdin", stdin=SECRET + "\n")
    assert done.returncode == 0, done.stderr
    assert "lose this passphrase" in done.stderr and "data is lost" in done.stderr
    for command in (["requests", "list"], ["scan"], ["registry", "list"]):
        refused = _cli(*command)
        assert refused.returncode == 2 and "locked" in refused.stderr, command
    wrong = _cli("unlock", "--passphrase-stdin", stdin="nope\n")
    assert wrong.returncode == 2 and "wrong passphrase" in wrong.stderr
    assert _cli("unlock", "--passphrase-stdin", stdin=SECRET + "\n").returncode == 0
    shown = _cli("requests", "show", "1")
    assert shown.returncode == 0 and MARKER in shown.stdout


@pytest.mark.parametrize("cost", [(22, 16, 4), (31, 255, 255), (20, 8, 1), (15, 8, 255), (0, 0, 0), (15, 0, 1)],
                         ids=lambda cost: "scrypt-{}-{}-{}".format(*cost))
def test_a_tampered_key_cost_header_is_refused_before_any_key_is_derived(data_home, cost):
    # Issue 13: (22, 16, 4) once cost 8.25 GB and 85 s, then a traceback. Now: refused at once.
    import time

    _filled_store(data_home)
    target = lock(SECRET)
    data = bytearray(target.read_bytes())
    data[8:11] = bytes(cost)  # log2(n), r, p follow the 8-byte magic
    target.write_bytes(bytes(data))
    began = time.monotonic()
    with pytest.raises(EncryptionError, match="key settings FaceAudit never writes"):
        unlock(SECRET)
    assert time.monotonic() - began < 1.0
    done = _cli("unlock", "--passphrase-stdin", stdin=SECRET + "\n")
    assert done.returncode == 2 and "its header was changed, so it was not opened" in done.stderr
    assert "Traceback" not in done.stderr
    assert _files(data_home) == ["faceaudit.db.enc"]
