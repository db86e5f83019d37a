"""Shared helpers for the benchmarks: where the photos are, and LFW face chips made by dlib."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "desktop"))

FACEDATA = REPO.parent / "shared" / "facedata"
LFW = FACEDATA / "lfw-deepfunneled" / "data" / "lfw-deepfunneled"
EXAMPLES = FACEDATA / "ageitgey-face_recognition" / "examples"


def require_facedata() -> None:
    """Exit with a message when the shared photos are missing."""
    if not LFW.is_dir() or not EXAMPLES.is_dir():
        sys.exit(f"face photos not present under {FACEDATA} (see shared/facedata/INDEX.md)")


def lfw_faces(count: int):
    """First HOG face (upsample 1) of LFW images in sorted path order.

    Returns:
        (images, boxes, chips): RGB images, (top, right, bottom, left) boxes as
        face_recognition gives them, and 150x150 chips from dlib.get_face_chip.
    """
    import dlib
    import face_recognition
    import face_recognition_models

    shape5 = dlib.shape_predictor(
        face_recognition_models.pose_predictor_five_point_model_location())
    images, boxes, chips = [], [], []
    for path in sorted(LFW.glob("*/*.jpg")):
        image = face_recognition.load_image_file(path)
        found = face_recognition.face_locations(image, number_of_times_to_upsample=1)
        if not found:
            continue
        top, right, bottom, left = found[0]
        shape = shape5(image, dlib.rectangle(left, top, right, bottom))
        images.append(image)
        boxes.append(found[0])
        chips.append(dlib.get_face_chip(image, shape, size=150, padding=0.25))
        if len(chips) == count:
            break
    return images, boxes, np.stack(chips)
