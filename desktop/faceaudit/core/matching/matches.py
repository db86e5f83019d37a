"""Candidates of a scan, most convincing first, and my decisions on them.

Two kinds: a face in a dataset's photo (`Candidate`, id a number) and a row of a list of links
that names one of my identifiers (`RowCandidate`, id `L` and a number). Both are reviewed the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum

from faceaudit.core.errors import FaceAuditError
from faceaudit.core.matching.bands import Band
from faceaudit.core.storage.store import Store, now

__all__ = ["Candidate", "CandidateKind", "RowCandidate", "Decision", "DecisionError", "candidates",
           "identifier_candidates", "review", "ROW_PREFIX"]

#: What starts the id of a row candidate (`L12`), so that it never reads as a face match's id.
ROW_PREFIX = "L"


class CandidateKind(StrEnum):
    """What a candidate is: a face in a photo, or a row of a list of links that names me."""

    FACE = "face"
    IDENTIFIER = "identifier"


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
        return {"kind": CandidateKind.FACE.value, "id": self.id, "dataset": self.dataset, "key": self.key,
                "label": self.label,
                "box": list(self.box) if self.box else None, "distance": self.distance, "agree": self.agree,
                "n_references": self.n_references, "expected_lookalikes": self.expected_lookalikes,
                "band": self.band, "exact_photo": self.exact_photo, "decision": self.decision}


@dataclass(frozen=True)
class RowCandidate:
    """A row of a list of links that names one of my identifiers.

    Attributes:
        id: its number (shown as `L<id>`).
        file: the list file (its path in the dataset's folder, or its name).
        locator: where in the file: "line 17", "entry 12345", "row 1234567" (from 0), "whole file".
        matched: the labels of my identifiers the row names.
        url: the row's address (its first address column), if it has one.
        fields: every field of the row, as text.
    """

    id: int
    dataset: str
    file: str
    locator: str
    matched: tuple[str, ...]
    url: str | None
    decision: str
    scan_id: int | None
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        """The id as people type it: `L12`."""
        return f"{ROW_PREFIX}{self.id}"

    @property
    def key(self) -> str:
        """File and place: `ffhq-dataset-v2.json, entry 12345`."""
        return self.file if self.locator == "whole file" else f"{self.file}, {self.locator}"

    def as_json(self) -> dict:
        """A plain dict for `scan --json`."""
        return {"kind": CandidateKind.IDENTIFIER.value, "id": self.ref, "dataset": self.dataset, "key": self.key,
                "file": self.file, "row": self.locator, "matched": list(self.matched), "url": self.url,
                "fields": self.fields, "decision": self.decision}


def identifier_candidates(store: Store, scan_id: int | None = None, dataset: str | None = None,
                          decided_too: bool = True) -> list[RowCandidate]:
    """Rows found by my identifiers in a scan (default: the latest), by dataset, file and place.

    Args:
        store: the database.
        scan_id: which scan; rows decided in earlier scans are included when decided_too.
        dataset: only this dataset.
        decided_too: include rows from earlier scans that carry a decision.
    """
    if scan_id is None:
        scan_id = store.scalar("SELECT MAX(id) FROM scans WHERE finished IS NOT NULL") or 0
    sql = ("SELECT m.*, d.name AS dataset FROM identifier_matches m JOIN datasets d ON d.id = m.dataset_id"
           " WHERE (m.scan_id = ? OR (? AND m.decision != 'unreviewed'))")
    params: list = [scan_id, int(decided_too)]
    if dataset:
        sql += " AND d.name = ?"
        params.append(dataset)
    rows = store.query(sql + " ORDER BY d.name, m.file, m.position, m.id", params)
    return [RowCandidate(id=r["id"], dataset=r["dataset"], file=r["file"], locator=r["locator"],
                         matched=tuple(m["label"] for m in json.loads(r["matched"])), url=r["url"],
                         decision=r["decision"], scan_id=r["scan_id"], fields=json.loads(r["fields"])) for r in rows]


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
        "SELECT m.*, d.name AS dataset, i.key, i.label,"  # a decision whose face was not found again keeps its box
        " COALESCE(f.top, m.top) AS box_top, COALESCE(f.right, m.right) AS box_right,"
        " COALESCE(f.bottom, m.bottom) AS box_bottom, COALESCE(f.left, m.left) AS box_left"
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


def review(store: Store, match_id: int | str, decision: str) -> None:
    """Record my decision on a candidate ("me", "not_me", "unsure" or "unreviewed" to undo).

    Args:
        match_id: a face match's id (12), or a row candidate's (`L12`).

    Raises:
        DecisionError: unknown candidate or decision.
    """
    decision = decision.replace("-", "_")
    if decision not in list(Decision):
        raise DecisionError(f"decision must be one of: me, not-me, unsure, unreviewed (not {decision!r})")
    table, number = _match_table(match_id)
    with store.transaction():
        changed = store.conn.execute(f"UPDATE {table} SET decision = ?, decided_at = ? WHERE id = ?",
                                     [decision, now(), number]).rowcount
    if not changed:
        raise DecisionError(f"no match with id {match_id}")


def _match_table(match_id: int | str) -> tuple[str, int]:
    text = str(match_id).strip()
    table = "matches"
    if text[:1].upper() == ROW_PREFIX:
        table, text = "identifier_matches", text[1:]
    if not text.isdigit():
        raise DecisionError(f"{match_id!r} is not a candidate's id (a number, or {ROW_PREFIX} and a number)")
    return table, int(text)


def _candidate(row: dict) -> Candidate:
    box = (row["box_top"], row["box_right"], row["box_bottom"], row["box_left"]) if row["box_top"] is not None else None
    return Candidate(
        id=row["id"], dataset=row["dataset"], key=row["key"], label=row["label"], box=box,
        distance=row["distance"], agree=row["agree"], n_references=row["n_references"],
        expected_lookalikes=row["expected_lookalikes"], band=row["band"], exact_photo=bool(row["exact_photo"]),
        decision=row["decision"], reference_face_id=row["reference_face_id"], scan_id=row["scan_id"])
