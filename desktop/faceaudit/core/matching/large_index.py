"""An index for datasets beyond exact search (tens to hundreds of millions of faces): faiss IVF-PQ, on disk.

Exact search reads every face's 128 numbers; at 260 million faces that is 66 GB in float16, more
than a laptop holds. Here each face is kept as a product-quantised code of `CODE_BYTES` bytes in
one of `lists` inverted lists (k-means cells); a search visits the `probe` cells nearest each
reference face and ranks their codes, returning each reference's `k` nearest candidates. Their
exact distances are then computed from the real embeddings (a few thousand faces, not all), so the
bands a scan gives depend only on which faces the index returns: the recall of that, against an
exact search, is measured in bench/large_index_recall.py.

The index is built where the parts are made (`build_from_parts`: trained on a sample of the
parts' embeddings, then every face added) and travels with them: one file `<name>.ivfpq` and the
face each entry stands for in `<name>.faces.npy` (the part and the row). It is opened memory-mapped
(faiss IO_FLAG_MMAP): the codes stay on disk and the page cache holds the cells a search visits.
Needs the cluster extra (faiss-cpu); the desktop bundle does not carry it.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["LargeIndex", "LocalIndex", "train", "lists_for", "build_from_parts", "local_index", "exact_neighbours",
           "recall_of", "measure_recall", "pick_probe", "search_entries", "faiss_module", "write_private",
           "CODE_BYTES", "DIM", "PER_REFERENCE", "TARGET_RECALL"]

#: Bytes per face in the index (PQ sub-quantisers of 8 bits): 32 keeps rank order well for 128-d faces.
CODE_BYTES = 32
#: dlib's numbers: what the parts carry, and so what an index built from them holds.
DIM = 128


def faiss_module():
    """faiss, imported where an index is used (the cluster extra or the dev tools)."""
    import faiss

    return faiss


@dataclass
class LargeIndex:
    """A trained IVF-PQ index and the faces its entries stand for.

    Attributes:
        index: the faiss index.
        faces: (part number, row in part, face number in row) per entry, by entry id.
        parts: the part files' names, by part number.
    """

    index: object
    faces: np.ndarray
    parts: list[str]

    def search(self, references: np.ndarray, k: int = 1000, probe: int = 64) -> tuple[np.ndarray, np.ndarray]:
        """Each reference's `k` nearest entries: (approximate squared distances, entry ids; -1 where fewer)."""
        faiss = faiss_module()
        params = faiss.SearchParametersIVF(nprobe=probe)
        return self.index.search(np.ascontiguousarray(references, dtype=np.float32), k, params=params)

    def save(self, folder: Path, name: str) -> Path:
        """Write `<name>.ivfpq`, `<name>.faces.npy` and `<name>.parts.json` into `folder`."""
        faiss = faiss_module()
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{name}.ivfpq"
        faiss.write_index(self.index, str(target))
        np.save(folder / f"{name}.faces.npy", self.faces)
        (folder / f"{name}.parts.json").write_text(json.dumps(self.parts), encoding="utf-8")
        return target

    @classmethod
    def open(cls, folder: Path, name: str) -> LargeIndex:
        """Open a saved index with its codes memory-mapped (they stay on disk)."""
        faiss = faiss_module()
        index = faiss.read_index(str(folder / f"{name}.ivfpq"), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
        faces = np.load(folder / f"{name}.faces.npy", mmap_mode="r")
        return cls(index, faces, json.loads((folder / f"{name}.parts.json").read_text(encoding="utf-8")))


def train(sample: np.ndarray, lists: int, code_bytes: int = CODE_BYTES):
    """An empty IVF-PQ index trained on a sample of faces (at least 39 per list, as faiss's k-means wants).

    Codes of 8 bits per sub-quantiser need 256 x 39 training faces; a smaller sample (a small
    dataset) gets fewer bits, so that every code book is learned from enough faces.
    """
    faiss = faiss_module()
    bits = int(min(8, max(1, np.floor(np.log2(max(2, len(sample)) / 39)))))
    dim = sample.shape[1]  # 128 for dlib, 192 for MobileFaceNet: both split into 32 sub-vectors
    quantiser = faiss.IndexFlatL2(dim)
    index = faiss.IndexIVFPQ(quantiser, dim, lists, code_bytes, bits)
    index.train(np.ascontiguousarray(sample, dtype=np.float32))
    return index


def lists_for(faces: int) -> int:
    """Cells for a dataset of this many faces: about 4 x sqrt(N), at least 1, at most N / 39."""
    return int(max(1, min(faces // 39, 4 * int(np.sqrt(max(faces, 1))))))


def build_from_parts(folder: Path, passphrase: str | None = None, sample_size: int = 200_000,
                     seed: int = 0) -> LargeIndex:
    """Train on a sample of the parts' embeddings and add every face, part by part (memory: one part at a time)."""
    from faceaudit.core.datasets.index_parts import read_part

    files = sorted(Path(folder).glob("*.part.parquet"))
    total = sum(1 for _f in _embeddings(files, passphrase, read_part))
    rng = np.random.default_rng(seed)
    keep = set(rng.choice(total, size=min(total, sample_size), replace=False).tolist()) if total else set()
    sample = np.array([vector for number, (_where, vector) in enumerate(_embeddings(files, passphrase, read_part))
                       if number in keep], dtype=np.float32).reshape(-1, DIM)
    index = train(sample, lists_for(total))
    faces, batch = [], []
    for where, vector in _embeddings(files, passphrase, read_part):
        faces.append(where)
        batch.append(vector)
        if len(batch) >= 65_536:
            index.add(np.asarray(batch, dtype=np.float32))
            batch = []
    if batch:
        index.add(np.asarray(batch, dtype=np.float32))
    return LargeIndex(index, np.asarray(faces, dtype=np.int64).reshape(-1, 3), [f.name for f in files])


def _embeddings(files: list[Path], passphrase: str | None,
                read_part) -> Iterator[tuple[tuple[int, int, int], np.ndarray]]:
    for number, path in enumerate(files):
        part, _digest = read_part(path, passphrase)
        for row, item in enumerate(part.items):
            for face_number, face in enumerate(item.record.faces):
                yield (number, row, face_number), face.embedding


#: Candidates asked of the index per reference face: the scan lists at most 200 weak candidates and
#: every strong or possible one, all among each reference's few hundred nearest faces.
PER_REFERENCE = 1000
#: Dataset faces used as queries to measure an index's recall, and the recall a local index's probe
#: is raised (doubling from `_FIRST_PROBE`) to reach.
RECALL_QUERIES, TARGET_RECALL = 200, 0.99
_FIRST_PROBE = 64
_ADD_BATCH = 1_000_000


@dataclass(frozen=True)
class LocalIndex:
    """An IVF-PQ index over a dataset's cached matrix (entry ids are matrix rows), and its measured recall.

    Attributes:
        index: the faiss index.
        recall: the share of the faces within the match distance of `RECALL_QUERIES` dataset faces that
            the index returned among its `PER_REFERENCE` candidates at `probe`, measured when it was
            built (None when no query had such a face).
        probe: cells visited per reference: the fewest (from 64, doubling) that reached
            `TARGET_RECALL`, or every cell.
        path: the index file.
    """

    index: object
    recall: float | None
    probe: int
    path: Path

    def nearest(self, references: np.ndarray, k: int = PER_REFERENCE) -> np.ndarray:
        """Each reference's `k` nearest rows (R, k), -1 where fewer were found."""
        return search_entries(self.index, references, k, self.probe)


def search_entries(index, references: np.ndarray, k: int, probe: int) -> np.ndarray:
    """Each reference's `k` nearest entries of an IVF index visiting `probe` cells (R, k), -1 where fewer."""
    params = faiss_module().SearchParametersIVF(nprobe=probe)
    _distances, rows = index.search(np.ascontiguousarray(references, dtype=np.float32), k, params=params)
    return rows


def local_index(matrix: np.ndarray, path: Path, radius: float, sample_size: int = 200_000,
                seed: int = 0) -> LocalIndex:
    """The IVF-PQ index of a dataset's float16 matrix, built into `path` on first use, then opened memory-mapped.

    Building trains on a fixed sample of rows, adds every row a million at a time (memory: one batch
    beside the index), picks the probe that reaches `TARGET_RECALL` on the dataset's own faces
    (`exact_neighbours`) and writes the index and `<path>.json` atomically, mode 0600 (they
    describe everyone in the dataset, as the matrix does).
    """
    faiss = faiss_module()
    about = path.with_name(path.name + ".json")
    if path.exists() and about.exists():
        facts = json.loads(about.read_text(encoding="utf-8"))
        index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
        return LocalIndex(index, facts["recall"], facts["probe"], path)
    rows = len(matrix)
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(rows, min(rows, sample_size), replace=False))
    index = train(np.asarray(matrix[sample], dtype=np.float32), lists_for(rows))
    for start in range(0, rows, _ADD_BATCH):
        index.add(np.asarray(matrix[start:start + _ADD_BATCH], dtype=np.float32))
    probe, recall = pick_probe(matrix, radius, lambda asked, k, cells: search_entries(index, asked, k, cells),
                               index.nlist, seed)
    write_private(path, lambda target: faiss.write_index(index, str(target)))
    write_private(about, lambda target: target.write_text(json.dumps(
        {"recall": recall, "probe": probe, "queries": RECALL_QUERIES, "radius": radius,
         "per_reference": PER_REFERENCE, "lists": index.nlist, "code_bytes": CODE_BYTES}), encoding="utf-8"))
    return LocalIndex(index, recall, probe, path)


def pick_probe(matrix: np.ndarray, radius: float, nearest, lists: int, seed: int = 0) -> tuple[int, float | None]:
    """The fewest cells to visit (from 64, doubling; at most every cell) for `TARGET_RECALL` on the dataset's
    own faces (`exact_neighbours`), and the recall reached; `nearest(asked, k, probe)` gives matrix rows."""
    asked, within = exact_neighbours(matrix, radius, seed=seed)
    probe = _FIRST_PROBE
    while True:
        recall = recall_of(within, nearest(asked, PER_REFERENCE, min(probe, lists)))
        if recall is None or recall >= TARGET_RECALL or probe >= lists:
            break
        probe *= 2
    return min(probe, lists), recall


def exact_neighbours(matrix: np.ndarray, radius: float, queries: int = RECALL_QUERIES, seed: int = 0,
                     chunk: int = 16_384) -> tuple[np.ndarray, list[list[int]]]:
    """Query faces and, for each, the rows within `radius` of it (itself left out): the faces a scan must see.

    Queries are a fixed random sample of the dataset's own faces (each one's identity is in the
    dataset, as a person who is in it would be); the answer is exact, a full pass over the matrix in
    float32, a chunk at a time.
    """
    rows = len(matrix)
    picked = np.sort(np.random.default_rng(seed + 1).choice(rows, min(rows, queries), replace=False))
    asked = np.asarray(matrix[picked], dtype=np.float32)
    within: list[list[int]] = [[] for _ in picked]
    asked_norms = (asked**2).sum(1)[:, None]
    for start in range(0, rows, chunk):
        block = np.asarray(matrix[start:start + chunk], dtype=np.float32)
        squared = asked_norms + (block**2).sum(1)[None, :] - 2.0 * asked @ block.T
        for query, row in zip(*np.nonzero(squared <= radius**2)):
            if start + row != picked[query]:
                within[query].append(start + int(row))
    return asked, within


def recall_of(within: list[list[int]], found: np.ndarray) -> float | None:
    """The share of `within`'s rows that `found` (a row of candidates per query) holds; None when there are none."""
    wanted = sum(len(w) for w in within)
    if not wanted:
        return None
    return sum(len(set(w) & set(f.tolist())) for w, f in zip(within, found)) / wanted


def measure_recall(matrix: np.ndarray, nearest, radius: float, k: int = PER_REFERENCE) -> float | None:
    """`recall_of` an index whose `nearest(queries, k)` gives rows, on `exact_neighbours` of the matrix."""
    asked, within = exact_neighbours(matrix, radius)
    return recall_of(within, nearest(asked, k))


def write_private(target: Path, write) -> None:
    """Write through a 0600 temporary file beside `target`, then put it in place."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    temp = Path(name)
    try:
        write(temp)
        os.chmod(temp, 0o600)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
