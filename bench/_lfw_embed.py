"""LFW photos through FaceAudit's pipeline once, cached: boxes, quality, plain and jittered embeddings."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from _facedata import LFW, REPO

CACHE = Path(os.environ.get("FACEAUDIT_BENCH_CACHE", REPO / "bench" / ".cache"))
#: Bump when what is computed per photo changes.
_VERSION = "lfw-embed-1"
#: Jittered copies per photo for the "reference" embedding (FaceAudit's REFERENCE_JITTER).
JITTER = 10
_BATCH = 32

_hog = _cnn = None


def _worker_init() -> None:
    global _hog, _cnn
    sys.path.insert(0, str(REPO / "desktop"))
    from faceaudit.core.faces.engine import FaceEngine

    _hog = FaceEngine("hog", 1, "onnx")
    _cnn = FaceEngine("cnn", 1, "onnx")


def central_detection(path: str):
    """(rgb, HOG faces found, source, (box, score) of the central face or None): HOG faces; the CNN
    detector where HOG finds none (in a worker started by `_worker_init`)."""
    from faceaudit.core.faces.engine import central_face
    from faceaudit.core.faces.images import decode_image

    rgb = decode_image(Path(path).read_bytes()).rgb
    height, width = rgb.shape[:2]
    found = _hog.detect(rgb)
    hog_faces = len(found)
    source = 1
    if not found:
        found, source = _cnn.detect(rgb), 2
    pick = central_face([box for box, _ in found], width, height)
    return rgb, hog_faces, source, None if pick is None else found[pick]


def _detect(path: str):
    """`central_detection`'s face as a dlib chip."""
    rgb, hog_faces, source, central = central_detection(path)
    if central is None:
        return hog_faces, 0, None, 0, 0.0
    box, score = central
    face = _hog.face_at(rgb, box, score)
    return hog_faces, source, face.chip, face.size, face.sharpness


def detections(paths: list[str], work=_detect):
    """(i, `work`'s result) for each LFW-relative path, in order, from two worker processes (with the
    detectors of `_worker_init`); `work` is `_detect` (a dlib chip) or another module-level function."""
    started = time.time()
    with get_context("spawn").Pool(2, initializer=_worker_init) as pool:
        jobs = pool.imap(work, [str(LFW / p) for p in paths], chunksize=16)
        for i, result in enumerate(jobs):
            yield i, result
            if (i + 1) % 500 == 0:
                print(f"  {i + 1}/{len(paths)} photos, {time.time() - started:.0f} s", file=sys.stderr, flush=True)


def cached(target: Path, build) -> dict[str, np.ndarray]:
    """The arrays saved at `target`; made by `build()` and saved there the first time."""
    if target.exists():
        with np.load(target) as data:
            return dict(data)
    out = build()
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(target, **out)
    return out


def batched(results, size: int):
    """Lists of at most `size` (i, item) pairs of `results` (pairs whose item is None are left out)."""
    batch = []
    for i, item in results:
        if item is not None:
            batch.append((i, item))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def lfw_embeddings(relative: list[str], jitter: int = JITTER) -> dict[str, np.ndarray]:
    """Per photo (LFW-relative path 'Name/Name_0001.jpg'), cached under bench/.cache.

    Returns:
        dict with: paths, hog_faces (HOG faces found), source (0 none, 1 HOG, 2 CNN fallback),
        size, sharpness, plain (N x 128, NaN where no face), jittered (N x 128).
    """
    key = hashlib.sha256(json.dumps([_VERSION, jitter, sorted(relative)]).encode()).hexdigest()[:16]
    return cached(CACHE / f"lfw-{key}.npz", lambda: _embed(sorted(relative), jitter))


def _embed(paths: list[str], jitter: int) -> dict[str, np.ndarray]:
    sys.path.insert(0, str(REPO / "desktop"))
    from faceaudit.core.faces.engine import FaceEngine

    n = len(paths)
    out = {"paths": np.array(paths), "hog_faces": np.zeros(n, np.int16), "source": np.zeros(n, np.int8),
           "size": np.zeros(n, np.int32), "sharpness": np.zeros(n, np.float32),
           "plain": np.full((n, 128), np.nan, np.float32), "jittered": np.full((n, 128), np.nan, np.float32)}
    engine = FaceEngine("hog", 1, "onnx")

    def chips():
        for i, (hog_faces, source, chip, size, sharpness) in detections(paths):
            out["hog_faces"][i], out["source"][i], out["size"][i], out["sharpness"][i] = (hog_faces, source, size,
                                                                                          sharpness)
            yield i, chip

    for batch in batched(chips(), _BATCH):
        rows = [i for i, _ in batch]
        out["plain"][rows] = engine.embed_chips(np.stack([c for _, c in batch]))
        if jitter:
            # One seed per photo, so a photo's embedding does not depend on its batch.
            out["jittered"][rows] = np.stack([engine.embed_jittered(c[None], jitter, seed=i)[0] for i, c in batch])
    return out
