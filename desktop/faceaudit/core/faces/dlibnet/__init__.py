"""Ports of dlib's face networks to ONNX Runtime, read straight from the .dat files."""

from __future__ import annotations

import importlib

__all__ = [
    "MODEL_ID",
    "CnnDetector",
    "Embedder",
    "available_devices",
    "engine_info",
    "read_network",
]

_EXPORTS = {
    "MODEL_ID": "engine",
    "engine_info": "engine",
    "CnnDetector": "mmod",
    "Embedder": "recognition",
    "available_devices": "_runtime",
    "read_network": "dat_reader",
}


def __getattr__(name: str):
    # Lazy: importing the package must not pull in onnx/onnxruntime, let alone a model.
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
