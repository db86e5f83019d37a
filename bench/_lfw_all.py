"""Every LFW photo through FaceAudit's pipeline once, cached: plain embeddings of all 13,233,
and for the photos that can serve as references, jittered and mirrored ones as well."""

from __future__ import annotations

import sys
import time

import numpy as np
from _facedata import LFW, REPO
from _lfw_embed import CACHE, JITTER, batched, cached, detections

#: Bump when what is computed per photo changes.
_VERSION = "lfw-all-1"
#: A person's first photos (at most this many, and never their last) can be references.
MAX_REFERENCES = 10
_BATCH = 32


def reference_slots(identity: np.ndarray) -> np.ndarray:
    """True for a photo that is among its person's first min(10, photos - 1)."""
    slot = np.zeros(len(identity), bool)
    names, first, counts = np.unique(identity, return_index=True, return_counts=True)
    for start, count in zip(first, counts):
        slot[start:start + min(MAX_REFERENCES, count - 1)] = True
    return slot


def lfw_paths(limit: int | None = None) -> list[str]:
    """LFW-relative paths of every photo (or the first `limit`), in sorted order."""
    return sorted(str(p.relative_to(LFW)) for p in LFW.glob("*/*.jpg"))[:limit]


def empty_layout(paths: list[str], dimensions: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The cache's arrays for these photos, embeddings all NaN, and which photos are reference slots."""
    identity = np.array([p.split("/")[0] for p in paths])
    n = len(paths)
    out = {"paths": np.array(paths), "identity": identity,
           **{key: np.full((n, dimensions), np.nan, np.float32) for key in ("plain", "jittered", "mirrored")}}
    return out, reference_slots(identity)


def cache_path(count: int = 13_233):
    """Where `lfw_all` keeps every LFW photo's embeddings."""
    return CACHE / f"{_VERSION}-{count}.npz"


def lfw_all(limit: int | None = None) -> dict[str, np.ndarray]:
    """Per LFW photo in sorted path order (cached under bench/.cache).

    Returns:
        dict with: paths, identity, plain (N x 128, NaN where no face), and for reference slots
        jittered (REFERENCE_JITTER copies averaged) and mirrored (the chip flipped left-right);
        NaN elsewhere.
    """
    paths = lfw_paths(limit)
    return cached(cache_path(len(paths)), lambda: _embed(paths))


def _embed(paths: list[str]) -> dict[str, np.ndarray]:
    sys.path.insert(0, str(REPO / "desktop"))
    from faceaudit.core.faces.engine import FaceEngine

    out, slot = empty_layout(paths, 128)
    engine = FaceEngine("hog", 1, "onnx")
    for batch in batched(((i, chip) for i, (_, _, chip, _, _) in detections(paths)), _BATCH):
        rows = [i for i, _ in batch]
        out["plain"][rows] = engine.embed_chips(np.stack([c for _, c in batch]))
        refs = [(i, c) for i, c in batch if slot[i]]
        if refs:
            ref_rows = [i for i, _ in refs]
            out["mirrored"][ref_rows] = engine.embed_chips(np.stack([c[:, ::-1] for _, c in refs]))
            # One seed per photo, so a photo's embedding does not depend on its batch.
            out["jittered"][ref_rows] = np.stack([engine.embed_jittered(c[None], JITTER, seed=i)[0] for i, c in refs])
    return out


def summary(data: dict[str, np.ndarray], started: float) -> str:
    """One line on a cache made by `lfw_all` or `_lfw_mfn.lfw_mfn`."""
    return (f"{len(data['paths'])} photos, {np.isnan(data['plain'][:, 0]).sum()} without a face, "
            f"{(~np.isnan(data['jittered'][:, 0])).sum()} reference slots, {time.time() - started:.0f} s")


if __name__ == "__main__":
    t0 = time.time()
    print(summary(lfw_all(int(sys.argv[1]) if len(sys.argv) > 1 else None), t0))
