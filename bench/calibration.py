"""Are FaceAudit's look-alike estimates honest? Predicted vs observed strangers on LFW.

Usage: python bench/calibration.py [--fit] [--plot] [--model NAME] [--embeddings X.npz --metric M --match-distance D]
  --fit   measure the stranger tail on the calibration half of LFW's identities (bench/_heldout.py:
          every LFW photo, 1-3 jittered references per scan) and write
          resources/calibration/<model>/stranger_tail.json (aggregate counts only, no faces).
  --model mobilefacenet  MobileFaceNet (its cache by bench/_lfw_mfn.py); --model both: the fusion of
          dlib and MobileFaceNet as the app's scan fuses them (both caches). A refit keeps the file's
          own-photo distance, match distance and prior.
  --embeddings  another face model's embeddings of every LFW photo (the layout of bench/_lfw_all.py);
          default: dlib's, computed once and cached under bench/.cache.
  --plot  draw docs/accuracy_distances.png (View 2 pairs, cache of bench/lfw_accuracy.py).
Always: the held-out check — on the other half's reference people, how many strangers reach
each level of expected look-alikes, observed / predicted. bench/bands_at_scale.py does the same
at millions of faces.
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib

import _heldout
import _tail
import numpy as np
from _facedata import REPO, require_facedata
from _lfw_embed import lfw_embeddings
from lfw_accuracy import read_pairs

sys.path.insert(0, str(REPO / "desktop"))
from faceaudit.core.matching import confidence
from faceaudit.core.storage.resources import resources_dir


def load() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(identity, plain, jittered, ok) for every photo of the View 2 pairs."""
    pairs, _ = read_pairs()
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
        (person, t of every dataset face, stranger mask, own-photo mask, distances, null model).
    """
    names, counts = np.unique(identity, return_counts=True)
    rows_of = {n: np.nonzero(identity == n)[0] for n in names}
    for name, count in zip(names, counts):
        if count < max(k + 1, min_photos or 0) or (which is not None and half(name) != which):
            continue
        refs = rows_of[name][:k]
        keep = np.ones(len(identity), bool)
        keep[refs] = False
        distances = np.linalg.norm(plain[keep][:, None, :] - jittered[refs][None, :, :], axis=2)
        null = confidence.fit_stranger_model(distances)
        combined = confidence.combine((distances - null.loc) / null.scale)
        t = (combined - null.combined_loc) / null.combined_scale
        own = identity[keep] == name
        yield name, t, ~own, own, distances, null


def fit(emb: _heldout.Embeddings, cache_key: str, model: str, half: int = 0, quiet: bool = False) -> dict:
    """The stranger tail of each k = 1..3 from the scans of one half's reference people."""
    tables = {}
    for k in (1, 2, 3):
        pool = _heldout.pooled(emb, cache_key, half, k)
        tables[str(k)] = _tail.fit_table(pool.low_t, pool.stranger_hist, _heldout.T_EDGES, pool.stranger_pairs)
        if not quiet:
            gpd = tables[str(k)]["gpd"]
            print(f"  k={k}: {pool.scans} reference sets, {pool.stranger_pairs:,} stranger pairs; table from "
                  f"t = {tables[str(k)]['t'][0]}, generalised Pareto below u = {gpd['u']} "
                  f"(P(u) = 10^{gpd['log10_pu']}, shape {gpd['xi']}, scale {gpd['sigma']})")
    return {"about": "P(stranger's standardised combined score <= t), log10, and a generalised Pareto tail below "
                     "the table; measured by bench/calibration.py --fit on LFW (all photos; reference people of "
                     "one seeded half of the identities); aggregate counts only",
            "model": model, "metric": emb.metric, "split_seed": _heldout.SPLIT_SEED, "calibration_half": half,
            "tables": tables}


#: What a refit keeps of a model's earlier calibration file.
KEPT = ("own_photo_distance", "match_distance", "prior")


def install(calibration: dict | None, model: str | None = None) -> None:
    """Make FaceAudit use this calibration (None: the shipped one)."""
    _SHIPPED.cache_clear()
    if calibration is None:
        confidence._table = _SHIPPED
        return

    def lookup(references, _model=None):
        return calibration["tables"][str(min(references, 3))]

    confidence._table = lookup


_SHIPPED = confidence._table


def check(emb: _heldout.Embeddings, cache_key: str, half: int = 1) -> None:
    """Observed vs predicted strangers per scan on the held-out half, at several expected levels,
    for datasets of LFW's size (13,233 faces) and of 1M (per-pair rates read as at that size)."""
    for k in (1, 2, 3):
        pool = _heldout.pooled(emb, cache_key, half, k)
        print(f"\n{k} reference photo(s): {pool.scans} held-out reference sets, {pool.stranger_pairs:,} stranger pairs")
        print(f"  {'faces':>10} {'expected <=':>12} {'observed':>9} {'predicted':>10} {'ratio':>6}")
        for faces in (13_233, 1_000_000):
            expected = faces * confidence.stranger_tail(pool.low_t, k)
            for level in (0.01, 0.1, 0.5, 5.0):
                observed = int((expected <= level).sum())
                predicted = level * pool.stranger_pairs / faces
                print(f"  {faces:>10,} {level:>12g} {observed:>9d} {predicted:>10.1f} {observed / predicted:>6.2f}")


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
    parser.add_argument("--fit", action="store_true", help="write the model's calibration file")
    parser.add_argument("--plot", action="store_true")
    require_facedata()
    emb, key, model, args = _heldout.from_arguments(parser)
    if args.fit:
        calibration = fit(emb, key, model)
        target = resources_dir() / confidence.tail_file(model)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            # A second model's own-photo distance, match distance and prior (the app reads them beside the
            # tables; bench/calibration.py does not measure them) stay as they were.
            earlier = json.loads(target.read_text())
            calibration.update({name: earlier[name] for name in KEPT if name in earlier})
        target.write_text(json.dumps(calibration, indent=1) + "\n")
        confidence._table.cache_clear()
        print(f"wrote {target}")
    install(json.loads((resources_dir() / confidence.tail_file(model)).read_text()))
    check(emb, key)
    install(None)
    if args.plot:
        identity, plain, jittered, _ = load()
        plot(identity, plain, jittered)


if __name__ == "__main__":
    main()
