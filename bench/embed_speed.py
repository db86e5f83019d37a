"""Embedding speed: FaceAudit's ONNX Embedder vs dlib through face_recognition, 500 LFW faces."""

from __future__ import annotations

import multiprocessing as mp
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from _facedata import lfw_faces, require_facedata

N_FACES = 500
REPEATS = 3  # best of, for the ONNX runs: short runs on a shared 2-core VM are noisy
_worker = None


def _init_worker(cache_dir: str) -> None:
    global _worker
    from faceaudit.core.faces.dlibnet import Embedder

    _worker = Embedder(Path(cache_dir), threads=1)
    _worker.embed(np.zeros((1, 150, 150, 3), np.uint8))  # load before timing starts


def _embed_in_worker(chips: np.ndarray) -> np.ndarray:
    return _worker.embed(chips)


def _best_of(repeats: int, run):
    """Run ``run`` several times; return its last result and the fastest wall time."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return result, best


def _rate(seconds: float, n: int = N_FACES) -> str:
    return f"{n / seconds:8.1f} faces/s  ({1000 * seconds / n:6.2f} ms/face)"


def main() -> None:
    require_facedata()
    import dlib
    import face_recognition
    import face_recognition_models

    from faceaudit.core.faces.dlibnet import Embedder, engine_info

    print(f"CPU cores: {os.cpu_count()}, engine: {engine_info()}")
    print(f"collecting {N_FACES} LFW faces (first HOG face per image, sorted order) ...")
    images, boxes, chips = lfw_faces(N_FACES)
    cache = tempfile.mkdtemp(prefix="faceaudit-bench-")

    # Peer: face_recognition's own API, one call per face (landmarks + chip + dlib ResNet).
    start = time.perf_counter()
    reference = np.array([face_recognition.face_encodings(img, known_face_locations=[box])[0]
                          for img, box in zip(images, boxes)], np.float32)
    dlib_s = time.perf_counter() - start
    print(f"dlib via face_recognition.face_encodings : {_rate(dlib_s)}")

    # What our pipeline adds before the network: 5-point landmarks and the chip, by dlib.
    shape5 = dlib.shape_predictor(
        face_recognition_models.pose_predictor_five_point_model_location())
    start = time.perf_counter()
    for img, (top, right, bottom, left) in zip(images, boxes):
        dlib.get_face_chip(img, shape5(img, dlib.rectangle(left, top, right, bottom)), 150, 0.25)
    chip_s = time.perf_counter() - start
    print(f"landmarks + chip (dlib, not in ONNX)      : {_rate(chip_s)}")

    best = None
    for threads in (None, 1):
        for batch in (1, 32, 64):
            embedder = Embedder(Path(cache), threads=threads, batch_size=batch)
            embedder.embed(chips[:batch])  # build/load the model and warm up
            ours, ours_s = _best_of(REPEATS, lambda e=embedder: e.embed(chips))
            diff = float(np.abs(ours - reference).max())
            label = f"ONNX threads={threads or 'all'} batch={batch}"
            print(f"{label:41s}: {_rate(ours_s)}  ratio {dlib_s / ours_s:5.1f}x  "
                  f"end-to-end ratio {dlib_s / (ours_s + chip_s):5.1f}x  max|diff| {diff:.2e}")
            if threads is None and (best is None or ours_s < best):
                best = ours_s

    # The indexer's choice: 1 process x all threads, or one 1-thread worker per core.
    workers = os.cpu_count() or 1
    with mp.get_context("spawn").Pool(workers, _init_worker, (cache,)) as pool:
        pool.map(_embed_in_worker, [chips[:1]] * workers)
        chunks = np.array_split(chips, workers * 4)
        parts, pool_s = _best_of(REPEATS, lambda: pool.map(_embed_in_worker, chunks))
    pooled = np.concatenate(parts)
    print(f"{workers} worker processes x 1 thread, batch 32  : {_rate(pool_s)}  "
          f"ratio {dlib_s / pool_s:5.1f}x  max|diff| {np.abs(pooled - reference).max():.2e}")
    print(f"1 process x all threads (best batch)       : {_rate(best)}  "
          f"-> {'workers' if pool_s < best else 'one process'} faster by "
          f"{max(pool_s, best) / min(pool_s, best):.2f}x")


if __name__ == "__main__":
    main()
