"""What indexing does with one photo: decode, hash, find and embed its faces, as plain picklable records.

The same code runs inline and inside a worker process; the process part is kept small, since
each spawned worker imports this module.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from faceaudit.core.faces.engine import FaceEngine
from faceaudit.core.faces.images import ImageError, decode_image
from faceaudit.core.faces.photo_hashes import photo_hash, sha256_hex

__all__ = ["PhotoRecord", "analyse_photos", "start", "run"]

_engine: FaceEngine | None = None


@dataclass
class PhotoRecord:
    """The result for one photo; `error` is set (and faces empty) when it could not be read."""

    item_id: int
    sha256: str | None = None
    phash: int | None = None
    dhash: int | None = None
    width: int | None = None
    height: int | None = None
    faces: list = field(default_factory=list)
    error: str | None = None


def analyse_photos(engine: FaceEngine, batch: list[tuple[int, bytes]], embed: bool = True) -> list[PhotoRecord]:
    """Decode, hash and find faces in a batch of photos; embed all their faces in one batch.

    Args:
        engine: the face engine (its settings decide detector and embedder).
        batch: (item id, file bytes) pairs.
        embed: embed the faces here; when False each face keeps its aligned chip, for a
            batched embedder elsewhere.

    Returns:
        One record per photo, in order. A bad photo gives a record with `error`, never an
        exception.
    """
    records, faces = [], []
    for item_id, data in batch:
        record = PhotoRecord(item_id=item_id, sha256=sha256_hex(data))
        try:
            image = decode_image(data)
            record.width, record.height = image.width, image.height
            record.phash, record.dhash = photo_hash(image.rgb)
            record.faces = engine.analyse(image.rgb, embed=False)
            faces.extend(record.faces)
        except ImageError as exc:
            record.error = str(exc)
        except MemoryError:
            record.error = "ran out of memory decoding this image"
        records.append(record)
    if embed:
        engine.embed_faces(faces)
    return records


def start(settings: dict) -> None:
    """Process initializer: build this worker's face engine (models load on first photo)."""
    global _engine
    if hasattr(os, "nice"):
        # Indexing is background work: the desktop (and the app's own window) comes first.
        os.nice(10)
    _engine = FaceEngine(settings["detector"], settings["upsample"], settings["embedder"], settings["device"],
                         bool(settings.get("cnn_fallback")), settings.get("aligned", "none"), settings.get("square"))


def run(batch: list[tuple[int, bytes]]) -> list[PhotoRecord]:
    """Analyse one batch of photos.

    With the batched ONNX embedder the aligned chips travel back and the parent process
    embeds the faces of many photos at once with all cores (twice as fast on 2 cores as one
    single-threaded network per worker); dlib's embedder gains nothing from batches, so each
    worker embeds its own faces.
    """
    return analyse_photos(_engine, batch, embed=_engine.embedder != "onnx")
