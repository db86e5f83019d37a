"""CNN face detection speed on 640x480 photos: FaceAudit's ONNX port vs dlib, on the CPU."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from _facedata import EXAMPLES, require_facedata

PHOTOS = ["obama.jpg", "two_people.jpg", "knn_examples/test/kit_with_rose.jpg",
          "knn_examples/test/obama_and_biden.jpg"]


def load_640x480() -> list:
    """The example photos resized to 640x480 RGB."""
    import cv2

    images = []
    for name in PHOTOS:
        bgr = cv2.imread(str(EXAMPLES / name))
        images.append(cv2.cvtColor(cv2.resize(bgr, (640, 480), interpolation=cv2.INTER_AREA),
                                   cv2.COLOR_BGR2RGB))
    return images


def main() -> None:
    require_facedata()
    import dlib
    import face_recognition_models

    from faceaudit.core.faces.dlibnet import CnnDetector

    images = load_640x480()
    dlib_cnn = dlib.cnn_face_detection_model_v1(
        face_recognition_models.cnn_face_detector_model_location())
    ours = CnnDetector(Path(tempfile.mkdtemp(prefix="faceaudit-bench-")))
    ours.detect(images[0])  # build/load the model
    print(f"CPU cores: {os.cpu_count()}; {len(images)} photos at 640x480")
    for upsample in (0, 1):
        start = time.perf_counter()
        expected = [dlib_cnn(img, upsample) for img in images]
        dlib_s = (time.perf_counter() - start) / len(images)
        start = time.perf_counter()
        got = [ours.detect(img, upsample) for img in images]
        ours_s = (time.perf_counter() - start) / len(images)
        start = time.perf_counter()
        ours.detect_batch(images, upsample)
        batch_s = (time.perf_counter() - start) / len(images)
        counts = [len(e) for e in expected], [len(g) for g in got]
        print(f"upsample {upsample}: dlib {dlib_s:6.3f} s/image, ONNX {ours_s:6.3f} s/image "
              f"(batched {batch_s:6.3f}), ratio {dlib_s / ours_s:5.1f}x; faces dlib {counts[0]} "
              f"ours {counts[1]}")


if __name__ == "__main__":
    main()
