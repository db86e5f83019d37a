"""The face settings' vocabularies (detector, embedding engine, device): light, so the CLI's parser can offer them."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Detector", "EmbeddingEngine", "Device"]


class Detector(StrEnum):
    """How faces are found: HOG is fast; the CNN (dlib's MMOD network) finds more, slowly without a GPU."""

    HOG = "hog"
    CNN = "cnn"


class EmbeddingEngine(StrEnum):
    """What computes embeddings: dlib itself, the same network through ONNX Runtime, or the fastest here."""

    AUTO = "auto"
    DLIB = "dlib"
    ONNX = "onnx"


class Device(StrEnum):
    """Where the ONNX networks run."""

    AUTO = "auto"
    CPU = "cpu"
    CUDA = "cuda"
