"""My reference photos: the faces FaceAudit looks for. Only what matching needs is kept."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from faceaudit.core.errors import FaceAuditError
from faceaudit.core.faces.crops import box_within_crop, face_crop_jpeg
from faceaudit.core.faces.engine import REFERENCE_JITTER, Face, FaceEngine
from faceaudit.core.faces.face_models import FaceModel, is_available
from faceaudit.core.faces.images import ImageError, decode_image, read_photo_file
from faceaudit.core.faces.photo_hashes import md5_hex, photo_hash, sha256_hex
from faceaudit.core.matching.bands import MATCH_DISTANCE
from faceaudit.core.storage.store import Store, from_blob, now, to_blob

__all__ = ["ReferenceError", "NeedFaceChoice", "ReferenceFace", "find_faces_in_photo", "add_reference",
           "list_references", "remove_reference", "confirm_reference", "disagreeing", "reference_matrix",
           "thumbnail_of", "reference_thumbnail"]

_THUMB_PX = 256


class ReferenceError(FaceAuditError, ValueError):
    """A photo that cannot serve as a reference; the message says why."""


class NeedFaceChoice(ReferenceError):
    """A group photo: the caller must say which face is the user's.

    Attributes:
        faces: the faces found, in the order their numbers refer to (1-based for people).
    """

    def __init__(self, path: str, faces: list[Face]):
        super().__init__(f"{Path(path).name} shows {len(faces)} faces: say which one is you")
        self.faces = faces


@dataclass(frozen=True)
class ReferenceFace:
    """A stored reference face."""

    id: int
    photo_id: int
    name: str
    box: tuple[int, int, int, int]
    size: int
    sharpness: float
    added: str
    hint: str | None
    problem: str | None = None
    #: The face does not look like my other reference faces (see `disagreeing`).
    disagrees: bool = False
    #: I said this face is me although it disagrees: it takes part in matching.
    confirmed: bool = False

    @property
    def matching(self) -> bool:
        """True when scans compare datasets with this face."""
        return self.confirmed or not self.disagrees


def find_faces_in_photo(path: str | os.PathLike, engine: FaceEngine | None = None,
                        jitter: int = REFERENCE_JITTER) -> tuple[np.ndarray, list[Face]]:
    """Decode a photo and find its faces (with embeddings), largest first.

    A reference photo is worth extra care: each embedding is the average of `jitter` slightly
    perturbed copies of the face (0 for one plain embedding), and when HOG finds no face the
    CNN detector looks again.

    Raises:
        ReferenceError: the file cannot be read or decoded.
    """
    _, rgb, faces = _read_and_find(path, engine, jitter)
    return rgb, faces


def _read_and_find(path, engine: FaceEngine | None, jitter: int) -> tuple[bytes, np.ndarray, list[Face]]:
    engine = engine or FaceEngine(upsample=1, cnn_fallback=True)
    try:
        data = read_photo_file(path)  # a pipe, /dev/zero or a 3 GB file is refused before it is read
    except ImageError as exc:
        raise ReferenceError(str(exc)) from None
    try:
        rgb = decode_image(data).rgb
    except ImageError as exc:
        raise ReferenceError(f"{Path(path).name}: {exc}") from None
    faces = engine.analyse(rgb, jitter=jitter)
    faces.sort(key=lambda f: -f.size)
    return data, rgb, faces


def add_reference(store: Store, path: str | os.PathLike, face_number: int | None = None,
                  engine: FaceEngine | None = None, jitter: int = REFERENCE_JITTER) -> ReferenceFace:
    """Enrol one of my photos.

    Args:
        store: the database.
        path: the photo.
        face_number: which face is mine (1-based, as `find_faces_in_photo` orders them);
            needed when the photo shows several faces.
        engine: face engine; the default finds faces of 40 px and up, with the CNN detector
            as a fallback.
        jitter: perturbed copies averaged into the embedding (0: one plain embedding).

    Returns:
        The stored face. The photo itself is not kept: only the face's numbers, its box, a
        small thumbnail of the face, and hashes to recognise copies of the photo (perceptual
        ones, and its SHA-256 and MD5, which link lists such as FaceScrub and FFHQ give).

    Raises:
        NeedFaceChoice: several faces and no face_number.
        ReferenceError: no face, a bad face number, or an unreadable photo.
    """
    engine = engine or FaceEngine(upsample=1, cnn_fallback=True)
    data, rgb, faces = _read_and_find(path, engine, jitter)
    name = Path(path).name
    if not faces:
        raise ReferenceError(f"{name}: no face found; try a photo where your face is larger and facing the camera")
    if face_number is None:
        if len(faces) > 1:
            raise NeedFaceChoice(str(path), faces)
        face_number = 1
    if not 1 <= face_number <= len(faces):
        raise ReferenceError(f"{name} has {len(faces)} face(s); face {face_number} does not exist")
    face = faces[face_number - 1]
    phash, dhash = photo_hash(rgb)
    with store.transaction():
        photo_id = store.db["reference_photos"].insert({
            "name": name, "sha256": sha256_hex(data), "md5": md5_hex(data), "phash": phash, "dhash": dhash,
            "width": int(rgb.shape[1]), "height": int(rgb.shape[0]), "added": now(),
        }).last_pk
        top, right, bottom, left = face.box
        face_id = store.db["reference_faces"].insert({
            "photo_id": photo_id, "top": top, "right": right, "bottom": bottom, "left": left,
            "score": face.score, "size": face.size, "sharpness": face.sharpness,
            "model": engine.settings["model"],
            "embedding": to_blob(face.embedding), "thumbnail": _thumbnail(rgb, face.box),
        }).last_pk
        second = _mobilefacenet_embedding(rgb, face.box)
        if second is not None:
            store.db["reference_embeddings"].insert({"reference_face_id": face_id, "model": FaceModel.MOBILEFACENET,
                                                     "embedding": to_blob(second)})
    return next(r for r in list_references(store) if r.id == face_id)


def list_references(store: Store) -> list[ReferenceFace]:
    """Every reference face, oldest first, each flagged when it disagrees with the others."""
    rows = store.query(
        "SELECT f.id, f.photo_id, p.name, f.top, f.right, f.bottom, f.left, f.size, f.sharpness, p.added,"
        " f.embedding, f.confirmed_at FROM reference_faces f JOIN reference_photos p ON p.id = f.photo_id"
        " ORDER BY f.id")
    flagged = disagreeing(np.stack([from_blob(r["embedding"]) for r in rows])) if rows else []
    result = []
    for row, disagrees in zip(rows, flagged, strict=True):
        face = Face(box=(row["top"], row["right"], row["bottom"], row["left"]), score=None,
                    size=row["size"], sharpness=row["sharpness"])
        result.append(ReferenceFace(row["id"], row["photo_id"], row["name"], face.box, row["size"],
                                    row["sharpness"], row["added"], face.quality_hint, face.quality_problem,
                                    disagrees=bool(disagrees), confirmed=row["confirmed_at"] is not None))
    return result


def disagreeing(embeddings: np.ndarray) -> list[bool]:
    """Which reference faces do not look like the others (in the order given, oldest first).

    A face disagrees when more than half of the other faces lie farther from it than the
    model's same-person distance (0.6). With only two faces that disagree, the newer one is
    flagged: the older one was there first. One face alone never disagrees. As more photos of
    the same person are added, the majority decides: a stranger's face among them is flagged,
    and so is the first photo when it was the stranger.
    """
    count = len(embeddings)
    if count < 2:
        return [False] * count
    distances = np.linalg.norm(embeddings[:, None, :] - embeddings[None, :, :], axis=2)
    far = (distances > MATCH_DISTANCE).sum(axis=1)  # the diagonal is 0: never counted
    if count == 2:
        return [False, bool(far[1])]
    return [bool(n * 2 > count - 1) for n in far]


def confirm_reference(store: Store, face_id: int) -> None:
    """Say that a reference face is me after all: it takes part in matching although it disagrees.

    Raises:
        ReferenceError: no such reference.
    """
    with store.transaction():
        changed = store.conn.execute("UPDATE reference_faces SET confirmed_at = ? WHERE id = ?",
                                     [now(), face_id]).rowcount
    if not changed:
        raise ReferenceError(f"no reference with id {face_id}")


def remove_reference(store: Store, face_id: int) -> None:
    """Delete a reference face and what was kept of its photo.

    Raises:
        ReferenceError: no such reference.
    """
    photo_id = store.scalar("SELECT photo_id FROM reference_faces WHERE id = ?", [face_id])
    if photo_id is None:
        raise ReferenceError(f"no reference with id {face_id}")
    with store.transaction():
        store.conn.execute("DELETE FROM reference_photos WHERE id = ?", [photo_id])


def _mobilefacenet_embedding(rgb: np.ndarray, box) -> np.ndarray | None:
    """MobileFaceNet's numbers for my face, when set-up made the model (else dlib's alone are kept)."""
    if not is_available(FaceModel.MOBILEFACENET):
        return None
    from faceaudit.core.faces.mobilefacenet import MobileFaceNet, arcface_crop

    return MobileFaceNet().embed(arcface_crop(rgb, box)[None])[0]


def model_references(store: Store, model: str, ref_ids: list[int]) -> tuple[list[int], np.ndarray]:
    """(ids, embeddings) of those of `ref_ids` that have `model`'s embedding ("dlib": all of them).

    A reference added before MobileFaceNet was set up has dlib's numbers only: the photo itself
    is not kept, so adding it again is the only way to give it the second model's.
    """
    if model == FaceModel.DLIB:
        rows = store.conn.execute("SELECT id, embedding FROM reference_faces ORDER BY id").fetchall()
    else:
        rows = store.conn.execute("SELECT reference_face_id, embedding FROM reference_embeddings WHERE model = ?"
                                  " ORDER BY reference_face_id", [model]).fetchall()
    wanted = set(ref_ids)
    rows = [r for r in rows if r[0] in wanted]
    if not rows:
        return [], np.zeros((0, 128), np.float32)
    return [r[0] for r in rows], np.stack([from_blob(r[1]) for r in rows])


def reference_matrix(store: Store) -> tuple[list[int], np.ndarray, list[str]]:
    """(ids, N x 128 float32 embeddings, model names) of the reference faces that take part in matching.

    A face that disagrees with my other reference faces is left out until I confirm it.
    """
    rows = store.conn.execute("SELECT id, embedding, model, confirmed_at FROM reference_faces ORDER BY id").fetchall()
    if not rows:
        return [], np.zeros((0, 128), np.float32), []
    embeddings = np.stack([from_blob(r[1]) for r in rows])
    keep = [n for n, flagged in enumerate(disagreeing(embeddings)) if not flagged or rows[n][3] is not None]
    return [rows[n][0] for n in keep], embeddings[keep], [rows[n][2] for n in keep]


def thumbnail_of(store: Store, face_id: int) -> bytes | None:
    """The JPEG thumbnail kept of a reference face."""
    return store.scalar("SELECT thumbnail FROM reference_faces WHERE id = ?", [face_id])


def reference_thumbnail(store: Store, face_id: int) -> tuple[bytes, tuple[float, float, float, float]] | None:
    """A reference face's JPEG thumbnail and where the face lies in it.

    Returns:
        (jpeg bytes, (top, right, bottom, left) as fractions of the thumbnail's height and
        width), or None for an unknown face.
    """
    row = store.conn.execute(
        "SELECT f.thumbnail, f.top, f.right, f.bottom, f.left, p.width, p.height FROM reference_faces f"
        " JOIN reference_photos p ON p.id = f.photo_id WHERE f.id = ?", [face_id]).fetchone()
    if row is None or row[0] is None:
        return None
    thumbnail, top, right, bottom, left, width, height = row
    return thumbnail, box_within_crop((top, right, bottom, left), width, height)


def _thumbnail(rgb: np.ndarray, box: tuple[int, int, int, int]) -> bytes:
    return face_crop_jpeg(rgb, box, _THUMB_PX)
