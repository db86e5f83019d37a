"""Dataset embeddings as compact memory-mapped matrices in the cache, with exact and approximate search.

Exact path (every dataset). A dataset's faces are copied once from SQLite into float16 files
in `paths.cache_dir()` (`vectors-<dataset>-<key>.f16.npy`, the face/item ids and idx in
`.ids.npy`, the squared norms in `.norms.npy`). `key` hashes the faces' count, largest id and
the generation that migration 3's triggers bump on every insert, delete or update of the
dataset's faces, so a re-index that reuses the same ids still rebuilds the file. A scan then
reads 256 bytes per face instead of decoding a 512-byte SQLite blob, and computes all
faces x references distances in float32 over chunks of the float16 matrix (bounded memory).
Float16 rounding moves a distance by about 1e-4 (faces lie ~0.8 apart, strangers spread
0.09): harmless for ranking and for the stranger model, but reported distances must be exact,
so `refine` recomputes the finalists from the float32 blobs in SQLite.

Approximate path (datasets above `APPROX_THRESHOLD` faces; core/matching/approximate.py uses faiss
IVF-PQ (large_index.py) where faiss is installed, this graph otherwise). A usearch HNSW graph over the
float16 matrix (`.usearch` file next to it) returns each reference's nearest `k` faces in
milliseconds. The confidence model still needs to know what strangers look like, and it
needs no more than a fair sample for that: `stranger_sample` measures exact distances from
`SAMPLE_SIZE` faces drawn at random (a fixed hash of each face's photo and number, so a scan is
repeatable, whatever order the faces were stored in), which
`confidence.fit_stranger_model` turns into the per-reference and combined stranger distributions, and
`expected_lookalikes(..., n_faces=N)` still multiplies by the dataset's full size. Candidates
are the union of the references' ANN top-k, refined exactly. What can be missed: a face that
is in no single reference's top-k yet scores well on the mean of its best three references,
and faces the graph fails to reach (recall@10 is measured in bench/search_speed.py). With k
of a few hundred per reference this is far beyond the 200 weak candidates a scan lists.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from faceaudit.core.storage import paths
from faceaudit.core.storage.store import Store

__all__ = ["DatasetVectors", "load_matrix", "exact_distances", "exact_candidates", "nearest", "refine",
           "approx_search", "stranger_sample", "sample_rows", "APPROX_THRESHOLD", "SAMPLE_SIZE", "CHUNK_TOP"]

#: Datasets with more faces than this are scanned with the approximate index. Up to it every face
#: is compared exactly, chunk by chunk, keeping only each chunk's candidates (`exact_candidates`):
#: bounded memory, and about 6 s at 20M faces where the index needs ~6 minutes of building per
#: million faces and misses 1 in 10 of each reference's 1,000 nearest.
APPROX_THRESHOLD = 20_000_000
#: At most this many candidates are kept from one chunk of `_CHUNK` faces (the best by the
#: caller's score), so that memory stays bounded even for a dataset full of look-alikes.
CHUNK_TOP = 4096
#: Faces measured exactly to describe strangers on the approximate path.
SAMPLE_SIZE = 100_000
#: Bump when the file layout changes: old files then no longer match and are rebuilt.
_FORMAT = 1
_READ_BATCH = 50_000
#: Rows converted and multiplied at a time: 16,384 x 128 float32 (8 MiB) was fastest in
#: bench/search_speed.py (larger chunks fall out of cache: 65,536 took twice as long).
_CHUNK = 16_384
#: usearch graph settings: measured in bench/search_speed.py (recall@10 against exact).
_CONNECTIVITY = 32
_EXPANSION_ADD = 64
_EXPANSION_SEARCH = 256
#: usearch indexes opened in this process, by file (a file's name changes when its faces do).
_OPEN_INDEXES: dict[str, object] = {}


@dataclass(frozen=True)
class DatasetVectors:
    """One dataset's faces, row by row (rows are in face id order).

    Attributes:
        dataset_id: the dataset.
        key: what the files were built from (count, largest face id, generation).
        face_ids: faces.id per row.
        item_ids: faces.item_id per row.
        idxs: faces.idx per row.
        matrix: (N, dim) float16 embeddings, memory-mapped read-only.
        norms: (N,) float32 squared norms of the float16 rows.
        path: the matrix file (None for an empty dataset).
    """

    dataset_id: int
    key: str
    face_ids: np.ndarray
    item_ids: np.ndarray
    idxs: np.ndarray
    matrix: np.ndarray
    norms: np.ndarray
    path: Path | None

    def __len__(self) -> int:
        return len(self.face_ids)


def load_matrix(store: Store, dataset_id: int, folder: Path | None = None, model: str = "dlib") -> DatasetVectors:
    """The dataset's embedding matrix, built (or rebuilt when its faces changed) on first use.

    Args:
        store: the database.
        dataset_id: which dataset.
        folder: where the files live; default the `cache` folder beside the database they are
            derived from (the data folder's cache for the user's own database).
        model: whose embeddings: "dlib" (faces.embedding) or another model's (face_embeddings);
            a face without that model's embedding is not in its matrix.
    """
    folder = Path(folder) if folder else _cache_beside(store)
    own_read = not store.conn.in_transaction
    if own_read:  # one snapshot for the key and the rows (WAL readers do not block the writer)
        store.conn.execute("BEGIN")
    try:
        count, max_id, generation = store.conn.execute(
            "SELECT COUNT(*), MAX(face_id), (SELECT generation FROM face_generations WHERE dataset_id = ?)"
            f" FROM ({_rows_sql(model)})", [dataset_id, *_rows_args(model, dataset_id)]).fetchone()
        # The database's own path is part of the key: two databases never share a matrix.
        origin = store.path.resolve()
        key = hashlib.sha256(f"{_FORMAT}:{origin}:{model}:{count}:{max_id}:{generation}".encode()).hexdigest()[:16]
        if count == 0:
            empty = np.zeros(0, np.int64)
            return DatasetVectors(dataset_id, key, empty, empty, empty, np.zeros((0, 128), np.float16),
                                  np.zeros(0, np.float32), None)
        prefix = "vectors" if model == "dlib" else f"vectors-{model}"  # dlib's keep their earlier names
        stem = folder / f"{prefix}-{dataset_id}-{key}"
        if not Path(f"{stem}.f16.npy").exists():
            _build(store, dataset_id, count, stem, model)
            _remove_stale(folder, dataset_id, key, prefix)
    finally:
        if own_read:
            store.conn.execute("COMMIT")
    ids = np.load(f"{stem}.ids.npy", mmap_mode="r")
    return DatasetVectors(dataset_id, key, ids[0], ids[1], ids[2], np.load(f"{stem}.f16.npy", mmap_mode="r"),
                          np.load(f"{stem}.norms.npy", mmap_mode="r"), Path(f"{stem}.f16.npy"))


def exact_distances(vectors: DatasetVectors, refs: np.ndarray, chunk: int = _CHUNK,
                    threads: int | None = None) -> np.ndarray:
    """Euclidean distances, faces x references, from the float16 matrix (float32 arithmetic).

    Args:
        vectors: the dataset's matrix.
        refs: (R, dim) reference embeddings.
        chunk: rows converted to float32 at a time (memory: threads x chunk x dim x 4 bytes).
        threads: chunks worked on at once; default one per CPU, at most 4. Each chunk's
            conversion and product run on one thread (BLAS's own threads are held to 1 meanwhile:
            letting both split the work doubled the time on 2 cores).

    Returns:
        (N, R) float32 distances, within about 1e-4 of the float32 ones.
    """
    threads = threads or min(os.cpu_count() or 1, 4)
    refs = np.ascontiguousarray(refs, dtype=np.float32)
    out = np.empty((len(vectors), len(refs)), np.float32)
    ref_norms = (refs**2).sum(1)
    minus_2_refs_t = np.ascontiguousarray(-2.0 * refs.T)

    def work(start: int) -> None:
        stop = min(start + chunk, len(vectors))
        squared = np.matmul(_as_float32(vectors.matrix[start:stop]), minus_2_refs_t, out=out[start:stop])
        squared += vectors.norms[start:stop, None]
        squared += ref_norms
        np.maximum(squared, 0.0, out=squared)
        np.sqrt(squared, out=squared)

    starts = range(0, len(vectors), chunk)
    if threads > 1 and len(starts) > 1:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(threads) as pool:
            list(pool.map(work, starts))
    else:
        for start in starts:
            work(start)
    return out


def exact_candidates(vectors: DatasetVectors, refs: np.ndarray, keep, chunk: int = _CHUNK,
                     top: int = CHUNK_TOP, threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every face compared exactly, chunk by chunk, keeping only the candidates.

    Args:
        vectors: the dataset's matrix.
        refs: (R, dim) reference embeddings.
        keep: called with one chunk's (rows, R) distances; returns (mask of rows worth keeping,
            a score per row, lower is better). Of a chunk's kept rows only the `top` best-scored
            stay, so memory is at most chunks x top x R distances, never N x R.
        chunk, threads: as for `exact_distances`.

    Returns:
        (rows, distances): the candidates' row numbers in order, and their (float16-exact) distances.
    """
    threads = threads or min(os.cpu_count() or 1, 4)
    refs = np.ascontiguousarray(refs, dtype=np.float32)
    ref_norms = (refs**2).sum(1)
    minus_2_refs_t = np.ascontiguousarray(-2.0 * refs.T)

    def work(start: int) -> tuple[np.ndarray, np.ndarray]:
        stop = min(start + chunk, len(vectors))
        squared = _as_float32(vectors.matrix[start:stop]) @ minus_2_refs_t
        squared += vectors.norms[start:stop, None]
        squared += ref_norms
        block = np.sqrt(np.maximum(squared, 0.0, out=squared), out=squared)
        mask, score = keep(block)
        rows = np.nonzero(mask)[0]
        if len(rows) > top:
            rows = np.sort(rows[np.argpartition(score[rows], top - 1)[:top]])
        return rows + start, block[rows]

    starts = range(0, len(vectors), chunk)
    if threads > 1 and len(starts) > 1:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(threads) as pool:
            parts = list(pool.map(work, starts))
    else:
        parts = [work(start) for start in starts]
    if not parts:
        return np.zeros(0, np.int64), np.zeros((0, len(refs)), np.float32)
    return np.concatenate([p[0] for p in parts]).astype(np.int64), np.concatenate([p[1] for p in parts])


def nearest(distances: np.ndarray, k: int) -> np.ndarray:
    """Rows of the k smallest distances per reference (R, k), nearest first."""
    k = min(k, len(distances))
    part = np.argpartition(distances, k - 1, axis=0)[:k].T
    order = np.take_along_axis(distances.T, part, axis=1).argsort(axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def _rows_sql(model: str) -> str:
    """(face_id, item_id, idx, embedding) of a dataset's faces for one model, in face id order."""
    if model == "dlib":
        return "SELECT id AS face_id, item_id, idx, embedding FROM faces WHERE dataset_id = ? ORDER BY id"
    return ("SELECT f.id AS face_id, f.item_id, f.idx, e.embedding FROM face_embeddings e JOIN faces f"
            " ON f.id = e.face_id WHERE e.dataset_id = ? AND e.model = ? ORDER BY f.id")


def _rows_args(model: str, dataset_id: int) -> list:
    return [dataset_id] if model == "dlib" else [dataset_id, model]


def refine(store: Store, vectors: DatasetVectors, rows: np.ndarray, refs: np.ndarray,
           model: str = "dlib") -> np.ndarray:
    """Exact float32 distances (len(rows), R) of some rows, from the embeddings stored in SQLite.

    Raises:
        LookupError: a face is gone from the database (it changed during the scan).
    """
    rows = np.asarray(rows, dtype=np.int64).ravel()
    if not len(rows):  # no face near enough to look at (a small dataset of strangers)
        return np.zeros((0, len(refs)), np.float32)
    wanted = vectors.face_ids[rows]
    found: dict[int, bytes] = {}
    for start in range(0, len(wanted), 900):
        part = [int(i) for i in wanted[start:start + 900]]
        marks = ",".join("?" * len(part))
        if model == "dlib":
            found.update(store.conn.execute(f"SELECT id, embedding FROM faces WHERE id IN ({marks})", part).fetchall())
        else:
            found.update(store.conn.execute(f"SELECT face_id, embedding FROM face_embeddings WHERE model = ?"
                                            f" AND face_id IN ({marks})", [model, *part]).fetchall())
    if len(found) < len(set(wanted.tolist())):
        raise LookupError("the dataset's faces changed during the scan: scan again")
    matrix = np.frombuffer(b"".join(found[int(i)] for i in wanted), dtype="<f4").reshape(len(rows), -1)
    # In float64 the expanded form |a|^2 + |b|^2 - 2ab is exact to ~1e-15 and one matrix
    # product, where differences of every pair (rows x R x 128) took a second for 90,000 rows.
    matrix = matrix.astype(np.float64)
    refs = np.asarray(refs, dtype=np.float32).astype(np.float64)
    squared = (matrix**2).sum(1)[:, None] + (refs**2).sum(1)[None, :] - 2.0 * (matrix @ refs.T)
    return np.sqrt(np.maximum(squared, 0.0)).astype(np.float32)


def approx_search(vectors: DatasetVectors, refs: np.ndarray, k: int, expansion_search: int = _EXPANSION_SEARCH,
                  threads: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Each reference's k nearest rows by the approximate (usearch HNSW) index, built on first use.

    Returns:
        rows (R, k) int64 (-1 where fewer were found) and their approximate distances (R, k) float32.
    """
    index = _approx_index(vectors, threads)
    index.expansion_search = max(expansion_search, k)
    matches = index.search(np.asarray(refs, dtype=np.float32), k, threads=threads)
    rows = np.asarray(matches.keys, dtype=np.int64).reshape(len(refs), -1)
    distances = np.sqrt(np.maximum(np.asarray(matches.distances, np.float32).reshape(len(refs), -1), 0.0))
    counts = np.asarray(matches.counts).reshape(-1)
    for r, n in enumerate(counts):
        rows[r, n:] = -1
        distances[r, n:] = np.inf
    return rows, distances


def sample_rows(item_ids: np.ndarray, idxs: np.ndarray, size: int = SAMPLE_SIZE, seed: int = 0) -> np.ndarray:
    """A fixed random sample of row numbers (sorted; all rows when there are no more than `size`).

    Rows are picked by what they are (the photo and the face number: the `size` smallest of a hash of
    them), not by where they are stored: faces are stored in the order the indexing workers finish, so
    two indexings of one dataset store them in another order, and a sample by position would give
    their scans different stranger models. A photo's id is fixed when the dataset is listed.
    """
    if len(item_ids) <= size:
        return np.arange(len(item_ids))
    value = (np.asarray(item_ids, np.uint64) << np.uint64(8)) ^ np.asarray(idxs, np.uint64)
    value = value + np.uint64(0x9E3779B97F4A7C15 * (seed + 1) % 2**64)  # splitmix64: a hash of every bit
    value = (value ^ (value >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    value = (value ^ (value >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    value = value ^ (value >> np.uint64(31))
    return np.sort(np.argpartition(value, size)[:size])


def stranger_sample(vectors: DatasetVectors, refs: np.ndarray, size: int = SAMPLE_SIZE, seed: int = 0) -> np.ndarray:
    """Exact-enough (float16) distances (size, R) of a fixed random sample of rows, for `fit_stranger_model`."""
    if len(vectors) <= size:
        return exact_distances(vectors, refs)
    rows = sample_rows(vectors.item_ids, vectors.idxs, size, seed)
    block = _as_float32(vectors.matrix[rows])  # sorted rows: the memmap is read in order
    refs = np.asarray(refs, dtype=np.float32)
    squared = vectors.norms[rows, None] + (refs**2).sum(1)[None, :] - 2.0 * block @ refs.T
    return np.sqrt(np.maximum(squared, 0.0))


def _as_float32(block: np.ndarray) -> np.ndarray:
    # OpenCV converts float16 with F16C instructions, about 5x faster than numpy's astype here
    # (exact either way: every float16 is a float32).
    from faceaudit.core.faces._cv import cv2

    return cv2.add(np.ascontiguousarray(block), 0.0, dtype=cv2.CV_32F).reshape(block.shape)


def _approx_index(vectors: DatasetVectors, threads: int):
    from usearch.index import Index  # loaded on first use: most scans never need it

    path = vectors.path.with_name(vectors.path.name.replace(".f16.npy", ".usearch"))
    if str(path) in _OPEN_INDEXES:
        return _OPEN_INDEXES[str(path)]
    if path.exists():
        # Opening maps the file and rebuilds key lookups (~0.2 s at 1M): keep it open for later scans.
        return _OPEN_INDEXES.setdefault(str(path), Index.restore(str(path), view=True))
    index = Index(ndim=vectors.matrix.shape[1], metric="l2sq", dtype="f16", connectivity=_CONNECTIVITY,
                  expansion_add=_EXPANSION_ADD, expansion_search=_EXPANSION_SEARCH)
    for start in range(0, len(vectors), 1_000_000):  # bounded memory: the matrix is a memmap
        stop = min(start + 1_000_000, len(vectors))
        index.add(np.arange(start, stop), np.asarray(vectors.matrix[start:stop]), threads=threads)
    temp = _temp_path(path)
    try:
        index.save(str(temp))
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return _OPEN_INDEXES.setdefault(str(path), index)


def _build(store: Store, dataset_id: int, count: int, stem: Path, model: str = "dlib") -> None:
    cursor = store.conn.execute(_rows_sql(model), _rows_args(model, dataset_id))
    first = cursor.fetchmany(_READ_BATCH)
    dim = len(first[0][3]) // 4
    temps = {part: _temp_path(Path(f"{stem}.{part}.npy")) for part in ("ids", "norms", "f16")}
    try:
        ids = np.lib.format.open_memmap(temps["ids"], mode="w+", dtype=np.int64, shape=(3, count))
        norms = np.lib.format.open_memmap(temps["norms"], mode="w+", dtype=np.float32, shape=(count,))
        matrix = np.lib.format.open_memmap(temps["f16"], mode="w+", dtype=np.float16, shape=(count, dim))
        start, batch = 0, first
        while batch:
            stop = start + len(batch)
            ids[:, start:stop] = np.array([r[:3] for r in batch], dtype=np.int64).T
            block = np.frombuffer(b"".join(r[3] for r in batch), dtype="<f4").reshape(-1, dim).astype(np.float16)
            matrix[start:stop] = block
            norms[start:stop] = (block.astype(np.float32) ** 2).sum(1)
            start, batch = stop, cursor.fetchmany(_READ_BATCH)
        if start != count:
            raise RuntimeError(f"read {start} faces, expected {count}")
        for array in (ids, norms, matrix):
            array.flush()
        del ids, norms, matrix
        for part in ("ids", "norms", "f16"):  # the matrix last: its presence means the set is complete
            os.replace(temps[part], f"{stem}.{part}.npy")
    finally:
        for temp in temps.values():
            temp.unlink(missing_ok=True)


def _temp_path(target: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)  # mode 0600
    os.close(fd)
    return Path(name)


def _cache_beside(store: Store) -> Path:
    return paths.cache_beside(store.path)


def _remove_stale(folder: Path, dataset_id: int, key: str, prefix: str = "vectors") -> None:
    for old in folder.glob(f"{prefix}-{dataset_id}-*"):
        if not old.name.startswith(f"{prefix}-{dataset_id}-{key}."):
            old.unlink(missing_ok=True)  # a scan that still maps it keeps its (unlinked) copy
