"""ONNX Runtime plumbing shared by the ports: devices, sessions and the model cache."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import onnx

__all__ = ["available_devices", "cached_model", "make_session", "providers_for"]

_PROVIDERS = {"cpu": "CPUExecutionProvider", "cuda": "CUDAExecutionProvider"}


def available_devices() -> list[str]:
    """List the devices ONNX Runtime can use here, ``"cpu"`` first.

    Returns:
        ``["cpu"]``, plus ``"cuda"`` when onnxruntime-gpu with a CUDA provider is installed.
    """
    import onnxruntime as ort

    present = set(ort.get_available_providers())
    return [device for device, provider in _PROVIDERS.items() if provider in present]


def providers_for(device: str) -> list:
    """Map a device name to the ONNX Runtime provider list.

    Args:
        device: ``"cpu"`` or ``"cuda"``.

    Returns:
        Providers, most preferred first: names, or (name, options) for CUDA, where TF32
        arithmetic is switched off. TF32 rounds convolution inputs to 10 bits of mantissa;
        embeddings then differ from dlib's by ~1e-3 instead of ~1e-6, and dlib's numbers are
        the reference.

    Raises:
        ValueError: For an unknown device name.
        RuntimeError: When ``"cuda"`` is asked for but no CUDA provider is installed.
    """
    if device not in _PROVIDERS:
        raise ValueError(f"unknown device {device!r}; expected one of {sorted(_PROVIDERS)}")
    if device not in available_devices():
        raise RuntimeError(
            "device 'cuda' needs onnxruntime-gpu with CUDAExecutionProvider "
            "(install the 'gpu' extra); only these are available: "
            + ", ".join(available_devices())
        )
    if device == "cuda":
        return [("CUDAExecutionProvider", {"use_tf32": 0}), "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def make_session(model_path: Path, device: str, threads: int | None):
    """Open an inference session.

    Args:
        model_path: The ``.onnx`` file.
        device: ``"cpu"`` or ``"cuda"``.
        threads: Intra-op threads; ``None`` lets ONNX Runtime use all cores. Use 1 inside
            worker processes so they do not oversubscribe the CPU.

    Returns:
        An ``onnxruntime.InferenceSession``.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.inter_op_num_threads = 1
    if threads is not None:
        options.intra_op_num_threads = max(1, int(threads))
    options.log_severity_level = 3
    # Idle intra-op threads sleep instead of spinning: while worker processes decode and align the
    # next photos on the same cores, spinning burnt about a fifth of the CPU (bench/aligned_speed.py:
    # 2,036 crops indexed in 7.9 s with spinning, 6.8 s without; the same embeddings).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(model_path), options, providers=providers_for(device))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cached_model(
    cache_dir: Path, dat_path: Path, stem: str, build: Callable[[Path], onnx.ModelProto]
) -> Path:
    """Return the cached ONNX file for a ``.dat`` file, building it on a miss.

    The name carries a SHA-256 prefix of the ``.dat`` file, so a changed model file gets a
    new graph. The file is written to a temporary name and moved into place, so parallel
    workers never read a half-written model.

    Args:
        cache_dir: Folder for generated models (created if missing).
        dat_path: The dlib model the graph is built from.
        stem: File name prefix, including the graph builder's version.
        build: Makes the model from the ``.dat`` path.

    Returns:
        Path of the ``.onnx`` file.
    """
    cache_dir = Path(cache_dir)
    target = cache_dir / f"{stem}-{_sha256(Path(dat_path))[:16]}.onnx"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    model = build(Path(dat_path))
    onnx.checker.check_model(model)
    fd, temp_name = tempfile.mkstemp(prefix=target.name, suffix=".tmp", dir=cache_dir)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(model.SerializeToString())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return target
