"""Are FaceAudit's look-alike estimates honest? Predicted vs observed strangers on LFW.

Usage: python bench/calibration.py [--model dlib|mobilefacenet|both] [--fit] [--plot]
  --model whose distances: dlib's (the default; jittered references, as the app makes them),
          MobileFaceNet's, or both fused (their standardised scores averaged, as the scan does).
          The last two use bench/models.py's cache (HOG faces, plain embeddings; run it first).
  --fit   measure the stranger tail table on all LFW identities of the View 2 photos and write
          the model's file, resources/calibration/stranger_tail[.MODEL].json (aggregate counts
          only, no faces); for another model than dlib also its own-photo distance, its "one
          person" distance (as many strangers within it as within dlib's 0.6) and its prior.
  --plot  draw docs/accuracy_distances.png.
Always: two-fold check — a table measured on half of the identities predicts, for reference
people of the other half (every other LFW photo as the dataset), how many strangers reach each
level; printed as observed / predicted, next to what a Gaussian tail predicts. Uses the cache of bench/lfw_accuracy.py.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import zlib

import numpy as np
from _facedata import REPO, require_facedata
from _lfw_embed import lfw_embeddings
from lfw_accuracy import read_pairs

sys.path.insert(0, str(REPO / "desktop"))
from faceaudit.core.matching import confidence
from faceaudit.core.storage.resources import resources_dir

LEVELS = (0.01, 0.03, 0.1, 0.3, 0.5, 1.0, 2.0, 5.0)
DISTANCES = (0.35, 0.40, 0.45, 0.50, 0.55, 0.60)
_GRID_STEP = 0.25


MODEL = "dlib"


def load(model: str = "dlib"):
    """(identity, plain, jittered, paths) for every photo of the View 2 pairs with a face.

    For MobileFaceNet and the fusion the "jittered" (reference) embeddings are the plain ones; for the
    fusion both are dicts by model.
    """
    pairs, _ = read_pairs()
    if model != "dlib":
        from models import embed_photos

        paths = sorted({p for a, b, _ in pairs for p in (a, b)})
        data = embed_photos(paths, 2)
        ok = ~np.isnan(data["dlib"][:, 0]) & ~np.isnan(data["mobilefacenet"][:, 0])
        identity = np.array([p.split("/")[0] for p in paths])[ok]
        if model == "both":
            plain = {m: data[m][ok] for m in ("dlib", "mobilefacenet")}
        else:
            plain = data[model][ok]
        return identity, plain, plain, np.array(paths)[ok]
    data = lfw_embeddings(sorted({p for a, b, _ in pairs for p in (a, b)}))
    ok = ~np.isnan(data["plain"][:, 0])
    identity = np.array([p.split("/")[0] for p in data["paths"]])
    return identity[ok], data["plain"][ok], data["jittered"][ok], np.array(data["paths"])[ok]


def half(name: str) -> int:
    """0 or 1: a fixed split of identities into two folds."""
    return zlib.crc32(name.encode()) % 2


def scans(identity, plain, jittered, k: int, which: int, min_photos: int | None = None):
    """One simulated scan per reference person of half `which` with at least k+1 photos.

    Yields:
        (person, t of every dataset face, stranger mask, own-photo mask, distances, null model);
        for the fusion, t is the mean of both models' t, the distances and null model dlib's.
    """
    if MODEL == "both":
        yield from _fused_scans(identity, plain, k, which, min_photos)
        return
    names, counts = np.unique(identity, return_counts=True)
    rows_of = {n: np.nonzero(identity == n)[0] for n in names}
    for name, count in zip(names, counts):
        if count < max(k + 1, min_photos or 0) or (which is not None and half(name) != which):
            continue
        refs = rows_of[name][:k]
        keep = np.ones(len(identity), bool)
        keep[refs] = False
        distances = np.linalg.norm(plain[keep][:, None, :] - jittered[refs][None, :, :], axis=2)
        null = confidence.fit_stranger_model(distances, MODEL)
        combined = confidence.combine((distances - null.loc) / null.scale)
        t = (combined - null.combined_loc) / null.combined_scale
        own = identity[keep] == name
        yield name, t, ~own, own, distances, null


def _fused_scans(identity, plain, k, which, min_photos):
    global MODEL
    try:
        MODEL = "dlib"
        dlib = scans(identity, plain["dlib"], plain["dlib"], k, which, min_photos)
        MODEL = "mobilefacenet"
        second = list(scans(identity, plain["mobilefacenet"], plain["mobilefacenet"], k, which, min_photos))
        MODEL = "dlib"
        dlib = list(dlib)
    finally:
        MODEL = "both"
    for (name, t, strangers, own, distances, null), (_, t2, *_rest) in zip(dlib, second):
        yield name, (t + t2) / 2, strangers, own, distances, null


def model_constants(identity, plain) -> dict:
    """Another model's own-photo distance, "one person" distance and prior, measured like dlib's were:
    the distances that as many LFW strangers pass as pass dlib's 0.5 and 0.6 (dlib's share measured on
    the same photos), and the medians of the stranger model over the reference people."""
    from models import embed_photos

    pairs, _ = read_pairs()
    paths = sorted({p for a, b, _ in pairs for p in (a, b)})
    data = embed_photos(paths, 2)
    ok = ~np.isnan(data["dlib"][:, 0]) & ~np.isnan(data["mobilefacenet"][:, 0])
    rng = np.random.default_rng(21)
    i, j = rng.integers(0, ok.sum(), 400_000), rng.integers(0, ok.sum(), 400_000)
    keep = identity[i] != identity[j]
    i, j = i[keep], j[keep]
    dlib = np.linalg.norm(data["dlib"][ok][i] - data["dlib"][ok][j], axis=1)
    other = np.linalg.norm(plain[i] - plain[j], axis=1)
    own = float(np.quantile(other, (dlib <= confidence.OWN_PHOTO_DISTANCE).mean()))
    match = float(np.quantile(other, (dlib <= 0.6).mean()))
    global MODEL
    MODEL, saved = "dlib", MODEL  # the prior is measured with the empirical fit, which needs no prior
    locs, scales = [], []
    try:
        for *_, distances, _null in scans(identity, plain, plain, 1, None):
            strangers = distances[distances.min(axis=1) > own]
            loc, scale = confidence._robust(strangers)
            locs.append(float(loc[0]))
            scales.append(float(scale[0]))
    finally:
        MODEL = saved
    return {"own_photo_distance": round(own, 4), "match_distance": round(match, 4),
            "prior": {"loc": round(float(np.median(locs)), 4), "scale": round(float(np.median(scales)), 4),
                      "rho": confidence.PRIOR["rho"]}}


def fit(identity, plain, jittered, which: int | None = None, quiet: bool = False) -> dict:
    """The stranger tail table, from reference people of one half (None: everyone)."""
    tables = {}
    for k in (1, 2, 3):
        parts = [t[strangers] for _, t, strangers, *_ in scans(identity, plain, jittered, k, which)]
        if not parts:
            continue
        pooled = np.sort(np.concatenate(parts))
        grid = np.arange(-12.0, 0.0 + 1e-9, _GRID_STEP)
        counts = np.searchsorted(pooled, grid, side="right")
        first = int(np.argmax(counts >= 10))  # trust the table where it rests on 10+ strangers
        tables[str(k)] = {"t": [round(float(g), 3) for g in grid[first:]],
                          "log10_tail": [round(math.log10(c / len(pooled)), 4) for c in counts[first:]],
                          "strangers": int(len(pooled))}
        if not quiet:
            print(f"  k={k}: {len(pooled):,} stranger scores; table from t = {grid[first]:.2f} "
              f"(tail {counts[first] / len(pooled):.1e})")
    return {"about": "P(stranger's standardised combined score <= t), log10, measured by bench/calibration.py --fit "
                     "on LFW (View 2 photos, identities of the fit half as reference people); aggregate counts only",
            "tables": tables}


def gaussian_tail(t: np.ndarray) -> np.ndarray:
    return np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in np.ravel(t)]).reshape(np.shape(t))


def _install(table: dict | None) -> None:
    """Make FaceAudit use this table (None: the shipped one)."""
    _SHIPPED.cache_clear()
    if table is None:
        confidence._table = _SHIPPED
        return

    def lookup(references, model="dlib"):
        entry = table["tables"][str(min(references, 3))]
        return np.asarray(entry["t"], np.float64), np.asarray(entry["log10_tail"], np.float64)

    confidence._table = lookup


_SHIPPED = confidence._table


def check(identity, plain, jittered) -> None:
    """Observed vs predicted strangers for held-out reference people, two-fold: a table measured
    on one half of the identities judges scans of people of the other half, and back."""
    counts = {}
    for which in (0, 1):
        _install(fit(identity, plain, jittered, 1 - which, quiet=True))
        for k in (1, 2, 3):
            entry = counts.setdefault(k, {"scans": [0, 0], "observed": {}, "gauss": {}, "distance": {}})
            for _, t, strangers, _, distances, null in scans(identity, plain, jittered, k, which):
                entry["scans"][which] += 1
                n = len(t)
                expected = n * confidence.stranger_tail(t[strangers], k, MODEL)
                expected_old = n * gaussian_tail(t[strangers])
                for e in LEVELS:
                    entry["observed"].setdefault(e, [0, 0])[which] += int((expected <= e).sum())
                    entry["gauss"][e] = entry["gauss"].get(e, 0) + int((expected_old <= e).sum())
                if k == 1 and MODEL == "dlib":  # the distances listed are dlib's
                    for d in DISTANCES:
                        td = ((d - null.loc[0]) / null.scale[0] - null.combined_loc) / null.combined_scale
                        row = entry["distance"].setdefault(d, [0, 0.0, 0.0])
                        row[0] += int((distances[strangers, 0] <= d).sum())
                        row[1] += n * float(confidence.stranger_tail(np.array([td]), 1, MODEL)[0])
                        row[2] += n * float(gaussian_tail(np.array([td]))[0])
    _install(None)
    for k, entry in counts.items():
        n_scans = sum(entry["scans"])
        print(f"\n{k} reference photo(s): {n_scans} held-out people (two folds), each scanned against "
              f"~{len(identity) - k:,} LFW faces")
        print(f"  {'expected look-alikes <=':>24} {'predicted':>10} {'observed':>9} {'ratio':>6} {'per fold':>12}"
              f"   {'Gaussian tail: observed':>23} {'ratio':>6}")
        for e in LEVELS:
            predicted = e * n_scans
            fold = [entry["observed"][e][w] / (e * entry["scans"][w]) for w in (0, 1)]
            observed = sum(entry["observed"][e])
            print(f"  {e:>24g} {predicted:>10.1f} {observed:>9d} {observed / predicted:>6.2f} "
                  f"{fold[0]:>5.2f}, {fold[1]:<5.2f}   {entry['gauss'][e]:>23d} {entry['gauss'][e] / predicted:>6.2f}")
        if entry["distance"]:
            print(f"  {'stranger distance <=':>24} {'observed':>10} {'predicted':>9} {'ratio':>6} {'':>12}"
                  f"   {'Gaussian: predicted':>23} {'ratio':>6}")
            for d, (obs, table, gauss) in entry["distance"].items():
                print(f"  {d:>24.2f} {obs:>10d} {table:>9.1f} {obs / max(table, 1e-9):>6.2f} {'':>12}"
                      f"   {gauss:>23.1f} {obs / max(gauss, 1e-9):>6.2f}")


def plot(identity, plain, jittered) -> None:
    """Same-person vs different-person distances of the View 2 pairs, with the band limits."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from faceaudit.core.matching.bands import POSSIBLE_EXPECTED, STRONG_EXPECTED, WEAK_EXPECTED

    pairs, _ = read_pairs()
    data = lfw_embeddings(sorted({p for a, b, _ in pairs for p in (a, b)}))
    row = {p: i for i, p in enumerate(data["paths"])}
    d = np.array([np.linalg.norm(data["jittered"][row[a]] - data["plain"][row[b]]) for a, b, _ in pairs])
    same = np.array([s for *_, s in pairs])
    good = ~np.isnan(d)
    # Typical stranger scale of one reference, from the scans of the check half.
    locs, scales = [], []
    for _, _, _, _, _, null in scans(identity, plain, jittered, 1, 1):
        locs.append(null.loc[0] + null.combined_loc * null.scale[0])
        scales.append(null.scale[0] * null.combined_scale)
    loc, scale = float(np.median(locs)), float(np.median(scales))
    t = np.linspace(-10, 0, 4001)
    fig, ax = plt.subplots(figsize=(8, 6), dpi=110)
    bins = np.linspace(0.1, 1.1, 101)
    ax.hist(d[good & same], bins, alpha=0.6, color="tab:green", label="same person (3,000 LFW pairs)")
    ax.hist(d[good & ~same], bins, alpha=0.6, color="tab:red", label="different people (3,000 LFW pairs)")
    styles = {STRONG_EXPECTED: ("strong", "tab:blue"), POSSIBLE_EXPECTED: ("possible", "tab:purple"),
              WEAK_EXPECTED: ("weak", "tab:gray")}
    for faces, line in ((10_000, "-"), (1_000_000, ":")):
        expected = faces * confidence.stranger_tail(t, 1)
        for limit, (name, colour) in styles.items():
            at = loc + scale * t[np.searchsorted(expected, limit)]
            ax.axvline(at, color=colour, linestyle=line, linewidth=1.3,
                       label=f"'{name}' limit, one photo, {faces:,} faces")
    ax.axvline(0.6, color="black", linewidth=0.8, linestyle="--", label="model's own threshold 0.6")
    ax.set_xlabel("distance between two face embeddings (smaller = more alike)")
    ax.set_ylabel("pairs")
    ax.set_title("LFW: distances of same-person and different-person pairs, and FaceAudit's band limits")
    # Below the axes, so that it hides no bar.
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    fig.tight_layout()
    target = REPO / "docs" / "accuracy_distances.png"
    target.parent.mkdir(exist_ok=True)
    fig.savefig(target)
    print(f"wrote {target}  (typical stranger distance {loc:.3f}, spread {scale:.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=("dlib", "mobilefacenet", "both"), default="dlib")
    parser.add_argument("--fit", action="store_true")
    parser.add_argument("--plot", action="store_true")
    args = parser.parse_args()
    require_facedata()
    global MODEL
    MODEL = args.model
    identity, plain, jittered, _ = load(args.model)
    if args.fit:
        table = {}
        if args.model == "mobilefacenet":
            table = model_constants(identity, plain)
            target = resources_dir() / confidence.tail_file(args.model)
            target.write_text(json.dumps({**table, "tables": {}}, indent=1) + "\n")  # read while fitting
            confidence._calibration_file.cache_clear()
        elif args.model == "both":
            table = {"own_photo_distance": confidence.OWN_PHOTO_DISTANCE, "prior": confidence.PRIOR}
        table = {**fit(identity, plain, jittered, None), **table}
        if args.model != "dlib":
            table["about"] = table["about"].replace("P(", f"{args.model}: P(", 1)
        target = resources_dir() / confidence.tail_file(args.model)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(table, indent=1) + "\n")
        _SHIPPED.cache_clear()
        print(f"wrote {target}")
    check(identity, plain, jittered)
    if args.plot:
        plot(identity, plain, jittered)


if __name__ == "__main__":
    main()
