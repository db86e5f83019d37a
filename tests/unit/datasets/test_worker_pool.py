"""Stopping indexing's worker processes always ends, and ends soon, whatever state they are in."""

from __future__ import annotations

import multiprocessing
import shutil
import threading
import time
from concurrent.futures import ProcessPoolExecutor

import pytest

from tests.unit.datasets import _pool_helpers


def _stop_in_thread(pool) -> threading.Thread:
    from faceaudit.core.datasets.pool import stop_pool

    stopper = threading.Thread(target=stop_pool, args=(pool,), kwargs={"timeout_s": 5.0}, daemon=True)
    stopper.start()
    return stopper


def test_stop_ends_when_a_worker_left_half_a_result_in_the_pipe(tmp_path):
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    written = tmp_path / "half-written"
    stuck = pool.submit(_pool_helpers.half_a_result, str(written))
    waited = time.monotonic()
    while not written.exists():  # the worker starts, writes half a message, and hangs
        assert time.monotonic() - waited < 60, "the worker never started"
        time.sleep(0.05)
    time.sleep(0.2)  # the manager thread is now inside recv, waiting for the rest
    manager = pool._executor_manager_thread
    assert not stuck.done() and manager.is_alive()
    started = time.monotonic()
    stopper = _stop_in_thread(pool)
    stopper.join(30)
    took = time.monotonic() - started
    assert not stopper.is_alive(), "stopping the pool hung"
    assert not manager.is_alive(), "the executor's manager thread is still waiting for the rest of the message"
    assert stuck.done() and took < 10
    print(f"\npool with half a result in its pipe stopped in {took:.2f} s")


def test_stop_kills_busy_workers_at_once():
    pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"))
    futures = [pool.submit(_pool_helpers.nap, 60) for _ in range(6)]
    time.sleep(2)
    processes = list(pool._processes.values())
    started = time.monotonic()
    stopper = _stop_in_thread(pool)
    stopper.join(30)
    assert not stopper.is_alive() and time.monotonic() - started < 10
    assert not any(p.is_alive() for p in processes)
    assert all(f.done() for f in futures)


def test_closing_indexing_part_way_ends_its_workers(lfw, tmp_path, store):
    from faceaudit.core.datasets.catalog import add_dataset, get_dataset
    from faceaudit.core.datasets.indexing import IndexSettings, index_dataset

    folder = tmp_path / "d"
    for person in sorted(p for p in lfw.iterdir() if p.is_dir())[:80]:
        (folder / person.name).mkdir(parents=True)
        photo = sorted(person.glob("*.jpg"))[0]
        shutil.copy(photo, folder / person.name / photo.name)
    add_dataset(store, folder, "d")
    threads_before = threading.active_count()
    for trial in range(3):
        run = index_dataset(store, "d", IndexSettings(), workers=2)
        for record in run:
            if record.phase == "indexing" and record.done >= 8 * (trial + 1):
                break
        started = time.monotonic()
        run.close()
        took = time.monotonic() - started
        assert took < 10, f"closing the indexing run took {took:.1f} s"
        assert not multiprocessing.active_children()
        assert threading.active_count() == threads_before
    saved = get_dataset(store, "d")
    assert 0 < saved.done < saved.items
    for _ in index_dataset(store, "d", IndexSettings(), workers=2):
        pass
    assert get_dataset(store, "d").pending == 0


@pytest.fixture
def store(data_home):
    from faceaudit.core.storage.store import Store

    with Store() as opened:
        yield opened
