"""What several reference photos buy: recall at a fixed false-match rate, 1 vs 3 photos, on LFW.

Usage: python bench/several_references.py
People with 6+ photos among the View 2 photos: their first 3 photos are the references (or
just the first), the rest are held out among every other LFW photo. A threshold on FaceAudit's
score is set so that a stated share of strangers pass (the false-match rate, pooled over all
scans); recall is the share of held-out photos of the person that pass it.
"""

from __future__ import annotations

import sys

import numpy as np
from _facedata import REPO, require_facedata
from calibration import load

sys.path.insert(0, str(REPO / "desktop"))
from faceaudit.core.matching import confidence

RATES = (1e-3, 1e-4, 1e-5)


def score(dataset: np.ndarray, refs: np.ndarray, method: str) -> np.ndarray:
    """Standardised score of each dataset face (lower = more like the references)."""
    if method == "centroid":
        refs = refs.mean(axis=0, keepdims=True)
    distances = np.linalg.norm(dataset[:, None, :] - refs[None, :, :], axis=2)
    if method == "nearest":
        distances = distances.min(axis=1, keepdims=True)
    null = confidence.fit_stranger_model(distances)
    combined = confidence.combine((distances - null.loc) / null.scale)
    return (combined - null.combined_loc) / null.combined_scale


def main() -> None:
    require_facedata()
    identity, plain, jittered, _ = load()
    names, counts = np.unique(identity, return_counts=True)
    people = [n for n, c in zip(names, counts) if c >= 6]
    print(f"{len(people)} LFW people with 6+ photos; references: their first 1 or 3 photos (jittered), "
          f"held out: the rest, among {len(identity) - 3:,} LFW faces\n")
    setups = [("1 photo", 1, "best3"), ("3 photos, mean of z-scores", 3, "best3"),
              ("3 photos, nearest one", 3, "nearest"), ("3 photos, average face (centroid)", 3, "centroid")]
    print(f"{'references':<36}" + "".join(f"{'recall @ FMR ' + format(r, 'g'):>20}" for r in RATES))
    for label, k, method in setups:
        own_scores, stranger_scores = [], []
        for name in people:
            rows = np.nonzero(identity == name)[0]
            keep = np.ones(len(identity), bool)
            keep[rows[:3]] = False
            t = score(plain[keep], jittered[rows[:k]], method)
            own = identity[keep] == name
            own_scores.append(t[own])
            stranger_scores.append(t[~own])
        own_all, strangers = np.concatenate(own_scores), np.sort(np.concatenate(stranger_scores))
        cells = []
        for rate in RATES:
            threshold = strangers[max(0, int(rate * len(strangers)) - 1)]
            cells.append(f"{100 * (own_all <= threshold).mean():>19.1f}%")
        print(f"{label:<36}" + "".join(cells))
    print(f"\n({len(own_all):,} held-out photos, {len(strangers):,} stranger comparisons per setup)")


if __name__ == "__main__":
    main()
