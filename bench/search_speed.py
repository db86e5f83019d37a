"""Scan speed: FaceAudit's cached float16 matrix (exact) and usearch index (approximate) vs numpy float32 brute force.

The peer is what a plain script does (and what search.py did): every dataset embedding in
RAM as float32, faces x references distances with one numpy expression. FaceAudit's exact
path reads the float16 memmap in chunks (`vectors.exact_distances`); its approximate path
asks the usearch graph for each reference's 10 nearest faces (`vectors.approx_search`). The
"scan" line times all that a scan does with the matrix (`scan._preselect`: distances, the
stranger model, the rows worth an exact look); what follows (exact refinement of those rows
from SQLite, bands) depends on how many candidates there are, not on the dataset's size.

Synthetic faces shaped like dlib's 128-d embeddings: Gaussian with a decaying spectrum
(variance of component i ~ exp(-i/20), about 40 effective dimensions, randomly rotated),
4 photos per person (70 % of the variance between people, 30 % within), scaled so two
strangers lie 0.82 +- 0.09 apart (the LFW figures in confidence.PRIOR) and two photos of one
person ~0.45 apart. References: 5 other photos of people in the set and 5 strangers.

    python bench/search_speed.py [--sizes 1000000 10000000] [--approx-max 1000000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "desktop"))
from faceaudit.core.matching import scan, vectors


def people(rng, count: int, rotation: np.ndarray, photos: int = 4, block: int = 1_000_000) -> np.ndarray:
    spread = np.sqrt(np.exp(-np.arange(128) / 20.0)).astype(np.float32)
    spread *= 0.82 / np.sqrt(2 * (spread**2).sum())
    out = np.empty((count, 128), np.float32)
    for start in range(0, count, block):  # bounded temporaries at 10 million
        n = min(block, count - start)
        centres = rng.standard_normal((-(-n // photos), 128), dtype=np.float32) * spread * np.sqrt(0.7)
        faces = np.repeat(centres, photos, axis=0)[:n]
        faces += rng.standard_normal((n, 128), dtype=np.float32) * spread * np.sqrt(0.3)
        out[start:start + n] = faces @ rotation
    return out


def peer_distances(matrix: np.ndarray, refs: np.ndarray) -> np.ndarray:
    squared = (matrix**2).sum(1)[:, None] + (refs**2).sum(1)[None, :] - 2.0 * matrix @ refs.T
    return np.sqrt(np.maximum(squared, 0.0))


def best(function, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(b)) / truth.shape[1] for a, b in zip(found.tolist(), truth.tolist())]))


def write_vectors(folder: Path, matrix: np.ndarray) -> vectors.DatasetVectors:
    """The cache files load_matrix would build from SQLite (skipping SQLite: not what is timed)."""
    stem = folder / f"vectors-1-bench{len(matrix)}"
    half = np.lib.format.open_memmap(f"{stem}.f16.npy", mode="w+", dtype=np.float16, shape=matrix.shape)
    norms = np.lib.format.open_memmap(f"{stem}.norms.npy", mode="w+", dtype=np.float32, shape=(len(matrix),))
    for start in range(0, len(matrix), 1_000_000):
        block = matrix[start:start + 1_000_000].astype(np.float16)
        half[start:start + len(block)] = block
        norms[start:start + len(block)] = (block.astype(np.float32) ** 2).sum(1)
    half.flush(), norms.flush()
    ids = np.arange(len(matrix), dtype=np.int64)
    return vectors.DatasetVectors(1, "bench", ids, ids, ids, np.load(f"{stem}.f16.npy", mmap_mode="r"),
                                  np.load(f"{stem}.norms.npy", mmap_mode="r"), Path(f"{stem}.f16.npy"))


def run(size: int, approx: bool, repeat: int, folder: Path) -> None:
    rng = np.random.default_rng(size)
    rotation = np.linalg.qr(rng.standard_normal((128, 128)))[0].astype(np.float32)
    matrix = people(rng, size, rotation)
    other = rng.choice(size, (3, 5), replace=False)
    refs = np.concatenate([matrix[other[0]] + 0.4 * (matrix[other[1]] - matrix[other[2]]),
                           people(np.random.default_rng(size + 1), 20, rotation)[::4]])
    sample = np.linalg.norm(matrix[rng.choice(size, 20_000)] - matrix[rng.choice(size, 20_000)], axis=1)
    print(f"\n== {size:,} faces, {len(refs)} references (stranger distance {sample.mean():.3f} +- {sample.std():.3f})")

    before = rss()
    peer_s, truth_d = best(lambda m=matrix: peer_distances(m, refs), repeat)
    truth = vectors.nearest(truth_d, 10)
    truth_1000 = vectors.nearest(truth_d, 1000)  # what a scan asks the approximate index for
    print(f"peer   numpy float32 in RAM     {peer_s * 1000:9.1f} ms/scan   1.00x   "
          f"RAM {matrix.nbytes / 2**20:,.0f} MiB matrix + {(rss() - before) / 2**20:,.0f} MiB temporaries")

    v = write_vectors(folder, matrix)
    file_mib = (v.path.stat().st_size + v.norms.nbytes) / 2**20
    del matrix, truth_d
    for threads in (1, 2):
        for chunk in (4096, 16384, 65536):
            before = rss()
            exact_s, distances = best(
                lambda c=chunk, t=threads: vectors.exact_distances(v, refs, chunk=c, threads=t), repeat
            )
            same = recall(vectors.nearest(distances, 10), truth)
            print(f"exact  float16 memmap t={threads} c={chunk:<6}{exact_s * 1000:9.1f} ms/scan  "
                  f"{peer_s / exact_s:5.2f}x   file {file_mib:,.0f} MiB, RSS +{(rss() - before) / 2**20:,.0f} MiB "
                  f"(mapped pages + result), top-10 same as float32: {same:.3f}")
            del distances
    before = rss()
    scan_s, (rows, _) = best(lambda: scan._preselect(v, refs), repeat)
    print(f"scan   exact, defaults             {scan_s * 1000:9.1f} ms/scan  {peer_s / scan_s:5.2f}x   "
          f"distances + stranger model + candidate rows ({len(rows):,}), RSS +{(rss() - before) / 2**20:,.0f} MiB")
    if not approx:
        print("approx skipped at this size (--approx-max)")
        return
    start = time.perf_counter()
    vectors._approx_index(v, threads=2)
    index_path = v.path.with_name(v.path.name.replace(".f16.npy", ".usearch"))
    print(f"approx usearch build (once)      {time.perf_counter() - start:9.1f} s   "
          f"file {index_path.stat().st_size / 2**20:,.0f} MiB (connectivity {vectors._CONNECTIVITY}, "
          f"expansion_add {vectors._EXPANSION_ADD})")
    for expansion in (64, 128, 256, 512):
        before = rss()
        vectors.approx_search(v, refs, 10, expansion_search=expansion)  # warm: maps the graph
        approx_s, (rows, _) = best(lambda e=expansion: vectors.approx_search(v, refs, 10, expansion_search=e), repeat)
        print(f"approx usearch f16 ef={expansion:<4}        {approx_s * 1000:9.2f} ms/scan {peer_s / approx_s:7.1f}x   "
              f"recall@10 {recall(rows, truth):.3f} (near a person {recall(rows[:5], truth[:5]):.3f}, "
              f"strangers {recall(rows[5:], truth[5:]):.3f}), RSS +{(rss() - before) / 2**20:,.0f} MiB")
    # The scan's own setting: each reference's 1,000 nearest (scan._preselect above APPROX_THRESHOLD).
    vectors.approx_search(v, refs, 1000)
    product_s, (rows, _) = best(lambda: vectors.approx_search(v, refs, 1000), repeat)
    print(f"approx as a scan uses it (k=1000) {product_s * 1000:9.2f} ms/scan {peer_s / product_s:7.1f}x   "
          f"recall@10 {recall(rows[:, :10], truth):.3f}, recall@1000 {recall(rows, truth_1000):.3f}")
    sample_s, _ = best(lambda: vectors.stranger_sample(v, refs), repeat)
    print(f"approx stranger sample ({vectors.SAMPLE_SIZE:,} faces) {sample_s * 1000:9.1f} ms/scan")


def full_scan(size: int, repeat: int, folder: Path) -> None:
    """`scan.scan` end to end on a real SQLite store of `size` synthetic faces (2 per item)."""
    os.environ["FACEAUDIT_HOME"] = str(folder / "home")
    from faceaudit.core.storage.store import Store, now, to_blob

    rng = np.random.default_rng(size + 2)
    rotation = np.linalg.qr(rng.standard_normal((128, 128)))[0].astype(np.float32)
    start = time.perf_counter()
    with Store() as store:
        dataset_id = store.db["datasets"].insert(
            {"name": "synthetic", "path": "/nowhere", "kind": "folder", "added": now(), "model": None}).last_pk
        for block in range(0, size, 100_000):
            faces = people(rng, min(100_000, size - block), rotation)
            with store.transaction() as conn:
                first = conn.execute("SELECT COALESCE(MAX(id), 0) FROM items").fetchone()[0] + 1
                conn.executemany("INSERT INTO items (id, dataset_id, key, status) VALUES (?, ?, ?, 'done')",
                                 [(first + n, dataset_id, f"img-{block + 2 * n}.jpg") for n in range(len(faces) // 2)])
                conn.executemany("INSERT INTO faces (item_id, dataset_id, idx, embedding) VALUES (?, ?, ?, ?)",
                                 [(first + n // 2, dataset_id, n % 2, to_blob(face)) for n, face in enumerate(faces)])
            if block == 0:
                own = faces[:5] + 0.4 * (faces[8:13] - faces[16:21])
        refs = np.concatenate([own, people(np.random.default_rng(size + 3), 20, rotation)[::4]])
        with store.transaction() as conn:
            photo = conn.execute("INSERT INTO reference_photos (name, sha256, added) VALUES ('me', '-', ?)",
                                 [now()]).lastrowid
            conn.executemany("INSERT INTO reference_faces (photo_id, model, embedding) VALUES (?, ?, ?)",
                             [(photo, "bench", to_blob(r)) for r in refs])
        print(f"\n== scan end to end: {size:,} faces in SQLite ({time.perf_counter() - start:.0f} s to write), "
              f"{len(refs)} references")
        for attempt in range(repeat + 1):
            start = time.perf_counter()
            for progress in scan.scan(store):
                pass
            elapsed = time.perf_counter() - start
            what = "first (builds the float16 matrix file)" if attempt == 0 else "again"
            print(f"scan   {what:<40}{elapsed * 1000:9.1f} ms   {progress.candidates} candidates listed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--approx-max", type=int, default=2_000_000, help="build usearch graphs up to this size")
    parser.add_argument("--repeat", type=int, default=5, help="best of this many runs")
    parser.add_argument("--full-scan", type=int, default=1_000_000, metavar="N",
                        help="also time scan.scan end to end on a SQLite store of N faces (0: skip)")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, numpy {np.__version__}; best of {args.repeat}")
    with tempfile.TemporaryDirectory(prefix="faceaudit-bench-") as folder:
        for size in args.sizes:
            run(size, size <= args.approx_max, args.repeat, Path(folder))
        if args.full_scan:
            full_scan(args.full_scan, min(args.repeat, 3), Path(folder))


if __name__ == "__main__":
    main()
