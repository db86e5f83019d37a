"""Search above exact search's reach: recall, memory and time of the IVF-PQ index against an exact search.

A synthetic dataset of N faces shaped like dlib's: identities ~0.9 apart, a person's faces ~0.4
apart (`--faces`, in chunks, never all in memory). Queries are `--people` people with 3 reference
faces each, whose own faces (20 each) are in the dataset. The exact reference is a full scan of
every face in float32; a scan's candidates are the faces within `--radius` (0.6, the distance under
which dlib counts two faces as one person) of any reference face. Reported: the share of those the
index returns among each reference's `--k` nearest (recall), the index's size on disk and its memory
when opened memory-mapped, and the time to train, add and search.

    python bench/large_index_recall.py [--faces 10000000] [--lists 4096] [--k 1000] [--probe 64]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _facedata import REPO

sys.path.insert(0, str(REPO / "desktop"))

CHUNK = 1_000_000
PER_PERSON = 20
CENTRE_SD, FACE_SD = 0.05, 0.025  # distances: strangers ~sqrt(256*(.05^2+.025^2)) ~ 0.89, same person ~0.4


def _chunk(number: int, faces: int) -> np.ndarray:
    """Faces [number*CHUNK, ...): identity centres then each identity's faces, the same on every call."""
    rng = np.random.default_rng(1000 + number)
    count = min(CHUNK, faces - number * CHUNK)
    people = -(-count // PER_PERSON)
    centres = rng.normal(0, CENTRE_SD, (people, 128)).astype(np.float32)
    vectors = np.repeat(centres, PER_PERSON, axis=0)[:count]
    vectors += rng.normal(0, FACE_SD, vectors.shape).astype(np.float32)
    return vectors


def _queries(faces: int, people: int) -> np.ndarray:
    """3 reference faces of each of `people` identities spread over the dataset (their own faces are in it)."""
    rng = np.random.default_rng(7)
    chunks = -(-faces // CHUNK)
    refs = []
    for person in range(people):
        number = person % chunks
        vectors = _chunk(number, faces)
        first = rng.integers(0, len(vectors) // PER_PERSON) * PER_PERSON
        centre = vectors[first:first + PER_PERSON].mean(axis=0)
        refs.append(centre + rng.normal(0, FACE_SD, (3, 128)).astype(np.float32))
    return np.concatenate(refs)


def _rss_mb() -> float:
    """This process's resident memory now (Linux), in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=10_000_000)
    parser.add_argument("--lists", type=int, default=4096)
    parser.add_argument("--k", type=int, default=1000)
    parser.add_argument("--probe", type=int, default=64)
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--radius", type=float, default=0.6)
    args = parser.parse_args()
    import faiss

    from faceaudit.core.matching.large_index import CODE_BYTES, LargeIndex, train

    folder = Path(tempfile.mkdtemp(prefix="large-index-"))
    chunks = -(-args.faces // CHUNK)
    try:
        refs = _queries(args.faces, args.people)
        began = time.perf_counter()
        sample = _chunk(0, args.faces)[:: max(1, min(args.faces, CHUNK) // (args.lists * 50))]
        index = train(sample, args.lists)
        trained = time.perf_counter() - began
        began = time.perf_counter()
        exact: set[int] = set()
        for number in range(chunks):
            vectors = _chunk(number, args.faces)
            index.add(vectors)
            # The exact reference, in float32 over every face.
            squared = ((vectors ** 2).sum(1)[:, None] - 2 * vectors @ refs.T + (refs ** 2).sum(1)[None, :])
            close = np.nonzero((squared < args.radius ** 2).any(axis=1))[0]
            exact.update((close + number * CHUNK).tolist())
        added = time.perf_counter() - began
        LargeIndex(index, np.zeros((0, 3), np.int64), []).save(folder, "bench")
        on_disk = (folder / "bench.ivfpq").stat().st_size
        del index, vectors, squared
        rss_before = _rss_mb()
        opened = LargeIndex.open(folder, "bench")
        began = time.perf_counter()
        _distances, found = opened.search(refs, args.k, args.probe)
        searched = time.perf_counter() - began
        returned = set(found[found >= 0].tolist())
        recall = len(exact & returned) / max(1, len(exact))
        print(f"{args.faces:,} synthetic faces, IVF{args.lists},PQ{CODE_BYTES}; {len(refs)} reference faces of "
              f"{args.people} people; faiss {faiss.__version__}, {os.cpu_count()} cores (shared machine)")
        print(f"exact candidates (within {args.radius} of a reference): {len(exact):,}")
        print(f"recall of the candidates in the top {args.k} per reference (probe {args.probe}): {recall:.4f}")
        print(f"train {trained:.1f} s, add {added:.1f} s (with the exact scan), search {searched * 1000:.0f} ms "
              f"for {len(refs)} references")
        print(f"index on disk {on_disk / 2**20:,.0f} MiB = {on_disk / args.faces:.1f} bytes/face "
              f"(+ 24 bytes/face for the entry->face table of parts); resident memory {rss_before:,.0f} MiB before"
              f" opening it memory-mapped, {_rss_mb():,.0f} MiB after one search")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
