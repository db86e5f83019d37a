"""Identity-level evidence where a dataset labels who is in each photo: an identity's photos as a set.

A person who is in a labelled dataset is usually there many times. Each of an identity's photos
has a tail probability p (the chance that a stranger's photo scores as well, `confidence`); the
identity's evidence is the Simes combination of its n photos' p: min over m of n p_(m) / m; the
photos carrying it are all m best with n p_(m) / m within the band's limit ("23 of its 87
photos are close to yours"). Photos of one stranger are
alike, so their p are positively dependent, for which Simes' combination stays a valid
probability. The expected number of stranger identities as close is then the number of
identities in the dataset times it: identities, not photos, set the count, so a dataset of 5.8M
photos of 85,000 people asks 70 times less of each identity than of each photo
(bench/bands_at_scale.py measures it on held-out LFW people).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from faceaudit.core.matching.bands import MATCH_DISTANCE, POSSIBLE_EXPECTED, STRONG_EXPECTED, Band
from faceaudit.core.matching.matches import decide
from faceaudit.core.storage.store import Store

__all__ = ["IdentityEvidence", "IdentityCandidate", "simes", "identity_evidence", "identity_candidates",
           "decide_identity", "identity_text"]


@dataclass(frozen=True)
class IdentityEvidence:
    """One identity whose photos, together, are close to my references.

    Attributes:
        label: the identity as the dataset names it (folder, ClassLabel name, MID).
        photos: its photos with a face in the dataset.
        close: how many of them carry the evidence.
        expected: stranger identities expected to be this close, in this dataset.
        band: strong or possible.
        faces: positions (in the arrays given to `identity_evidence`) of the close photos' faces.
    """

    label: str
    photos: int
    close: int
    expected: float
    band: Band
    faces: tuple[int, ...]


def simes(p_sorted: np.ndarray, n: int) -> tuple[float, int]:
    """(min over m of n p_(m) / m, the m reaching it) for the smallest p of n, sorted ascending."""
    if len(p_sorted) == 0:
        return 1.0, 0
    values = n * np.asarray(p_sorted, np.float64) / np.arange(1, len(p_sorted) + 1)
    m = int(np.argmin(values))
    return float(min(values[m], 1.0)), m + 1


def identity_evidence(labels: np.ndarray, item_ids: np.ndarray, p: np.ndarray, minimum: np.ndarray,
                      photos_of: dict[str, int], identities: int) -> list[IdentityEvidence]:
    """The identities whose photos, as a set, fall in the strong or possible band.

    Args:
        labels: per candidate face, its photo's label (None where unlabelled).
        item_ids: per candidate face, its photo.
        p: per candidate face, its tail probability (expected look-alikes / dataset faces).
        minimum: per candidate face, its distance to the nearest reference.
        photos_of: per label, its photos with a face in the dataset (the n of Simes).
        identities: labels in the dataset.

    The faces not given count as p = 1 (they were not close enough to be candidates). A photo
    with several candidate faces counts once, by its best face times its candidate faces (a
    photo is a stranger's or mine, not each of its faces).
    """
    best: dict[tuple[str, int], tuple[float, int, int]] = {}
    for position, (label, item) in enumerate(zip(labels, item_ids)):
        if label is None:
            continue
        key = (label, int(item))
        old = best.get(key)
        if old is None or p[position] < old[0]:
            best[key] = (float(p[position]), position, (old[2] if old else 0) + 1)
        else:
            best[key] = (old[0], old[1], old[2] + 1)
    by_label: dict[str, list[tuple[float, int]]] = {}
    for (label, _), (value, position, faces) in best.items():
        by_label.setdefault(label, []).append((min(1.0, value * faces), position))
    out = []
    for label, photos in by_label.items():
        photos.sort()
        n = max(photos_of.get(label, len(photos)), len(photos))
        p_sorted = np.array([v for v, _ in photos])
        combined, _ = simes(p_sorted, n)
        expected = identities * combined
        band = Band.STRONG if expected <= STRONG_EXPECTED else Band.POSSIBLE if expected <= POSSIBLE_EXPECTED else None
        if band is None:
            continue
        # The photos that carry it: every m-th best photo within the band's limit (the step-up
        # count, as Benjamini and Hochberg's), not only the m where the minimum falls.
        limit = (STRONG_EXPECTED if band == Band.STRONG else POSSIBLE_EXPECTED) / identities
        within = np.nonzero(n * p_sorted / np.arange(1, len(p_sorted) + 1) <= limit * (1 + 1e-9))[0]
        chosen = tuple(position for _, position in photos[:int(within[-1]) + 1])
        if any(minimum[f] <= MATCH_DISTANCE for f in chosen):
            out.append(IdentityEvidence(label, n, len(chosen), expected, band, chosen))
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
    from faceaudit.core.matching.matches import DecisionError

    text = str(identity_id).strip().lstrip("Ii")
    if not text.isdigit() or not store.scalar("SELECT 1 FROM identity_matches WHERE id = ?", [int(text)]):
        raise DecisionError(f"no identity with id {identity_id}")
    ids = [m for (m,) in store.conn.execute("SELECT id FROM matches WHERE identity_id = ?", [int(text)])]
    return decide(store, ids, decision)


def _number(value: float) -> str:
    return f"{value:.2g}"
