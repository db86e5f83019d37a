"""GPU speed: embeddings and CNN detection on CUDA via ONNX Runtime, vs dlib on the CPU."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _facedata import lfw_faces, require_facedata
from cnn_speed import load_640x480


def main() -> int:
    from faceaudit.core.faces.dlibnet import CnnDetector, Embedder, available_devices

    if "cuda" not in available_devices():
        print(f"no CUDA execution provider here (devices: {available_devices()}); "
              "install onnxruntime-gpu on a machine with an NVIDIA GPU. Nothing to measure.")
        return 0
    require_facedata()
    import dlib
    import face_recognition_models

    cache = Path(tempfile.mkdtemp(prefix="faceaudit-bench-"))
    _, _, chips = lfw_faces(500)
    model = dlib.face_recognition_model_v1(
        face_recognition_models.face_recognition_model_location())
    start = time.perf_counter()
    reference = np.array([model.compute_face_descriptor(c) for c in chips[:50]], np.float32)
    dlib_rate = 50 / (time.perf_counter() - start)
    print(f"dlib CPU embedding: {dlib_rate:8.1f} faces/s")
    for batch in (32, 128, 500):
        gpu = Embedder(cache, device="cuda", batch_size=batch)
        gpu.embed(chips[:batch])
        start = time.perf_counter()
        out = gpu.embed(chips)
        rate = len(chips) / (time.perf_counter() - start)
        diff = np.abs(out[:50] - reference).max()
        print(f"ONNX CUDA batch {batch:3d}: {rate:8.1f} faces/s, ratio {rate / dlib_rate:6.1f}x, "
              f"max|diff| {diff:.2e}")

    images = load_640x480()
    dlib_cnn = dlib.cnn_face_detection_model_v1(
        face_recognition_models.cnn_face_detector_model_location())
    start = time.perf_counter()
    for img in images:
        dlib_cnn(img, 0)
    dlib_ips = len(images) / (time.perf_counter() - start)
    print(f"dlib CPU CNN detection 640x480: {dlib_ips:6.2f} images/s")
    detector = CnnDetector(cache, device="cuda")
    detector.detect(images[0])
    many = images * 8
    start = time.perf_counter()
    for img in many:
        detector.detect(img)
    single_ips = len(many) / (time.perf_counter() - start)
    start = time.perf_counter()
    detector.detect_batch(many)
    batch_ips = len(many) / (time.perf_counter() - start)
    print(f"ONNX CUDA CNN detection 640x480: {single_ips:6.2f} images/s one by one, "
          f"{batch_ips:6.2f} batched; ratio {batch_ips / dlib_ips:6.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
