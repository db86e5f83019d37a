"""Scan datasets for my faces, rank candidates with honest confidence, and record my decisions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from . import vectors
from .confidence import combine, expected_lookalikes, fit_null
from .photohash import SAME_PHOTO_BITS
from .references import reference_matrix
from .store import Store, from_blob, now

__all__ = ["Candidate", "ScanProgress", "ScanError", "scan", "candidates", "review", "BANDS", "DECISIONS",
           "MATCH_DISTANCE"]

BANDS = ("strong", "possible", "weak")
DECISIONS = ("unreviewed", "me", "not_me", "unsure")

#: The model's own threshold: faces of one person lie within 0.6 of each other.
MATCH_DISTANCE = 0.6
#: A copy of one of my photos gives an almost identical embedding.
_SAME_PHOTO_DISTANCE = 0.35
#: Band limits on the expected number of strangers this close (see docs/accuracy.md, "How
#: confidence works"). The estimates are calibrated on LFW (bench/calibration.py).
STRONG_EXPECTED = 0.01
POSSIBLE_EXPECTED = 0.5
WEAK_EXPECTED = 5.0
#: Also "possible": a face with fewer than 1 in 5 strangers expected among the candidates ranked
#: up to it (expected look-alikes / rank, the Benjamini-Hochberg false discovery rate). When a
#: dataset holds many photos of me, the closest few dozen faces are mostly me, and a face ranked
#: among them is likely me even where a stranger or two could look as close.
POSSIBLE_SHARE_OF_STRANGERS = 0.2
METHOD = ("z-normalised distance (median, near-side spread), mean of best 3 references, "
          "stranger tail measured on LFW, false discovery rate")
#: Never list more weak candidates than this per dataset.
_MAX_WEAK = 200


class ScanError(ValueError):
    """A scan that cannot run; the message says why."""


@dataclass(frozen=True)
class ScanProgress:
    """A progress point of a scan (one per dataset, then a final one with the scan's id)."""

    scan_id: int
    dataset: str | None
    done: int
    total: int
    candidates: int
    finished: bool = False


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


def scan(store: Store, names: list[str] | None = None) -> Iterator[ScanProgress]:
    """Compare my reference faces with every face of the chosen (default: all) datasets.

    Yields:
        One progress record per dataset and a final one; candidates are stored as matches
        (earlier decisions are kept) and read back with `candidates`.

    Raises:
        ScanError: no reference faces, no indexed dataset, or an unknown dataset name.
    """
    ref_ids, refs, models = reference_matrix(store)
    if not ref_ids:
        raise ScanError("add at least one photo of yourself first (faceaudit me add PHOTO)")
    datasets = store.query("SELECT id, name, model FROM datasets ORDER BY id")
    if names:
        unknown = set(names) - {d["name"] for d in datasets}
        if unknown:
            raise ScanError(f"no dataset named {', '.join(sorted(unknown))}")
        datasets = [d for d in datasets if d["name"] in names]
    if not datasets:
        raise ScanError("add a dataset first (faceaudit dataset add PATH --name NAME)")
    model = models[0]
    scan_id = store.db["scans"].insert({
        "started": now(), "datasets": json.dumps([d["name"] for d in datasets]), "n_references": len(ref_ids),
        "model": model, "method": METHOD,
    }).last_pk
    found = faces_seen = 0
    for number, dataset in enumerate(datasets, 1):
        if dataset["model"] and dataset["model"] != model:
            raise ScanError(f"dataset {dataset['name']!r} was indexed with {dataset['model']}, my references with "
                            f"{model}: index it again before scanning")
        try:
            rows, n_faces = _scan_dataset(store, dataset["id"], ref_ids, refs, scan_id)
        except LookupError as exc:
            raise ScanError(str(exc)) from None
        _store_matches(store, rows)
        found += len(rows)
        faces_seen += n_faces
        yield ScanProgress(scan_id, dataset["name"], number, len(datasets), found)
    with store.transaction():
        store.conn.execute("UPDATE scans SET finished = ?, n_faces = ?, n_candidates = ? WHERE id = ?",
                           [now(), faces_seen, found, scan_id])
    yield ScanProgress(scan_id, None, len(datasets), len(datasets), found, finished=True)


def _scan_dataset(store: Store, dataset_id: int, ref_ids: list[int], refs: np.ndarray, scan_id: int) -> tuple[list[dict], int]:
    stored = vectors.load_matrix(store, dataset_id)
    results: dict[tuple[int, int], dict] = {}
    n_faces = len(stored)
    if n_faces:
        rows, null = _preselect(stored, refs)
        distances = vectors.refine(store, stored, rows, refs)  # exact float32 for the few that matter
        item_ids, idxs = stored.item_ids[rows], stored.idxs[rows]
        combined = combine((distances - null.loc) / null.scale)
        minimum = distances.min(axis=1)
        # Only faces that could be listed need the (slow, exact) tail probability.
        z_limit = null.combined_loc - 1.5 * null.combined_scale
        shortlist = np.nonzero((combined < z_limit) | (minimum <= MATCH_DISTANCE))[0]
        expected = expected_lookalikes(combined[shortlist], null, n_faces)
        order = np.argsort(expected, kind="stable")
        share = _stranger_share(expected[order])
        weak = 0
        for rank, position in enumerate(order):
            face = shortlist[position]
            band = _band(float(expected[position]), float(minimum[face]), float(share[rank]))
            if band is None:
                continue
            if band == "weak":
                weak += 1
                if weak > _MAX_WEAK:
                    continue
            results[(int(item_ids[face]), int(idxs[face]))] = {
                "dataset_id": dataset_id, "item_id": int(item_ids[face]), "face_idx": int(idxs[face]),
                "scan_id": scan_id, "distance": round(float(minimum[face]), 6), "combined": float(combined[face]),
                "agree": int((distances[face] <= MATCH_DISTANCE).sum()), "n_references": len(ref_ids),
                "expected_lookalikes": float(expected[position]), "band": band, "exact_photo": 0,
                "reference_face_id": ref_ids[int(distances[face].argmin())],
            }
    for row in _exact_photos(store, dataset_id, ref_ids, refs, scan_id):
        key = (row["item_id"], row["face_idx"])
        if key in results:
            results[key].update(exact_photo=1, band="strong")
        else:
            results[key] = row
    return list(results.values()), n_faces


def _preselect(stored: "vectors.DatasetVectors", refs: np.ndarray):
    """Rows worth an exact look, and the stranger model, from the compact float16 matrix.

    Up to vectors.APPROX_THRESHOLD faces every distance is computed (float16 storage, float32
    arithmetic: within about 1e-4 of exact, so the margins below lose nothing). Beyond it, the
    stranger model comes from an exact random sample and the candidates from the approximate
    index's nearest faces of each reference (see vectors.py for what that can miss).
    """
    if len(stored) > vectors.APPROX_THRESHOLD:
        null = fit_null(vectors.stranger_sample(stored, refs))
        nearest, _ = vectors.approx_search(stored, refs, k=1000)
        return np.unique(nearest[nearest >= 0]), null
    rough = vectors.exact_distances(stored, refs)
    # The stranger model needs a fair sample, not every face: beyond SAMPLE_SIZE faces a fixed
    # random sample of them (as on the approximate path) gives the same medians and 2 % points
    # within sampling error (~1e-3 of a distance), in a fraction of the time (0.48 s at 1M).
    null = fit_null(rough[vectors.sample_rows(len(rough))])
    z_limit = null.combined_loc - 1.5 * null.combined_scale
    # A face's combined score is the mean of its best z-scores, so it is never below its best
    # one: only faces with some reference nearer than the limit can pass (exact, and it saves
    # sorting every face's references). Column by column: 4x faster than reducing along rows.
    limits = null.loc + null.scale * (z_limit + 0.01)
    closest = rough[:, 0].copy()
    some_near = rough[:, 0] < limits[0]
    for r in range(1, rough.shape[1]):
        np.minimum(closest, rough[:, r], out=closest)
        some_near |= rough[:, r] < limits[r]
    rows = np.nonzero(some_near | (closest <= MATCH_DISTANCE + 1e-3))[0]
    rough_combined = combine((rough[rows] - null.loc) / null.scale)
    keep = (rough_combined < z_limit + 0.01) | (closest[rows] <= MATCH_DISTANCE + 1e-3)
    return rows[keep], null


def _stranger_share(expected_sorted: np.ndarray) -> np.ndarray:
    """For faces in rank order, the expected share of strangers among the faces ranked up to
    each (step-up: never more than that of a face ranked lower)."""
    if len(expected_sorted) == 0:
        return expected_sorted
    share = expected_sorted / np.arange(1, len(expected_sorted) + 1)
    return np.minimum.accumulate(share[::-1])[::-1]


def _band(expected: float, minimum: float, share: float = 1.0) -> str | None:
    if expected <= STRONG_EXPECTED and minimum <= MATCH_DISTANCE:
        return "strong"
    if minimum <= MATCH_DISTANCE and (expected <= POSSIBLE_EXPECTED or
                                      (share <= POSSIBLE_SHARE_OF_STRANGERS and expected <= WEAK_EXPECTED)):
        return "possible"
    if expected <= WEAK_EXPECTED or minimum <= MATCH_DISTANCE:
        return "weak"
    return None


def _exact_photos(store: Store, dataset_id: int, ref_ids: list[int], refs: np.ndarray, scan_id: int) -> list[dict]:
    """Items whose perceptual hashes match one of my reference photos (resized, re-encoded, cropped)."""
    ref_photos = store.conn.execute(
        "SELECT f.id, p.phash, p.dhash FROM reference_faces f JOIN reference_photos p ON p.id = f.photo_id"
        " WHERE p.phash IS NOT NULL ORDER BY f.id").fetchall()
    items = store.conn.execute(
        "SELECT id, phash, dhash FROM items WHERE dataset_id = ? AND status = 'done' AND phash IS NOT NULL",
        [dataset_id]).fetchall()
    if not ref_photos or not items:
        return []
    item_ids = np.array([i[0] for i in items])
    item_hashes = np.array([[i[1], i[2]] for i in items], dtype=np.int64)
    rows = []
    for face_id, phash, dhash in ref_photos:
        bits = np.bitwise_count(np.bitwise_xor(item_hashes, np.array([phash, dhash], dtype=np.int64)))
        for item_id in item_ids[(bits <= SAME_PHOTO_BITS).all(axis=1)]:
            rows.extend(_exact_rows(store, dataset_id, int(item_id), face_id, ref_ids, refs, scan_id))
    return rows


def _exact_rows(store, dataset_id, item_id, ref_face_id, ref_ids, refs, scan_id) -> list[dict]:
    base = {"dataset_id": dataset_id, "item_id": item_id, "scan_id": scan_id, "agree": 0,
            "n_references": len(ref_ids), "expected_lookalikes": None, "band": "strong", "exact_photo": 1,
            "reference_face_id": ref_face_id, "combined": None}
    faces = store.conn.execute("SELECT idx, embedding FROM faces WHERE item_id = ?", [item_id]).fetchall()
    if not faces:
        return [{**base, "face_idx": -1, "distance": None}]
    reference = refs[ref_ids.index(ref_face_id)]
    rows = []
    for idx, blob in faces:
        distance = float(np.linalg.norm(from_blob(blob) - reference))
        if distance <= _SAME_PHOTO_DISTANCE:  # same picture and the same face in it
            rows.append({**base, "face_idx": idx, "distance": round(distance, 6)})
    return rows


def _store_matches(store: Store, rows: list[dict]) -> None:
    stamp = now()
    with store.transaction():
        for row in rows:
            store.conn.execute(
                "INSERT INTO matches (dataset_id, item_id, face_idx, scan_id, distance, combined, agree, n_references,"
                " expected_lookalikes, band, exact_photo, reference_face_id, first_seen)"
                " VALUES (:dataset_id, :item_id, :face_idx, :scan_id, :distance, :combined, :agree, :n_references,"
                " :expected_lookalikes, :band, :exact_photo, :reference_face_id, :first_seen)"
                " ON CONFLICT (item_id, face_idx) DO UPDATE SET scan_id = excluded.scan_id, distance = excluded.distance,"
                " combined = excluded.combined, agree = excluded.agree, n_references = excluded.n_references,"
                " expected_lookalikes = excluded.expected_lookalikes, band = excluded.band,"
                " exact_photo = excluded.exact_photo, reference_face_id = excluded.reference_face_id",
                {**row, "first_seen": stamp})


def candidates(store: Store, scan_id: int | None = None, bands: tuple[str, ...] = BANDS,
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
    rank = {band: n for n, band in enumerate(BANDS)}
    rows.sort(key=lambda r: (not r["exact_photo"], rank[r["band"]], r["expected_lookalikes"] or 0.0, r["distance"] or 0.0,
                             r["dataset"], r["key"], r["face_idx"]))
    return [_candidate(r) for r in rows]


def review(store: Store, match_id: int, decision: str) -> None:
    """Record my decision on a match ("me", "not_me", "unsure" or "unreviewed" to undo).

    Raises:
        ScanError: unknown match or decision.
    """
    decision = decision.replace("-", "_")
    if decision not in DECISIONS:
        raise ScanError(f"decision must be one of: me, not-me, unsure, unreviewed (not {decision!r})")
    with store.transaction():
        changed = store.conn.execute("UPDATE matches SET decision = ?, decided_at = ? WHERE id = ?",
                                     [decision, now(), match_id]).rowcount
    if not changed:
        raise ScanError(f"no match with id {match_id}")


def _candidate(row: dict) -> Candidate:
    box = (row["top"], row["right"], row["bottom"], row["left"]) if row["top"] is not None else None
    return Candidate(
        id=row["id"], dataset=row["dataset"], key=row["key"], label=row["label"], box=box,
        distance=row["distance"], agree=row["agree"], n_references=row["n_references"],
        expected_lookalikes=row["expected_lookalikes"], band=row["band"], exact_photo=bool(row["exact_photo"]),
        decision=row["decision"], reference_face_id=row["reference_face_id"], scan_id=row["scan_id"])
