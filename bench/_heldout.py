"""The held-out protocol: LFW's identities in two seeded halves, one to calibrate on, one to measure.

Works on any face model's embeddings: an .npz with `identity` (one name per photo), `plain`
(N x d, NaN where no face was found) and, for photos that may serve as references, `jittered`
and `mirrored` (NaN elsewhere); `metric` says how the model measures distance.

A scan here is what FaceAudit does for one person: k reference photos of one identity against
every other LFW photo as the dataset (the app's stranger model fitted on those distances, its
combined score t). Every cross-identity (reference set, photo) pair is a stranger pair, except
the pairs of LFW label errors and near-duplicates (`suspects`), which are listed and left out.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from _facedata import REPO

sys.path.insert(0, str(REPO / "desktop"))
from faceaudit.core.matching import confidence
from faceaudit.core.matching.bands import MATCH_DISTANCE

#: The seed of the split of identities into halves (0: calibration, 1: held out).
SPLIT_SEED = 23
#: Cross-identity photos nearer than this (plain embeddings) are checked as label errors or
#: near-duplicates: the same person filed under two names, or one photo twice.
SUSPECT_DISTANCE = 0.3
#: Reference variants: the photo's own embedding, REFERENCE_JITTER jittered copies averaged (what
#: the app stores), and the photo and its mirror image averaged.
VARIANTS = ("plain", "jittered", "mirrored")
#: Histogram of combined scores t, per pair (aggregate counts only).
T_EDGES = np.round(np.arange(-20.0, 6.0 + 1e-9, 0.05), 2)
#: Raw stranger scores below this are kept for the extreme-value fit.
RAW_BELOW = -2.0


@dataclass
class Embeddings:
    identity: np.ndarray
    plain: np.ndarray
    refs: dict[str, np.ndarray]
    metric: str = "euclidean"
    #: The model's own same-person threshold ("strong" and "possible" need a reference this near).
    match_distance: float = MATCH_DISTANCE
    #: Whose distances (its own-photo distance is read from its calibration file; None: dlib's).
    model: str | None = None
    #: For the fusion: each model's embeddings of the same photos, in the same rows (the scan averages
    #: their combined scores, as the app's does); identity, plain and refs are the first part's.
    parts: tuple = ()


def load(path, metric: str = "euclidean", match_distance: float = MATCH_DISTANCE, model: str | None = None,
         keep: np.ndarray | None = None) -> Embeddings:
    """The photos with a face (others dropped; `keep`: these rows of the file instead) from an embeddings .npz."""
    with np.load(path) as data:
        ok = ~np.isnan(data["plain"][:, 0]) if keep is None else keep
        plain = data["plain"][ok]
        jittered, mirrored = data["jittered"][ok], data["mirrored"][ok]
        identity = data["identity"][ok]
    refs = {"plain": np.where(np.isnan(jittered), np.nan, plain), "jittered": jittered,
            "mirrored": (plain + mirrored) / 2}
    if metric == "cosine":
        refs = {k: v / np.linalg.norm(v, axis=1, keepdims=True) for k, v in refs.items()}
    return Embeddings(identity, plain, refs, metric, match_distance, model)


def fused(paths: dict[str, object]) -> Embeddings:
    """The fusion of several models' embeddings files (model -> path, all in sorted LFW path order): the
    photos where every model found a face, each model with the app's metric and own match distance."""
    from faceaudit.core.matching.bands import match_distance

    keep = None
    for path in paths.values():
        with np.load(path) as data:
            ok = ~np.isnan(data["plain"][:, 0])
        keep = ok if keep is None else keep & ok
    parts = tuple(load(path, "euclidean", match_distance(model), model, keep) for model, path in paths.items())
    first = parts[0]
    return Embeddings(first.identity, first.plain, first.refs, first.metric, first.match_distance, "both", parts)


def from_arguments(parser) -> tuple:
    """The embeddings a bench's --embeddings/--model/--metric name (default: dlib's, made once by
    bench/_lfw_all.py), with their cache key and the model's name."""
    import _lfw_all

    from faceaudit.core.faces.model_files import EMBEDDING_MODEL

    parser.add_argument("--embeddings", help="another face model's embeddings of every LFW photo (the layout of "
                        "bench/_lfw_all.py); default: dlib's, computed once and cached under bench/.cache")
    parser.add_argument("--model", default=EMBEDDING_MODEL,
                        help="the face model's name (its calibration folder); 'mobilefacenet' reads "
                             "bench/_lfw_mfn.py's cache by default; 'both' fuses dlib's and MobileFaceNet's caches "
                             "as the app's scan does")
    parser.add_argument("--metric", default="euclidean", choices=("euclidean", "cosine"),
                        help="euclidean: the app's (MobileFaceNet's unit vectors included)")
    parser.add_argument("--match-distance", type=float, default=None,
                        help="the model's own same-person distance (default: the app's, bands.match_distance)")
    args = parser.parse_args()
    if args.model == "both":
        import _lfw_mfn

        paths = {"dlib": _lfw_all.cache_path(), "mobilefacenet": _lfw_mfn.cache_path()}
        _lfw_all.lfw_all()
        _lfw_mfn.lfw_mfn()
        key = cache_key(paths["dlib"]) + "-" + cache_key(paths["mobilefacenet"])
        return fused(paths), key, args.model, args
    if args.model == "mobilefacenet" and not args.embeddings:
        import _lfw_mfn

        args.embeddings = str(_lfw_mfn.cache_path())
        _lfw_mfn.lfw_mfn()
    path = args.embeddings or _lfw_all.cache_path()
    if not args.embeddings:
        _lfw_all.lfw_all()
    if args.match_distance is None:
        from faceaudit.core.matching.bands import match_distance

        args.match_distance = MATCH_DISTANCE if args.model == EMBEDDING_MODEL else match_distance(args.model)
    return load(path, args.metric, args.match_distance, args.model), cache_key(path), args.model, args


def distance(a: np.ndarray, b: np.ndarray, metric: str) -> np.ndarray:
    """rows(a) x rows(b) distances: Euclidean (dlib) or 1 - cosine similarity."""
    if metric == "cosine":
        an = a / np.linalg.norm(a, axis=1, keepdims=True)
        bn = b / np.linalg.norm(b, axis=1, keepdims=True)
        return (1.0 - an @ bn.T).astype(np.float32)
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    return np.sqrt(np.maximum(sq, 0.0)).astype(np.float32)


def cache_key(path) -> str:
    """A short key for an embeddings file (its name, size and time)."""
    import hashlib
    from pathlib import Path

    stat = Path(path).stat()
    return hashlib.sha256(f"{Path(path).name}-{stat.st_size}-{stat.st_mtime_ns}".encode()).hexdigest()[:12]


def halves(identity: np.ndarray, seed: int = SPLIT_SEED) -> dict[str, int]:
    """Each identity's half: a seeded random permutation, alternately assigned."""
    names = np.unique(identity)
    order = np.random.default_rng(seed).permutation(len(names))
    return {str(names[i]): rank % 2 for rank, i in enumerate(order)}


def same_names(identity: np.ndarray) -> list[tuple[str, str]]:
    """Identities whose names have the same words in another order or spelling of the separators
    (Nan_Wang and Wang_Nan, Choi_Sung-hong and Sung_Hong_Choi): one person filed twice."""
    by_words: dict[tuple[str, ...], list[str]] = {}
    for name in np.unique(identity):
        by_words.setdefault(tuple(sorted(str(name).lower().replace("-", "_").split("_"))), []).append(str(name))
    return [(a, b) for names in by_words.values() for i, a in enumerate(names) for b in names[i + 1:]]


def suspects(emb: Embeddings, limit: float = SUSPECT_DISTANCE) -> list[tuple[int, int, float]]:
    """Cross-identity photo pairs that are no stranger pairs: nearer than `limit` (the same photo
    filed under two names, or a label error), or of two identities with the same name (`same_names`)."""
    out = []
    for a, b in same_names(emb.identity):
        for i in np.nonzero(emb.identity == a)[0]:
            for j in np.nonzero(emb.identity == b)[0]:
                out.append((int(i), int(j), float(distance(emb.plain[i:i + 1], emb.plain[j:j + 1], emb.metric)[0, 0])))
    named = {(i, j) for i, j, _ in out} | {(j, i) for i, j, _ in out}
    block = 2048
    for start in range(0, len(emb.plain), block):
        d = distance(emb.plain[start:start + block], emb.plain, emb.metric)
        rows, cols = np.nonzero(d < limit)
        for r, c in zip(rows, cols):
            i = start + int(r)
            if i < c and emb.identity[i] != emb.identity[c] and (i, int(c)) not in named:
                out.append((i, int(c), float(d[r, c])))
    return out


@dataclass
class Scan:
    """One reference set scanned against every other photo."""

    person: str
    t: np.ndarray           # combined score per dataset photo
    near: np.ndarray        # the nearest reference within the model's match distance
    strangers: np.ndarray   # mask: a stranger pair (label errors and duplicates left out)
    own: np.ndarray         # mask: another photo of the person
    identity: np.ndarray    # identity per dataset photo


def reference_sets(emb: Embeddings, half: int, k: int, min_photos: int = 0) -> Iterator[tuple[str, np.ndarray]]:
    """(person, rows) for the reference sets of one half: a person's slot photos in disjoint
    runs of k, each run leaving at least one photo of them in the dataset."""
    side = halves(emb.identity)
    slots = ~np.isnan(emb.refs["jittered"][:, 0])
    for name in np.unique(emb.identity):
        if side[str(name)] != half:
            continue
        rows = np.nonzero(emb.identity == name)[0]
        if len(rows) < max(min_photos, k + 1):
            continue
        usable = rows[slots[rows]]
        for start in range(0, len(usable) - k + 1, k):
            yield str(name), usable[start:start + k]
            if min_photos:
                break  # identity-level: one reference set per person, the rest of their photos as the dataset


def scans(emb: Embeddings, half: int, k: int, variant: str = "jittered", min_photos: int = 0,
          excluded: dict[str, list[int]] | None = None) -> Iterator[Scan]:
    """The app's scan for each reference set of one half (see `reference_sets`)."""
    excluded = excluded or {}
    for person, rows in reference_sets(emb, half, k, min_photos):
        keep = np.ones(len(emb.plain), bool)
        keep[rows] = False
        scored = [_score(part, keep, rows, variant) for part in (emb.parts or (emb,))]
        # The fusion (core/matching/scan.py `_fused`): the models' t averaged; near when either model is.
        t = np.mean([t for t, _ in scored], axis=0)
        near = np.any([near for _, near in scored], axis=0)
        identity = emb.identity[keep]
        own = identity == person
        suspect = np.zeros(len(emb.plain), bool)
        suspect[excluded.get(person, [])] = True
        strangers = ~own & ~suspect[keep]
        yield Scan(person, t, near, strangers, own, identity)


def _score(emb: Embeddings, keep: np.ndarray, rows: np.ndarray, variant: str) -> tuple[np.ndarray, np.ndarray]:
    """One model's combined score t of every kept photo against the reference rows, and whether it is near."""
    d = distance(emb.plain[keep], emb.refs[variant][rows], emb.metric)
    null = confidence.fit_stranger_model(d, emb.model)
    combined = confidence.combine((d - null.loc) / null.scale)
    return (combined - null.combined_loc) / null.combined_scale, d.min(axis=1) <= emb.match_distance


_SUSPECTS: dict[int, list] = {}


def suspect_pairs(emb: Embeddings) -> list[tuple[int, int, float]]:
    """`suspects`, once per embeddings."""
    if id(emb) not in _SUSPECTS:
        _SUSPECTS[id(emb)] = suspects(emb)
    return _SUSPECTS[id(emb)]


def exclusion_map(emb: Embeddings, pairs: list[tuple[int, int, float]]) -> dict[str, list[int]]:
    """identity -> photos that must not count as its strangers (both ways of each suspect pair)."""
    out: dict[str, list[int]] = {}
    for i, j, _ in pairs:
        out.setdefault(str(emb.identity[i]), []).append(j)
        out.setdefault(str(emb.identity[j]), []).append(i)
    return out


@dataclass
class Pool:
    """Aggregate of one half's scans for one k and reference variant.

    Attributes:
        scans: reference sets scanned.
        stranger_pairs: stranger (reference set, photo) pairs.
        low_t, low_near: every stranger pair's t below RAW_BELOW, sorted, and whether its nearest
            reference is within the match distance.
        own_t, own_near: every own pair's t and nearness.
        stranger_hist: counts of stranger t per T_EDGES bin.
    """

    scans: int
    stranger_pairs: int
    low_t: np.ndarray
    low_near: np.ndarray
    own_t: np.ndarray
    own_near: np.ndarray
    stranger_hist: np.ndarray


def collect(emb: Embeddings, half: int, k: int, variant: str = "jittered",
            excluded: dict[str, list[int]] | None = None) -> Pool:
    """Pool every scan of one half (see `scans`)."""
    n = pairs = 0
    low_t, low_near, own_t, own_near = [], [], [], []
    hist = np.zeros(len(T_EDGES) - 1, np.int64)
    for scan in scans(emb, half, k, variant, excluded=excluded):
        n += 1
        t, near = scan.t[scan.strangers], scan.near[scan.strangers]
        pairs += len(t)
        low = t < RAW_BELOW
        low_t.append(t[low])
        low_near.append(near[low])
        own_t.append(scan.t[scan.own])
        own_near.append(scan.near[scan.own])
        hist += np.histogram(np.clip(t, T_EDGES[0], T_EDGES[-1] - 1e-6), T_EDGES)[0]
    lt, ln = np.concatenate(low_t), np.concatenate(low_near)
    order = np.argsort(lt, kind="stable")
    return Pool(n, pairs, lt[order], ln[order], np.concatenate(own_t), np.concatenate(own_near), hist)


def pooled(emb: Embeddings, cache_key: str, half: int, k: int, variant: str = "jittered") -> Pool:
    """`collect`, cached under bench/.cache (keyed by the embeddings file and the protocol)."""
    from _lfw_embed import CACHE

    target = CACHE / f"pool-{_POOL_VERSION}-{cache_key}-h{half}-k{k}-{variant}.npz"
    if target.exists():
        with np.load(target) as data:
            return Pool(int(data["scans"]), int(data["stranger_pairs"]), data["low_t"], data["low_near"],
                        data["own_t"], data["own_near"], data["stranger_hist"])
    pool = collect(emb, half, k, variant, exclusion_map(emb, suspect_pairs(emb)))
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(target, **{name: getattr(pool, name) for name in Pool.__dataclass_fields__})
    return pool


_POOL_VERSION = 1


if __name__ == "__main__":
    import _lfw_all

    data = load(_lfw_all.cache_path())
    with np.load(_lfw_all.cache_path()) as raw:
        paths = raw["paths"][~np.isnan(raw["plain"][:, 0])]
    for i, j, d in sorted(suspects(data), key=lambda pair: pair[2]):
        print(f"{d:.3f}\t{paths[i]}\t{paths[j]}")
