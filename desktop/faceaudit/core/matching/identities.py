"""Identity-level evidence where a dataset labels who is in each photo: an identity's photos as a set.

A person who is in a labelled dataset is usually there many times. One stranger's photos look
alike to my references too (their scores correlate at about 0.9), so counting an identity's close
photos adds little evidence; where its photos *centre* lies does. The identity's statistic is the
distance between two centres: the mean of my references' unit-length embeddings and the mean of
its photos' (one face per photo: the one nearest my centre), each scaled to unit length. The
chance that a stranger identity of as many photos comes this close is a tail measured once per
face model on LFW's people (`identity_tail`; bench/bands_at_scale.py --fit-identities), and the
expected number of stranger identities as close is the dataset's number of identities times it:
identities, not photos, set the count.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import numpy as np

from faceaudit.core.faces.model_files import EMBEDDING_MODEL
from faceaudit.core.matching.bands import MATCH_DISTANCE, POSSIBLE_EXPECTED, STRONG_EXPECTED, Band
from faceaudit.core.matching.confidence import tail_from_table
from faceaudit.core.matching.matches import decide
from faceaudit.core.storage.store import Store

__all__ = ["IdentityEvidence", "IdentityCandidate", "unit_centre", "centre_distances", "identity_tail",
           "identity_model", "tail_by_classes", "identity_evidence", "identity_candidates", "decide_identity",
           "identity_text", "identity_match_ids", "IDENTITY_TAIL_FILE", "MIN_PHOTOS"]

#: Per face model: the stranger identities' tail of log(centre distance), per size class.
IDENTITY_TAIL_FILE = "calibration/{model}/identity_tail.json"
#: Identities of fewer photos are left to their photo's own evidence: a one-photo identity is a
#: photo, and held out its centre tail lets 2.5x the design's stranger identities into "strong"
#: (bench/bands_at_scale.py), while the photo bands hold.
MIN_PHOTOS = 2
_CHUNK = 65_536
#: Unit-length embeddings are summed in fixed point, 2**-36 a step (float32 embeddings carry about
#: 2**-24): integer sums are exact in any order, and 2**27 photos of one label fit in int64.
_FIXED_ONE = 2.0 ** 36


@dataclass(frozen=True)
class IdentityEvidence:
    """One identity whose photos, together, are close to my references.

    Attributes:
        label: the identity as the dataset names it (folder, ClassLabel name, MID).
        photos: its photos with a face in the dataset.
        close: how many of them are within the model's match distance of a reference.
        expected: stranger identities expected to be this close, in this dataset.
        band: strong or possible.
        faces: positions (in the arrays given to `identity_evidence`) of the close photos' faces.
        distance: between its centre and my references' centre.
    """

    label: str
    photos: int
    close: int
    expected: float
    band: Band
    faces: tuple[int, ...]
    distance: float = 0.0


def unit_centre(embeddings: np.ndarray) -> np.ndarray:
    """The mean of the rows scaled to unit length, itself scaled to unit length."""
    rows = np.asarray(embeddings, np.float64)
    mean = (rows / np.linalg.norm(rows, axis=1, keepdims=True)).mean(axis=0)
    return mean / np.linalg.norm(mean)


def centre_distances(matrix: np.ndarray, item_ids: np.ndarray, label_codes: np.ndarray, labels: int,
                     refs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per label: the distance between its unit centre and my references', and its photos.

    Args:
        matrix: (N, d) face embeddings (float16 or float32; read chunk by chunk).
        item_ids: per face, its photo.
        label_codes: per face, its photo's label as a number 0..labels-1 (-1: unlabelled).
        labels: how many labels there are.
        refs: my references' embeddings.

    A photo with several faces counts once, by its face nearest my centre (the one that may be me).
    The sums are exact (fixed point, `_FIXED_ONE`), so the result does not depend on the order the
    faces were stored in: two indexings of one dataset, whose workers finished in another order, give
    the same figures to the last bit.
    """
    centre = unit_centre(refs)
    cosine = np.empty(len(matrix), np.float64)
    for start in range(0, len(matrix), _CHUNK):
        block = np.asarray(matrix[start:start + _CHUNK], np.float64)
        cosine[start:start + _CHUNK] = block @ centre / np.maximum(np.linalg.norm(block, axis=1), 1e-12)
    order = np.lexsort((-cosine, item_ids))
    first = np.ones(len(order), bool)
    first[1:] = item_ids[order][1:] != item_ids[order][:-1]
    chosen = np.zeros(len(matrix), bool)
    chosen[order[first]] = True
    chosen &= label_codes >= 0
    sums = np.zeros((labels, matrix.shape[1]), np.int64)
    photos = np.bincount(label_codes[chosen], minlength=labels)
    for start in range(0, len(matrix), _CHUNK):
        rows = np.nonzero(chosen[start:start + _CHUNK])[0] + start
        if not len(rows):
            continue
        block = np.asarray(matrix[rows], np.float64)
        block /= np.maximum(np.linalg.norm(block, axis=1, keepdims=True), 1e-12)
        fixed = np.rint(block * _FIXED_ONE).astype(np.int64)
        codes = label_codes[rows]
        by_code = np.argsort(codes, kind="stable")
        unique, starts = np.unique(codes[by_code], return_index=True)
        sums[unique] += np.add.reduceat(fixed[by_code], starts, axis=0)
    mean = sums / _FIXED_ONE
    length = np.sqrt((mean * mean).sum(axis=1))
    cos = np.where(length > 0, (mean * centre).sum(axis=1) / np.maximum(length, 1e-12), -1.0)
    return np.sqrt(np.maximum(2.0 - 2.0 * cos, 0.0)), photos


def identity_tail(distance: np.ndarray, photos: np.ndarray, model: str | None = None) -> np.ndarray:
    """P(a stranger identity of this many photos has its centre at most this far from mine).

    The tail of log(distance) per size class (stranger identities of many photos come closer than
    single photos: their centre is a person's mean, without one photo's noise): measured on LFW
    where its pairs are many, an extreme-value (generalised Pareto) law below.
    """
    return tail_by_classes(_identity_tables(model or EMBEDDING_MODEL), distance, photos)


def tail_by_classes(tables, distance: np.ndarray, photos: np.ndarray) -> np.ndarray:
    """`identity_tail` by these size classes' tables (an identity calibration file's "classes")."""
    distance, photos = np.asarray(distance, np.float64), np.asarray(photos)
    out = np.ones(len(distance))
    log_d = np.log(np.maximum(distance, 1e-9))
    for table in tables:
        low, high = table["photos"]
        mask = (photos >= low) & (photos <= (high if high is not None else np.inf))
        if mask.any():
            out[mask] = tail_from_table(table, log_d[mask])
    return out


def identity_model(models) -> str:
    """Whose numbers weigh identities in a scan by these face models: MobileFaceNet's where it took part
    (alone or fused), else dlib's. An identity is weighed by one model's centre distance, calibrated on
    its own; MobileFaceNet's separates people far better at low false-accept rates (README, accuracy)."""
    return "mobilefacenet" if "mobilefacenet" in {str(m) for m in models} else "dlib"


@cache
def _identity_tables(model: str) -> tuple[dict, ...]:
    from faceaudit.core.storage.resources import resources_dir

    name = EMBEDDING_MODEL if model in (None, "dlib") else model
    path = resources_dir() / IDENTITY_TAIL_FILE.format(model=name)
    if not path.exists():
        raise LookupError(f"no stranger identity calibration for the face model {model}")
    return tuple(json.loads(path.read_text())["classes"])


def identity_evidence(labels: np.ndarray, minimum: np.ndarray, distance: dict[str, float],
                      photos_of: dict[str, int], model: str | None = None) -> list[IdentityEvidence]:
    """The identities whose centre falls in the strong or possible band.

    Args:
        labels: per candidate face, its photo's label (None where unlabelled).
        minimum: per candidate face, its distance to the nearest reference.
        distance: per label, its centre's distance to my references' centre (`centre_distances`).
        photos_of: per label, its photos with a face in the dataset; their number is the
            dataset's identities (all of them count, those under MIN_PHOTOS too).

    An identity counts when some of its photos are within the model's match distance of a
    reference; those are its close photos.
    """
    names = [label for label in distance if photos_of.get(label, 0) >= MIN_PHOTOS]
    if not names:
        return []
    p = identity_tail(np.array([distance[n] for n in names]), np.array([photos_of[n] for n in names]), model)
    expected = dict(zip(names, len(photos_of) * p))
    close: dict[str, list[int]] = {}
    for position, label in enumerate(labels):
        if minimum[position] <= MATCH_DISTANCE and expected.get(label, np.inf) <= POSSIBLE_EXPECTED:
            close.setdefault(label, []).append(position)
    out = [IdentityEvidence(label, photos_of[label], len(faces), float(expected[label]),
                            Band.STRONG if expected[label] <= STRONG_EXPECTED else Band.POSSIBLE, tuple(faces),
                            float(distance[label]))
           for label, faces in close.items()]
    return sorted(out, key=lambda e: e.expected)


@dataclass(frozen=True)
class IdentityCandidate:
    """An identity of a labelled dataset that may be me, with its close photos (face matches).

    Attributes:
        decision: "me", "not_me", "unsure" or "unreviewed" when all its photos agree, else "mixed".
    """

    id: int
    dataset: str
    label: str
    photos: int
    close: int
    expected: float
    band: str
    match_ids: tuple[int, ...]
    decision: str
    scan_id: int

    #: Not a photo of its own: the decision goes to its photos (`copies`), never to it.
    also_in: tuple[str, ...] = ()
    #: Listed in a group of its own on the review grid, after the single photos.
    group = "identities"

    @property
    def ref(self) -> str:
        """The id as people type it: `I3`."""
        return f"I{self.id}"

    @property
    def kind(self) -> str:
        """What the candidate is (the review grid's card for it)."""
        return "identity"

    @property
    def key(self) -> str:
        """The identity as the dataset names it."""
        return self.label

    @property
    def copies(self) -> tuple[int, ...]:
        """The face matches a decision on the identity applies to: its close photos."""
        return self.match_ids

    def as_json(self) -> dict:
        return {"kind": "identity", "id": self.ref, "dataset": self.dataset, "label": self.label,
                "photos": self.photos, "close": self.close, "expected_identities": self.expected, "band": self.band,
                "matches": list(self.match_ids), "decision": self.decision, "text": identity_text(self)}


def identity_text(identity: IdentityCandidate | dict) -> str:
    """'Winona_Ryder: 5 of its 9 photos are close to yours; stranger identities expected this close: 0.0003'."""
    get = identity.get if isinstance(identity, dict) else lambda name: getattr(identity, name)
    return (f"{get('label')}: {get('close')} of its {get('photos')} photos are close to yours; "
            f"stranger identities expected this close: {_number(get('expected'))}")


def identity_candidates(store: Store, scan_id: int | None = None,
                        dataset: str | None = None) -> list[IdentityCandidate]:
    """Identities found by a scan (default: the latest), strongest evidence first."""
    if scan_id is None:
        scan_id = store.scalar("SELECT MAX(id) FROM scans WHERE finished IS NOT NULL") or 0
    sql = ("SELECT im.*, d.name AS dataset FROM identity_matches im JOIN datasets d ON d.id = im.dataset_id"
           " WHERE im.scan_id = ?")
    params: list = [scan_id]
    if dataset:
        sql += " AND d.name = ?"
        params.append(dataset)
    out = []
    for row in store.query(sql + " ORDER BY im.expected, d.name, im.label", params):
        matches = store.conn.execute("SELECT id, decision FROM matches WHERE identity_id = ? ORDER BY id",
                                     [row["id"]]).fetchall()
        decisions = {d for _, d in matches}
        out.append(IdentityCandidate(row["id"], row["dataset"], row["label"], row["photos"], row["close"],
                                     row["expected"], row["band"], tuple(m for m, _ in matches),
                                     decisions.pop() if len(decisions) == 1 else "mixed", row["scan_id"]))
    return out


def decide_identity(store: Store, identity_id: int | str, decision: str) -> dict[int | str, str]:
    """One decision on every close photo of an identity (and on every copy of them), as `decide`.

    Raises:
        DecisionError: no such identity, or an unknown decision.
    """
    return decide(store, identity_match_ids(store, identity_id), decision)


def identity_match_ids(store: Store, identity_id: int | str) -> list[int]:
    """The matches of an identity's close photos (what a decision on `I3` reaches, copies aside).

    Raises:
        DecisionError: no such identity.
    """
    from faceaudit.core.matching.matches import DecisionError

    text = str(identity_id).strip().lstrip("Ii")
    if not text.isdigit() or not store.scalar("SELECT 1 FROM identity_matches WHERE id = ?", [int(text)]):
        raise DecisionError(f"no identity with id {identity_id}")
    return [m for (m,) in store.conn.execute("SELECT id FROM matches WHERE identity_id = ?", [int(text)])]


def _number(value: float) -> str:
    return f"{value:.2g}"
