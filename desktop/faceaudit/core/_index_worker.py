"""The code that runs inside an indexing worker process (kept small: spawn imports it)."""

from __future__ import annotations

from .analysis import PhotoRecord, analyse_photos
from .faces import FaceEngine

_engine: FaceEngine | None = None


def start(settings: dict) -> None:
    """Process initializer: build this worker's face engine (models load on first photo)."""
    global _engine
    _engine = FaceEngine(settings["detector"], settings["upsample"], settings["embedder"], settings["device"])


def run(batch: list[tuple[int, bytes]]) -> list[PhotoRecord]:
    """Analyse one batch of photos; chips are dropped before the records travel back."""
    records = analyse_photos(_engine, batch)
    for record in records:
        for face in record.faces:
            face.chip = None
    return records
