"""Do the bands hold their design rates at millions of faces? Held-out LFW, before and after.

Usage: python bench/bands_at_scale.py [--model dlib_face_recognition_resnet_model_v1|mobilefacenet|both]
       [--no-before] [--write-heldout] [--embeddings X.npz --metric M --match-distance D]

Protocol (bench/_heldout.py): LFW's identities split in two seeded halves; the calibration is
fitted on half 0 (bench/calibration.py --fit), everything here is measured on half 1: each
reference set (1, 3 or 10 jittered photos of one person) against every other LFW photo, the
app's own stranger model and combined score t; label errors and near-duplicates left out.

A dataset of N faces is simulated from the held-out per-pair rates: a band's limit L (0.01
strong, 0.5 possible) sits at the score t* where N x P_model(t*) = L, and the strangers a scan
of N faces lets in are N x r(t*), r being the share of held-out stranger pairs at or below t*
(and near enough). Where fewer than 10 held-out pairs reach t*, r comes from the held-out half's
own generalised Pareto fit of its tail (fitted on its 1,000 lowest stranger scores, like the
calibration but on the other people). Recall is the share of the held-out people's other photos
at or below t* (a person's photos score the same whatever the dataset's size).

Identity level (labelled datasets, bench/_identity.py): the distance between my references'
unit centre and each identity's; its stranger tail per size class is fitted on half 0's people
(--fit-identities writes resources/calibration/<model>/identity_tail.json) and measured on half
1's: every reference set (3 jittered photos) against every other identity of half 1 (single-photo
people included, as identities of one photo); own identities are half 1's people with >= 8
photos (3 as references, the rest as their identity). At I identities a band's limit L sits at
the distance d* where I x P_model(d*) = L; the stranger identities a scan lets in are I x the
held-out share of stranger identity pairs at or below d* (below 10 seen: the held-out half's own
generalised Pareto fit of log distance at d*). BEFORE: the Simes combination of the photos' tail
probabilities (the first version).

MobileFaceNet (--model mobilefacenet) and the fusion (--model both, bench/_heldout.py `fused`) are
measured the same way at the photo level. Identities are weighed by one model's centre distance
(`identities.identity_model`, as core/matching/scan.py does): MobileFaceNet's wherever it takes part
(--model mobilefacenet and --model both), dlib's for dlib alone; "identity" in the last line is
that model's.

Last line: one JSON object (references = 3 as the headline).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import _heldout
import _identity
import _tail
import numpy as np
from _facedata import REPO, require_facedata
from calibration import install

sys.path.insert(0, str(REPO / "desktop"))
from faceaudit.core.faces.model_files import EMBEDDING_MODEL
from faceaudit.core.matching import confidence
from faceaudit.core.matching.bands import POSSIBLE_EXPECTED, STRONG_EXPECTED
from faceaudit.core.matching.identities import IDENTITY_TAIL_FILE, identity_model
from faceaudit.core.storage.resources import resources_dir

SIZES = (13_233, 1_000_000, 5_800_000, 20_000_000)
LIMITS = {"strong": STRONG_EXPECTED, "possible": POSSIBLE_EXPECTED}
IDENTITIES = 85_000
#: Below this many held-out pairs at a limit, the held-out rate comes from its own tail fit.
MIN_OBSERVED = 10
BEFORE = REPO / "bench" / "stranger_tail_before.json"
#: The held-out half's aggregate, which tests/unit/matching/test_bands_at_scale.py checks the
#: shipped calibration against (counts per bin of t only: no face, no embedding, no name).
HELDOUT = REPO / "tests" / "unit" / "matching" / "heldout_{model}.json"
_HELDOUT_EDGES = np.round(np.arange(-14.0, -1.0 + 1e-9, 0.05), 2)


def threshold(faces: int, limit: float, k: int) -> float:
    """The score t* at which `faces` x P_model(t*) = limit (bisection; P is increasing in t)."""
    lo, hi = -60.0, 6.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if faces * float(confidence.stranger_tail(np.array([mid]), k)[0]) <= limit:
            lo = mid
        else:
            hi = mid
    return lo


def band_row(pool: _heldout.Pool, own_fit: dict, faces: int, limit: float, k: int) -> dict:
    """Strangers per scan and recall at one size and one band limit."""
    t_star = threshold(faces, limit, k)
    count = int(((pool.low_t <= t_star) & pool.low_near).sum())
    if count >= MIN_OBSERVED:
        rate = count / pool.stranger_pairs
    else:
        rate = float(_tail.tail_rate(own_fit, np.array([t_star]))[0])
    recall = float(((pool.own_t <= t_star) & pool.own_near).mean())
    return {"strangers": faces * rate, "observed": count, "recall": recall, "t": t_star}


def heldout_aggregate(emb, key: str, model: str) -> dict:
    """Per k (1 and 3, jittered): the held-out stranger pairs (near enough) and own photos per bin
    of t, and the held-out half's own tail fit for rates below what it holds."""
    out = {"about": "held-out half of LFW's identities (bench/bands_at_scale.py): counts per bin of the combined "
                    "score t; aggregate only", "model": model, "edges": _HELDOUT_EDGES.tolist(), "k": {}}
    for k in (1, 3):
        pool = _heldout.pooled(emb, key, 1, k)
        fit = _tail.fit_table(pool.low_t, pool.stranger_hist, _heldout.T_EDGES, pool.stranger_pairs)
        clip = (-100.0, 100.0)
        out["k"][str(k)] = {
            "stranger_pairs": pool.stranger_pairs, "scans": pool.scans, "own_photos": int(len(pool.own_t)),
            "strangers_near": np.histogram(np.clip(pool.low_t[pool.low_near], *clip), _HELDOUT_EDGES)[0].tolist(),
            "own_near": np.histogram(np.clip(pool.own_t[pool.own_near], *clip), _HELDOUT_EDGES)[0].tolist(),
            "own_near_above": int((pool.own_near & (pool.own_t >= _HELDOUT_EDGES[-1])).sum()),
            "tail_fit": fit["gpd"]}
    side = identity_side(emb, key, model)
    if has_identities(side[2]):
        out["identity"] = _identity.heldout_aggregate(_identity.cached_pairs(*side[:2], 1))
    return out


def identity_side(emb: _heldout.Embeddings, key: str, model: str) -> tuple[_heldout.Embeddings, str, str]:
    """The embeddings, cache key and calibration name whose centre distance weighs identities in a scan
    by `model` (`identities.identity_model`): the fusion's MobileFaceNet part for 'both'."""
    by = identity_model(["mobilefacenet"] if model in ("mobilefacenet", "both") else ["dlib"])
    if model == "both":
        return emb.parts[1], key.split("-")[1], by
    return emb, key, EMBEDDING_MODEL if by == "dlib" else by


def has_identities(model: str) -> bool:
    """Whether the model has an identity calibration."""
    return (resources_dir() / IDENTITY_TAIL_FILE.format(model=model)).exists()


def identity_rows(emb: _heldout.Embeddings, k: int = 3) -> tuple[list, list]:
    """Per held-out person with >= 8 photos: the (n, t) of their own identity, and of every other."""
    own, strangers = [], []
    excluded = _heldout.exclusion_map(emb, _heldout.suspect_pairs(emb))
    for scan in _heldout.scans(emb, 1, k, min_photos=8, excluded=excluded):
        ok = scan.strangers | scan.own
        codes, inverse = np.unique(scan.identity[ok], return_inverse=True)
        own.append(scan.t[scan.own])
        strangers.append((inverse[codes[inverse] != scan.person], scan.t[ok][codes[inverse] != scan.person]))
    return own, strangers


def simes(groups: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Per group, min over m of n p_(m) / m (Simes: valid for photos of one person, which are
    positively dependent)."""
    order = np.lexsort((p, groups))
    g, ps = groups[order], p[order]
    starts = np.concatenate([[0], np.nonzero(np.diff(g))[0] + 1])
    counts = np.diff(np.concatenate([starts, [len(g)]]))
    rank = np.arange(len(g)) - np.repeat(starts, counts) + 1
    values = np.repeat(counts, counts) * ps / rank
    return np.minimum.reduceat(values, starts)


def identity_level(own: list, strangers: list, k: int = 3) -> dict:
    out = {"identities": IDENTITIES}
    own_p = [float(simes(np.zeros(len(t), int), confidence.stranger_tail(t, k))[0]) for t in own]
    stranger_p = np.concatenate([simes(groups, confidence.stranger_tail(t, k)) for groups, t in strangers])
    for name, limit in LIMITS.items():
        level = limit / IDENTITIES
        observed = int((stranger_p <= level).sum())
        bound = 3.0 if observed == 0 else observed + 2 * math.sqrt(observed)  # ~95 % Poisson upper bound
        out[name] = {"stranger_identities": IDENTITIES * observed / len(stranger_p), "observed": observed,
                     "upper95": IDENTITIES * bound / len(stranger_p),
                     "design": limit, "recall": float(np.mean(np.array(own_p) <= level))}
    out["people"], out["stranger_identity_pairs"] = len(own_p), len(stranger_p)
    return out


def measure(emb, key: str, calibration: dict, ks=(1, 3, 10), variants=("jittered",)) -> dict:
    install(calibration)
    result = {}
    for variant in variants:
        for k in ks:
            pool = _heldout.pooled(emb, key, 1, k, variant)
            own_fit = _tail.fit_table(pool.low_t, pool.stranger_hist, _heldout.T_EDGES, pool.stranger_pairs)
            result[(variant, k)] = {"pool": pool, "rows": {
                faces: {name: band_row(pool, own_fit, faces, limit, min(k, 3)) for name, limit in LIMITS.items()}
                for faces in SIZES}}
    install(None)
    return result


def print_table(title: str, measured: dict, variant: str, k: int) -> None:
    entry = measured[(variant, k)]
    pool = entry["pool"]
    print(f"\n{title}: {k} reference(s), {variant}; {pool.scans} held-out reference sets, "
          f"{pool.stranger_pairs:,} stranger pairs, {len(pool.own_t):,} own photos")
    print(f"  {'faces':>11} | {'strong (0.01)':>14} {'x design':>8} {'seen':>5} | {'str+poss (0.5)':>14} "
          f"{'x design':>8} {'seen':>5} | {'recall strong':>13} {'str+poss':>8}")
    for faces, row in entry["rows"].items():
        s, p = row["strong"], row["possible"]
        print(f"  {faces:>11,} | {s['strangers']:>14.3f} {s['strangers'] / STRONG_EXPECTED:>8.2f} "
              f"{s['observed']:>5d} | "
              f"{p['strangers']:>14.3f} {p['strangers'] / POSSIBLE_EXPECTED:>8.2f} {p['observed']:>5d} | "
              f"{100 * s['recall']:>12.1f}% {100 * p['recall']:>7.1f}%")


def print_identity_level(title: str, pairs: dict, centre: dict) -> None:
    print(f"\n{title} ({len(pairs['own_distance'])} held-out people with >= 8 photos, 3 references, "
          f"{len(pairs['stranger_distance']):,} stranger identity pairs), at {IDENTITIES:,} identities:")
    for name in LIMITS:
        row = centre[name]
        classes = ", ".join(f"{c} photos: {v['stranger_identities']:.4f} (limit {v['distance']:.3f}, "
                            f"seen {v['seen']} of {v['pairs']:,})" for c, v in row["classes"].items())
        print(f"  {name:>8} (design {row['design']}): own identity found {100 * row['recall']:.1f}%; "
              f"stranger identities per scan if all had {classes}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-before", action="store_true", help="skip the table of the earlier calibration")
    parser.add_argument("--write-heldout", action="store_true",
                        help="write the held-out aggregate the unit test checks the calibration against")
    parser.add_argument("--fit-identities", action="store_true",
                        help="fit the stranger identities' tail on half 0 and write the identity calibration")
    require_facedata()
    emb, key, model, args = _heldout.from_arguments(parser)
    suspects = _heldout.suspect_pairs(emb)
    print(f"{len(emb.plain):,} LFW photos with a face; {len(suspects)} cross-identity pairs left out as label errors "
          f"or near-duplicates (nearer than {_heldout.SUSPECT_DISTANCE}, or two spellings of one name; "
          "bench/lfw_suspects.tsv lists them)")
    after = json.loads((resources_dir() / confidence.tail_file(model)).read_text())
    id_emb, id_key, id_model = identity_side(emb, key, model)
    if args.fit_identities:
        target = resources_dir() / IDENTITY_TAIL_FILE.format(model=id_model)
        target.write_text(json.dumps(_identity.fit_classes(_identity.cached_pairs(id_emb, id_key, 0)), indent=1) + "\n")
        print(f"wrote {target}")
    if args.write_heldout:
        target = Path(str(HELDOUT).format(model=model))
        target.write_text(json.dumps(heldout_aggregate(emb, key, model), separators=(",", ":")) + "\n")
        print(f"wrote {target}")
    if not args.no_before:
        before = measure(emb, key, json.loads(BEFORE.read_text()), ks=(1, 3))
        for k in (1, 3):
            print_table("BEFORE (table + straight-line extension)", before, "jittered", k)
    # MobileFaceNet's reference is the photo's own embedding (no jitter), so "plain" would repeat "jittered".
    variants = _heldout.VARIANTS if model == EMBEDDING_MODEL else ("jittered", "mirrored")
    measured = measure(emb, key, after, variants=variants)
    for k in (1, 3, 10):
        print_table("AFTER (table + generalised Pareto tail)", measured, "jittered", k)
    for variant in [v for v in variants if v != "jittered"]:
        print_table("AFTER, other reference embeddings", measured, variant, 3)
    headline = measured[("jittered", 3)]["rows"]
    sizes = {str(faces): {name: {"strangers": round(row[name]["strangers"], 4), "design": LIMITS[name],
                                 "recall": round(row[name]["recall"], 4)} for name in LIMITS}
             for faces, row in headline.items()}
    if not has_identities(id_model):
        print(json.dumps({"sizes": sizes, "identity": None, "refs": 3, "model": model}))
        return
    if not args.no_before and id_model == EMBEDDING_MODEL:  # the first version weighed dlib's photos
        install(after)
        identity = identity_level(*identity_rows(emb))
        install(None)
        print(f"\nBEFORE, identity level: Simes over photos ({identity['people']} held-out people with >= 8 photos, "
              f"3 references, {identity['stranger_identity_pairs']:,} stranger identity pairs), at {IDENTITIES:,}:")
        for name in LIMITS:
            row = identity[name]
            print(f"  {name:>8}: stranger identities {row['stranger_identities']:.4f} (seen {row['observed']}, "
                  f"95% bound {row['upper95']:.3f}; design {row['design']}), own identity found "
                  f"{100 * row['recall']:.1f}%")
    held_out = _identity.cached_pairs(id_emb, id_key, 1)
    centre = _identity.measure(held_out, IDENTITIES, LIMITS, _identity.shipped_tail(id_model))
    print_identity_level(f"AFTER, identity level: {id_model}'s centre distance", held_out, centre)
    # The other way round: fitted on half 1 by the same rule, measured on half 0. Where the two
    # halves' fits disagree, the rates below the held-out pairs are the fit's guess, not data.
    calibration_half = _identity.cached_pairs(id_emb, id_key, 0)
    swapped = _identity.measure(calibration_half, IDENTITIES, LIMITS,
                                _identity.fitted_tail(_identity.fit_classes(held_out)))
    print_identity_level("CHECK, the halves swapped (fitted on half 1, measured on half 0)", calibration_half, swapped)
    # The headline: identities of >= 5 photos (the goal's; MS1M's run to ~60), whose tail is the heaviest.
    many = f"{_identity.CLASSES[-1][0]}-"
    ident = {"identities": IDENTITIES, "model": id_model, **{name: {
        "stranger_identities": round(centre[name]["classes"][many]["stranger_identities"], 5),
        "design": LIMITS[name], "recall": round(centre[name]["recall"], 4),
        "by_size": {c: round(v["stranger_identities"], 5) for c, v in centre[name]["classes"].items()}}
        for name in LIMITS}}
    print(json.dumps({"sizes": sizes, "identity": ident, "refs": 3, "model": model}))


if __name__ == "__main__":
    main()
