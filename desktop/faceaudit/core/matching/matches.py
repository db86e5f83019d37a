"""Candidates of a scan, most convincing first, and my decisions on them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from faceaudit.core.errors import FaceAuditError
from faceaudit.core.matching.bands import Band
from faceaudit.core.storage.store import Store, now

__all__ = ["Candidate", "Decision", "DecisionError", "candidates", "review"]


class Decision(StrEnum):
    """What I said about a candidate."""

    UNREVIEWED = "unreviewed"
    ME = "me"
    NOT_ME = "not_me"
    UNSURE = "unsure"


class DecisionError(FaceAuditError, ValueError):
    """A decision that cannot be recorded (unknown match or decision)."""


@dataclass(frozen=True)
class Candidate:
    """A dataset face (or whole photo) that may be me."""

    id: int
    dataset: str
    key: str
    label: str | None
    box: tuple[int, int, int, int] | None
    distance: float | None
    agree: int
    n_references: int
    expected_lookalikes: float | None
    band: str
    exact_photo: bool
    decision: str
    reference_face_id: int | None
    scan_id: int

    def as_json(self) -> dict:
        """A plain dict for `scan --json`."""
        return {"id": self.id, "dataset": self.dataset, "key": self.key, "label": self.label,
                "box": list(self.box) if self.box else None, "distance": self.distance, "agree": self.agree,
                "n_references": self.n_references, "expected_lookalikes": self.expected_lookalikes,
                "band": self.band, "exact_photo": self.exact_photo, "decision": self.decision}


def candidates(store: Store, scan_id: int | None = None, bands: tuple[str, ...] = tuple(Band),
               dataset: str | None = None, decided_too: bool = True) -> list[Candidate]:
    """Matches of a scan (default: the latest), most convincing first.

    Args:
        store: the database.
        scan_id: which scan; matches decided in earlier scans are included when decided_too.
        bands: which bands to list.
        dataset: only this dataset.
        decided_too: include matches from earlier scans that carry a decision.
    """
    if scan_id is None:
        scan_id = store.scalar("SELECT MAX(id) FROM scans WHERE finished IS NOT NULL") or 0
    sql = (
        "SELECT m.*, d.name AS dataset, i.key, i.label, f.top, f.right, f.bottom, f.left"
        " FROM matches m JOIN datasets d ON d.id = m.dataset_id JOIN items i ON i.id = m.item_id"
        " LEFT JOIN faces f ON f.item_id = m.item_id AND f.idx = m.face_idx"
        " WHERE (m.scan_id = ? OR (? AND m.decision != 'unreviewed'))"
    )
    params: list = [scan_id, int(decided_too)]
    if dataset:
        sql += " AND d.name = ?"
        params.append(dataset)
    rows = [r for r in store.query(sql, params) if r["band"] in bands]
    rank = {band: n for n, band in enumerate(Band)}
    rows.sort(
        key=lambda r: (
            not r["exact_photo"],
            rank[r["band"]],
            r["expected_lookalikes"] or 0.0,
            r["distance"] or 0.0,
            r["dataset"],
            r["key"],
            r["face_idx"],
        )
    )
    return [_candidate(r) for r in rows]


def review(store: Store, match_id: int, decision: str) -> None:
    """Record my decision on a match ("me", "not_me", "unsure" or "unreviewed" to undo).

    Raises:
        ScanError: unknown match or decision.
    """
    decision = decision.replace("-", "_")
    if decision not in list(Decision):
        raise DecisionError(f"decision must be one of: me, not-me, unsure, unreviewed (not {decision!r})")
    with store.transaction():
        changed = store.conn.execute("UPDATE matches SET decision = ?, decided_at = ? WHERE id = ?",
                                     [decision, now(), match_id]).rowcount
    if not changed:
        raise DecisionError(f"no match with id {match_id}")


def _candidate(row: dict) -> Candidate:
    box = (row["top"], row["right"], row["bottom"], row["left"]) if row["top"] is not None else None
    return Candidate(
        id=row["id"], dataset=row["dataset"], key=row["key"], label=row["label"], box=box,
        distance=row["distance"], agree=row["agree"], n_references=row["n_references"],
        expected_lookalikes=row["expected_lookalikes"], band=row["band"], exact_photo=bool(row["exact_photo"]),
        decision=row["decision"], reference_face_id=row["reference_face_id"], scan_id=row["scan_id"])
