"""Model identity and a description of the inference engine, for stored embeddings."""

from __future__ import annotations

from faceaudit.core.faces.model_files import EMBEDDING_MODEL

__all__ = ["MODEL_ID", "engine_info"]

# The same model whether dlib or the ONNX port computes it: descriptors agree to ~1e-6,
# so embeddings from either may be stored and compared together. Declared once, in model_files.
MODEL_ID = EMBEDDING_MODEL


def engine_info(device: str = "cpu", threads: int | None = None) -> dict:
    """Describe the engine that computes embeddings and CNN detections.

    Args:
        device: The device in use, ``"cpu"`` or ``"cuda"``.
        threads: The configured intra-op thread count (``None`` = all cores).

    Returns:
        A JSON-serialisable dict: model ids, engine name and version, device, threads and
        the devices available on this machine.
    """
    import onnxruntime as ort

    from faceaudit.core.faces.dlibnet._runtime import available_devices

    return {
        "model_id": MODEL_ID,
        "engine": "onnxruntime",
        "engine_version": ort.__version__,
        "device": device,
        "threads": threads,
        "available_devices": available_devices(),
    }
