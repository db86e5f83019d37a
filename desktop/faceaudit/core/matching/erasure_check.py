"""Verified erasure: after a custodian says it deleted my data, check its new release for my faces."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from faceaudit.core.datasets.catalog import DatasetError, get_dataset
from faceaudit.core.matching.bands import MATCH_DISTANCE, SAME_PHOTO_DISTANCE
from faceaudit.core.storage.store import Store, from_blob, now

__all__ = ["ErasureFinding", "ErasureReport", "verify_erasure"]


@dataclass(frozen=True)
class ErasureFinding:
    """What became of one confirmed match in the new release.

    Attributes:
        status: "gone"; "identical_file" (same SHA-256); "same_photo" (same face, distance at most
            SAME_PHOTO_DISTANCE: a re-encoded copy); "similar_face" (within the model's match
            distance: another photo of me, or a look-alike, to review).
        new_key: the file in the new release, when something was found.
    """

    match_id: int
    key: str
    sha256: str | None
    status: str
    new_key: str | None = None
    distance: float | None = None


@dataclass
class ErasureReport:
    """The result of comparing my confirmed matches with a newer release of the dataset."""

    old_dataset: str
    new_dataset: str
    checked_at: str
    new_fully_indexed: bool
    findings: list[ErasureFinding] = field(default_factory=list)

    @property
    def still_present(self) -> list[ErasureFinding]:
        """Findings where the same file or the same photo is still in the new release."""
        return [f for f in self.findings if f.status in ("identical_file", "same_photo")]

    @property
    def to_review(self) -> list[ErasureFinding]:
        """Faces in the new release close enough to be me: review them like scan candidates."""
        return [f for f in self.findings if f.status == "similar_face"]

    @property
    def erased(self) -> bool:
        """True when nothing confirmed is left and the new release was fully indexed."""
        return self.new_fully_indexed and not self.still_present and not self.to_review


def verify_erasure(store: Store, old_dataset: str, new_dataset: str) -> ErasureReport:
    """Look for my confirmed faces of `old_dataset` in the indexed newer release `new_dataset`.

    Each confirmed match (decision 'me') is looked up by the SHA-256 of its file, then by its
    face embedding against every face of the new release.

    Raises:
        DatasetError: either dataset is unknown, or they are the same dataset.
    """
    old, new = get_dataset(store, old_dataset), get_dataset(store, new_dataset)
    if old.id == new.id:
        raise DatasetError("compare a dataset with a newer release, not with itself")
    confirmed = store.query(
        "SELECT m.id, m.face_idx, i.key, i.sha256, f.embedding FROM matches m JOIN items i ON i.id = m.item_id"
        " LEFT JOIN faces f ON f.item_id = m.item_id AND f.idx = m.face_idx"
        " WHERE m.dataset_id = ? AND m.decision = 'me' ORDER BY i.key, m.face_idx", [old.id])
    by_hash = {r["sha256"]: r["key"] for r in store.query(
        "SELECT key, sha256 FROM items WHERE dataset_id = ? AND sha256 IS NOT NULL", [new.id])}
    faces = store.conn.execute(
        "SELECT i.key, f.embedding FROM faces f JOIN items i ON i.id = f.item_id WHERE f.dataset_id = ?",
        [new.id]).fetchall()
    keys = [row[0] for row in faces]
    matrix = np.stack([from_blob(row[1]) for row in faces]) if faces else np.zeros((0, 128), dtype="<f4")
    report = ErasureReport(old.name, new.name, now(), new.indexed)
    for row in confirmed:
        report.findings.append(_finding(row, by_hash, keys, matrix))
    return report


def _finding(row: dict, by_hash: dict[str, str], keys: list[str], matrix: np.ndarray) -> ErasureFinding:
    base = {"match_id": row["id"], "key": row["key"], "sha256": row["sha256"]}
    if row["sha256"] and row["sha256"] in by_hash:
        return ErasureFinding(**base, status="identical_file", new_key=by_hash[row["sha256"]])
    if row["embedding"] is None or not len(matrix):
        return ErasureFinding(**base, status="gone")
    distances = np.linalg.norm(matrix - from_blob(row["embedding"])[None, :], axis=1)
    best = int(distances.argmin())
    distance = round(float(distances[best]), 6)
    if distance <= SAME_PHOTO_DISTANCE:
        return ErasureFinding(**base, status="same_photo", new_key=keys[best], distance=distance)
    if distance <= MATCH_DISTANCE:
        return ErasureFinding(**base, status="similar_face", new_key=keys[best], distance=distance)
    return ErasureFinding(**base, status="gone", distance=distance)
