"""Acceptance (issue 27): a dataset indexed on a local Ray cluster (2 CPUs) and brought home is the same
as a local index of the same shards; a worker killed mid-run and a run stopped and started again lose
and double nothing; a damaged or missing part leaves its shard not read.

A few hundred LFW photos (three people's held-out photos among strangers) as 4 Hub parquet shards; and
some of them as ArcFace-aligned crops in one RecordIO pack (MS1M-ArcFace's `faces_emore` layout), which
the cluster cuts by its `.idx` into spans.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from faceaudit.core.datasets import shards as shards_module
from faceaudit.core.datasets.catalog import DatasetState, add_dataset, get_dataset
from faceaudit.core.datasets.cluster import import_ray, index_on_cluster
from faceaudit.core.datasets.indexing import index_dataset
from faceaudit.core.datasets.part_import import import_parts
from faceaudit.core.datasets.shards import dataset_shards
from faceaudit.core.matching.matches import candidates
from faceaudit.core.matching.references import add_reference
from faceaudit.core.matching.scan import scan
from faceaudit.core.storage.store import Store, from_blob
from tests.support.aligned_crops import arcface_crop
from tests.support.dataset_forms import hub_parquet, insightface_pack
from tests.support.lfw_sets import PEOPLE, build_dataset, person_photos

ray = import_ray()  # as the app imports it (`python3 run.py test` runs under `uv run`)

ENROLLED = 2
STRANGERS = 100
SHARDS = 4


@pytest.fixture(scope="module")
def local_ray(tmp_path_factory):
    """A local Ray with 2 CPUs for this module; its workers keep their caches in a folder of the test's."""
    home = tmp_path_factory.mktemp("ray-worker-home")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"FACEAUDIT_HOME": str(home)}})
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def indexed(lfw, local_ray, tmp_path_factory):
    """One store with the same shards indexed locally ("local") and on the cluster ("cluster")."""
    assert local_ray.is_initialized()  # index_on_cluster uses it (and leaves it running)
    base = tmp_path_factory.mktemp("cluster")
    folder = build_dataset(lfw, base / "lfw-set", PEOPLE, ENROLLED, STRANGERS)
    photos = [(path, path.parent.name) for path in sorted(folder.rglob("*.jpg"))]
    shards = hub_parquet(photos, base / "shards", shards=SHARDS, rows_per_group=32)
    store = Store(base / "home" / "faceaudit.db")
    copies = {}
    for name in ("local", "cluster", "imported", "killed"):
        copies[name] = shutil.copytree(shards, base / name, copy_function=shutil.copy2)  # same fingerprints
        add_dataset(store, copies[name], name)
    for progress in index_dataset(store, "local", workers=2):
        pass
    assert progress.done == progress.total == len(photos)
    for progress in index_on_cluster(store, "cluster", base / "parts"):
        pass
    assert progress.phase == "finished" and progress.shards_done == SHARDS
    yield store, base, len(photos)
    store.close()
    shutil.rmtree(base, ignore_errors=True)


def _faces(store: Store, name: str) -> dict[str, list]:
    rows = store.query("SELECT i.key, f.idx, f.top, f.right, f.bottom, f.left, f.embedding FROM faces f"
                       " JOIN items i ON i.id = f.item_id JOIN datasets d ON d.id = i.dataset_id WHERE d.name = ?"
                       " ORDER BY i.key, f.idx", [name])
    faces: dict[str, list] = {}
    for row in rows:
        faces.setdefault(row["key"], []).append(((row["top"], row["right"], row["bottom"], row["left"]),
                                                 from_blob(row["embedding"])))
    return faces


def _same_faces(store: Store, name: str, against: str = "local") -> None:
    local, other = _faces(store, against), _faces(store, name)
    assert local.keys() == other.keys()
    worst = 0.0
    for key, faces in local.items():
        assert [box for box, _e in faces] == [box for box, _e in other[key]], key
        for (_b, mine), (_c, theirs) in zip(faces, other[key], strict=True):
            worst = max(worst, float(np.max(np.abs(mine - theirs))))
    assert worst <= 1e-6, worst
    statuses = store.query("SELECT i.status, COUNT(*) n FROM items i JOIN datasets d ON d.id = i.dataset_id"
                           " WHERE d.name = ? GROUP BY i.status", [name])
    assert statuses == store.query("SELECT i.status, COUNT(*) n FROM items i JOIN datasets d ON d.id = i.dataset_id"
                                   " WHERE d.name = ? GROUP BY i.status", [against])


def test_parts_are_private_and_hold_each_shards_coverage(indexed):
    store, base, n_photos = indexed
    parts = sorted((base / "parts").glob("*.part.parquet"))
    assert len(parts) == SHARDS
    assert stat.S_IMODE((base / "parts").stat().st_mode) == 0o700
    assert all(stat.S_IMODE(part.stat().st_mode) == 0o600 for part in parts)
    from faceaudit.core.datasets.index_parts import read_part

    read = [read_part(part)[0] for part in parts]
    assert sum(len(part.items) for part in read) == n_photos
    assert sum(part.coverage["read"] + part.coverage["not_read"] for part in read) == n_photos
    assert {part.shard for part in read} == {s.key for s in dataset_shards(base / "cluster")[0]}


def test_cluster_index_scans_like_a_local_index(indexed, lfw):
    store, _base, _n = indexed
    _same_faces(store, "cluster")
    assert get_dataset(store, "cluster").state == DatasetState.READY
    for photo in person_photos(lfw, PEOPLE[0])[:ENROLLED]:
        add_reference(store, photo)
    found = {}
    for name in ("local", "cluster"):
        for progress in scan(store, [name]):
            pass
        found[name] = sorted((c.key, c.face_idx, c.band) for c in candidates(store, progress.scan_id, dataset=name))
    assert found["local"] and found["local"] == found["cluster"]
    assert any(band == "strong" for _k, _i, band in found["cluster"])


def test_a_damaged_or_missing_part_leaves_its_shard_not_read(indexed):
    store, base, _n = indexed
    bad = shutil.copytree(base / "parts", base / "parts-bad")
    damaged, missing, *_rest = sorted(bad.glob("*.part.parquet"))
    damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])
    missing.unlink()
    results = {r.shard: r for r in import_parts(store, "imported", bad)}
    refused = {key: r.reason for key, r in results.items() if r.status == "refused"}
    assert len(refused) == 2 and any("missing" in why for why in refused.values())
    assert any("not usable" in why for why in refused.values())
    info = get_dataset(store, "imported")
    assert info.state != DatasetState.READY and info.unavailable > 0 and info.pending == 0
    not_read = store.query("SELECT key, reason FROM items i JOIN datasets d ON d.id = i.dataset_id"
                           " WHERE d.name = 'imported' AND i.status = 'unavailable'")
    assert {row["key"].split(" row ")[0] for row in not_read} == set(refused)
    assert all(row["reason"].startswith("not read: ") for row in not_read)
    # The good parts put back: imported again, the dataset is whole, and nothing is doubled.
    results = list(import_parts(store, "imported", base / "parts"))
    assert sorted(r.status for r in results) == ["already", "already", "imported", "imported"]
    _same_faces(store, "imported")
    assert get_dataset(store, "imported").state == DatasetState.READY


def _kill_first_task(killed: list, stop: threading.Event) -> None:
    """SIGKILL the first Ray worker seen running a shard's task (a worker lost mid-shard)."""
    while not stop.is_set():
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if cmdline.startswith(b"ray::make_part"):
                time.sleep(0.5)  # well into the shard's work
                os.kill(int(pid), signal.SIGKILL)
                killed.append(int(pid))
                return
        time.sleep(0.05)


def test_a_killed_worker_and_a_stopped_run_lose_and_double_nothing(indexed):
    store, base, _n = indexed
    parts = base / "parts-killed"
    killed, stop = [], threading.Event()
    watcher = threading.Thread(target=_kill_first_task, args=(killed, stop), daemon=True)
    watcher.start()
    run = index_on_cluster(store, "killed", parts)
    try:
        for progress in run:
            if progress.last is not None:
                break  # stopped after the first shard came home
    finally:
        run.close()
        stop.set()
        watcher.join()
    assert killed, "no shard task was seen running"
    assert progress.last.status == "imported"
    made = [progress.made for progress in index_on_cluster(store, "killed", parts)][-1]
    assert made < SHARDS  # the parts made before the stop were not made again
    assert get_dataset(store, "killed").state == DatasetState.READY
    assert store.scalar("SELECT COUNT(*) FROM index_parts p JOIN datasets d ON d.id = p.dataset_id"
                        " WHERE d.name = 'killed' AND p.status = 'imported'") == SHARDS
    _same_faces(store, "killed")


def test_an_index_for_large_datasets_is_built_from_the_parts(indexed, tmp_path):
    from faceaudit.core.datasets.index_parts import read_part
    from faceaudit.core.matching.large_index import LargeIndex, build_from_parts

    _store, base, _n = indexed
    built = build_from_parts(base / "parts")
    built.save(tmp_path, "lfw")
    opened = LargeIndex.open(tmp_path, "lfw")  # memory-mapped, as a desktop opens a large one
    assert opened.index.ntotal == len(opened.faces) > 100
    part = read_part(base / "parts" / opened.parts[0])[0]
    queries = [((0, row, number), face.embedding) for row, item in enumerate(part.items)
               for number, face in enumerate(item.record.faces)][:20]
    _distances, found = opened.search(np.array([vector for _w, vector in queries]), k=10, probe=8)
    hits = sum(tuple(where) in {tuple(opened.faces[i]) for i in row if i >= 0}
               for (where, _v), row in zip(queries, found, strict=True))
    assert hits >= 0.9 * len(queries)


def test_the_command_line_brings_parts_home(indexed, capsys):
    from faceaudit.cli.main import main

    _store, base, n_photos = indexed
    assert main(["dataset", "add", str(base / "cluster"), "--name", "home"]) == 0
    assert main(["index", "import", "home", str(base / "parts")]) == 0
    out = capsys.readouterr().out
    assert f"home: {n_photos}/{n_photos} items" in out and "not really checked" not in out
    assert main(["index", "import", "home"]) == 2  # no folder named: refused with a message
    assert "PARTS_DIR" in capsys.readouterr().err


def test_a_recordio_pack_is_cut_by_its_idx_and_indexes_like_a_local_index(indexed, monkeypatch):
    """MS1M's 5.8 million records are one `train.rec`: the cluster reads it as spans of its `.idx`."""
    store, base, _n = indexed
    crops = []
    for photo in sorted((base / "lfw-set").rglob("*.jpg"))[::4]:
        crop = arcface_crop(photo)
        if crop is not None:
            crops.append((crop, photo.parent.name))
    pack = insightface_pack(crops[:48], base / "pack" / "faces_emore", pairs=4)
    monkeypatch.setattr(shards_module, "RECORDS_PER_SHARD", 24)
    spans = [s for s in dataset_shards(pack)[0] if s.kind == "records"]
    assert len(spans) >= 3
    for name in ("pack-local", "pack-cluster"):
        add_dataset(store, shutil.copytree(pack, base / name, copy_function=shutil.copy2), name)
    for _progress in index_dataset(store, "pack-local", workers=2):
        pass
    for progress in index_on_cluster(store, "pack-cluster", base / "pack-parts"):
        pass
    assert progress.phase == "finished" and progress.shards_done == progress.shards == len(spans) + 1  # + lfw.bin
    _same_faces(store, "pack-cluster", against="pack-local")
    assert get_dataset(store, "pack-cluster").state == DatasetState.READY
    records = [key for key in _faces(store, "pack-cluster") if key.startswith("train.rec record ")]
    assert len(records) >= 0.8 * min(len(crops), 48)


def test_the_index_made_with_the_parts_is_brought_home_and_used_by_the_scan(indexed, lfw, capsys):
    """Above the exact limit the scan asks the index built where the parts were made, tied to the store's faces."""
    from faceaudit.cli.main import main
    from faceaudit.core.datasets.index_parts import read_part
    from faceaudit.core.matching import shipped_index, vectors
    from faceaudit.core.matching.approximate import Search, scan_searches

    store, base, _n = indexed
    parts = shutil.copytree(base / "parts", base / "parts-shipped")
    entries = shipped_index.build_on_cluster(parts)  # one Ray task, where the parts are
    assert all(stat.S_IMODE((parts / f"index{suffix}").stat().st_mode) == 0o600
               for suffix in (".ivfpq", ".faces.npy", ".parts.json"))
    cluster = get_dataset(store, "cluster")
    assert entries == cluster.faces
    assert shipped_index.adopt(store, cluster.id, parts) == cluster.faces
    # Each entry is tied to the store's face with its embedding (the part's, to float16 precision).
    stored = vectors.load_matrix(store, cluster.id)
    index_path, ids_path, _about = shipped_index.shipped_files(stored.path.parent, cluster.id)
    face_ids = np.load(ids_path)
    where = np.load(parts / "index.faces.npy")
    names = json.loads((parts / "index.parts.json").read_text())
    read = {number: read_part(parts / name)[0] for number, name in enumerate(names)}
    for entry in range(0, len(where), 7):
        number, row, face = where[entry]
        embedding = read[int(number)].items[int(row)].record.faces[int(face)].embedding
        at = int(np.searchsorted(stored.face_ids, face_ids[entry]))
        assert np.max(np.abs(stored.matrix[at].astype(np.float32) - embedding)) < 2e-3
    if not store.scalar("SELECT COUNT(*) FROM reference_faces"):  # when run alone
        for photo in person_photos(lfw, PEOPLE[0])[:ENROLLED]:
            add_reference(store, photo)
    found = {}
    for name, limit in (("local", None), ("cluster", 10)):
        for progress in scan(store, [name], exact_limit=limit):
            pass
        found[name] = sorted((c.key, c.face_idx, c.band) for c in candidates(store, progress.scan_id, dataset=name))
        searched = scan_searches(store, progress.scan_id)[name]
    assert found["local"] and found["local"] == found["cluster"]
    assert searched.search == Search.IVF_PQ and searched.recall is not None and searched.recall >= 0.9
    assert not list(stored.path.parent.glob(f"vectors-{cluster.id}-*.ivfpq"))  # no index built on the desktop
    # A face the shipped index does not name: the scan does not use it (it would never return that face).
    face_ids[0] = -1
    np.save(ids_path, face_ids)
    assert shipped_index.rows(stored, stored.matrix[:2].astype(np.float32), 0.6) is None
    # The command line brings it home with the parts.
    assert main(["dataset", "add", str(base / "cluster"), "--name", "home-shipped"]) == 0
    assert main(["index", "import", "home-shipped", str(parts)]) == 0
    assert f"large-dataset index brought home: {cluster.faces} entries" in capsys.readouterr().out
