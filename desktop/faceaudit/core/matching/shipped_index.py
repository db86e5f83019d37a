"""The large-dataset index made where a dataset's parts were made, brought home and used by the scan.

`large_index.build_from_parts` builds a faiss IVF-PQ index on the cluster, beside the parts it
reads (`index.ivfpq`, and per entry the part, row and face it stands for). Brought home (`adopt`,
after the parts are imported), each entry is tied to the store's face with that item key and face
number, and the index and that table are copied into the data folder's cache, private (mode
0600), so that the parts folder may go. A scan above the exact limit then asks this index for
each reference's nearest faces instead of building one on the desktop (`rows`), but only while it
covers every face of the dataset's dlib matrix: a face indexed after it (or one it does not
name) would be a face no search could return, so then the scan builds its own, as before. Its
recall is measured on first use, on the dataset's own faces, as the desktop-built index's is.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from faceaudit.core.matching import large_index, vectors
from faceaudit.core.storage import paths
from faceaudit.core.storage.store import Store

__all__ = ["SHIPPED_NAME", "build", "build_on_cluster", "adopt", "rows", "shipped_files"]

#: The name `index_on_cluster` saves the parts' index under, in the parts folder.
SHIPPED_NAME = "index"
#: Indexes opened in this process, by file.
_OPEN: dict[str, object] = {}


def shipped_files(cache: Path, dataset_id: int) -> tuple[Path, Path, Path]:
    """Where a dataset's adopted index lives in the cache folder (the dataset matrices'): the index, its
    entries' face ids, and what is known of it."""
    stem = cache / f"shipped-{dataset_id}"
    return Path(f"{stem}.ivfpq"), Path(f"{stem}.faceids.npy"), Path(f"{stem}.json")


def build(folder: str, passphrase: str | None = None) -> int:
    """Build the index of every face in a parts folder and save it there, private (what a cluster task runs).

    Returns:
        The entries it holds.
    """
    folder_path = Path(folder)
    built = large_index.build_from_parts(folder_path, passphrase)
    for suffix in (".ivfpq", ".faces.npy", ".parts.json"):
        (folder_path / f"{SHIPPED_NAME}{suffix}").unlink(missing_ok=True)
    built.save(folder_path, SHIPPED_NAME)
    for suffix in (".ivfpq", ".faces.npy", ".parts.json"):
        (folder_path / f"{SHIPPED_NAME}{suffix}").chmod(0o600)  # it describes everyone in the dataset, as the parts do
    return int(built.index.ntotal)


def build_on_cluster(folder: str | Path, passphrase: str | None = None, address: str | None = None) -> int:
    """`build`, as one task where the parts are (the cluster at `address`, or a local Ray)."""
    from faceaudit.core.datasets.cluster import run_task

    return run_task(build, str(folder), passphrase, address=address)


def adopt(store: Store, dataset_id: int, folder: str | Path, passphrase: str | None = None) -> int | None:
    """Bring home the index shipped in a parts folder, tied to the store's faces.

    Returns:
        The entries tied to a face of the store, or None when the folder holds no index.
    """
    from faceaudit.core.datasets.index_parts import read_part

    folder = Path(folder)
    if not (folder / f"{SHIPPED_NAME}.ivfpq").is_file():
        return None
    entries = np.load(folder / f"{SHIPPED_NAME}.faces.npy", mmap_mode="r")
    part_names = json.loads((folder / f"{SHIPPED_NAME}.parts.json").read_text(encoding="utf-8"))
    face_of = {(key, idx): face_id for key, idx, face_id in store.conn.execute(
        "SELECT i.key, f.idx, f.id FROM faces f JOIN items i ON i.id = f.item_id WHERE i.dataset_id = ?",
        [dataset_id])}
    face_ids = np.full(len(entries), -1, np.int64)
    by_part = np.argsort(entries[:, 0], kind="stable")  # once, not a pass over every entry per part
    bounds = np.searchsorted(entries[by_part, 0], np.arange(len(part_names) + 1))
    for number, name in enumerate(part_names):
        mine = by_part[bounds[number]:bounds[number + 1]]
        if not len(mine):
            continue
        part, _digest = read_part(folder / name, passphrase)
        keys = [item.key for item in part.items]
        for entry in mine:
            _part, row, face = (int(value) for value in entries[entry])
            face_ids[entry] = face_of.get((keys[row], face), -1) if row < len(keys) else -1
    index_path, ids_path, about_path = shipped_files(paths.cache_beside(store.path), dataset_id)
    index_path.parent.mkdir(parents=True, exist_ok=True)
    large_index.write_private(index_path, lambda target: shutil.copyfile(folder / f"{SHIPPED_NAME}.ivfpq", target))
    large_index.write_private(ids_path, lambda target: _save(target, face_ids))
    large_index.write_private(about_path, lambda target: target.write_text(json.dumps({}), encoding="utf-8"))
    _OPEN.pop(str(index_path), None)
    return int((face_ids >= 0).sum())


def _save(target: Path, array: np.ndarray) -> None:
    with open(target, "wb") as handle:
        np.save(handle, array)


def rows(stored: vectors.DatasetVectors, refs: np.ndarray, radius: float,
         k: int = large_index.PER_REFERENCE) -> tuple[np.ndarray, float | None] | None:
    """Rows of the dataset's matrix worth an exact look, by the adopted index, and its measured recall;
    None when the dataset has none, or it does not cover every face of the matrix."""
    if stored.path is None or stored.matrix.shape[1] != large_index.DIM:
        return None
    index_path, ids_path, about_path = shipped_files(stored.path.parent, stored.dataset_id)
    if not (index_path.is_file() and ids_path.is_file()):
        return None
    face_ids = np.load(ids_path)
    mapped = np.searchsorted(stored.face_ids, face_ids)
    named = (face_ids >= 0) & (mapped < len(stored.face_ids))
    named[named] = stored.face_ids[mapped[named]] == face_ids[named]
    if len(np.unique(face_ids[named])) != len(stored.face_ids):
        return None  # a face of the dataset no entry stands for: no search through this index could return it
    row_of_entry = np.where(named, mapped, -1)
    index = _open(index_path)

    def nearest(asked: np.ndarray, count: int, probe: int) -> np.ndarray:
        found = large_index.search_entries(index, asked, count, probe)
        return np.where(found >= 0, row_of_entry[np.maximum(found, 0)], -1)

    facts = json.loads(about_path.read_text(encoding="utf-8")) if about_path.is_file() else {}
    if facts.get("faces_key") != stored.key or facts.get("radius") != radius:
        probe, recall = large_index.pick_probe(stored.matrix, radius, nearest, index.nlist)
        facts = {"faces_key": stored.key, "radius": radius, "probe": probe, "recall": recall}
        large_index.write_private(about_path, lambda target: target.write_text(json.dumps(facts), encoding="utf-8"))
    found = nearest(refs, k, facts["probe"])
    return np.unique(found[found >= 0]), facts["recall"]


def _open(path: Path):
    if str(path) not in _OPEN:
        faiss = large_index.faiss_module()
        _OPEN[str(path)] = faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
    return _OPEN[str(path)]
