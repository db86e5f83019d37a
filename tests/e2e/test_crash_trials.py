"""Crash trials: SIGKILL (whole process group) at seeded random moments while indexing, scanning,
deciding and saving requests; after every kill the database is intact, work resumes, nothing counts twice
and nothing committed is lost.

Run with `-s` to see the figures (trials, kills, survived) that docs/trust.md quotes.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from faceaudit.core.matching.matches import candidates
from faceaudit.core.matching.scan import scan
from faceaudit.core.storage.store import Store
from tests.support.lfw_sets import build_dataset, person_photos

PERSON = "Lance_Armstrong"
SEED = 20261122
DRIVER = Path(__file__).with_name("crash_driver.py")


def _start(home: Path, *command: str) -> subprocess.Popen:
    env = {**os.environ, "FACEAUDIT_HOME": str(home)}
    return subprocess.Popen(list(command), env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def _cli(home: Path, *args: str) -> subprocess.Popen:
    return _start(home, sys.executable, "-m", "faceaudit.cli", *args)


def _run(home: Path, *args: str) -> float:
    began = time.monotonic()
    process = _cli(home, *args)
    _, err = process.communicate(timeout=600)
    assert process.returncode == 0, err.decode()
    return time.monotonic() - began


def _kill_after(process: subprocess.Popen, delay: float, after=None) -> bool:
    """SIGKILL the process group `delay` seconds after `after()` holds; False when it had already finished."""
    while after is not None and not after():
        if process.poll() is not None:
            break
        time.sleep(0.02)
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _, err = process.communicate()
            assert process.returncode == 0, err.decode()
            return False
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
    return True


def _check_intact(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()


def _done(db: Path) -> int:
    return _count(db, "SELECT COUNT(*) FROM items WHERE status != 'pending'")


def _scans(db: Path) -> int:
    return _count(db, "SELECT COUNT(*) FROM scans")


def _listed(db: Path) -> int:
    return _count(db, "SELECT COUNT(*) FROM items")


def _count(db: Path, sql: str) -> int:
    """A count read with plain sqlite3 while another process works on the database (0 on any error)."""
    try:
        with closing(sqlite3.connect(db, timeout=5)) as conn:  # closed at once: no lingering lock holder
            return conn.execute(sql).fetchone()[0]
    except sqlite3.Error:
        return 0


def _faces(db: Path) -> list[tuple]:
    with Store(db) as store:
        return [tuple(row.values()) for row in store.query(
            "SELECT i.key, f.idx, f.top, f.right, f.bottom, f.left, f.embedding FROM faces f"
            " JOIN items i ON i.id = f.item_id ORDER BY i.key, f.idx")]


def _counts(db: Path) -> tuple:
    with Store(db) as store:
        return (store.scalar("SELECT COUNT(*) FROM items"), store.scalar("SELECT COUNT(*) FROM faces"),
                store.scalar("SELECT COUNT(*) FROM items WHERE status = 'error'"),
                store.scalar("SELECT COUNT(*) FROM items WHERE status = 'pending'"))


def _candidates(db: Path, rescan: bool = True) -> list[tuple]:
    with Store(db) as store:
        scan_id = None
        if rescan:
            for progress in scan(store):
                scan_id = progress.scan_id
        return [(c.dataset, c.key, c.band, round(c.distance or 0, 6), c.decision)
                for c in candidates(store, scan_id)]


def _copy(source: Path, target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)  # the base is closed: a plain copy is a consistent snapshot
    return target


def _report(what: str, trials: int, kills: int, survived: int, extra: str = "") -> None:
    print(f"\ncrash trials [{what}]: {trials} trials, {kills} kills, {survived} survived{extra}")


@pytest.fixture(params=[10, pytest.param(50, marks=pytest.mark.slow)], ids=lambda n: f"{n}-kills")
def trials(request) -> int:
    """Kills per family: 10 in the default run, 50 in the soak (`--runslow`)."""
    return request.param


@pytest.fixture(scope="module")
def bases(lfw, tmp_path_factory):
    """Homes made once: `prepared` (references and dataset, not indexed), `indexed` (+ index and scan)."""
    root = tmp_path_factory.mktemp("crash")
    dataset = build_dataset(lfw, root / "dataset", (PERSON,), enrolled=2, strangers=16)
    prepared = root / "prepared"
    _run(prepared, "me", "add", *map(str, person_photos(lfw, PERSON)[:2]))
    _run(prepared, "dataset", "add", str(dataset), "--name", "crash")
    indexed = _copy(prepared, root / "indexed")
    index_seconds = _run(indexed, "index", "--workers", "2")
    scan_seconds = _run(indexed, "scan")
    scanned = _candidates(indexed / "faceaudit.db", rescan=False)
    assert any(c[2] == "strong" for c in scanned)
    return {"prepared": prepared, "indexed": indexed, "index_seconds": index_seconds, "scan_seconds": scan_seconds,
            "faces": _faces(indexed / "faceaudit.db"), "counts": _counts(indexed / "faceaudit.db"), "scan": scanned}


def test_indexing_killed_at_random_moments_resumes_to_the_uninterrupted_result(bases, tmp_path, trials):
    rng = random.Random(SEED)
    home = _copy(bases["prepared"], tmp_path / "home")
    db = home / "faceaudit.db"
    kills = attempts = completed = mid_work = 0
    done_before = 0
    while kills < trials and attempts < 3 * trials:
        attempts += 1
        items, _, _, pending = _counts(db)
        if items and not pending:  # a chain of resumed runs finished: it must equal the clean run
            assert _faces(db) == bases["faces"] and _counts(db) == bases["counts"]
            completed += 1
            home = _copy(bases["prepared"], home)
            done_before = 0
        process = _cli(home, "index", "--workers", "2")
        if attempts % 3 == 0:  # any moment once the run has committed its listing: workers starting, writing
            killed = _kill_after(process, rng.uniform(0.0, min(3.0, bases["index_seconds"])),
                                 lambda: _listed(db) > 0)
        else:  # while writing: after a few more photos are stored, plus a random fraction of a second
            target = done_before + rng.randint(1, 6)
            killed = _kill_after(process, rng.uniform(0, 0.3), lambda target=target: _done(db) >= target)
        kills += killed
        _check_intact(db)
        items, faces, errors, pending = _counts(db)
        assert items - pending >= done_before  # work done before the kill is kept
        mid_work += killed and 0 < items - pending < items
        done_before = items - pending
    assert kills == trials
    _run(home, "index", "--workers", "2")  # and once more to the end
    _check_intact(db)
    assert _counts(db) == bases["counts"]
    assert _faces(db) == bases["faces"]  # same keys, boxes, embedding bytes; none twice
    assert _candidates(db) == bases["scan"]
    _report("index", attempts, kills, kills, f" ({mid_work} with part of the dataset done;"
            f" {completed + 1} chains of resumed runs ended equal to the uninterrupted run)")


def test_scan_killed_at_random_moments_scans_again_to_the_same_candidates(bases, tmp_path, trials):
    rng = random.Random(SEED + 1)
    home = _copy(bases["indexed"], tmp_path / "home")
    db = home / "faceaudit.db"
    kills = attempts = unfinished = 0
    while kills < trials and attempts < 6 * trials:
        attempts += 1
        started = _scans(db)
        # After the scan's first commit (its row in `scans`), within the short work that follows
        # (a small dataset scans in a fraction of a second; a run that ends first is tried again).
        kills += _kill_after(_cli(home, "scan"), rng.uniform(0.0, 0.15), lambda started=started: _scans(db) > started)
        _check_intact(db)
        with Store(db) as store:
            unfinished += store.scalar("SELECT COUNT(*) FROM scans WHERE finished IS NULL") > 0
        assert _candidates(db) == bases["scan"]  # scanning again works and gives the same list
    assert kills == trials
    with Store(db) as store:
        assert store.scalar("SELECT COUNT(*) FROM matches") == len(bases["scan"])  # no candidate twice
    _report("scan", attempts, kills, kills, f" ({unfinished} left a started scan behind)")


def _driver_trials(bases, tmp_path, mode: str, seed: int, trials: int) -> tuple[Path, Path, int, int]:
    rng = random.Random(seed)
    home = _copy(bases["indexed"], tmp_path / "home")
    journal = tmp_path / "journal.txt"
    journal.touch()
    kills = 0
    for trial in range(trials):
        process = _start(home, sys.executable, str(DRIVER), mode, str(home / "faceaudit.db"), str(journal),
                         str(seed * 100 + trial))
        committed = journal.read_text().count("done ")
        # Once this run has committed its first change (however long its start-up took), within
        # the next second: mid-call, between calls, or while the journal is being written.
        killed = _kill_after(process, rng.uniform(0.0, 1.0),
                             lambda committed=committed: journal.read_text().count("done ") > committed)
        assert killed, "the driver loops until killed"
        kills += 1
        _check_intact(home / "faceaudit.db")
    commits = journal.read_text().count("done ")
    return home / "faceaudit.db", journal, kills, commits


def test_review_decisions_killed_at_random_moments_lose_nothing_committed(bases, tmp_path, trials):
    db, journal, kills, commits = _driver_trials(bases, tmp_path, "review", SEED + 2, trials)
    last: dict[int, str] = {}
    pending: dict[int, str] = {}
    for line in journal.read_text().splitlines():
        state, match_id, decision = line.split()
        (last if state == "done" else pending)[int(match_id)] = decision.replace("-", "_")
        if state == "done":
            pending.pop(int(match_id), None)
    with Store(db) as store:
        stored = {row["id"]: row["decision"] for row in store.query("SELECT id, decision FROM matches")}
    for match_id, decision in stored.items():
        allowed = {last.get(match_id, "unreviewed")} | ({pending[match_id]} if match_id in pending else set())
        assert decision in allowed, (match_id, decision, allowed)
    assert commits > trials
    assert _candidates(db, rescan=True)  # the app still works on it
    _report("review decisions", trials, kills, trials, f" ({commits} decisions committed, 0 lost)")


def test_request_saves_killed_at_random_moments_lose_nothing_committed(bases, tmp_path, trials):
    db, journal, kills, commits = _driver_trials(bases, tmp_path, "requests", SEED + 3, trials)
    added: dict[str, int] = {}
    noted: dict[str, int] = {}
    tried: set[str] = set()
    for line in journal.read_text().splitlines():
        state, kind, marker, *rest = line.split()
        if state == "try":
            tried.add(marker)
        elif kind == "add":
            added[marker] = int(rest[0])
        else:
            noted[marker] = int(rest[0])
    with Store(db) as store:
        rows = store.query("SELECT id, recipient, notes FROM requests")
    text = "\n".join(row["notes"] for row in rows)
    by_recipient: dict[str, list[int]] = {}
    for row in rows:
        by_recipient.setdefault(row["recipient"], []).append(row["id"])
    for marker, request_id in added.items():
        assert by_recipient.get(f"recipient {marker}") == [request_id], marker  # there, once
    for marker, request_id in noted.items():
        notes = next(row["notes"] for row in rows if row["id"] == request_id)
        assert notes.count(f"[{marker}]") == 1, marker
    for marker in tried - set(added) - set(noted):  # cut off mid-call: committed once or not at all
        assert text.count(f"[{marker}]") <= 1
    assert commits > trials
    _report("request saves", trials, kills, trials, f" ({commits} saves committed, 0 lost)")
