"""What indexing does with one photo: decode, hash, find and embed its faces, as plain picklable records.

The same code runs inline and inside a worker process; the process part is kept small, since
each spawned worker imports this module.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

from faceaudit.core.faces.engine import FaceEngine
from faceaudit.core.faces.images import ImageError, decode_image
from faceaudit.core.faces.photo_hashes import photo_hash, sha256_hex

__all__ = ["PhotoRecord", "analyse_photos", "engine_from", "start", "run"]

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


def analyse_photos(engine: FaceEngine, batch: list[tuple[int, bytes]], embed: bool = True,
                   watch=None) -> list[PhotoRecord]:
    """Decode, hash and find faces in a batch of photos; embed all their faces in one batch.

    Args:
        engine: the face engine (its settings decide detector and embedder).
        batch: (item id, file bytes) pairs.
        embed: embed the faces here; when False each face keeps its aligned chip, for a
            batched embedder elsewhere.
        watch: called with each photo's item id before its work starts, and with None after
            the last (a worker's time budget watches them).

    Returns:
        One record per photo, in order. A bad photo gives a record with `error`, never an
        exception.
    """
    records, faces = [], []
    for item_id, data in batch:
        if watch:
            watch(item_id)
        record = PhotoRecord(item_id=item_id, sha256=sha256_hex(data))
        image = None
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
        del image  # before the next photo is decoded: two 100-Mpx photos at once would pass the worker's budget
        records.append(record)
    if watch:
        watch(None)
    if embed:
        engine.embed_faces(faces)
    return records


def engine_from(settings: dict) -> FaceEngine:
    """The face engine a dataset's recorded settings (`FaceEngine.settings`) describe."""
    return FaceEngine(settings["detector"], settings["upsample"], settings["embedder"], settings["device"],
                      bool(settings.get("cnn_fallback")), settings.get("aligned", "none"), settings.get("square"))


def start(settings: dict, overtime=None, seconds_per_file: float | None = None) -> None:
    """Process initializer: build this worker's face engine (models load on first photo).

    Args:
        settings: the engine's settings.
        overtime: a queue; when one photo's decoding and face finding run over `seconds_per_file`,
            its item id is put there and the worker ends itself (C code cannot be interrupted
            otherwise); the pool then records the photo as refused, and the rest goes on.
        seconds_per_file: the time budget of one photo.
    """
    global _engine
    if hasattr(os, "nice"):
        # Indexing is background work: the desktop (and the app's own window) comes first.
        os.nice(10)
    _engine = engine_from(settings)
    if overtime is not None and seconds_per_file:
        threading.Thread(target=_watchdog, args=(overtime, seconds_per_file), daemon=True).start()


def run(batch: list[tuple[int, bytes]]) -> list[PhotoRecord]:
    """Analyse one batch of photos.

    With the batched ONNX embedder the aligned chips travel back and the parent process
    embeds the faces of many photos at once with all cores (twice as fast on 2 cores as one
    single-threaded network per worker); dlib's embedder gains nothing from batches, so each
    worker embeds its own faces.
    """
    return analyse_photos(_engine, batch, embed=_engine.embedder != "onnx", watch=_watched)


#: The photo being worked on and when its work began (read by the watchdog thread).
_current: tuple[int | None, float] = (None, 0.0)


def _watched(item_id: int | None) -> None:
    global _current
    _current = (item_id, time.monotonic())


def _watchdog(overtime, seconds_per_file: float) -> None:
    while True:
        time.sleep(min(0.25, seconds_per_file / 4))
        item_id, began = _current
        if item_id is not None and time.monotonic() - began > seconds_per_file:
            overtime.put(item_id)
            os._exit(_OVERTIME_EXIT)


_OVERTIME_EXIT = 75
