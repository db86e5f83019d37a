"""A second face model's embeddings for faces already indexed: added beside dlib's, nothing else touched.

Indexing finds and stores faces with dlib's model; this pass then gives every face that lacks it
the MobileFaceNet embedding of its ArcFace-aligned crop, at the face's stored box. It reads each
photo again, but never re-detects, renumbers or deletes a face, so matches and my decisions on them
stay as they were: the same pass serves a new dataset and one indexed before the model existed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from faceaudit.core.datasets.sources import open_source
from faceaudit.core.faces.aligned import geometry_of
from faceaudit.core.faces.face_models import FaceModel
from faceaudit.core.faces.images import ImageError, decode_image
from faceaudit.core.storage.paths import cache_beside
from faceaudit.core.storage.store import Store, to_blob

__all__ = ["ModelProgress", "add_model_embeddings", "missing_count", "arcface_crop_of"]

#: Faces embedded and written per transaction.
_BATCH = 64


@dataclass(frozen=True)
class ModelProgress:
    """How far the pass is: faces given the model's embedding so far, of those that lacked it."""

    model: str
    done: int
    total: int
    unreadable: int = 0


def missing_count(store: Store, dataset_id: int, model: str = FaceModel.MOBILEFACENET) -> int:
    """Faces of the dataset without this model's embedding."""
    return store.scalar(
        "SELECT COUNT(*) FROM faces f WHERE f.dataset_id = ? AND NOT EXISTS"
        " (SELECT 1 FROM face_embeddings e WHERE e.face_id = f.id AND e.model = ?)", [dataset_id, model])


def arcface_crop_of(rgb: np.ndarray, box: tuple[int, int, int, int], aligned: str = "none",
                    square: list[int] | None = None) -> np.ndarray:
    """The 112x112 ArcFace crop of a face: a crop published ArcFace-aligned is used as it is (scaled,
    or widened for the 96-px variant); any other face is aligned from its 68 landmarks."""
    from faceaudit.core.faces._cv import cv2
    from faceaudit.core.faces.mobilefacenet import CROP_SIZE, arcface_crop

    height, width = rgb.shape[:2]
    geometry = geometry_of(width, height, aligned, square)
    if geometry is not None and geometry.name.startswith("arcface"):
        if (width, height) == (96, 112):  # the template sits 8 px further left: give it its margins back
            return cv2.copyMakeBorder(rgb, 0, 0, 8, 8, cv2.BORDER_CONSTANT, value=0)
        if (width, height) != (CROP_SIZE, CROP_SIZE):
            return cv2.resize(rgb, (CROP_SIZE, CROP_SIZE), interpolation=cv2.INTER_AREA)
        return np.ascontiguousarray(rgb[:, :, :3])
    return arcface_crop(rgb, box)


def add_model_embeddings(store: Store, dataset_id: int, model: str = FaceModel.MOBILEFACENET,
                         network=None) -> Iterator[ModelProgress]:
    """Give every face of the dataset that lacks it this model's embedding.

    Args:
        store: the database (written from the calling thread).
        dataset_id: the dataset.
        model: the model (only MobileFaceNet is added this way; dlib's is made by indexing).
        network: the embedder (a `MobileFaceNet`); made here by default.

    Yields:
        Progress after each batch written; stop iterating to cancel (what was written stays).
    """
    from faceaudit.core.faces.mobilefacenet import MobileFaceNet

    if model != FaceModel.MOBILEFACENET:
        raise ValueError(f"embeddings of {model} are made by indexing")
    row = store.query("SELECT path, kind, aligned, square_crop FROM datasets WHERE id = ?", [dataset_id])[0]
    faces = store.conn.execute(
        "SELECT f.id, i.key, f.top, f.right, f.bottom, f.left FROM faces f JOIN items i ON i.id = f.item_id"
        " WHERE f.dataset_id = ? AND NOT EXISTS (SELECT 1 FROM face_embeddings e WHERE e.face_id = f.id"
        " AND e.model = ?) ORDER BY i.id, f.idx", [dataset_id, model]).fetchall()
    total = len(faces)
    yield ModelProgress(model, 0, total)
    if not faces:
        return
    network = network or MobileFaceNet()
    network.prepare()
    by_key: dict[str, list[tuple[int, tuple[int, int, int, int]]]] = {}
    for face_id, key, top, right, bottom, left in faces:
        by_key.setdefault(key, []).append((face_id, (top, right, bottom, left)))
    square = json.loads(row["square_crop"]) or None if row["square_crop"] else None
    source = open_source(row["path"], kind=row["kind"], cache=cache_beside(store.path))
    done = unreadable = 0
    pending: list[tuple[int, np.ndarray]] = []

    def write() -> None:
        vectors = network.embed(np.stack([crop for _, crop in pending]))
        with store.transaction():
            store.conn.executemany(
                "INSERT OR REPLACE INTO face_embeddings (face_id, dataset_id, model, embedding) VALUES (?, ?, ?, ?)",
                [[face_id, dataset_id, model, to_blob(vector)] for (face_id, _), vector in zip(pending, vectors)])
        pending.clear()

    for entry, data, _problem in source.read(list(by_key)):
        wanted = by_key.get(entry.key, [])
        try:
            rgb = decode_image(data).rgb if data is not None else None
        except (ImageError, MemoryError):
            rgb = None
        if rgb is None:  # not readable now: its faces keep dlib's embedding only, and are tried next time
            unreadable += len(wanted)
            continue
        for face_id, box in wanted:
            pending.append((face_id, arcface_crop_of(rgb, box, row["aligned"] or "none", square)))
        if len(pending) >= _BATCH:
            done += len(pending)
            write()
            yield ModelProgress(model, done, total, unreadable)
    if pending:
        done += len(pending)
        write()
    yield ModelProgress(model, done, total, unreadable)
