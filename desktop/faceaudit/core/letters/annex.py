"""The evidence annex of a letter: my confirmed matches only, each with what identifies it.

Two kinds of entry (`AnnexEntry.kind`): a face in a photo of the dataset ("face": the file, its
SHA-256, the face's box, the model's distance), and a row of a list of links that names me
("identifier": the file and its line, entry or row, which of my identifiers it names, its photo
address and its other fields, such as author and licence).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from faceaudit.core.datasets.catalog import DatasetError, read_item_bytes
from faceaudit.core.faces.crops import face_crop_jpeg
from faceaudit.core.faces.images import ImageError, decode_image
from faceaudit.core.faces.photo_hashes import sha256_hex
from faceaudit.core.matching.bands import Band
from faceaudit.core.matching.confirmed import confirmed_face_rows, confirmed_list_rows, reference_thumbnail
from faceaudit.core.matching.matches import ROW_PREFIX
from faceaudit.core.storage.resources import resources_dir
from faceaudit.core.storage.store import Store

__all__ = ["AnnexEntry", "FACE", "IDENTIFIER", "confirmed_matches", "add_face_crops", "add_reference_thumbnails",
           "distance_text", "identity_text", "models_provenance", "scan_date_text", "row_strings", "locator_text",
           "shown_fields", "matched_text"]

#: The kinds of annex entry.
FACE, IDENTIFIER = "face", "identifier"
#: Fields of a listed row worth printing when it has many (FFHQ's entries have 40).
_INFORMATIVE = ("url", "author", "owner", "user", "name", "person", "licen", "title", "date", "upload", "md5",
                "sha", "caption", "text", "credit", "source")
_FIELDS_SHOWN = 12
_FIELD_TEXT = 160

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
        kind: FACE, or IDENTIFIER for a row of a list of links; the fields below are a row's
            (a row has no box, model or distance: `sha256` is "-" and `band` "listed").
        file: the list file; locator: "line 17", "entry 12345", "row 1234567" (from 0), "whole file".
        matched: (kind, value as shown) of each of my identifiers the row names; url: its photo address;
            fields: all its fields.
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
    #: The identity the photo was found as (labelled datasets): label, photos, close, expected.
    identity: dict | None = None
    crop: bytes | None = None
    reference: bytes | None = None
    kind: str = FACE
    file: str = ""
    locator: str = ""
    matched: tuple[tuple[str, str], ...] = ()
    url: str | None = None
    fields: dict[str, str] | None = None

    @property
    def ref(self) -> str:
        """How the entry is cited and chosen: a face match's id ("12"), a row's with its prefix ("L12").

        Face matches and rows are numbered apart, so a bare number could name either."""
        return f"{ROW_PREFIX}{self.match_id}" if self.kind == IDENTIFIER else str(self.match_id)

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
    rows = confirmed_face_rows(store, dataset)
    return [_entry(store, row) for row in rows] + _row_entries(store, dataset)


def _row_entries(store: Store, dataset: str | None) -> list[AnnexEntry]:
    """Rows of lists of links that I confirmed name me, as annex entries of kind IDENTIFIER."""
    out = []
    for row in confirmed_list_rows(store, dataset):
        fields = json.loads(row["fields"])
        key = row["file"] if row["locator"] == "whole file" else f"{row['file']}, {row['locator']}"
        out.append(AnnexEntry(
            match_id=row["id"], dataset=row["dataset"], version=_version(row), key=key, sha256="-", box=None,
            model="-", distance=None, band=Band.LISTED, exact_photo=False,
            scan_date=(row["scan_started"] or row["first_seen"] or "")[:10], kind=IDENTIFIER, file=row["file"],
            locator=row["locator"], matched=tuple(_shown(m) for m in json.loads(row["matched"])), url=row["url"],
            fields=fields))
    return out


def _shown(matched: dict) -> tuple[str, str]:
    """An identifier as a letter shows it: as the person wrote it (an NSID in capitals, a name as typed)."""
    kind, label, value = matched["kind"], matched["label"], matched["value"]
    if kind == "flickr-account" and label.startswith("flickr:"):
        value = label[7:].split(" (", 1)[0]
    elif kind == "name" and '"' in label:
        value = label.split('"')[1]
    elif kind == "url" and label.startswith("url:"):
        value = label[4:]
    return kind, value


def matched_text(entry: AnnexEntry, words: dict) -> str:
    """The identifiers a row names me by, in the letter's language."""
    return "; ".join(words["kinds"].get(kind, "{value}").format(value=value) for kind, value in entry.matched)


def row_strings(lang: str) -> dict:
    """The words of the annex's rows in a language (`resources/letters/<lang>/annex_rows.json`)."""
    path = resources_dir() / "letters" / lang / "annex_rows.json"
    if not path.is_file():
        path = resources_dir() / "letters" / "en" / "annex_rows.json"
    return json.loads(path.read_text(encoding="utf-8"))


def locator_text(entry: AnnexEntry, words: dict) -> str:
    """Where the row is, in the letter's language: "file `x.json`, entry 12345"."""
    kind, _, number = entry.locator.partition(" ")
    place = words["locators"].get(kind, "{n}").format(n=number) if entry.locator != "whole file" else ""
    text = words["file"].format(file=entry.file)
    return f"{text}, {place}" if place else text


def shown_fields(entry: AnnexEntry) -> list[tuple[str, str]]:
    """The row's fields worth printing: all of a short row; of a long one, its addresses, names, licence, dates."""
    fields = [(k, v) for k, v in (entry.fields or {}).items() if v and v != entry.url]
    if len(fields) > _FIELDS_SHOWN:
        fields = [(k, v) for k, v in fields if any(word in k.lower() for word in _INFORMATIVE)]
    return [(k, v if len(v) <= _FIELD_TEXT else v[:_FIELD_TEXT] + "…") for k, v in fields[:_FIELDS_SHOWN]]


def add_face_crops(store: Store, entries: list[AnnexEntry]) -> list[AnnexEntry]:
    """The entries with a crop of each face read from the dataset (only on the person's opt-in).

    Each photo is read straight from where its dataset's listing found it (an archive offset, a
    parquet row), not by scanning the dataset. Faces whose file can no longer be read keep `crop=None`.
    """
    crops: dict[int, bytes] = {}  # by match id: face matches only (rows are numbered apart)
    for entry in entries:
        if entry.kind != FACE:  # a row of a list has no picture to crop
            continue
        try:
            crops[entry.match_id] = _crop(read_item_bytes(store, entry.dataset, entry.key), entry.box)
        except DatasetError:
            continue
    return [replace(e, crop=crops.get(e.match_id)) if e.kind == FACE else e for e in entries]


def add_reference_thumbnails(store: Store, entries: list[AnnexEntry]) -> list[AnnexEntry]:
    """The entries with the person's own reference face (only on a separate, explicit opt-in)."""
    out = []
    for entry in entries:
        if entry.kind != FACE:  # a row's id is not a face match's
            out.append(entry)
            continue
        out.append(replace(entry, reference=reference_thumbnail(store, entry.match_id)))
    return out


def _entry(store: Store, row: dict) -> AnnexEntry:
    box = (row["top"], row["right"], row["bottom"], row["left"]) if row["top"] is not None else None
    return AnnexEntry(
        match_id=row["id"], dataset=row["dataset"], version=_version(row), key=row["key"],
        sha256=row["sha256"] or _sha256_from_file(store, row) or "not recorded", box=box,
        model=_MODEL_NAMES.get(row["seen_by"] or "dlib", row["seen_by"]), distance=row["distance"],
        band=row["band"] or "-",
        exact_photo=bool(row["exact_photo"]), scan_date=(row["scan_started"] or row["first_seen"] or "")[:10],
        label=row["label"], identity=None if row["identity_label"] is None else {
            "label": row["identity_label"], "photos": row["identity_photos"], "close": row["identity_close"],
            "expected": row["identity_expected"]})


#: Which model saw a match, as the annex names it (a match from before the choice existed is dlib's).
_MODEL_NAMES = {"dlib": "dlib ResNet", "mobilefacenet": "MobileFaceNet", "both": "dlib ResNet + MobileFaceNet, fused"}


def models_provenance(entries: list[AnnexEntry]) -> list[str]:
    """For each face model that saw one of the entries: where its weights come from, what trained it and its
    file's hash, in plain words (English whatever the letter's language: the facts are quoted as they are)."""
    from faceaudit.core.faces.face_models import FaceModel, provenance

    seen = {e.model for e in entries if e.kind == FACE}
    used = [m for m in FaceModel if any(_MODEL_NAMES[m].split(" ")[0] in name for name in seen)]
    return [provenance(m).text for m in used]


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
        digest = sha256_hex(read_item_bytes(store, row["dataset"], row["key"]))
    except DatasetError:
        return None
    with store.transaction():
        store.conn.execute("UPDATE items SET sha256 = ? WHERE id = ?", [digest, row["item_id"]])
    return digest


def _crop(data: bytes, box: tuple[int, int, int, int] | None) -> bytes | None:
    try:
        return face_crop_jpeg(decode_image(data).rgb, box, _CROP_PX)
    except ImageError:  # an unreadable file simply has no crop
        return None


def distance_text(entry: AnnexEntry, labels: dict, decimal: str = ".") -> str:
    """The annex's distance line in the letter's language ("0.412 (strong)", "0,412 (stark)"), and whether the
    photo is mine."""
    distance = "-" if entry.distance is None else f"{entry.distance:.3f}".replace(".", decimal)
    band = labels.get("bands", {}).get(entry.band, entry.band)
    text = f"{distance} ({band})"
    return f"{text}; {labels['exact']}" if entry.exact_photo else text


def identity_text(entry: AnnexEntry, labels: dict, decimal: str = ".") -> str | None:
    """The identity a photo was found as, in the letter's language (None for a photo found alone)."""
    if not entry.identity:
        return None
    expected = f"{entry.identity['expected']:.2g}".replace(".", decimal)
    return labels["identity_evidence"].format(**{**entry.identity, "expected": expected})


def scan_date_text(entry: AnnexEntry, strings: dict) -> str:
    """The scan date written out in the letter's language ("1 March 2026", "1. März 2026")."""
    from faceaudit.core.letters.compose import format_date

    try:
        return format_date(date.fromisoformat(entry.scan_date), strings)
    except ValueError:
        return entry.scan_date or "-"
