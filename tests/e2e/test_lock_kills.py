"""Issue 13: `lock` and `unlock` killed before each of their file steps, and at random moments while
they write: the next command finishes or undoes the step, says which copy is good, and exactly one
good copy of the data remains.

Run with `-s` to see the figures (kills, finished, undone) that docs/trust.md quotes.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from faceaudit.core.storage.encryption import lock
from faceaudit.core.storage.store import Store

SECRET = "correct horse battery staple"
DRIVER = Path(__file__).with_name("lock_kill_driver.py")
MARKER = "kept-through-every-kill"


def _cli(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "faceaudit.cli", *args], input=stdin, capture_output=True, text=True,
                          env={**os.environ, "FACEAUDIT_HOME": str(home)}, timeout=120)


def _driver(home: Path, operation: str, kill_at: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(DRIVER), operation, str(home / "faceaudit.db"), SECRET, str(kill_at)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


@pytest.fixture(scope="module")
def bases(tmp_path_factory) -> dict[str, Path]:
    """Two data folders made once: `plain` (unlocked) and `locked`, each holding MARKER and a few MiB."""
    root = tmp_path_factory.mktemp("lock-kills")
    plain = root / "plain"
    with Store(plain / "faceaudit.db") as store:
        store.set_setting("marker", MARKER)
        store.set_setting("padding", os.urandom(3 * 2**20).hex())  # several encrypted pieces
    locked = root / "locked"
    shutil.copytree(plain, locked)
    lock(SECRET, locked / "faceaudit.db")
    return {"lock": plain, "unlock": locked}


def _fresh(bases, operation: str, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    if home.exists():
        shutil.rmtree(home)
    shutil.copytree(bases[operation], home)
    return home


def _one_good_copy(home: Path) -> str:
    """After the next command: exactly one copy, no leftovers, and it holds the data. Returns 'plain' or 'locked'."""
    names = {p.name for p in home.iterdir()}
    assert not names & {"faceaudit.db.enc.tmp", "faceaudit.db.unlock.tmp", "faceaudit.db.lock-journal"}, names
    assert ("faceaudit.db" in names) != ("faceaudit.db.enc" in names), names
    if "faceaudit.db.enc" in names:
        opened = _cli(home, "unlock", "--passphrase-stdin", stdin=SECRET + "\n")
        assert opened.returncode == 0, opened.stderr
        state = "locked"
    else:
        state = "plain"
    with Store(home / "faceaudit.db") as store:
        assert store.get_setting("marker") == MARKER
        assert store.scalar("PRAGMA integrity_check") == "ok"
    return state


@pytest.mark.parametrize("operation", ["lock", "unlock"])
def test_killed_before_each_step_the_next_command_finishes_or_undoes_it(bases, tmp_path, operation):
    outcomes = {"plain": 0, "locked": 0}
    kill_at = 0
    while True:
        kill_at += 1
        home = _fresh(bases, operation, tmp_path)
        process = _driver(home, operation, kill_at)
        out, err = process.communicate(timeout=120)
        if process.returncode == 0:
            assert out.startswith("completed"), err
            break
        assert process.returncode == -signal.SIGKILL, err
        after = _cli(home, "requests", "list")  # any command settles what the kill left
        if (home / "faceaudit.db.lock-journal").exists():
            pytest.fail(f"the journal survived the next command: {after.stderr}")
        if "interrupted" in after.stderr:
            assert "is the good copy" in after.stderr
        outcomes[_one_good_copy(home)] += 1
        assert kill_at < 60, "the operation never completes"
    assert kill_at > 5 and outcomes["plain"] and outcomes["locked"]  # killed before each step: both ways seen
    print(f"\n{operation} killed before each of its {kill_at - 1} file steps: {outcomes['plain']} left the plain"
          f" database, {outcomes['locked']} the encrypted one; one good copy every time")


@pytest.mark.parametrize("operation", ["lock", "unlock"])
def test_killed_at_random_moments_one_good_copy_remains(bases, tmp_path, operation):
    rng = random.Random(13)
    began = time.monotonic()
    process = _driver(_fresh(bases, operation, tmp_path), operation, 10**6)
    process.communicate(timeout=120)
    duration = time.monotonic() - began
    for _ in range(6):
        home = _fresh(bases, operation, tmp_path)
        process = _driver(home, operation, 10**6)
        time.sleep(rng.uniform(0.1, duration))
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        _cli(home, "requests", "list")
        _one_good_copy(home)


def test_both_copies_left_by_an_older_version_unlock_says_which_is_good(bases, tmp_path):
    # No journal (an older FaceAudit killed after its rename, mid-overwrite): unlock refuses, naming the good copy.
    home = _fresh(bases, "unlock", tmp_path)
    plain = home / "faceaudit.db"
    shutil.copy(bases["lock"] / "faceaudit.db", plain)
    with open(plain, "r+b") as handle:
        handle.write(bytes(8192))  # the overwrite had begun
    refused = _cli(home, "unlock", "--passphrase-stdin", stdin=SECRET + "\n")
    assert refused.returncode == 2
    assert "The encrypted file is the good copy" in refused.stderr and "move faceaudit.db out" in refused.stderr
    assert plain.exists() and (home / "faceaudit.db.enc").exists()  # nothing was changed
    shutil.copy(bases["lock"] / "faceaudit.db", plain)  # now both are whole
    both = _cli(home, "unlock", "--passphrase-stdin", stdin=SECRET + "\n")
    assert both.returncode == 2 and "Both are good copies" in both.stderr
