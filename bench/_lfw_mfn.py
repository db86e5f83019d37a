"""Every LFW photo through FaceAudit's MobileFaceNet pipeline once, cached in `_lfw_all`'s layout.

Usage: python bench/_lfw_mfn.py [N]   (N: the first N photos in sorted path order, for a quick try)

The same detections as dlib's cache (`_lfw_embed._detect`'s rule: HOG, upsample 1, the CNN
detector where HOG finds none, the most central face), then dlib's 68 landmarks -> the ArcFace
crop -> MobileFaceNet (192-d, unit length). For reference slots (`reference_slots`): `jittered`
is the plain embedding, because the app stores a reference's MobileFaceNet numbers from the photo
itself with no jitter (core/matching/references.py); `mirrored` is the crop flipped left-right.
"""

from __future__ import annotations

import sys
import time
from multiprocessing import get_context
from pathlib import Path

import _lfw_embed
import numpy as np
from _facedata import LFW, REPO
from _lfw_all import empty_layout, lfw_paths
from _lfw_embed import CACHE

#: Bump when what is computed per photo changes.
_VERSION = "lfw-mfn-1"
_BATCH = 64


def cache_path(count: int = 13_233) -> Path:
    """Where `lfw_mfn` keeps every LFW photo's MobileFaceNet embeddings."""
    return CACHE / f"{_VERSION}-{count}.npz"


def _crop(path: str):
    """The ArcFace crop of the photo's central face (`_lfw_embed.central_detection`), or None."""
    from faceaudit.core.faces.mobilefacenet import arcface_crop

    rgb, _, _, central = _lfw_embed.central_detection(path)
    return None if central is None else arcface_crop(rgb, central[0])


def lfw_mfn(limit: int | None = None) -> dict[str, np.ndarray]:
    """Per LFW photo in sorted path order: paths, identity, plain/jittered/mirrored (N x 192, NaN where none)."""
    paths = lfw_paths(limit)
    target = cache_path(len(paths))
    if target.exists():
        with np.load(target) as data:
            return dict(data)
    sys.path.insert(0, str(REPO / "desktop"))
    from faceaudit.core.faces.mobilefacenet import DIMENSIONS, MobileFaceNet

    out, slot = empty_layout(paths, DIMENSIONS)
    n = len(paths)
    network = MobileFaceNet(threads=1)
    pending: list[tuple[int, np.ndarray]] = []

    def flush():
        if pending:
            rows = [i for i, _ in pending]
            out["plain"][rows] = network.embed(np.stack([c for _, c in pending]))
            refs = [(i, c) for i, c in pending if slot[i]]
            if refs:
                ref_rows = [i for i, _ in refs]
                out["jittered"][ref_rows] = out["plain"][ref_rows]
                out["mirrored"][ref_rows] = network.embed(np.stack([c[:, ::-1] for _, c in refs]))
            pending.clear()

    started = time.time()
    with get_context("spawn").Pool(2, initializer=_lfw_embed._worker_init) as pool:
        for i, crop in enumerate(pool.imap(_crop, [str(LFW / p) for p in paths], chunksize=16)):
            if crop is not None:
                pending.append((i, crop))
            if len(pending) >= _BATCH:
                flush()
            if (i + 1) % 500 == 0:
                print(f"  {i + 1}/{n} photos, {time.time() - started:.0f} s", file=sys.stderr, flush=True)
    flush()
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(target, **out)
    return out


if __name__ == "__main__":
    t0 = time.time()
    data = lfw_mfn(int(sys.argv[1]) if len(sys.argv) > 1 else None)
    print(f"{len(data['paths'])} photos, {np.isnan(data['plain'][:, 0]).sum()} without a face, "
          f"{(~np.isnan(data['jittered'][:, 0])).sum()} reference slots, {time.time() - t0:.0f} s")
