"""The background jobs the window starts: each a thin generator over one core call."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage

from faceaudit.core.datasets.catalog import get_dataset
from faceaudit.core.datasets.crops_cache import FaceRef, face_crops, read_photo
from faceaudit.core.datasets.index_lock import Indexer
from faceaudit.core.datasets.indexing import index_dataset, settings_with
from faceaudit.core.faces.images import ImageError, decode_image, downscale_for_detection
from faceaudit.core.matching.references import NeedFaceChoice, ReferenceError, add_reference
from faceaudit.core.matching.scan import scan as core_scan

__all__ = ["PhotoAdded", "PhotoNeedsChoice", "PhotoRejected", "CropShown", "PhotoShown", "add_photos", "index",
           "scan", "crops", "photo", "qimage_of"]


@dataclass(frozen=True)
class PhotoAdded:
    """A reference face was stored."""

    path: str
    face_id: int
    hint: str | None
    matching: bool = True


@dataclass(frozen=True)
class PhotoNeedsChoice:
    """A group photo: the person must click their own face.

    Attributes:
        path: the photo.
        boxes: (top, right, bottom, left) of each face in `image`'s pixels, numbered 1.. in this order.
        image: the photo upright, shrunk in the worker to at most the picker's size (None when
            Qt cannot read it: the picker then reads the file itself).
    """

    path: str
    boxes: list[tuple[int, int, int, int]]
    image: QImage | None = None


@dataclass(frozen=True)
class PhotoRejected:
    """A photo that cannot be a reference; `message` says why."""

    path: str
    message: str


@dataclass(frozen=True)
class CropShown:
    """A face crop for a card, decoded in the worker (a QImage may be made in any thread)."""

    face: FaceRef
    image: QImage | None
    problem: str | None


@dataclass(frozen=True)
class PhotoShown:
    """A dataset photo to show large, shrunk in the worker.

    Attributes:
        image: the photo, at most the size asked for.
        scale: from the original's pixels to the image's.
        size: the original's (width, height).
    """

    image: QImage
    scale: float
    size: tuple[int, int]


def qimage_of(rgb: np.ndarray) -> QImage:
    """An RGB array as a QImage that owns its pixels."""
    rgb = np.ascontiguousarray(rgb)
    height, width = rgb.shape[:2]
    return QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def crops(faces: list[FaceRef]):
    """A factory: the face crops of cards, cached ones first, each as a CropShown."""

    def run(store) -> Iterator[object]:
        for crop in face_crops(store, faces):
            image = _decoded(crop.jpeg) if crop.jpeg else None
            yield CropShown(crop.face, image, crop.problem or (None if image is not None else "cannot be shown"))

    return run


def photo(dataset: str, key: str, max_side: int = 1600):
    """A call for run_call: one dataset photo, upright and shrunk to `max_side`, as a PhotoShown."""

    def call(store) -> PhotoShown:
        rgb, scale = read_photo(store, dataset, key, max_side)
        height, width = rgb.shape[:2]
        return PhotoShown(qimage_of(rgb), scale, (round(width / scale), round(height / scale)))

    return call


def add_photos(paths: list[str], face_number: int | None = None):
    """A factory: add each photo as a reference (face_number for a single group photo)."""

    def run(store) -> Iterator[object]:
        for path in paths:
            try:
                face = add_reference(store, path, face_number)
            except NeedFaceChoice as choice:
                image, scale = _picker_image(path)
                yield PhotoNeedsChoice(path, [tuple(round(v * scale) for v in face.box) for face in choice.faces],
                                       image)
            except ReferenceError as exc:
                yield PhotoRejected(path, str(exc))
            else:
                yield PhotoAdded(path, face.id, face.hint, face.matching)

    return run


def _picker_image(path: str, side: int = 1200) -> tuple[QImage | None, float]:
    """A group photo upright (as its faces were found) and at most `side` pixels a side, and the scale."""
    try:
        rgb = decode_image(Path(path).read_bytes()).rgb
    except (OSError, ImageError):
        return None, 1.0
    small, factor = downscale_for_detection(rgb, side)
    return qimage_of(small), 1.0 / factor


def _decoded(data: bytes) -> QImage | None:
    """Encoded image bytes as a QImage, decoded with Pillow.

    Workers never decode with Qt's image plugins: loading a plugin takes a lock that the window's
    thread may hold while it waits for the interpreter lock a worker holds (a deadlock seen once
    in the test suite).
    """
    try:
        return qimage_of(decode_image(data).rgb)
    except ImageError:
        return None


def index(name: str, detector: str, workers: int):
    """A factory: index (or go on indexing) one dataset, yielding IndexProgress records."""

    def run(store) -> Iterator[object]:
        # The preferred detector, the dataset's other recorded settings (its upsampling) kept; a new
        # detector remakes its faces, and the decisions on them are kept.
        settings = settings_with(store, get_dataset(store, name).id, detector=detector)
        yield from index_dataset(store, name, settings, workers=workers, who=Indexer.WINDOW)

    return run


def scan(names: list[str] | None = None):
    """A factory: scan the datasets for my faces, yielding ScanProgress records."""

    def run(store) -> Iterator[object]:
        yield from core_scan(store, names)

    return run
