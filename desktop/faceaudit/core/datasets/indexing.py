"""Index a dataset: every face found, embedded and stored; resumable after any interruption.

`index_dataset` is a generator of progress records. Face work runs in worker processes;
this generator is the single database writer. Each batch of photos is written in one
transaction with its items' status, so a killed run leaves every item either fully indexed
or pending, and running again continues where it stopped.
"""

from __future__ import annotations

import json
import os
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from faceaudit.core.datasets.catalog import get_dataset
from faceaudit.core.datasets.listing import face_settings, sync_listing
from faceaudit.core.datasets.lists import LINK_LIST, index_lists
from faceaudit.core.datasets.pool import WorkerStartError, run_inline, run_pool
from faceaudit.core.datasets.sources import open_source
from faceaudit.core.datasets.worker import PhotoRecord
from faceaudit.core.faces.engine import FaceEngine
from faceaudit.core.faces.photo_hashes import sha256_hex
from faceaudit.core.storage.store import Store, now, to_blob

__all__ = ["IndexProgress", "IndexSettings", "index_dataset", "default_workers", "WorkerStartError"]

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
    dataset = get_dataset(store, name)
    if dataset.kind == LINK_LIST:  # no faces: the list's token index is built instead
        yield from _index_list(store, dataset.id, name)
        return
    settings = settings or IndexSettings()
    engine = FaceEngine(settings.detector, settings.upsample, settings.engine, settings.device)
    yield _progress(store, dataset.id, name, "listing")
    sync_listing(store, dataset.id, engine.settings)
    counts = _Counter(store, dataset.id, name)
    pending = [row[0] for row in store.conn.execute(
        "SELECT key FROM items WHERE dataset_id = ? AND status = 'pending'", [dataset.id])]
    yield counts.progress("indexing")
    if pending:
        ids = dict(store.conn.execute(
            "SELECT key, id FROM items WHERE dataset_id = ? AND status = 'pending'", [dataset.id]).fetchall())
        engine.prepare()  # before the workers start (see FaceEngine.prepare)
        batches = _batches(open_source(dataset.path).read(pending), ids, store, batch_size, dataset.id, counts)
        runner = (
            run_inline(engine, batches) if workers == 0 else run_pool(engine, batches, workers or default_workers())
        )
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


def _index_list(store: Store, dataset_id: int, name: str) -> Iterator[IndexProgress]:
    """Index a list of links: its files' token indexes (see `list_index`); done and total count files."""
    started = time.monotonic()
    last = None
    for last in index_lists(store, dataset_id):
        elapsed = max(time.monotonic() - started, 1e-6)
        part = last.files_done + (last.read / last.size if last.size else 0)
        rate = part / elapsed
        eta = (last.files - part) / rate if rate and last.file else None
        yield IndexProgress(name, "indexing" if last.file else "finished", last.files_done, last.files, 0,
                            last.refused, rate, eta)
    with store.transaction():
        store.conn.execute("UPDATE datasets SET last_indexed = ? WHERE id = ?", [now(), dataset_id])


def _batches(
    reads, ids: dict[str, int], store: Store, size: int, dataset_id: int, counts: _Counter
) -> Iterator[list[tuple[int, bytes]]]:
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
        self.compatible = [
            r["id"] for r in rows if r["settings"] and face_settings(json.loads(r["settings"])) == face_settings(mine)
        ]

    def copy(self, item_id: int, data: bytes) -> int | None:
        """Copy a twin's faces onto this item; returns how many, or None when there is no twin."""
        sha = sha256_hex(data)
        marks = ",".join("?" * len(self.compatible))
        twin = self.store.scalar(
            f"SELECT id FROM items WHERE sha256 = ? AND status = 'done' AND id != ? AND dataset_id IN ({marks})"
            " LIMIT 1", [sha, item_id, *self.compatible])
        if twin is None:
            return None
        conn = self.store.conn
        with self.store.transaction():
            conn.execute("DELETE FROM faces WHERE item_id = ?", [item_id])
            conn.execute(
                "INSERT INTO faces (item_id, dataset_id, idx, top, right, bottom, left, score, size, sharpness,"
                " embedding) SELECT ?, (SELECT dataset_id FROM items WHERE id = ?), idx, top, right, bottom, left,"
                " score, size, sharpness, embedding FROM faces WHERE item_id = ?", [item_id, item_id, twin])
            conn.execute(
                "UPDATE items SET (status, reason, sha256, phash, dhash, width, height, n_faces, indexed_at) ="
                " (SELECT 'done', NULL, sha256, phash, dhash, width, height, n_faces, ? FROM items WHERE id = ?)"
                " WHERE id = ?", [now(), twin, item_id])
        return self.store.scalar("SELECT n_faces FROM items WHERE id = ?", [item_id])


def _write(store: Store, records: list[PhotoRecord]) -> None:
    stamp = now()
    with store.transaction():
        for record in records:
            store.conn.execute("DELETE FROM faces WHERE item_id = ?", [record.item_id])
            if record.error:
                store.conn.execute(
                    "UPDATE items SET status = 'error', reason = ?, sha256 = ?, n_faces = 0, indexed_at = ?"
                    " WHERE id = ?", [record.error, record.sha256, stamp, record.item_id])
                continue
            dataset_id = store.scalar("SELECT dataset_id FROM items WHERE id = ?", [record.item_id])
            store.conn.executemany(
                "INSERT INTO faces (item_id, dataset_id, idx, top, right, bottom, left, score, size, sharpness,"
                " embedding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[record.item_id, dataset_id, idx, *face.box, face.score, face.size, face.sharpness,
                  to_blob(face.embedding)] for idx, face in enumerate(record.faces)])
            store.conn.execute(
                "UPDATE items SET status = 'done', reason = NULL, sha256 = ?, phash = ?, dhash = ?, width = ?,"
                " height = ?, n_faces = ?, indexed_at = ? WHERE id = ?",
                [record.sha256, record.phash, record.dhash, record.width, record.height, len(record.faces), stamp,
                 record.item_id])


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
