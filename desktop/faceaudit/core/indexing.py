"""Index a dataset: every face found, embedded and stored; resumable after any interruption.

`index_dataset` is a generator of progress records. Face work runs in worker processes;
this generator is the single database writer. Each batch of photos is written in one
transaction with its items' status, so a killed run leaves every item either fully indexed
or pending, and running again continues where it stopped.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from . import _index_worker
from .analysis import PhotoRecord
from .datasets import get_dataset
from .faces import FaceEngine
from .sources import label_from_key, open_source, read_labels_csv, sha256_hex
from .store import Store, now, to_blob

__all__ = ["IndexProgress", "IndexSettings", "index_dataset", "default_workers", "WorkerStartError"]

#: How long stopping a pool may wait for its killed workers and its manager thread to end.
_STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class IndexSettings:
    """How faces are found and embedded; recorded with the dataset."""

    detector: str = "hog"
    upsample: int = 1
    engine: str = "auto"
    device: str = "auto"


@dataclass(frozen=True)
class IndexProgress:
    """A progress point of an indexing run.

    Attributes:
        dataset: the dataset's name.
        phase: "listing", "indexing" or "finished".
        done: items finished (indexed or failed) in this dataset, all runs counted.
        total: items in the dataset.
        faces: faces stored for this dataset.
        errors: items that could not be indexed.
        rate: items per second over the last half minute of this run.
        eta_seconds: estimated seconds left, or None when unknown.
    """

    dataset: str
    phase: str
    done: int
    total: int
    faces: int
    errors: int
    rate: float = 0.0
    eta_seconds: float | None = None


def default_workers() -> int:
    """One worker per CPU core."""
    return max(1, os.cpu_count() or 1)


def index_dataset(store: Store, name: str, settings: IndexSettings | None = None, workers: int | None = None,
                  batch_size: int = 8) -> Iterator[IndexProgress]:
    """Index (or finish indexing, or update) a dataset.

    Args:
        store: the database (this generator writes through it, from the calling thread).
        name: the dataset's name.
        settings: detector and engine settings; a change from the recorded ones re-indexes all.
        workers: worker processes (0 = in this process); default one per core.
        batch_size: photos per batch sent to a worker and written per transaction.

    Yields:
        Progress records; stop iterating (close the generator) to cancel. Work already
        yielded is saved.
    """
    settings = settings or IndexSettings()
    engine = FaceEngine(settings.detector, settings.upsample, settings.engine, settings.device)
    dataset = get_dataset(store, name)
    yield _progress(store, dataset.id, name, "listing")
    _sync_listing(store, dataset.id, engine.settings)
    counts = _Counter(store, dataset.id, name)
    pending = [row[0] for row in store.conn.execute(
        "SELECT key FROM items WHERE dataset_id = ? AND status = 'pending'", [dataset.id])]
    yield counts.progress("indexing")
    if pending:
        ids = dict(store.conn.execute(
            "SELECT key, id FROM items WHERE dataset_id = ? AND status = 'pending'", [dataset.id]).fetchall())
        engine.prepare()  # before the workers start (see FaceEngine.prepare)
        batches = _batches(open_source(dataset.path).read(pending), ids, store, batch_size, dataset.id, counts)
        runner = _run_inline(engine, batches) if workers == 0 else _run_pool(engine, batches, workers or default_workers())
        try:
            for records in runner:
                engine.embed_faces([face for record in records for face in record.faces])
                _write(store, records)
                counts.add(records)
                yield counts.progress("indexing")
        finally:
            # Stop the workers now, in this thread: left to the garbage collector (switched
            # to the GUI thread in the app) the pool would be shut down late, or elsewhere.
            runner.close()
    with store.transaction():
        store.conn.execute("UPDATE datasets SET last_indexed = ? WHERE id = ?", [now(), dataset.id])
    yield counts.progress("finished")


def _sync_listing(store: Store, dataset_id: int, engine_settings: dict) -> None:
    """Bring the items table in line with the files: new and changed files become pending."""
    row = store.query("SELECT path, labels_csv, settings, model FROM datasets WHERE id = ?", [dataset_id])[0]
    labels = read_labels_csv(row["labels_csv"]) if row["labels_csv"] else {}
    recorded = json.loads(row["settings"]) if row["settings"] else None
    known = {key: (item_id, fingerprint) for item_id, key, fingerprint in store.conn.execute(
        "SELECT id, key, fingerprint FROM items WHERE dataset_id = ?", [dataset_id])}
    seen: set[str] = set()
    with store.transaction():
        if recorded is not None and _face_settings(recorded) != _face_settings(engine_settings):
            # Other detector or model: the stored faces are not comparable. Start over.
            store.conn.execute("DELETE FROM matches WHERE dataset_id = ?", [dataset_id])
            store.conn.execute("DELETE FROM faces WHERE dataset_id = ?", [dataset_id])
            store.conn.execute("UPDATE items SET status = 'pending', reason = NULL WHERE dataset_id = ?", [dataset_id])
        store.conn.execute("UPDATE datasets SET settings = ?, model = ? WHERE id = ?",
                           [json.dumps(engine_settings), engine_settings["model"], dataset_id])
        for entry in open_source(row["path"]).entries():
            if entry.key in seen:
                continue  # a tar archive may hold the same name twice; the first one counts
            seen.add(entry.key)
            status, reason = ("error", entry.problem) if entry.problem else ("pending", None)
            label = labels.get(entry.key) or (label_from_key(entry.key) if not labels else None)
            if entry.key not in known:
                store.conn.execute(
                    "INSERT INTO items (dataset_id, key, size, fingerprint, label, status, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [dataset_id, entry.key, entry.size, entry.fingerprint, label, status, reason])
            elif known[entry.key][1] != entry.fingerprint:
                item_id = known[entry.key][0]
                store.conn.execute("DELETE FROM faces WHERE item_id = ?", [item_id])
                store.conn.execute("DELETE FROM matches WHERE item_id = ? AND decision = 'unreviewed'", [item_id])
                store.conn.execute(
                    "UPDATE items SET size = ?, fingerprint = ?, label = ?, status = ?, reason = ?, sha256 = NULL WHERE id = ?",
                    [entry.size, entry.fingerprint, label, status, reason, item_id])
        gone = [item_id for key, (item_id, _) in known.items() if key not in seen]
        store.conn.executemany("DELETE FROM items WHERE id = ?", [[i] for i in gone])


def _face_settings(settings: dict) -> tuple:
    return settings.get("detector"), settings.get("upsample"), settings.get("model")


def _batches(reads, ids: dict[str, int], store: Store, size: int, dataset_id: int, counts: "_Counter") -> Iterator[list[tuple[int, bytes]]]:
    """Group readable files into batches; unreadable ones and known photos are written at once."""
    twins = _TwinFinder(store, dataset_id)
    batch: list[tuple[int, bytes]] = []
    for entry, data, problem in reads:
        item_id = ids.get(entry.key)
        if item_id is None:
            continue
        if data is None:
            with store.transaction():
                store.conn.execute("UPDATE items SET status = 'error', reason = ?, indexed_at = ? WHERE id = ?",
                                   [problem, now(), item_id])
            counts.note(error=True)
            continue
        copied = twins.copy(item_id, data)
        if copied is not None:
            counts.note(faces=copied)
            continue
        batch.append((item_id, data))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _TwinFinder:
    """Reuse the faces of a byte-identical file already indexed with the same settings.

    Face datasets are redistributed inside one another (LFW sits in many archives), and a
    dataset may be re-added from a new place; the faces of identical bytes are identical.
    """

    def __init__(self, store: Store, dataset_id: int):
        self.store = store
        rows = store.query("SELECT id, settings FROM datasets")
        mine = next(json.loads(r["settings"]) for r in rows if r["id"] == dataset_id)
        self.compatible = [r["id"] for r in rows if r["settings"] and _face_settings(json.loads(r["settings"])) == _face_settings(mine)]

    def copy(self, item_id: int, data: bytes) -> int | None:
        """Copy a twin's faces onto this item; returns how many, or None when there is no twin."""
        sha = sha256_hex(data)
        marks = ",".join("?" * len(self.compatible))
        twin = self.store.scalar(
            f"SELECT id FROM items WHERE sha256 = ? AND status = 'done' AND id != ? AND dataset_id IN ({marks}) LIMIT 1",
            [sha, item_id, *self.compatible])
        if twin is None:
            return None
        conn = self.store.conn
        with self.store.transaction():
            conn.execute("DELETE FROM faces WHERE item_id = ?", [item_id])
            conn.execute(
                "INSERT INTO faces (item_id, dataset_id, idx, top, right, bottom, left, score, size, sharpness, embedding)"
                " SELECT ?, (SELECT dataset_id FROM items WHERE id = ?), idx, top, right, bottom, left, score, size,"
                " sharpness, embedding FROM faces WHERE item_id = ?", [item_id, item_id, twin])
            conn.execute(
                "UPDATE items SET (status, reason, sha256, phash, dhash, width, height, n_faces, indexed_at) ="
                " (SELECT 'done', NULL, sha256, phash, dhash, width, height, n_faces, ? FROM items WHERE id = ?)"
                " WHERE id = ?", [now(), twin, item_id])
        return self.store.scalar("SELECT n_faces FROM items WHERE id = ?", [item_id])


def _run_inline(engine: FaceEngine, batches) -> Iterator[list[PhotoRecord]]:
    from .analysis import analyse_photos

    for batch in batches:
        yield analyse_photos(engine, batch)


def _run_pool(engine: FaceEngine, batches, workers: int) -> Iterator[list[PhotoRecord]]:
    """Run batches in worker processes, a bounded number in flight (memory stays flat).

    A batch whose worker dies (a decoder crash on a hostile file) is retried photo by photo;
    a photo that kills a worker on its own is recorded as an error.
    """
    context = multiprocessing.get_context("spawn")  # safe beside the GUI's threads
    retry: deque[list[tuple[int, bytes]]] = deque()
    source = iter(batches)
    exhausted = False
    while True:
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_index_worker.start,
                                   initargs=(engine.settings,))
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
                    in_flight[pool.submit(_index_worker.run, batch)] = batch
                if not in_flight:
                    return
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    batch = in_flight.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        if len(batch) == 1 and not in_flight and _workers_start(engine, context):
                            yield [PhotoRecord(item_id=batch[0][0], error="this file crashed the image decoder")]
                        else:
                            retry.extend([photo] for photo in batch)
                        raise
        except BrokenProcessPool:
            for batch in in_flight.values():
                retry.extend([photo] for photo in batch)
            continue
        finally:
            _stop(pool)


class WorkerStartError(RuntimeError):
    """Worker processes cannot run at all (nothing to do with the files): indexing stops,
    every unfinished item stays pending."""


def _workers_start(engine: FaceEngine, context) -> bool:
    """Before blaming a file for a crash, check that a fresh worker runs an empty batch."""
    pool = ProcessPoolExecutor(1, mp_context=context, initializer=_index_worker.start, initargs=(engine.settings,))
    try:
        pool.submit(_index_worker.run, []).result(timeout=120)
        return True
    except Exception as exc:  # noqa: BLE001 - any failure here means the workers, not the file
        raise WorkerStartError(f"indexing workers fail to start ({type(exc).__name__}: {exc}); nothing was lost, "
                               "items stay pending") from exc
    finally:
        _stop(pool)


def _stop(pool: ProcessPoolExecutor, timeout_s: float = _STOP_TIMEOUT_S) -> None:
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


def _write(store: Store, records: list[PhotoRecord]) -> None:
    stamp = now()
    with store.transaction():
        for record in records:
            store.conn.execute("DELETE FROM faces WHERE item_id = ?", [record.item_id])
            if record.error:
                store.conn.execute(
                    "UPDATE items SET status = 'error', reason = ?, sha256 = ?, n_faces = 0, indexed_at = ? WHERE id = ?",
                    [record.error, record.sha256, stamp, record.item_id])
                continue
            dataset_id = store.scalar("SELECT dataset_id FROM items WHERE id = ?", [record.item_id])
            store.conn.executemany(
                "INSERT INTO faces (item_id, dataset_id, idx, top, right, bottom, left, score, size, sharpness, embedding)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[record.item_id, dataset_id, idx, *face.box, face.score, face.size, face.sharpness, to_blob(face.embedding)]
                 for idx, face in enumerate(record.faces)])
            store.conn.execute(
                "UPDATE items SET status = 'done', reason = NULL, sha256 = ?, phash = ?, dhash = ?, width = ?, height = ?,"
                " n_faces = ?, indexed_at = ? WHERE id = ?",
                [record.sha256, record.phash, record.dhash, record.width, record.height, len(record.faces), stamp, record.item_id])


class _Counter:
    """Running totals and a rate over the last half minute."""

    def __init__(self, store: Store, dataset_id: int, name: str):
        self.name = name
        row = store.conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(status != 'pending'), 0), COALESCE(SUM(status = 'error'), 0),"
            " (SELECT COUNT(*) FROM faces WHERE dataset_id = ?) FROM items WHERE dataset_id = ?",
            [dataset_id, dataset_id]).fetchone()
        self.total, self.done, self.errors, self.faces = row
        self.samples: deque[tuple[float, int]] = deque([(time.monotonic(), self.done)])

    def add(self, records: list[PhotoRecord]) -> None:
        for record in records:
            self.note(error=bool(record.error), faces=len(record.faces))

    def note(self, error: bool = False, faces: int = 0) -> None:
        """Count one finished item."""
        self.done += 1
        self.errors += int(error)
        self.faces += faces
        stamp = time.monotonic()
        self.samples.append((stamp, self.done))
        while len(self.samples) > 2 and stamp - self.samples[0][0] > 30:
            self.samples.popleft()

    def progress(self, phase: str) -> IndexProgress:
        (t0, d0), (t1, d1) = self.samples[0], self.samples[-1]
        rate = (d1 - d0) / (t1 - t0) if t1 > t0 and d1 > d0 else 0.0
        left = self.total - self.done
        eta = left / rate if rate > 0 else (0.0 if left == 0 else None)
        return IndexProgress(self.name, phase, self.done, self.total, self.faces, self.errors, rate, eta)


def _progress(store: Store, dataset_id: int, name: str, phase: str) -> IndexProgress:
    return _Counter(store, dataset_id, name).progress(phase)
