"""The database: private file and folder, migrations applied once, write-ahead log."""

from __future__ import annotations

import os
import stat

import pytest

from faceaudit.core.storage import paths
from faceaudit.core.storage.migrations import MIGRATIONS, apply_migrations
from faceaudit.core.storage.store import Store, from_blob, to_blob

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_migrations_are_applied_once(data_home):
    with Store() as store:
        numbers = [row[0] for row in store.conn.execute("SELECT id FROM _migrations ORDER BY id")]
        assert numbers == [number for number, _, _ in MIGRATIONS]
        assert apply_migrations(store.db) == []
        store.set_setting("kept", "yes")
    with Store() as store:  # opening again migrates nothing and keeps the data
        assert store.conn.execute("SELECT COUNT(*) FROM _migrations").fetchone()[0] == len(MIGRATIONS)
        assert store.get_setting("kept") == "yes"


@posix_only
def test_database_and_folder_are_private(data_home):
    old = os.umask(0o022)
    try:
        with Store() as store:
            store.set_setting("x", "1")  # a write, so the -wal and -shm files exist
            assert store.path == data_home / "faceaudit.db"
            assert _mode(data_home) == 0o700
            assert _mode(store.path) == 0o600
            for suffix in ("-wal", "-shm"):
                side = store.path.with_name(store.path.name + suffix)
                if side.exists():
                    assert _mode(side) & 0o077 == 0, side
            assert _mode(paths.cache_dir()) == 0o700
    finally:
        os.umask(old)


@posix_only
def test_modes_of_what_faceaudit_did_not_create_are_left_alone(data_home):
    # A sticky, world-writable folder (like /tmp) named as the data folder kept its mode, and so
    # does a database file someone made readable on purpose: FaceAudit changes no mode it did not set.
    data_home.mkdir()
    os.chmod(data_home, 0o1777)
    database = data_home / "faceaudit.db"
    Store().close()
    os.chmod(database, 0o640)
    with Store() as store:
        store.set_setting("x", "1")
    paths.cache_dir()
    assert _mode(data_home) == 0o1777
    assert _mode(database) == 0o640
    assert not paths.made_by_faceaudit(data_home)


@posix_only
def test_a_folder_faceaudit_makes_is_private_and_marked(data_home):
    paths.data_home()
    assert _mode(data_home) == 0o700
    assert paths.made_by_faceaudit(data_home)


def test_write_ahead_log(data_home):
    with Store() as store:
        assert store.scalar("PRAGMA journal_mode") == "wal"
        assert store.scalar("PRAGMA foreign_keys") == 1


def test_transaction_rolls_back_on_error(data_home):
    with Store() as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.set_setting("half", "done")
            raise RuntimeError("interrupted")
        assert store.get_setting("half") is None
        with store.transaction():
            store.set_setting("whole", "done")
        assert store.get_setting("whole") == "done"


def test_integrity_check_passes(data_home):
    with Store() as store:
        assert store.scalar("PRAGMA integrity_check") == "ok"


def test_embedding_blobs_round_trip():
    import numpy as np

    vector = np.linspace(-1, 1, 128, dtype=np.float32)
    blob = to_blob(vector)
    assert len(blob) == 512
    assert np.array_equal(from_blob(blob), vector)
