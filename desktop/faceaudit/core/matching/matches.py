"""Candidates of a scan, most convincing first, and my decisions on them.

Two kinds: a face in a dataset's photo (`Candidate`, id a number) and a row of a list of links
that names one of my identifiers (`RowCandidate`, id `L` and a number). Both are reviewed the same way.

One photo is one decision: the same file (same SHA-256) published in several datasets is
listed once (`one_per_photo`), and a decision on any copy is a decision on every copy,
including copies a later scan finds in a dataset added afterwards (`inherit_decisions`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from faceaudit.core.errors import FaceAuditError
from faceaudit.core.matching.bands import Band
from faceaudit.core.storage.store import Store, from_blob, now

__all__ = ["Candidate", "CandidateKind", "RowCandidate", "Decision", "DecisionError", "candidates",
           "identifier_candidates", "review", "decide", "restore_decisions", "one_per_photo", "inherit_decisions",
           "needs_second_look", "distances_to_references", "ROW_PREFIX", "touched"]

#: What starts the id of a row candidate (`L12`), so that it never reads as a face match's id.
ROW_PREFIX = "L"

Box = tuple[int, int, int, int]
#: Two boxes on copies of one photo are the same face when they overlap this much (intersection
#: over union): indexing with other settings moves a box by a few pixels, never off the face.
_SAME_FACE_OVERLAP = 0.5


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
    sha256: str | None = None
    item_id: int = 0
    face_idx: int = 0
    #: Other datasets holding the same photo (filled by `one_per_photo`).
    also_in: tuple[str, ...] = ()
    #: The matches of those copies (a decision on this candidate applies to them too).
    copies: tuple[int, ...] = ()
    #: Which face model saw it: "dlib", "mobilefacenet" or "both" (None: a scan made before there was a choice).
    model: str | None = None
    #: How each copy's dataset rated it alone, (dataset, band), when the photo is in several; `band`
    #: is then the photo's one band, the most convincing of these (filled by `one_per_photo`).
    rated: tuple[tuple[str, str], ...] = ()

    @property
    def datasets(self) -> tuple[str, ...]:
        """Every dataset this photo is in (its own first)."""
        return (self.dataset, *self.also_in)

    @property
    def ref(self) -> int:
        """The id as people type it (a face match's is its number)."""
        return self.id

    @property
    def kind(self) -> str:
        """What the candidate is."""
        return CandidateKind.FACE.value

    def as_json(self) -> dict:
        """A plain dict for `scan --json`."""
        return {"kind": CandidateKind.FACE.value, "id": self.id, "dataset": self.dataset, "key": self.key,
                "label": self.label,
                "box": list(self.box) if self.box else None, "distance": self.distance, "agree": self.agree,
                "n_references": self.n_references, "expected_lookalikes": self.expected_lookalikes,
                "band": self.band, "exact_photo": self.exact_photo, "decision": self.decision,
                "also_in": list(self.also_in), "copies": list(self.copies), "model": self.model or "dlib"}


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

    #: A row names me exactly: it has no confidence band, and is listed in a group of its own.
    band = Band.LISTED
    also_in: tuple[str, ...] = ()
    copies: tuple[int, ...] = ()

    @property
    def ref(self) -> str:
        """The id as people type it: `L12`."""
        return f"{ROW_PREFIX}{self.id}"

    @property
    def kind(self) -> str:
        """What the candidate is."""
        return CandidateKind.IDENTIFIER.value

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
        # A decision whose face was not found again keeps its box (m.top ...).
        "SELECT m.*, d.name AS dataset, i.key, i.label, i.sha256,"
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
    """Record my decision on a candidate and every copy of its photo ("unreviewed" undoes it).

    Args:
        match_id: a face match's id (12), or a row candidate's (`L12`).

    Raises:
        DecisionError: unknown candidate or decision.
    """
    decide(store, [match_id], decision)


def decide(store: Store, match_ids: Iterable[int | str], decision: str) -> dict[int | str, str]:
    """Record one decision on several candidates (face matches and rows, `L12`) and on every copy
    of their photos, in one transaction.

    Returns:
        The decision each changed candidate had before, face matches by number and rows by `L`
        id (`restore_decisions` puts them back).

    Raises:
        DecisionError: unknown candidate or decision; nothing is changed then.
    """
    decision = _decision(decision)
    stamp = now() if decision != Decision.UNREVIEWED else None
    with store.transaction():
        before = touched(store, match_ids)
        faces = [m for m in before if isinstance(m, int)]
        rows = [int(str(m)[len(ROW_PREFIX):]) for m in before if not isinstance(m, int)]
        store.conn.executemany("UPDATE matches SET decision = ?, decided_at = ? WHERE id = ?",
                               [(decision, stamp, m) for m in faces])
        store.conn.executemany("UPDATE identifier_matches SET decision = ?, decided_at = ? WHERE id = ?",
                               [(decision, stamp, m) for m in rows])
    return {m: old for m, old in before.items() if old != decision}


def touched(store: Store, match_ids: Iterable[int | str]) -> dict[int | str, str]:
    """Every candidate a decision on `match_ids` reaches (they and every copy of their photos), with
    its decision now: face matches by number, rows by `L` id.

    Raises:
        DecisionError: an unknown candidate.
    """
    parsed = [(match_id, *_match_table(match_id)) for match_id in dict.fromkeys(match_ids)]
    faces = list(dict.fromkeys(number for _, table, number in parsed if table == "matches"))
    rows = list(dict.fromkeys(number for _, table, number in parsed if table == "identifier_matches"))
    found: dict[int | str, str] = dict(_decisions(store, faces))
    row_found = _decisions(store, rows, "identifier_matches")
    missing = [given for given, table, number in parsed if number not in (found if table == "matches" else row_found)]
    if missing:
        raise DecisionError(f"no match with id {missing[0]}")
    found.update(_decisions(store, _copies_of(store, faces)))
    found.update({f"{ROW_PREFIX}{m}": old for m, old in row_found.items()})
    return found


def _decision(decision: str) -> str:
    decision = decision.replace("-", "_")
    if decision not in list(Decision):
        raise DecisionError(f"decision must be one of: me, not-me, unsure, unreviewed (not {decision!r})")
    return decision


def restore_decisions(store: Store, previous: dict[int | str, str]) -> None:
    """Put decisions back as `decide` returned them (candidates removed since are skipped)."""
    stamp = now()
    with store.transaction():
        for match_id, old in previous.items():
            table, number = _match_table(match_id)
            store.conn.execute(f"UPDATE {table} SET decision = ?, decided_at = ? WHERE id = ?",
                               [old, None if old == Decision.UNREVIEWED else stamp, number])


def one_per_photo(listed: list[Candidate]) -> list[Candidate]:
    """The candidates with copies of one photo (same SHA-256, same face) folded into the first listed.

    The one kept names the other datasets in `also_in`, their matches in `copies`, and how each
    dataset rated the photo alone in `rated`; its `band` is the photo's one band: the most
    convincing evidence any copy has (the face is the same; only the strangers it was weighed
    against differ), so one photo never reads "strong" here and "possible" there.
    """
    kept: list[Candidate] = []
    folded: dict[int, list[Candidate]] = {}
    by_hash: dict[str, list[int]] = {}
    for candidate in listed:
        same = next((n for n in by_hash.get(candidate.sha256 or "", [])
                     if _same_face(kept[n].face_idx, kept[n].box, candidate.face_idx, candidate.box)), None)
        if same is None:
            if candidate.sha256:
                by_hash.setdefault(candidate.sha256, []).append(len(kept))
            kept.append(candidate)
        else:
            folded.setdefault(same, []).append(candidate)
    rank = {band: n for n, band in enumerate(Band)}
    for n, copies in folded.items():
        others = tuple(sorted({c.dataset for c in copies} - {kept[n].dataset}))
        group = [kept[n], *copies]
        best = min((c.band for c in group), key=lambda band: rank.get(band, len(rank)))
        kept[n] = replace(kept[n], also_in=others, copies=tuple(c.id for c in copies), band=best,
                          rated=tuple(dict.fromkeys((c.dataset, c.band) for c in group)))
    return kept


def inherit_decisions(store: Store, dataset_id: int) -> int:
    """Give undecided matches of a dataset the decision made on a copy of their photo elsewhere.

    Returns:
        How many matches took a decision.
    """
    rows = store.query(
        "SELECT m.id, m.face_idx, COALESCE(f.top, m.top) AS top, COALESCE(f.right, m.right) AS right,"
        " COALESCE(f.bottom, m.bottom) AS bottom, COALESCE(f.left, m.left) AS left, m2.decision, m2.decided_at,"
        " m2.face_idx AS idx2, COALESCE(f2.top, m2.top) AS top2, COALESCE(f2.right, m2.right) AS right2,"
        " COALESCE(f2.bottom, m2.bottom) AS bottom2, COALESCE(f2.left, m2.left) AS left2"
        " FROM matches m JOIN items i ON i.id = m.item_id"
        " JOIN items i2 ON i2.sha256 = i.sha256 AND i2.id != i.id"
        " JOIN matches m2 ON m2.item_id = i2.id AND m2.decision != 'unreviewed'"
        " LEFT JOIN faces f ON f.item_id = m.item_id AND f.idx = m.face_idx"
        " LEFT JOIN faces f2 ON f2.item_id = m2.item_id AND f2.idx = m2.face_idx"
        " WHERE m.dataset_id = ? AND m.decision = 'unreviewed' AND i.sha256 IS NOT NULL", [dataset_id])
    latest: dict[int, tuple[str, str]] = {}
    for r in rows:
        newer = r["id"] not in latest or (r["decided_at"] or "") > latest[r["id"]][1]
        if newer and _same_face(r["face_idx"], _box(r, ""), r["idx2"], _box(r, "2")):
            latest[r["id"]] = (r["decision"], r["decided_at"] or "")
    if latest:
        with store.transaction():
            store.conn.executemany("UPDATE matches SET decision = ?, decided_at = ? WHERE id = ?",
                                   [(d, at or now(), m) for m, (d, at) in latest.items()])
    return len(latest)


def needs_second_look(candidate: Candidate) -> bool:
    """True when confirming the candidate as me must be asked twice: it is most likely a look-alike."""
    return candidate.band == Band.WEAK and not getattr(candidate, "exact_photo", False)


def distances_to_references(store: Store, match_id: int) -> dict[int, float]:
    """The distance from a candidate's face to each of my reference faces (by reference id).

    Empty when the candidate has no face of its own (a copy of my photo with no face found).
    """
    blob = store.scalar("SELECT f.embedding FROM matches m JOIN faces f ON f.item_id = m.item_id"
                        " AND f.idx = m.face_idx WHERE m.id = ?", [match_id])
    if blob is None:
        return {}
    import numpy as np  # here: Decision is the CLI's vocabulary, and `faceaudit --help` loads no numpy

    face = from_blob(blob)
    rows = store.conn.execute("SELECT id, embedding FROM reference_faces ORDER BY id").fetchall()
    return {ref_id: float(np.linalg.norm(from_blob(embedding) - face)) for ref_id, embedding in rows}


def _decisions(store: Store, match_ids: list[int], table: str = "matches") -> dict[int, str]:
    found: dict[int, str] = {}
    for start in range(0, len(match_ids), 500):
        chunk = match_ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(store.conn.execute(f"SELECT id, decision FROM {table} WHERE id IN ({marks})", chunk).fetchall())
    return found


def _copies_of(store: Store, match_ids: list[int]) -> list[int]:
    """Matches on other copies of the photos of `match_ids` (same SHA-256, same face)."""
    copies: list[int] = []
    for start in range(0, len(match_ids), 500):
        chunk = match_ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        rows = store.query(
            "SELECT m.id AS wanted, m.face_idx, COALESCE(f.top, m.top) AS top, COALESCE(f.right, m.right) AS right,"
            " COALESCE(f.bottom, m.bottom) AS bottom, COALESCE(f.left, m.left) AS left, m2.id AS copy,"
            " m2.face_idx AS idx2, COALESCE(f2.top, m2.top) AS top2, COALESCE(f2.right, m2.right) AS right2,"
            " COALESCE(f2.bottom, m2.bottom) AS bottom2, COALESCE(f2.left, m2.left) AS left2"
            " FROM matches m JOIN items i ON i.id = m.item_id"
            " JOIN items i2 ON i2.sha256 = i.sha256 AND i2.id != i.id JOIN matches m2 ON m2.item_id = i2.id"
            " LEFT JOIN faces f ON f.item_id = m.item_id AND f.idx = m.face_idx"
            " LEFT JOIN faces f2 ON f2.item_id = m2.item_id AND f2.idx = m2.face_idx"
            f" WHERE m.id IN ({marks}) AND i.sha256 IS NOT NULL", chunk)
        copies += [r["copy"] for r in rows if _same_face(r["face_idx"], _box(r, ""), r["idx2"], _box(r, "2"))]
    return copies


def _box(row: dict, suffix: str) -> Box | None:
    top = row[f"top{suffix}"]
    return None if top is None else (top, row[f"right{suffix}"], row[f"bottom{suffix}"], row[f"left{suffix}"])


def _same_face(idx_a: int, box_a: Box | None, idx_b: int, box_b: Box | None) -> bool:
    """Whether two faces on copies of one photo are the same face."""
    if box_a is None or box_b is None:
        return idx_a == idx_b
    top, right = max(box_a[0], box_b[0]), min(box_a[1], box_b[1])
    bottom, left = min(box_a[2], box_b[2]), max(box_a[3], box_b[3])
    inter = max(0, right - left) * max(0, bottom - top)
    area = ((box_a[1] - box_a[3]) * (box_a[2] - box_a[0]) + (box_b[1] - box_b[3]) * (box_b[2] - box_b[0]) - inter)
    return area > 0 and inter / area >= _SAME_FACE_OVERLAP


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
        decision=row["decision"], reference_face_id=row["reference_face_id"], scan_id=row["scan_id"],
        sha256=row["sha256"], item_id=row["item_id"], face_idx=row["face_idx"], model=row.get("model"))
