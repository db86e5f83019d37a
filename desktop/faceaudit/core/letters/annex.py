"""The evidence annex of a letter: my confirmed matches only, each with what identifies it."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from faceaudit.core.datasets.sources import SourceError, open_source
from faceaudit.core.faces.crops import face_crop_jpeg
from faceaudit.core.faces.images import ImageError, decode_image
from faceaudit.core.faces.photo_hashes import sha256_hex
from faceaudit.core.storage.store import Store

__all__ = ["AnnexEntry", "confirmed_matches", "add_face_crops", "add_reference_thumbnails", "distance_text"]

_CROP_PX = 220


@dataclass(frozen=True)
class AnnexEntry:
    """One confirmed match ("this is me"), as a letter's annex lists it.

    Attributes:
        box: the face's box in the image as (top, right, bottom, left) pixels, None for a
            whole-photo match without a detected face.
        band: the scan's confidence band ("strong", "possible", "weak").
        scan_date: when the scan that found it ran (ISO date).
        crop: a JPEG of the face, only when the person opted in.
        reference: a JPEG of the person's own reference face, only when separately opted in.
    """

    match_id: int
    dataset: str
    version: str
    key: str
    sha256: str
    box: tuple[int, int, int, int] | None
    model: str
    distance: float | None
    band: str
    exact_photo: bool
    scan_date: str
    label: str | None = None
    crop: bytes | None = None
    reference: bytes | None = None

    @property
    def box_text(self) -> str:
        """The box as `left,top - right,bottom` pixels, or '-' when there is none."""
        if not self.box:
            return "-"
        top, right, bottom, left = self.box
        return f"x {left}-{right}, y {top}-{bottom}"


def confirmed_matches(store: Store, dataset: str | None = None) -> list[AnnexEntry]:
    """Every match I marked as me (decision 'me'; never unreviewed, unsure or not-me ones).

    Args:
        store: the database.
        dataset: only this dataset (its name in the app); None for all.

    Returns:
        Entries ordered by dataset and item key. A missing SHA-256 is computed from the
        dataset's file when it can still be read.
    """
    sql = (
        "SELECT m.id, m.item_id, m.distance, m.band, m.exact_photo, m.reference_face_id, m.first_seen,"
        " d.name AS dataset, d.path, d.model, d.settings, d.last_indexed, i.key, i.sha256, i.label,"
        " COALESCE(f.top, m.top) AS top, COALESCE(f.right, m.right) AS right,"
        " COALESCE(f.bottom, m.bottom) AS bottom, COALESCE(f.left, m.left) AS left, s.started AS scan_started"
        " FROM matches m JOIN datasets d ON d.id = m.dataset_id JOIN items i ON i.id = m.item_id"
        " LEFT JOIN faces f ON f.item_id = m.item_id AND f.idx = m.face_idx"
        " LEFT JOIN scans s ON s.id = m.scan_id"
        " WHERE m.decision = 'me'"
    )
    params: list = []
    if dataset:
        sql += " AND d.name = ?"
        params.append(dataset)
    rows = store.query(sql + " ORDER BY d.name, i.key, m.face_idx", params)
    return [_entry(store, row) for row in rows]


def add_face_crops(store: Store, entries: list[AnnexEntry]) -> list[AnnexEntry]:
    """The entries with a crop of each face read from the dataset (only on the person's opt-in).

    Faces whose file can no longer be read keep `crop=None`.
    """
    by_dataset: dict[str, list[AnnexEntry]] = {}
    for entry in entries:
        by_dataset.setdefault(entry.dataset, []).append(entry)
    crops: dict[int, bytes] = {}
    for name, group in by_dataset.items():
        path = store.scalar("SELECT path FROM datasets WHERE name = ?", [name])
        try:
            source = open_source(path)
            wanted = {e.key: e for e in group}
            for found, data, _problem in source.read(list(wanted)):
                for entry in (e for e in group if e.key == found.key):
                    if data is not None:
                        crops[entry.match_id] = _crop(data, entry.box)
        except (SourceError, OSError):
            continue
    return [replace(e, crop=crops.get(e.match_id)) for e in entries]


def add_reference_thumbnails(store: Store, entries: list[AnnexEntry]) -> list[AnnexEntry]:
    """The entries with the person's own reference face (only on a separate, explicit opt-in)."""
    out = []
    for entry in entries:
        face_id = store.scalar("SELECT reference_face_id FROM matches WHERE id = ?", [entry.match_id])
        thumb = store.scalar("SELECT thumbnail FROM reference_faces WHERE id = ?", [face_id]) if face_id else None
        out.append(replace(entry, reference=thumb))
    return out


def _entry(store: Store, row: dict) -> AnnexEntry:
    box = (row["top"], row["right"], row["bottom"], row["left"]) if row["top"] is not None else None
    return AnnexEntry(
        match_id=row["id"], dataset=row["dataset"], version=_version(row), key=row["key"],
        sha256=row["sha256"] or _sha256_from_file(store, row) or "not recorded", box=box,
        model=row["model"] or "unknown", distance=row["distance"], band=row["band"] or "-",
        exact_photo=bool(row["exact_photo"]), scan_date=(row["scan_started"] or row["first_seen"] or "")[:10],
        label=row["label"])


def _version(row: dict) -> str:
    try:
        settings = json.loads(row["settings"] or "{}")
    except ValueError:
        settings = {}
    version = settings.get("version") if isinstance(settings, dict) else None
    copy = Path(row["path"]).name
    return f"{version} ({copy})" if version else copy


def _sha256_from_file(store: Store, row: dict) -> str | None:
    try:
        for _entry_found, data, _problem in open_source(row["path"]).read([row["key"]]):
            if data is not None:
                digest = sha256_hex(data)
                with store.transaction():
                    store.conn.execute("UPDATE items SET sha256 = ? WHERE id = ?", [digest, row["item_id"]])
                return digest
    except (SourceError, OSError):
        return None
    return None


def _crop(data: bytes, box: tuple[int, int, int, int] | None) -> bytes | None:
    try:
        return face_crop_jpeg(decode_image(data).rgb, box, _CROP_PX)
    except ImageError:  # an unreadable file simply has no crop
        return None


def distance_text(entry: AnnexEntry, labels: dict) -> str:
    """The annex's distance line in the letter's language: "0.412 (strong)", and whether the photo is mine."""
    distance = "-" if entry.distance is None else f"{entry.distance:.3f}"
    band = labels.get("bands", {}).get(entry.band, entry.band)
    text = f"{distance} ({band})"
    return f"{text}; {labels['exact']}" if entry.exact_photo else text
