"""Pre-aligned crops: the template box measured again on LFW, geometry by size, and faces found without detection."""

from __future__ import annotations

import random

import numpy as np
import pytest

from faceaudit.core.faces import aligned
from faceaudit.core.faces.aligned import TEMPLATE_BOX, geometry_of, similarity
from faceaudit.core.faces.engine import FaceEngine
from faceaudit.core.faces.images import decode_image
from tests.support.aligned_crops import arcface_crop, hog_box, template_box_of


def _sample(lfw, count: int, seed: int) -> list:
    photos = sorted(lfw.glob("*/*.jpg"))
    random.Random(seed).shuffle(photos)
    return photos[:count]


def test_the_template_box_is_where_hog_puts_an_aligned_face(lfw):
    # Another sample than the one it was measured on: the mean of 60 boxes is within ~1 px of it.
    boxes = np.array([box for photo in _sample(lfw, 60, seed=11) if (box := template_box_of(photo)) is not None])
    assert len(boxes) >= 55
    assert np.abs(boxes.mean(axis=0) - np.array(TEMPLATE_BOX)).max() < 2.5, boxes.mean(axis=0)


def test_geometry_by_size_and_setting():
    assert geometry_of(112, 112, "auto").box == tuple(round(v) for v in TEMPLATE_BOX)
    narrow = geometry_of(96, 112, "auto").box
    assert narrow[1] == round(TEMPLATE_BOX[1] - 8) and narrow[3] == round(TEMPLATE_BOX[3] - 8)
    assert geometry_of(250, 250, "auto") is None and geometry_of(112, 112, "none") is None
    assert geometry_of(224, 224, "arcface").box == tuple(round(v * 2) for v in TEMPLATE_BOX)


def test_similarity_recovers_a_known_transform():
    angle, scale, shift = 0.3, 1.7, np.array([5.0, -3.0])
    rotation = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    points = aligned.ARCFACE_112
    moved = points @ rotation.T + shift
    matrix = similarity(points, moved)
    assert np.allclose(matrix[:, :2], rotation) and np.allclose(matrix[:, 2], shift)


def test_an_aligned_crop_is_embedded_without_detection_near_its_photo(lfw, monkeypatch):
    engine = FaceEngine("hog", 1, "onnx", "cpu", aligned="auto")
    plain = FaceEngine("hog", 1, "onnx", "cpu")
    distances = []
    for photo in _sample(lfw, 12, seed=5):
        rgb = decode_image(photo.read_bytes()).rgb
        box = hog_box(rgb)
        if box is None:
            continue
        original = plain.face_at(rgb, (box.top(), box.right(), box.bottom(), box.left()))
        plain.embed_faces([original])
        crop = np.ascontiguousarray(arcface_crop(photo))
        monkeypatch.setattr(engine, "detect", lambda _rgb: pytest.fail("detection ran on an aligned crop"))
        (face,) = engine.analyse(crop)
        assert face.score is None and face.box == geometry_of(112, 112, "auto").box
        distances.append(float(np.linalg.norm(face.embedding - original.embedding)))
    assert len(distances) >= 10
    # The same face: well inside the 0.6 one person's faces fall within (median measured: 0.12).
    assert np.median(distances) < 0.25 and max(distances) < 0.45, distances


def test_a_photo_of_another_size_is_detected_as_usual(astronaut_png):
    engine = FaceEngine("hog", 1, "onnx", "cpu", aligned="auto")
    rgb = decode_image(astronaut_png.read_bytes()).rgb
    faces = engine.analyse(rgb)
    assert faces and all(face.score is not None for face in faces)
    assert engine.settings["aligned"] == "auto" and "aligned" not in FaceEngine("hog").settings
