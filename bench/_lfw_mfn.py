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
from pathlib import Path

import _lfw_embed
import numpy as np
from _facedata import REPO
from _lfw_all import empty_layout, lfw_paths, summary
from _lfw_embed import CACHE, batched, cached

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
    return cached(cache_path(len(paths)), lambda: _embed(paths))


def _embed(paths: list[str]) -> dict[str, np.ndarray]:
    sys.path.insert(0, str(REPO / "desktop"))
    from faceaudit.core.faces.mobilefacenet import DIMENSIONS, MobileFaceNet

    out, slot = empty_layout(paths, DIMENSIONS)
    network = MobileFaceNet(threads=1)
    for batch in batched(_lfw_embed.detections(paths, _crop), _BATCH):
        rows = [i for i, _ in batch]
        out["plain"][rows] = network.embed(np.stack([c for _, c in batch]))
        refs = [(i, c) for i, c in batch if slot[i]]
        if refs:
            ref_rows = [i for i, _ in refs]
            out["jittered"][ref_rows] = out["plain"][ref_rows]
            out["mirrored"][ref_rows] = network.embed(np.stack([c[:, ::-1] for _, c in refs]))
    return out


if __name__ == "__main__":
    t0 = time.time()
    print(summary(lfw_mfn(int(sys.argv[1]) if len(sys.argv) > 1 else None), t0))
