"""The background jobs the window starts: each a thin generator over one core call."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from faceaudit.core.datasets.indexing import IndexSettings, index_dataset
from faceaudit.core.matching.references import NeedFaceChoice, ReferenceError, add_reference
from faceaudit.core.matching.scan import scan as core_scan

__all__ = ["PhotoAdded", "PhotoNeedsChoice", "PhotoRejected", "add_photos", "index", "scan"]


@dataclass(frozen=True)
class PhotoAdded:
    """A reference face was stored."""

    path: str
    face_id: int
    hint: str | None


@dataclass(frozen=True)
class PhotoNeedsChoice:
    """A group photo: the person must click their own face.

    Attributes:
        path: the photo.
        boxes: (top, right, bottom, left) of each face, numbered 1.. in this order.
    """

    path: str
    boxes: list[tuple[int, int, int, int]]


@dataclass(frozen=True)
class PhotoRejected:
    """A photo that cannot be a reference; `message` says why."""

    path: str
    message: str


def add_photos(paths: list[str], face_number: int | None = None):
    """A factory: add each photo as a reference (face_number for a single group photo)."""

    def run(store) -> Iterator[object]:
        for path in paths:
            try:
                face = add_reference(store, path, face_number)
            except NeedFaceChoice as choice:
                yield PhotoNeedsChoice(path, [tuple(face.box) for face in choice.faces])
            except ReferenceError as exc:
                yield PhotoRejected(path, str(exc))
            else:
                yield PhotoAdded(path, face.id, face.hint)

    return run


def index(name: str, detector: str, workers: int):
    """A factory: index (or go on indexing) one dataset, yielding IndexProgress records."""

    def run(store) -> Iterator[object]:
        yield from index_dataset(store, name, IndexSettings(detector=detector), workers=workers)

    return run


def scan(names: list[str] | None = None):
    """A factory: scan the datasets for my faces, yielding ScanProgress records."""

    def run(store) -> Iterator[object]:
        yield from core_scan(store, names)

    return run
