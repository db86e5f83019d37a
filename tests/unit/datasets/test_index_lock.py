"""One indexer per dataset: a second one is refused, naming who indexes it; the lock goes with its holder."""

from __future__ import annotations

import subprocess
import sys

import pytest

from faceaudit.core.datasets.index_lock import IndexBusyError, Indexer
from faceaudit.core.datasets.indexing import index_dataset
from faceaudit.core.storage.store import Store
from tests.support.letter_fixtures import add_dataset

_HOLD = """
import sys, time
from faceaudit.core.storage.store import Store
from faceaudit.core.datasets.indexing import index_dataset
store = Store()
run = index_dataset(store, "scraped", workers=0, who="window")
next(run)  # the lock is held from the first step
print("holding", flush=True)
sys.stdin.readline()
"""


def test_a_second_indexer_in_another_process_is_refused_and_told_who(data_home):
    with Store() as store:
        add_dataset(store, "scraped", str(data_home / "nowhere"), [])
    holder = subprocess.Popen([sys.executable, "-c", _HOLD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        with Store() as store, pytest.raises(IndexBusyError) as refused:
            next(index_dataset(store, "scraped", workers=0, who=Indexer.COMMAND))
        words = str(refused.value)
        assert f"the FaceAudit window (process {holder.pid}," in words and "nothing was started" in words
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    with Store() as store:  # gone with its holder: indexing goes on
        assert next(index_dataset(store, "scraped", workers=0)).phase == "listing"


def test_the_command_line_says_who_and_how_to_wait_or_stop(data_home, capsys):
    from faceaudit.cli.main import main

    with Store() as store:
        add_dataset(store, "scraped", str(data_home / "nowhere"), [])
        running = index_dataset(store, "scraped", workers=0, who=Indexer.WINDOW)
        next(running)
        assert main(["index", "scraped"]) != 0
        err = capsys.readouterr().err
        assert "being indexed by the FaceAudit window" in err and "Ctrl+C" in err and "Traceback" not in err
        running.close()  # stopped: the next one may start
        assert next(index_dataset(store, "scraped", workers=0)).phase == "listing"


def test_delete_all_my_data_takes_the_lock_files_too(data_home):
    from faceaudit.core.storage.wipe import wipe_plan

    with Store() as store:
        add_dataset(store, "scraped", str(data_home / "nowhere"), [])
        running = index_dataset(store, "scraped", workers=0)
        next(running)
        running.close()
    assert any(path.name.startswith("indexing-") for path in wipe_plan())  # known, not a stranger that stops it
