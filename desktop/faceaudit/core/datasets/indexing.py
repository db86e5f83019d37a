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
from collections.abc import Iterator
from dataclasses import dataclass, replace
from enum import StrEnum

from faceaudit.core import limits
from faceaudit.core.datasets.catalog import get_dataset, list_datasets
from faceaudit.core.datasets.index_lock import Indexer, index_lock
from faceaudit.core.datasets.kept_decisions import attach_decisions
from faceaudit.core.datasets.listing import ListingReport, face_settings, recorded_settings, sync_listing
from faceaudit.core.datasets.lists import LINK_LIST, index_lists
from faceaudit.core.datasets.model_embeddings import add_model_embeddings
from faceaudit.core.datasets.pool import WorkerStartError, run_inline, run_pool
from faceaudit.core.datasets.sources import SourceError, Unreadable, open_source
from faceaudit.core.datasets.square_crops import learn_square_crop_of, stored_square_crop
from faceaudit.core.datasets.worker import PhotoRecord
from faceaudit.core.errors import Action, FaceAuditError
from faceaudit.core.faces.engine import Detector, Device, EmbeddingEngine, FaceEngine
from faceaudit.core.faces.face_models import FaceModel, chosen_model, models_of
from faceaudit.core.faces.photo_hashes import sha256_hex
from faceaudit.core.storage.paths import cache_beside
from faceaudit.core.storage.store import Store, now, to_blob
from faceaudit.core.work_rate import WorkRate

__all__ = ["IndexProgress", "Phase", "IndexSettings", "IndexSettingsError", "index_dataset", "finish_index",
           "default_workers",
           "available_memory", "check_workers", "settings_with", "settings_for_all", "WorkerStartError",
           "write_records", "mark_unread", "list_for_indexing"]


class IndexSettingsError(FaceAuditError, ValueError):
    """Index settings out of range (an upsample of 7, -1 workers): nothing was started."""


@dataclass(frozen=True)
class IndexSettings:
    """How faces are found and embedded; recorded with the dataset.

    Raises:
        IndexSettingsError: a detector, engine or device FaceAudit does not have, or an upsample
            outside 0-3 (each step doubles the photo: 7 would be 128 times its width and height).
    """

    detector: str = "hog"
    upsample: int = 1
    engine: str = "auto"
    device: str = "auto"

    def __post_init__(self):
        checks = [(self.detector, list(Detector), "detector"), (self.engine, list(EmbeddingEngine), "engine"),
                  (self.device, list(Device), "device")]
        for value, allowed, what in checks:
            if value not in allowed:
                raise IndexSettingsError(f"there is no {what} {value!r}; choose one of {', '.join(allowed)}",
                                         action=Action.CHOOSE_INDEX_SETTINGS)
        if not isinstance(self.upsample, int) or not 0 <= self.upsample <= limits.MAX_UPSAMPLE:
            raise IndexSettingsError(f"upsample must be a whole number from 0 to {limits.MAX_UPSAMPLE}"
                                     f" (not {self.upsample}): each step doubles the photo's width and height"
                                     " before faces are looked for",
                                     action=Action.CHOOSE_INDEX_SETTINGS)

    @classmethod
    def recorded(cls, store: Store, dataset_id: int) -> IndexSettings | None:
        """The settings a dataset was last indexed with (None when never): re-indexing with them keeps every face."""
        recorded = recorded_settings(store, dataset_id)
        if recorded is None:
            return None
        return cls(detector=recorded.get("detector", "hog"), upsample=int(recorded.get("upsample", 1)))


class Phase(StrEnum):
    """Where an indexing run is."""

    LISTING = "listing"  # bringing the items table in line with the files
    INDEXING = "indexing"
    FINISHED = "finished"


@dataclass(frozen=True)
class IndexProgress:
    """A progress point of an indexing run.

    Attributes:
        dataset: the dataset's name.
        phase: where the run is.
        done: items finished (indexed or failed) in this dataset, all runs counted.
        total: items in the dataset.
        faces: faces stored for this dataset.
        errors: items that could not be indexed.
        rate: items per second over the last half minute of this run's working time.
        eta_seconds: estimated seconds left, or None when unknown.
        unavailable: items that could not be read this time, kept with their faces and decisions.
        gaps: why parts of the dataset could not be listed this time (one reason a part).
    """

    dataset: str
    phase: Phase
    done: int
    total: int
    faces: int
    errors: int
    rate: float = 0.0
    eta_seconds: float | None = None
    unavailable: int = 0
    gaps: tuple[str, ...] = ()


def default_workers() -> int:
    """One worker per CPU core, as many as the memory available holds (limits.WORKER_MEMORY_BYTES each).

    A worker's memory is bounded by the largest photo it decodes (limits.MAX_IMAGE_PIXELS): 16
    photos of 100 Mpx once took 2.4 GB per worker, 19 GB at one worker per core on 8 cores.
    """
    cores = max(1, os.cpu_count() or 1)
    memory = available_memory()
    if memory is None:
        return cores
    return max(1, min(cores, memory // limits.WORKER_MEMORY_BYTES))


def available_memory() -> int | None:
    """Bytes of memory available to new processes now (Linux: MemAvailable), or None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    try:  # macOS and other POSIX systems: half the physical memory, for the system and the app
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
    except (AttributeError, OSError, ValueError):
        return None


def settings_with(store: Store, dataset_id: int, **changes) -> IndexSettings | None:
    """A dataset's recorded settings (or the defaults) with `changes` made; None when nothing is changed
    (index_dataset then keeps the recorded ones).

    Raises:
        IndexSettingsError: a changed value is out of range.
    """
    changes = {key: value for key, value in changes.items() if value is not None}
    if not changes:
        return None
    return replace(IndexSettings.recorded(store, dataset_id) or IndexSettings(), **changes)


def settings_for_all(store: Store, **changes) -> dict[str, IndexSettings | None]:
    """Settings for indexing every dataset: each keeps its own; `changes` only reach datasets never indexed.

    Raises:
        IndexSettingsError: `changes` would change a dataset's recorded settings (it must be named
            to be re-indexed with others), or a value is out of range. Nothing is started then.
    """
    plan, conflicts = {}, []
    for dataset in list_datasets(store):
        recorded = IndexSettings.recorded(store, dataset.id)
        wanted = settings_with(store, dataset.id, **changes)
        if recorded is not None and wanted is not None and _face_part(wanted) != _face_part(recorded):
            conflicts.append(dataset.name)
        plan[dataset.name] = None if recorded is not None else wanted
    if conflicts:
        raise IndexSettingsError(f"{', '.join(conflicts)} {'was' if len(conflicts) == 1 else 'were'} indexed with other"
                                 " settings; indexing every dataset keeps each one's own settings, so name the dataset"
                                 " to re-index it with new ones", action=Action.CHOOSE_INDEX_SETTINGS)
    return plan


def _face_part(settings: IndexSettings) -> tuple:
    return settings.detector, settings.upsample


def check_workers(workers: int | None) -> None:
    """Raise IndexSettingsError unless `workers` is None (the default) or 0 (in this process) to limits.MAX_WORKERS."""
    if workers is not None and (not isinstance(workers, int) or not 0 <= workers <= limits.MAX_WORKERS):
        raise IndexSettingsError(f"workers must be a whole number from 0 to {limits.MAX_WORKERS} (0 = in this process),"
                                 f" not {workers}", action=Action.CHOOSE_INDEX_SETTINGS)


def index_dataset(store: Store, name: str, settings: IndexSettings | None = None, workers: int | None = None,
                  batch_size: int = 8, who: str = Indexer.COMMAND, model: str | None = None
                  ) -> Iterator[IndexProgress]:
    """Index (or finish indexing, or update) a dataset; one indexer per dataset across processes (`index_lock`).

    Args:
        who: which front end indexes (named to a second one, which is refused).

    Raises:
        IndexBusyError: another window or command is indexing it (nothing is started).
    """
    dataset_id = get_dataset(store, name).id
    with index_lock(store, dataset_id, name, who):
        yield from _index_unlocked(store, name, settings, workers, batch_size, model)


def _index_unlocked(store: Store, name: str, settings: IndexSettings | None = None, workers: int | None = None,
                    batch_size: int = 8, model: str | None = None) -> Iterator[IndexProgress]:
    """Index (or finish indexing, or update) a dataset.

    Args:
        store: the database (this generator writes through it, from the calling thread).
        name: the dataset's name.
        settings: detector and engine settings; None keeps the dataset's recorded ones (the
            defaults when it was never indexed). Other settings than the recorded ones remake
            every face; the decisions on them are kept (see kept_decisions).
        workers: worker processes (0 = in this process); default one per core.
        batch_size: photos per batch sent to a worker and written per transaction.
        model: "dlib", "mobilefacenet" or "both" (default: the one chosen in Settings, see
            `face_models.chosen_model`). dlib's numbers are always made (faces are found and kept
            with them); with MobileFaceNet, every face that lacks its numbers gets them after, old
            faces too, without touching a face or a decision (`model_embeddings`).

    Yields:
        Progress records; stop iterating (close the generator) to cancel. Work already
        yielded is saved.

    Raises:
        IndexSettingsError: settings or workers out of range (before anything is changed).
        LabelsError: the dataset's labels file cannot be read (before anything is changed).
    """
    check_workers(workers)
    dataset = get_dataset(store, name)
    if dataset.kind == LINK_LIST:  # no faces: the list's token index is built instead
        yield from _index_list(store, dataset.id, name)
        return
    yield _progress(store, dataset.id, name, Phase.LISTING)
    engine, listing = list_for_indexing(store, dataset, settings)
    counts = _Counter(store, dataset.id, name, listing.gaps)
    pending = [row[0] for row in store.conn.execute(
        "SELECT key FROM items WHERE dataset_id = ? AND status = 'pending'", [dataset.id])]
    yield counts.progress(Phase.INDEXING)
    if pending:
        ids = dict(store.conn.execute(
            "SELECT key, id FROM items WHERE dataset_id = ? AND status = 'pending'", [dataset.id]).fetchall())
        engine.prepare()  # before the workers start (see FaceEngine.prepare)
        reads = open_source(dataset.path, kind=dataset.kind, cache=cache_beside(store.path)).read(pending)
        batches = _batches(reads, ids, store, batch_size, dataset.id, counts)
        runner = (
            run_inline(engine, batches) if workers == 0 else run_pool(engine, batches, workers or default_workers())
        )
        try:
            for records in runner:
                engine.embed_faces([face for record in records for face in record.faces])
                write_records(store, records)
                counts.add(records)
                yield counts.progress(Phase.INDEXING)
        finally:
            # Stop the workers now, in this thread: left to the garbage collector (switched
            # to the GUI thread in the app) the pool would be shut down late, or elsewhere.
            runner.close()
    for _step in finish_index(store, dataset.id, model):
        yield counts.progress(Phase.INDEXING)
    yield counts.progress(Phase.FINISHED)


def finish_index(store: Store, dataset_id: int, model: str | None = None) -> Iterator[object]:
    """What every index ends with, here or after a cluster's parts came home: the second model's numbers
    for faces that lack them (when it is chosen; `model_embeddings`), then the dataset marked indexed.

    Yields:
        One step per batch of faces given the second model's numbers (a place to cancel).
    """
    if FaceModel.MOBILEFACENET in models_of(chosen_model(store, model)):
        yield from add_model_embeddings(store, dataset_id, FaceModel.MOBILEFACENET)
    with store.transaction():
        store.conn.execute("UPDATE datasets SET last_indexed = ? WHERE id = ?", [now(), dataset_id])


def list_for_indexing(store: Store, dataset, settings: IndexSettings | None) -> tuple[FaceEngine, ListingReport]:
    """What an index does before reading any photo (here, or on a cluster): the engine for the settings
    (None: the recorded ones), the listing brought in line, and a square-crop dataset's geometry learned."""
    settings = settings or IndexSettings.recorded(store, dataset.id) or IndexSettings()
    looked, square = stored_square_crop(store, dataset.id)
    engine = _engine(settings, dataset.aligned, square)
    listing = sync_listing(store, dataset.id, engine.settings)
    _prepare_reads(store, dataset.path, dataset.kind)
    pending = store.scalar("SELECT 1 FROM items WHERE dataset_id = ? AND status = 'pending' LIMIT 1", [dataset.id])
    if pending and dataset.aligned == "auto" and not looked and learn_square_crop_of(store, dataset.id, engine):
        # Small square crops of one size: from now on they skip detection (nothing is indexed yet).
        engine = _engine(settings, dataset.aligned, stored_square_crop(store, dataset.id)[1])
        with store.transaction():
            store.conn.execute("UPDATE datasets SET settings = ? WHERE id = ?",
                               [json.dumps(engine.settings), dataset.id])
    return engine, listing


def _prepare_reads(store: Store, path: str, kind: str) -> None:
    """Seek points for reading one item later (a tar.gz's), made once per archive, after the listing and
    outside its transactions. A dataset not there now gets none: its reads scan from the start."""
    try:
        open_source(path, kind=kind, cache=cache_beside(store.path)).prepare_reads()
    except (SourceError, OSError):
        pass


def _engine(settings: IndexSettings, aligned: str, square: list[int] | None) -> FaceEngine:
    return FaceEngine(settings.detector, settings.upsample, settings.engine, settings.device, aligned=aligned,
                      square=square)


def _index_list(store: Store, dataset_id: int, name: str) -> Iterator[IndexProgress]:
    """Index a list of links: its files' token indexes (see `list_index`); done and total count files."""
    started = time.monotonic()
    last = None
    for last in index_lists(store, dataset_id):
        elapsed = max(time.monotonic() - started, 1e-6)
        part = last.files_done + (last.read / last.size if last.size else 0)
        rate = part / elapsed
        eta = (last.files - part) / rate if rate and last.file else None
        yield IndexProgress(name, Phase.INDEXING if last.file else Phase.FINISHED, last.files_done, last.files, 0,
                            last.refused, rate, eta)
    with store.transaction():
        store.conn.execute("UPDATE datasets SET last_indexed = ? WHERE id = ?", [now(), dataset_id])


def _batches(
    reads, ids: dict[str, int], store: Store, size: int, dataset_id: int, counts: _Counter
) -> Iterator[list[tuple[int, bytes]]]:
    """Group readable files into batches; unreadable ones and known photos are written at once."""
    twins = _TwinFinder(store, dataset_id)
    batch: list[tuple[int, bytes]] = []
    try:
        for entry, data, problem in reads:
            item_id = ids.get(entry.key)
            if item_id is None:
                continue
            if data is None:
                mark_unread(store, item_id, problem)
                counts.note(error=not isinstance(problem, Unreadable), unavailable=isinstance(problem, Unreadable))
                continue
            copied = twins.copy(item_id, data)
            if copied is not None:
                counts.note(faces=copied[0], error=copied[1])
                continue
            batch.append((item_id, data))
            if len(batch) >= size:
                twins.flush()
                yield batch
                batch = []
        if batch:
            twins.flush()
            yield batch
    finally:
        twins.flush()


def mark_unread(store: Store, item_id: int, problem: str) -> None:
    """Record why an item was not read: unavailable (read again next time) for an `Unreadable` reason,
    else an error."""
    with store.transaction():
        if isinstance(problem, Unreadable):  # a read error may pass: looked at again next index
            store.conn.execute("UPDATE items SET status = 'unavailable', prior_status = 'pending', reason = ?"
                               " WHERE id = ?", [problem, item_id])
        else:
            store.conn.execute("UPDATE items SET status = 'error', reason = ?, indexed_at = ? WHERE id = ?",
                               [problem, now(), item_id])


class _TwinFinder:
    """Reuse what a byte-identical file already indexed with the same settings gave: its faces, or
    the reason it could not be read as an image.

    Face datasets are redistributed inside one another (LFW sits in many archives), and a
    dataset may be re-added from a new place; the faces of identical bytes are identical, and so
    is the way they fail. Each lookup is one seek in the index on (sha256, status): with an index
    on sha256 alone, 200,000 copies of one broken file made every lookup walk all earlier copies.
    """

    def __init__(self, store: Store, dataset_id: int):
        self.store = store
        rows = store.query("SELECT id, settings FROM datasets")
        self.failed: list[tuple] = []
        mine = face_settings(next(json.loads(r["settings"]) for r in rows if r["id"] == dataset_id))
        self.compatible = [r["id"] for r in rows if r["settings"] and face_settings(json.loads(r["settings"])) == mine]

    def flush(self) -> None:
        """Write the failures copied from twins so far (call before anything else writes)."""
        if self.failed:
            with self.store.transaction():
                self.store.conn.executemany(
                    "UPDATE items SET (status, reason, sha256, n_faces, indexed_at) ="
                    " (SELECT 'error', reason, sha256, 0, ? FROM items WHERE id = ?) WHERE id = ?", self.failed)
            self.failed = []

    def _twin(self, sha: str, status: str, item_id: int) -> int | None:
        marks = ",".join("?" * len(self.compatible))
        return self.store.scalar(
            f"SELECT id FROM items WHERE sha256 = ? AND status = ? AND id != ? AND dataset_id IN ({marks}) LIMIT 1",
            [sha, status, item_id, *self.compatible])

    def copy(self, item_id: int, data: bytes) -> tuple[int, bool] | None:
        """Copy a twin's faces (or its failure) onto this item.

        Returns:
            (faces copied, True when the twin had failed), or None when there is no twin.
        """
        sha = sha256_hex(data)
        conn = self.store.conn
        twin = self._twin(sha, "done", item_id)
        if twin is None:
            failed = self._twin(sha, "error", item_id)
            if failed is None:
                return None
            self.failed.append((now(), failed, item_id))  # written with the next ones: one commit per file cost more
            if len(self.failed) >= 500:
                self.flush()
            return 0, True
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
            attach_decisions(self.store, item_id)
        return self.store.scalar("SELECT n_faces FROM items WHERE id = ?", [item_id]), False


def write_records(store: Store, records: list[PhotoRecord]) -> None:
    """Store analysed photos (their faces, hashes and status) in one transaction; faces already there
    are replaced, decisions kept on them re-attached."""
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
            attach_decisions(store, record.item_id)


class _Counter:
    """Running totals and the pace of this run (working time only, `WorkRate`)."""

    def __init__(self, store: Store, dataset_id: int, name: str, gaps: tuple = ()):
        self.name, self.gaps = name, gaps
        row = store.conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(status != 'pending'), 0), COALESCE(SUM(status = 'error'), 0),"
            " COALESCE(SUM(status = 'unavailable'), 0),"
            " (SELECT COUNT(*) FROM faces WHERE dataset_id = ?) FROM items WHERE dataset_id = ?",
            [dataset_id, dataset_id]).fetchone()
        self.total, self.done, self.errors, self.unavailable, self.faces = row
        self.pace = WorkRate()  # from the first item on: start-up is not work

    def add(self, records: list[PhotoRecord]) -> None:
        for record in records:
            self.note(error=bool(record.error), faces=len(record.faces))

    def note(self, error: bool = False, faces: int = 0, unavailable: bool = False) -> None:
        """Count one finished item."""
        self.done += 1
        self.errors += int(error)
        self.unavailable += int(unavailable)
        self.faces += faces
        self.pace.note(self.done)

    def progress(self, phase: Phase) -> IndexProgress:
        rate, eta = self.pace.rate(), self.pace.seconds_left(self.total - self.done)
        return IndexProgress(self.name, phase, self.done, self.total, self.faces, self.errors, rate, eta,
                             self.unavailable, tuple(gap.reason for gap in self.gaps))


def _progress(store: Store, dataset_id: int, name: str, phase: Phase) -> IndexProgress:
    return _Counter(store, dataset_id, name).progress(phase)
