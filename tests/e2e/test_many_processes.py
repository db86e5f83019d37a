"""Issue 13: many processes on one data folder. The app's pattern (a window's Store kept open, one
more per background job in its own thread) beside CLI commands in other processes, and a soak
with kills: every commit of every process is seen by every other, and the file stays intact.

Run with `-s` to see the soak's figures (kills, commits) that docs/trust.md quotes.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from faceaudit.core.storage.store import Store

DRIVER = Path(__file__).with_name("app_pattern_driver.py")
SEED = 20261213


def _env(home: Path) -> dict:
    return {**os.environ, "FACEAUDIT_HOME": str(home)}


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "faceaudit.cli", *args], env=_env(home), capture_output=True,
                          text=True, timeout=120)


def _cli_write(home: Path, marker: str) -> None:
    done = _cli(home, "requests", "add", "--type", "erasure", "--law", "gdpr", "--recipient", marker)
    assert done.returncode == 0, done.stderr


_READER = """
import json, sys
from faceaudit.core.storage.store import Store
with Store(sys.argv[1]) as store:
    print(json.dumps({"settings": [r["key"] for r in store.query("SELECT key FROM settings")],
                      "recipients": [r["recipient"] for r in store.query("SELECT recipient FROM requests")],
                      "integrity": store.scalar("PRAGMA integrity_check")}))
"""


def _seen_by_another_process(db: Path) -> dict:
    import json

    done = subprocess.run([sys.executable, "-c", _READER, str(db)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _recipients(store: Store) -> set[str]:
    return {row["recipient"] for row in store.query("SELECT recipient FROM requests")}


def _write(store: Store, key: str) -> None:
    with store.transaction():
        store.set_setting(key, "written")


def test_the_apps_stores_and_cli_commands_see_each_others_writes(data_home):
    # Before issue 13, a second Store in the process dropped the first one's locks on the file; a
    # CLI command then deleted the write-ahead log under both, and every later write of the app
    # went into a deleted file: lost at the next start, and invisible to every other process.
    window = Store()
    job_thread = ThreadPoolExecutor(1)
    job = job_thread.submit(Store).result()  # a background job's Store, opened in its own thread
    try:
        for round_ in range(3):
            _cli_write(data_home, f"cli-{round_}")
            _write(window, f"window-{round_}")
            job_thread.submit(_write, job, f"job-{round_}").result()
            assert f"cli-{round_}" in _recipients(window)
            assert f"cli-{round_}" in job_thread.submit(_recipients, job).result()
            seen = _seen_by_another_process(data_home / "faceaudit.db")
            assert {f"window-{round_}", f"job-{round_}"} <= set(seen["settings"])
            assert seen["integrity"] == "ok"
            assert window.scalar("PRAGMA integrity_check") == "ok"
    finally:
        job_thread.submit(job.close).result()
        job_thread.shutdown()
        window.close()
    with Store() as store:  # and after a restart, all of it is there
        assert {f"window-{n}" for n in range(3)} | {f"job-{n}" for n in range(3)} <= {
            row["key"] for row in store.query("SELECT key FROM settings")}
        assert {f"cli-{n}" for n in range(3)} <= _recipients(store)


def _job_write(key: str) -> None:
    with Store() as store:
        _write(store, key)


def _start_driver(home: Path, journal: Path, tag: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(DRIVER), str(home / "faceaudit.db"), str(journal), tag],
                            env=_env(home), start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _intact(db: Path) -> None:
    conn = sqlite3.connect(db, timeout=30)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


@pytest.fixture(params=[6, pytest.param(50, marks=pytest.mark.slow)], ids=lambda n: f"{n}-kills")
def kills(request) -> int:
    """Kills of the app-pattern process: 6 in the default run, 50 in the soak (`--runslow`)."""
    return request.param


def test_soak_app_pattern_cli_and_kills_lose_no_commit(data_home, tmp_path, kills):
    rng = random.Random(SEED)
    journal = tmp_path / "journal.txt"
    journal.touch()
    db = data_home / "faceaudit.db"
    window = Store()  # this process plays the open window throughout
    cli_written: list[str] = []
    cli_killed = 0
    try:
        for trial in range(kills):
            driver = _start_driver(data_home, journal, f"t{trial}")
            while f"t{trial}-window-" not in journal.read_text():  # kill only once it really writes
                assert driver.poll() is None, driver.stderr.read().decode()
                time.sleep(0.02)
            for step in range(rng.randint(1, 3)):
                marker = f"cli-{trial}-{step}"
                if rng.random() < 0.25:  # a CLI command killed part-way, too
                    process = subprocess.Popen(
                        [sys.executable, "-m", "faceaudit.cli", "requests", "add", "--type", "erasure", "--law",
                         "gdpr", "--recipient", marker], env=_env(data_home), start_new_session=True,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    time.sleep(rng.uniform(0.05, 0.5))
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
                    cli_killed += 1
                else:
                    _cli_write(data_home, marker)
                    cli_written.append(marker)
            time.sleep(rng.uniform(0, 0.3))
            os.killpg(driver.pid, signal.SIGKILL)
            driver.wait()
            _write(window, f"window-after-{trial}")
            with ThreadPoolExecutor(1) as job_thread:  # and a background job of this "window", as the app does
                job_thread.submit(_job_write, f"job-after-{trial}").result()
            _intact(db)
            assert set(cli_written) <= _recipients(window)
        committed = [line.split()[1] for line in journal.read_text().splitlines() if line.startswith("done ")]
        seen = _seen_by_another_process(db)
        assert seen["integrity"] == "ok"
        ours = {f"{who}-after-{n}" for n in range(kills) for who in ("window", "job")}
        assert set(committed) | ours <= set(seen["settings"])
        assert set(cli_written) <= set(seen["recipients"])
    finally:
        window.close()
    print(f"\nmany processes: {kills} kills of the app-pattern process, {cli_killed} CLI commands killed,"
          f" {len(committed)} app commits and {len(cli_written)} CLI commits, 0 lost, integrity ok after each")
