"""Stranger identities on held-out LFW: my references' centre against every other identity's centre."""

from __future__ import annotations

import sys

import _heldout
import numpy as np
from _facedata import REPO

sys.path.insert(0, str(REPO / "desktop"))
from faceaudit.core.matching.identities import centre_distances

#: Size classes (photos with a face, inclusive; None: no upper end), each with a tail of its own.
CLASSES = ((1, 1), (2, 4), (5, None))
#: Each class's generalised Pareto tail is fitted on its closest this many stranger identity pairs.
#: Fitted on the closest 1,000 (the photos' rule), the two halves of LFW disagreed at 85,000
#: identities' strong limit by up to 4.4x for MobileFaceNet (300: 14x): the shape of 1,000 pairs of
#: 90,000-360,000 does not pin a tail five decades further down. With 10,000 the fits of the two
#: halves agree within 1.64x for MobileFaceNet and 2.44x for dlib, fitted either way round
#: (closing note of issue 23); the cost is some recall with dlib alone.
IDENTITY_EXCEEDANCES = 10_000
#: Identities with at least this many photos are the goal's (3 as references, >= 5 in the dataset).
OWN_MIN_PHOTOS = 8
REFERENCES = 3


def size_class(photos: np.ndarray) -> np.ndarray:
    """Index into CLASSES per identity size."""
    return np.searchsorted(np.array([low for low, _ in CLASSES[1:]]), photos, side="right")


def identity_pairs(emb: _heldout.Embeddings, half: int, variant: str = "jittered") -> dict[str, np.ndarray]:
    """Every reference set of one half against every identity of the same half.

    A reference set is 3 of a person's reference-slot photos (every disjoint triple, leaving at
    least one of their photos in the dataset); the dataset is every LFW photo but those three,
    one face per photo (the central one, as LFW labels it), labelled by person. Stranger
    identities are the other people of the same half (people linked to the person by a label
    error or near-duplicate, `_heldout.suspects`, left out), so the calibration half and the
    held-out half share no person at all. For each person with >= 8 photos, their first set
    also gives their own identity (the rest of their photos).

    Returns:
        stranger_distance, stranger_photos: one per (reference set, stranger identity) pair;
        own_distance, own_photos: one per person with >= 8 photos.
    """
    names, code, _ = np.unique(emb.identity, return_inverse=True, return_counts=True)
    side = _heldout.halves(emb.identity)
    in_half = np.array([side[str(n)] == half for n in names])
    slots = ~np.isnan(emb.refs[variant][:, 0])
    excluded = _heldout.exclusion_map(emb, _heldout.suspect_pairs(emb))
    items = np.arange(len(emb.plain))
    out = {"stranger_distance": [], "stranger_photos": [], "own_distance": [], "own_photos": []}
    for person in np.nonzero(in_half)[0]:
        rows = np.nonzero(code == person)[0]
        usable = rows[slots[rows]]
        bad = {int(code[j]) for j in excluded.get(str(names[person]), [])}
        for start in range(0, len(usable) - REFERENCES + 1, REFERENCES):
            refs = usable[start:start + REFERENCES]
            if len(rows) - REFERENCES < 1:
                break
            codes = code.copy()
            codes[refs] = -1
            distance, photos = centre_distances(emb.plain, items, codes, len(names), emb.refs[variant][refs])
            strangers = in_half & (photos > 0)
            strangers[person] = False
            strangers[list(bad)] = False
            out["stranger_distance"].append(distance[strangers])
            out["stranger_photos"].append(photos[strangers])
            if start == 0 and len(rows) >= OWN_MIN_PHOTOS:
                out["own_distance"].append(distance[person:person + 1])
                out["own_photos"].append(photos[person:person + 1])
    return {key: np.concatenate(value) for key, value in out.items()}


def cached_pairs(emb: _heldout.Embeddings, key: str, half: int) -> dict[str, np.ndarray]:
    """`identity_pairs`, cached under bench/.cache."""
    from _lfw_embed import CACHE

    target = CACHE / f"identities-{_VERSION}-{key}-h{half}.npz"
    if target.exists():
        with np.load(target) as data:
            return dict(data)
    pairs = identity_pairs(emb, half)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(target, **pairs)
    return pairs


_VERSION = 1


#: Histogram of log(centre distance) for the calibration tables (aggregate counts only).
LOG_EDGES = np.round(np.arange(-4.0, 1.0 + 1e-9, 0.01), 2)


def fit_classes(pairs: dict[str, np.ndarray]) -> dict:
    """The identity calibration file: per size class, the stranger tail of log(centre distance)
    (`_tail.fit_table`: empirical down to its IDENTITY_EXCEEDANCES closest pairs, a generalised
    Pareto law below)."""
    import _tail

    log_d = np.log(pairs["stranger_distance"])
    which = size_class(pairs["stranger_photos"])
    classes = []
    for index, (low, high) in enumerate(CLASSES):
        values = np.sort(log_d[which == index])
        hist = np.histogram(np.clip(values, LOG_EDGES[0], LOG_EDGES[-1] - 1e-6), LOG_EDGES)[0]
        # log distance: a step of 0.05 is 5 % in distance (the photos' table steps by 0.25 of a z-score).
        table = _tail.fit_table(values, hist, LOG_EDGES, len(values), top=0.7, step=0.05,
                                exceedances=IDENTITY_EXCEEDANCES)
        classes.append({"photos": [low, high], **table})
    return {"about": "stranger identities' tail of log(distance between unit centres), per size class; measured "
                     "on the calibration half of LFW's people (bench/bands_at_scale.py --fit-identities); "
                     "aggregate only", "classes": classes}


def shipped_tail(model: str):
    """The app's identity tail of a face model (resources/calibration/<model>/identity_tail.json)."""
    from faceaudit.core.matching.identities import identity_tail

    return lambda distance, photos: identity_tail(distance, photos, model)


def fitted_tail(calibration: dict):
    """The identity tail of a calibration made here (`fit_classes`), as the app would read it."""
    from faceaudit.core.matching.identities import tail_by_classes

    return lambda distance, photos: tail_by_classes(calibration["classes"], distance, photos)


def threshold(identities: int, limit: float, photos: int, tail) -> float:
    """The centre distance at which `identities` x P(distance) = limit, for identities of `photos`."""
    lo, hi = 1e-6, 2.0
    for _ in range(60):
        mid = (lo * hi) ** 0.5
        if identities * float(tail(np.array([mid]), np.array([photos]))[0]) <= limit:
            lo = mid
        else:
            hi = mid
    return lo


def measure(pairs: dict[str, np.ndarray], identities: int, limits: dict[str, float], tail,
            min_observed: int = 10) -> dict:
    """Per band and size class, stranger identities per scan of `identities` identities and the
    recall of own identities (>= 5 photos), from held-out pairs and a calibration's `tail`
    (`shipped_tail`, `fitted_tail`).

    Stranger identities = identities x r(d*), d* the band's limit for the class, r the held-out
    share of the class's stranger pairs at or below d* (where fewer than `min_observed` are, the
    held-out half's own tail fit at d*).
    """
    from _tail import tail_rate

    which = size_class(pairs["stranger_photos"])
    own_expected = identities * tail(pairs["own_distance"], pairs["own_photos"])
    own_fits = fit_classes(pairs)["classes"]
    out = {}
    for name, limit in limits.items():
        row = {"design": limit, "recall": float(np.mean(own_expected <= limit)), "classes": {}}
        for index, (low, high) in enumerate(CLASSES):
            d_star = threshold(identities, limit, low, tail)
            values = pairs["stranger_distance"][which == index]
            seen = int((values <= d_star).sum())
            rate = seen / len(values) if seen >= min_observed else float(
                tail_rate(own_fits[index], np.array([np.log(d_star)]))[0])
            row["classes"][f"{low}-{high or ''}"] = {"stranger_identities": identities * rate, "seen": seen,
                                                     "pairs": int(len(values)), "distance": d_star}
        out[name] = row
    return out


def heldout_aggregate(pairs: dict[str, np.ndarray]) -> dict:
    """What tests/unit/matching/test_bands_at_scale.py checks the identity calibration against:
    per size class, the held-out stranger identity pairs per bin of log(centre distance) and
    their own tail fit; the own identities (>= 5 photos) per bin. Counts only."""
    which = size_class(pairs["stranger_photos"])
    fits = fit_classes(pairs)["classes"]
    clip = (LOG_EDGES[0], LOG_EDGES[-1] - 1e-6)
    classes = [{"photos": [low, high], "pairs": int((which == index).sum()),
                "strangers": np.histogram(np.clip(np.log(pairs["stranger_distance"][which == index]), *clip),
                                          LOG_EDGES)[0].tolist(),
                "tail_fit": fits[index]["gpd"]} for index, (low, high) in enumerate(CLASSES)]
    own = np.histogram(np.clip(np.log(pairs["own_distance"]), *clip), LOG_EDGES)[0]
    return {"edges": LOG_EDGES.tolist(), "classes": classes, "own": own.tolist(),
            "own_photos_min": int(pairs["own_photos"].min())}
