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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["LargeIndex", "train", "lists_for", "build_from_parts", "CODE_BYTES"]

#: Bytes per face in the index (PQ sub-quantisers of 8 bits): 32 keeps rank order well for 128-d faces.
CODE_BYTES = 32
_DIM = 128


def _faiss():
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
        faiss = _faiss()
        params = faiss.SearchParametersIVF(nprobe=probe)
        return self.index.search(np.ascontiguousarray(references, dtype=np.float32), k, params=params)

    def save(self, folder: Path, name: str) -> Path:
        """Write `<name>.ivfpq`, `<name>.faces.npy` and `<name>.parts.json` into `folder`."""
        faiss = _faiss()
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{name}.ivfpq"
        faiss.write_index(self.index, str(target))
        np.save(folder / f"{name}.faces.npy", self.faces)
        (folder / f"{name}.parts.json").write_text(json.dumps(self.parts), encoding="utf-8")
        return target

    @classmethod
    def open(cls, folder: Path, name: str) -> LargeIndex:
        """Open a saved index with its codes memory-mapped (they stay on disk)."""
        faiss = _faiss()
        index = faiss.read_index(str(folder / f"{name}.ivfpq"), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
        faces = np.load(folder / f"{name}.faces.npy", mmap_mode="r")
        return cls(index, faces, json.loads((folder / f"{name}.parts.json").read_text(encoding="utf-8")))


def train(sample: np.ndarray, lists: int, code_bytes: int = CODE_BYTES):
    """An empty IVF-PQ index trained on a sample of faces (at least 39 per list, as faiss's k-means wants).

    Codes of 8 bits per sub-quantiser need 256 x 39 training faces; a smaller sample (a small
    dataset) gets fewer bits, so that every code book is learned from enough faces.
    """
    faiss = _faiss()
    bits = int(min(8, max(1, np.floor(np.log2(max(2, len(sample)) / 39)))))
    quantiser = faiss.IndexFlatL2(_DIM)
    index = faiss.IndexIVFPQ(quantiser, _DIM, lists, code_bytes, bits)
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
                       if number in keep], dtype=np.float32).reshape(-1, _DIM)
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
