"""Acceptance: indexing killed with SIGKILL part-way resumes to exactly an uninterrupted result."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

from faceaudit.core.matching.matches import candidates
from faceaudit.core.matching.scan import scan
from faceaudit.core.storage.store import Store
from tests.support.lfw_sets import build_dataset, person_photos

PERSON = "Lance_Armstrong"


def _cli(home, *args, **kwargs):
    env = {**os.environ, "FACEAUDIT_HOME": str(home)}
    return subprocess.Popen([sys.executable, "-m", "faceaudit.cli", *args], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)


def _run(home, *args):
    process = _cli(home, *args)
    _, err = process.communicate(timeout=600)
    assert process.returncode == 0, err.decode()


def _done(db) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM items WHERE status != 'pending'").fetchone()[0]
    except sqlite3.Error:
        return 0


def _faces(home):
    with Store(home / "faceaudit.db") as store:
        return store.query(
            "SELECT i.key, f.idx, f.top, f.right, f.bottom, f.left, f.embedding FROM faces f"
            " JOIN items i ON i.id = f.item_id ORDER BY i.key, f.idx")


def _scan(home):
    with Store(home / "faceaudit.db") as store:
        for progress in scan(store):
            pass
        return [(c.key, c.band, c.distance) for c in candidates(store, progress.scan_id)]


def _prepare(home, dataset, lfw):
    photos = person_photos(lfw, PERSON)[:2]
    _run(home, "me", "add", *map(str, photos))
    _run(home, "dataset", "add", str(dataset), "--name", "lfw-part")


def test_sigkill_mid_index_then_resume_equals_uninterrupted(lfw, tmp_path):
    dataset = build_dataset(lfw, tmp_path / "dataset", (PERSON,), enrolled=2, strangers=140)
    total = sum(1 for _ in dataset.rglob("*.jpg"))
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    for home in (killed, clean):
        _prepare(home, dataset, lfw)

    process = _cli(killed, "index", "--workers", "2")
    deadline = time.monotonic() + 300
    while _done(killed / "faceaudit.db") < total // 3:
        assert process.poll() is None, "indexing ended before it could be killed"
        assert time.monotonic() < deadline, "indexing made no progress"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the CLI and its worker processes, mid-batch
    process.wait()
    part = _done(killed / "faceaudit.db")
    assert 0 < part < total, f"killed at {part}/{total}: not part-way"

    with sqlite3.connect(killed / "faceaudit.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    _run(killed, "index", "--workers", "2")
    _run(clean, "index", "--workers", "2")

    resumed, uninterrupted = _faces(killed), _faces(clean)
    assert len(resumed) == len(uninterrupted) >= total - 5
    assert resumed == uninterrupted  # same keys, boxes and embedding bytes, none twice
    assert _scan(killed) == _scan(clean)
