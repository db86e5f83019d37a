"""The code that runs inside an indexing worker process (kept small: spawn imports it)."""

from __future__ import annotations

import os

from .analysis import PhotoRecord, analyse_photos
from .faces import FaceEngine

_engine: FaceEngine | None = None


def start(settings: dict) -> None:
    """Process initializer: build this worker's face engine (models load on first photo)."""
    global _engine
    if hasattr(os, "nice"):
        # Indexing is background work: the desktop (and the app's own window) comes first.
        os.nice(10)
    _engine = FaceEngine(settings["detector"], settings["upsample"], settings["embedder"], settings["device"])


def run(batch: list[tuple[int, bytes]]) -> list[PhotoRecord]:
    """Analyse one batch of photos.

    With the batched ONNX embedder the aligned chips travel back and the parent process
    embeds the faces of many photos at once with all cores (twice as fast on 2 cores as one
    single-threaded network per worker); dlib's embedder gains nothing from batches, so each
    worker embeds its own faces.
    """
    return analyse_photos(_engine, batch, embed=_engine.embedder != "onnx")
