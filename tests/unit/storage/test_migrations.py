"""Migrations 4-6 (issue 13) on a database made by migrations 1-3: nothing lost, new statuses and columns there."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from faceaudit.core.storage import migrations
from faceaudit.core.storage.store import Store


def _old_database(path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    db = sqlite_utils.Database(conn)
    db.execute("CREATE TABLE _migrations (id INTEGER PRIMARY KEY, name TEXT, applied TEXT)")
    for number, name, migrate in migrations.MIGRATIONS[:3]:
        migrate(db)
        db.execute("INSERT INTO _migrations VALUES (?, ?, datetime('now'))", [number, name])
    conn.executescript(
        """
        INSERT INTO datasets (id, name, path, kind, added) VALUES (1, 'd', '/x', 'folder', 'now');
        INSERT INTO items (id, dataset_id, key, status, sha256)
            VALUES (1, 1, 'a.jpg', 'done', 'aa'), (2, 1, 'b.jpg', 'error', 'bb');
        INSERT INTO faces (item_id, dataset_id, idx, top, right, bottom, left, embedding)
            VALUES (1, 1, 0, 1, 2, 3, 0, x'00');
        INSERT INTO scans (id, started) VALUES (1, 'now');
        INSERT INTO matches (dataset_id, item_id, face_idx, scan_id, decision, first_seen)
            VALUES (1, 1, 0, 1, 'me', 'now');
        """)
    conn.close()


def test_a_database_of_migrations_1_to_3_keeps_every_row(data_home, tmp_path):
    path = tmp_path / "old.db"
    _old_database(path)
    with Store(path) as store:
        assert store.scalar("SELECT COUNT(*) FROM faces") == 1
        assert store.query("SELECT decision FROM matches") == [{"decision": "me"}]
        assert [r["status"] for r in store.query("SELECT status FROM items ORDER BY id")] == ["done", "error"]
        store.conn.execute("UPDATE items SET status = 'unavailable', prior_status = 'done' WHERE id = 1")
        assert store.scalar("PRAGMA foreign_keys") == 1
        assert store.scalar("PRAGMA integrity_check") == "ok"
        plan = " ".join(str(row) for row in store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM items WHERE sha256 = 'aa' AND status = 'done'"))
        assert "items_sha256_status" in plan
        with pytest.raises(sqlite3.IntegrityError):
            store.conn.execute("UPDATE items SET status = 'gone' WHERE id = 1")
        store.conn.execute("DELETE FROM items WHERE id = 1")  # the references still cascade
        assert store.scalar("SELECT COUNT(*) FROM matches") == 0


def test_a_failing_migration_changes_nothing(data_home, tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    _old_database(path)

    def broken(db):
        db.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("cut off")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, (99, "broken", broken)])
    with pytest.raises(RuntimeError, match="cut off"):
        Store(path)
    conn = sqlite3.connect(path)
    assert [row[0] for row in conn.execute("SELECT id FROM _migrations")] == [1, 2, 3]
    leftovers = conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name IN ('half_done', 'items_new')")
    assert leftovers.fetchone()[0] == 0
    conn.close()
