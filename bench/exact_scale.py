"""Exact search at millions of faces: every face compared, chunk by chunk, keeping each chunk's
candidates (`vectors.exact_candidates`, what a scan does up to 20M faces) against the full
faces x references matrix (`vectors.exact_distances`, what it did up to 2M).

Usage: python bench/exact_scale.py [millions ...]   (default: 1 2)
Synthetic dlib-like faces (float16, as the scan's memory-mapped matrix), 10 references. Prints
time and peak memory allocated by each, and their ratios; the candidate sets must be equal.
"""

from __future__ import annotations

import sys
import time
import tracemalloc

import numpy as np
from _facedata import REPO

sys.path.insert(0, str(REPO / "desktop"))
from faceaudit.core.matching import vectors

REFERENCES = 10


def faces(count: int, rng) -> np.ndarray:
    """Faces shaped like dlib's: ~40 effective dimensions, strangers about 0.82 apart."""
    spread = np.sqrt(np.exp(-np.arange(128) / 20.0))
    spread *= 0.82 / np.sqrt(2 * (spread**2).sum())
    out = np.empty((count, 128), np.float16)
    for start in range(0, count, 500_000):
        n = min(500_000, count - start)
        out[start:start + n] = rng.standard_normal((n, 128)) * spread
    return out


def measure(call, *args):
    tracemalloc.start()
    started = time.perf_counter()
    result = call(*args)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, seconds, peak


def main() -> None:
    rng = np.random.default_rng(0)
    sizes = [float(a) for a in sys.argv[1:]] or [1, 2]
    print(f"{'faces':>11} {'full matrix':>12} {'chunked':>9} {'time ratio':>10} {'peak MB full':>13} "
          f"{'chunked':>8} {'memory ratio':>12}")
    for millions in sizes:
        n = int(millions * 1_000_000)
        matrix = faces(n, rng)
        norms = (matrix.astype(np.float32) ** 2).sum(1)
        ids = np.arange(n)
        v = vectors.DatasetVectors(0, "bench", ids, ids, np.zeros(n, np.int64), matrix, norms, None)
        refs = faces(REFERENCES, rng).astype(np.float32)

        def keep(block):  # as the scan's: the nearest reference, column by column
            closest = block[:, 0].copy()
            for r in range(1, block.shape[1]):
                np.minimum(closest, block[:, r], out=closest)
            return closest < 0.55, closest

        full, t_full, m_full = measure(vectors.exact_distances, v, refs)
        expected = np.nonzero(full.min(axis=1) < 0.55)[0]
        del full
        (rows, _), t_chunk, m_chunk = measure(vectors.exact_candidates, v, refs, keep)
        assert rows.tolist() == expected.tolist(), "the chunked search must find the same candidates"
        print(f"{n:>11,} {t_full:>11.2f}s {t_chunk:>8.2f}s {t_full / t_chunk:>10.2f} {m_full / 1e6:>13.0f} "
              f"{m_chunk / 1e6:>8.1f} {m_full / max(m_chunk, 1):>12.0f}")


if __name__ == "__main__":
    main()
