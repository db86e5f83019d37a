"""The worker pool: face work in worker processes, a bounded number of batches in flight.

A worker that dies (a decoder crash on a hostile file) is replaced; its batch is retried photo
by photo, and a photo that kills a worker on its own is recorded as an error. Stopping kills
the workers at once; batches in flight stay pending.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from faceaudit.core import limits
from faceaudit.core.datasets import worker
from faceaudit.core.datasets.worker import PhotoRecord, analyse_photos
from faceaudit.core.errors import FaceAuditError
from faceaudit.core.faces.engine import FaceEngine

__all__ = ["run_inline", "run_pool", "stop_pool", "seconds_per_file", "WorkerStartError"]

#: How long stopping a pool may wait for its killed workers and its manager thread to end.
_STOP_TIMEOUT_S = 10.0


def run_inline(engine: FaceEngine, batches) -> Iterator[list[PhotoRecord]]:
    """Run batches in this process, one after the other (workers=0: tests and debugging)."""
    for batch in batches:
        yield analyse_photos(engine, batch)


def run_pool(engine: FaceEngine, batches, workers: int) -> Iterator[list[PhotoRecord]]:
    """Run batches in worker processes, a bounded number in flight (memory stays flat).

    A batch whose worker dies (a decoder crash on a hostile file) is retried photo by photo;
    a photo that kills a worker on its own is recorded as an error. A photo whose decoding and
    face finding run over its time budget (`seconds_per_file`) ends its worker, and is recorded
    as refused at once; the other photos of its batch are retried.
    """
    context = multiprocessing.get_context("spawn")  # safe beside the GUI's threads
    budget = seconds_per_file(engine.settings)
    overtime = context.SimpleQueue()
    retry: deque[list[tuple[int, bytes]]] = deque()
    source = iter(batches)
    exhausted = False
    while True:
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=worker.start,
                                   initargs=(engine.settings, overtime, budget))
        in_flight: dict[Future, list[tuple[int, bytes]]] = {}
        try:
            while True:
                # Suspects of a crash run one at a time, so a crash is blamed on its own file.
                while len(in_flight) < (1 if retry else workers * 2) and (retry or not exhausted):
                    if retry:
                        batch = retry.popleft()
                    else:
                        batch = next(source, None)
                        if batch is None:
                            exhausted = True
                            break
                    in_flight[pool.submit(worker.run, batch)] = batch
                if not in_flight:
                    return
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    batch = in_flight.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        slow = _overtime(overtime)
                        if slow:
                            yield [PhotoRecord(item_id=item_id, error=_overtime_reason(budget)) for item_id in slow]
                            batch = [photo for photo in batch if photo[0] not in slow]
                            for other in in_flight.values():
                                other[:] = [photo for photo in other if photo[0] not in slow]
                        elif len(batch) == 1 and not in_flight and _workers_start(engine, context):
                            yield [PhotoRecord(item_id=batch[0][0], error="this file crashed the image decoder")]
                            batch = []
                        retry.extend([photo] for photo in batch)
                        raise
        except BrokenProcessPool:
            for batch in in_flight.values():
                retry.extend([photo] for photo in batch)
            continue
        finally:
            stop_pool(pool)


def seconds_per_file(settings: dict) -> float:
    """The time budget for decoding one photo and finding its faces, with these settings.

    limits.SECONDS_PER_FILE at the defaults; four times more for each upsampling step beyond one
    (each doubles the photo's sides), ten times more with the CNN detector.
    """
    factor = 4 ** max(0, int(settings.get("upsample", 1)) - 1)
    if settings.get("detector") == "cnn" or settings.get("cnn_fallback"):
        factor *= 10
    return limits.SECONDS_PER_FILE * factor


def _overtime(queue) -> set[int]:
    """The photos named by workers that ended themselves over their time budget."""
    slow = set()
    while not queue.empty():
        slow.add(queue.get())
    return slow


def _overtime_reason(budget: float) -> str:
    return (f"refused: decoding it and finding its faces took longer than {budget:.0f} s, the time budget for one"
            " file")


class WorkerStartError(FaceAuditError, RuntimeError):
    """Worker processes cannot run at all (nothing to do with the files): indexing stops,
    every unfinished item stays pending."""


def _workers_start(engine: FaceEngine, context) -> bool:
    """Before blaming a file for a crash, check that a fresh worker runs an empty batch."""
    pool = ProcessPoolExecutor(1, mp_context=context, initializer=worker.start, initargs=(engine.settings,))
    try:
        pool.submit(worker.run, []).result(timeout=120)
        return True
    except Exception as exc:
        raise WorkerStartError(f"indexing workers fail to start ({type(exc).__name__}: {exc}); nothing was lost, "
                               "items stay pending") from exc
    finally:
        stop_pool(pool)


def stop_pool(pool: ProcessPoolExecutor, timeout_s: float = _STOP_TIMEOUT_S) -> None:
    """End a pool now: its workers are killed, not waited for; batches in flight stay pending.

    A worker killed while it sends its results leaves half a message in the result pipe,
    and the executor's manager thread then waits for the rest for ever (seen in CI: the
    thread in `recv`, `shutdown(wait=True)` never returning, the window's job never ending).
    Once the workers are dead, closing this process's copy of the pipe's write end turns
    that wait into end-of-file, and the executor winds itself up as broken.
    """
    manager = getattr(pool, "_executor_manager_thread", None)
    results = getattr(pool, "_result_queue", None)
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.kill()  # SIGKILL: no worker can ignore it
    deadline = time.monotonic() + timeout_s
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    if results is not None:
        results._writer.close()  # no one in this process writes there; the workers' copies died with them
    pool.shutdown(wait=False, cancel_futures=True)
    if manager is not None:
        manager.join(max(0.1, deadline - time.monotonic()))
    if results is not None and (manager is None or not manager.is_alive()):
        results.close()
