"""Index a dataset on a Ray cluster: one task per shard, each writing its index part, each part brought home.

`make_part` is what a cluster worker runs: it opens one shard with the reader a local index uses,
reads it, and runs the same per-photo code through the local index's pool (`pool.run_pool` with one
worker process: `worker.analyse_photos`, decode within the limits, hashes, detection or the aligned
path, ONNX or dlib embedding; each photo within its time budget, a decoder crash that photo's error)
before writing the shard's part.
Workers never open the store. `index_on_cluster` is run where the store is: it lists the dataset
as a local index does, sends the shards whose part is not already there as Ray tasks, and imports
each part as it finishes.

Fault tolerance is Ray's: a task whose worker dies is run again (`TASK_RETRIES`), so a worker
killed mid-shard loses that shard's work only; a part is written whole or not at all, so a run
stopped and started again skips the parts already made. Ray tasks, not Ray Data: a shard is the
unit of work, of retry and of output (one part), which a task is exactly; Ray Data's blocks split
and merge files by size and its writers name their own files, so a block would no longer be one
shard with one fingerprint.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from faceaudit.core.datasets.catalog import get_dataset
from faceaudit.core.datasets.index_parts import Part, PartError, PartItem, read_part, write_part
from faceaudit.core.datasets.indexing import IndexSettings, finish_index, list_for_indexing
from faceaudit.core.datasets.part_import import ShardImport, import_shard, refuse_shard
from faceaudit.core.datasets.pool import run_pool
from faceaudit.core.datasets.shards import Shard, dataset_shards, open_shard
from faceaudit.core.datasets.sources import Entry, Gap, Unreadable
from faceaudit.core.datasets.worker import PhotoRecord, engine_from
from faceaudit.core.errors import Action, FaceAuditError
from faceaudit.core.storage.store import Store

__all__ = ["ClusterProgress", "ClusterError", "make_part", "index_on_cluster", "import_ray", "TASK_RETRIES"]

#: How many times Ray runs a shard's task again when its worker dies (a node lost, a process killed).
TASK_RETRIES = 3
_BATCH = 16


class ClusterError(FaceAuditError, RuntimeError):
    """The cluster cannot be used (Ray not installed, no cluster at the address)."""


@dataclass(frozen=True)
class ClusterProgress:
    """A progress point of a cluster index.

    Attributes:
        dataset: the dataset's name.
        phase: "listing", "indexing" or "finished".
        shards_done: shards whose part was imported (or refused) in this run, skipped ones included.
        shards: shards of the dataset.
        last: what became of the shard just finished (None at other points).
        made: parts made in this run (skipped ones are not).
    """

    dataset: str
    phase: str
    shards_done: int
    shards: int
    last: ShardImport | None = None
    made: int = 0


def make_part(shard: Shard, settings: dict, folder: str, passphrase: str | None = None) -> dict:
    """Index one shard and write its part into `folder` (what a cluster worker runs).

    Returns:
        The part's coverage counts (items read, not read and their bytes, faces, gaps).
    """
    engine = engine_from(settings)
    part = Part(shard.key, shard.fingerprint, settings)
    source = open_shard(shard)
    if isinstance(source, list):  # a part that cannot be opened: the entries that say why
        for record in source:
            if isinstance(record, Gap):
                part.gaps.append((record.prefix, record.reason))
            else:
                part.items.append(_not_read(record.key, record.fingerprint, record.size, record.problem))
    else:
        _read_into(part, source, shard, engine)
    write_part(Path(folder) / shard.name, part, passphrase)
    return part.coverage


def _read_into(part: Part, source, shard: Shard, engine) -> None:
    listed: dict[str, Entry] = {}
    if shard.kind == "photos":
        wanted = list(shard.photos)
    else:
        for record in source.entries():
            if isinstance(record, Gap):
                part.gaps.append((record.prefix, record.reason))
            elif record.problem:
                part.items.append(_not_read(record.key, record.fingerprint, record.size, record.problem))
            elif record.key not in listed:
                listed[record.key] = record
        wanted = list(listed)
    found: set[str] = set()
    waiting: dict[int, tuple[Entry, int]] = {}
    analysed: dict[int, PartItem] = {}

    def batches() -> Iterator[list[tuple[int, bytes]]]:
        batch = []
        for entry, data, problem in source.read(wanted):
            found.add(entry.key)
            size = listed[entry.key].size if entry.key in listed else entry.size
            if data is None:
                part.items.append(_not_read(entry.key, entry.fingerprint, size, problem))
                continue
            waiting[len(waiting)] = (entry, size or len(data))
            batch.append((len(waiting) - 1, data))
            if len(batch) >= _BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    # In a worker process of its own, as the local index runs it: a photo that crashes the decoder,
    # or runs over its time budget, is that photo's error, not the whole shard's task lost.
    engine.prepare()  # before the worker starts (see FaceEngine.prepare)
    for records in run_pool(engine, batches(), 1):
        engine.embed_faces([face for record in records for face in record.faces])  # ONNX: chips come back
        for record in records:
            entry, size = waiting[record.item_id]
            analysed[record.item_id] = PartItem(entry.key, entry.fingerprint, size,
                                                "error" if record.error else "done", record)
    part.items.extend(analysed[number] for number in sorted(analysed))
    for key in wanted:
        if key not in found:
            entry = listed.get(key)
            part.items.append(_not_read(key, entry.fingerprint if entry else "?", entry.size if entry else 0,
                                        Unreadable("not found when its shard was read")))


def _not_read(key: str, fingerprint: str, size: int, problem: str | None) -> PartItem:
    status = "unavailable" if isinstance(problem, Unreadable) else "error"
    return PartItem(key, fingerprint, size, status, PhotoRecord(0, error=str(problem or "not read")))


def index_on_cluster(store: Store, name: str, parts: str | os.PathLike, address: str | None = None,
                     settings: IndexSettings | None = None, passphrase: str | None = None,
                     cpus: int | None = None) -> Iterator[ClusterProgress]:
    """List a dataset here, index its shards on a Ray cluster, and import each part as it finishes.

    Args:
        store: the database (written only here, never by the workers).
        name: the dataset's name.
        parts: the folder for the parts (made private); it must be one the workers can write to
            and this machine can read (a shared disk), or this machine's for a local Ray.
        address: the Ray cluster's address; None starts a local Ray here.
        settings: face settings; None keeps the dataset's recorded ones.
        passphrase: seal each part with it (as `faceaudit lock` seals the database).
        cpus: CPUs of a local Ray (default: all).

    Yields:
        Progress records; closing the generator stops the run (parts made so far stay, and are
        skipped when it is run again).

    Raises:
        ClusterError: Ray is not installed, or no cluster answers at the address.
    """
    ray = import_ray()
    dataset = get_dataset(store, name)
    yield ClusterProgress(name, "listing", 0, 0)
    engine, _listing = list_for_indexing(store, dataset, settings)
    engine_settings = dict(engine.settings)
    shards, _gaps = dataset_shards(dataset.path, dataset.kind)
    folder = Path(parts).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)  # the parts hold everyone's faces: only their owner may list them
    todo, done, made = [], 0, 0
    for shard in shards:
        if _part_is_there(folder / shard.name, shard, engine_settings, passphrase):
            done += 1  # made by an earlier run: brought home without asking the cluster
            yield ClusterProgress(name, "indexing", done, len(shards),
                                  import_shard(store, dataset.id, shard, folder, passphrase), made)
        else:
            todo.append(shard)
    started = _start(ray, address, cpus) if todo else False
    try:
        task = ray.remote(num_cpus=1, max_retries=TASK_RETRIES, retry_exceptions=False)(make_part)
        running = {task.remote(shard, engine_settings, str(folder), passphrase): shard for shard in todo}
        while running:
            ready, _rest = ray.wait(list(running), num_returns=1)
            shard = running.pop(ready[0])
            try:
                ray.get(ready[0])
            except Exception as exc:  # noqa: BLE001 - the task failed after Ray's retries: its shard stays unread
                (folder / shard.name).unlink(missing_ok=True)  # an older part must not stand in for it
                result = refuse_shard(store, dataset.id, shard, f"its task failed on the cluster: {_short(exc)}")
            else:
                made += 1
                result = import_shard(store, dataset.id, shard, folder, passphrase)
            done += 1
            yield ClusterProgress(name, "indexing", done, len(shards), result, made)
    finally:
        if started:
            ray.shutdown()
    for _step in finish_index(store, dataset.id):  # a second model's numbers are made here, from the photos
        pass
    yield ClusterProgress(name, "finished", done, len(shards), None, made)


def run_task(function, *args, address: str | None = None, cpus: int | None = None):
    """Run one function as a Ray task (one CPU) on the cluster, or on a local Ray, and return what it returns.

    Raises:
        ClusterError: Ray is not installed, no cluster answers, or the task failed.
    """
    ray = import_ray()
    started = _start(ray, address, cpus)
    try:
        return ray.get(ray.remote(num_cpus=1, max_retries=TASK_RETRIES)(function).remote(*args))
    except ClusterError:
        raise
    except Exception as exc:  # noqa: BLE001 - the task failed after Ray's retries
        raise ClusterError(f"a task failed on the cluster: {_short(exc)}", action=Action.SET_UP_CLUSTER) from None
    finally:
        if started:
            ray.shutdown()


def import_ray():
    """Ray, imported for FaceAudit's use: its workers run this installed environment as it is.

    Ray's `uv run` support would start every worker through `uv run` when the driver was (as
    `python3 run.py` starts it), which syncs the project again in each worker and hangs where no
    network is reached: it is switched off before Ray reads its settings (at import), unless set.

    Raises:
        ClusterError: Ray is not installed (the `cluster` extra).
    """
    os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
    try:
        import ray
    except ImportError:
        raise ClusterError("indexing on a cluster needs Ray, which this install does not have (the 'cluster' extra)",
                           action=Action.SET_UP_CLUSTER) from None
    return ray


def _start(ray, address: str | None, cpus: int | None) -> bool:
    """Connect to the cluster (or start a local one); True when this call started it."""
    if ray.is_initialized():
        return False
    try:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ClusterError(f"no Ray cluster could be reached at {address or 'this machine'}: {exc}",
                           action=Action.SET_UP_CLUSTER) from None
    return True


def _part_is_there(path: Path, shard: Shard, settings: dict, passphrase: str | None) -> bool:
    """True when a whole part of this shard, as it is now, made with these settings, is already in the folder."""
    if not path.is_file():
        return False
    try:
        part, _digest = read_part(path, passphrase)
    except PartError:
        return False  # made again (a damaged part is replaced; import would refuse it)
    return part.shard == shard.key and part.fingerprint == shard.fingerprint and part.settings == settings


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return (text[-1] if text else type(exc).__name__)[:300]
