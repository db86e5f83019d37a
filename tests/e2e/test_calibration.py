"""Look-alike estimates agree with reality on real LFW faces; jittered reference embeddings."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from faceaudit.core.faces.engine import FaceEngine, central_face
from faceaudit.core.faces.images import decode_image
from faceaudit.core.matching import confidence
from faceaudit.core.storage.resources import resources_dir

PEOPLE = 24
STRANGERS = 260


@pytest.mark.parametrize("model", ["dlib", "mobilefacenet", "both"])
def test_the_shipped_tail_table_is_aggregate_and_decreasing(model):
    data = json.loads((resources_dir() / confidence.tail_file(model)).read_text())
    assert set(data["tables"]) == {"1", "2", "3"}
    for table in data["tables"].values():
        assert len(table["t"]) == len(table["log10_tail"]) < 100  # a curve, never embeddings
        assert np.all(np.diff(table["log10_tail"]) >= 0) and table["log10_tail"][-1] <= 0
    t = np.linspace(-12, 2, 200)
    tail = confidence.stranger_tail(t, 1, model)
    assert np.all(np.diff(tail) >= 0) and tail[0] > 0 and tail[-1] <= 1


@pytest.fixture(scope="module")
def lfw_subset(lfw):
    """Embeddings of 2 photos each of some LFW people (+ their other photos) and of strangers."""
    people = sorted(p for p in lfw.iterdir() if p.is_dir() and len(list(p.glob("*.jpg"))) >= 4)
    chosen = random.Random(3).sample(people, PEOPLE)
    singles = sorted(p for p in lfw.iterdir() if p.is_dir() and len(list(p.glob("*.jpg"))) == 1)
    photos = [(p.name, f) for p in chosen for f in sorted(p.glob("*.jpg"))[:4]]
    photos += [(p.name, next(p.glob("*.jpg"))) for p in random.Random(4).sample(singles, STRANGERS)]
    engine = FaceEngine("hog", 0, "onnx")  # LFW faces are ~100 px: no upsampling needed
    names, faces = [], []
    for name, path in photos:
        rgb = decode_image(path.read_bytes()).rgb
        found = engine.detect(rgb)
        pick = central_face([box for box, _ in found], rgb.shape[1], rgb.shape[0])
        if pick is not None:
            names.append(name)
            faces.append(engine.face_at(rgb, *found[pick]))
    engine.embed_faces(faces)
    return np.array(names), np.stack([f.embedding for f in faces]), [p.name for p in chosen]


def test_predicted_lookalikes_match_observed_strangers(lfw_subset):
    names, embeddings, people = lfw_subset
    observed, scans = {1.0: 0, 3.0: 0, 10.0: 0}, 0
    for person in people:
        rows = np.nonzero(names == person)[0]
        if len(rows) < 3:
            continue
        keep = np.ones(len(names), bool)
        keep[rows[:2]] = False
        distances = np.linalg.norm(embeddings[keep][:, None] - embeddings[rows[:2]][None], axis=2)
        null = confidence.fit_stranger_model(distances)
        combined = confidence.combine((distances - null.loc) / null.scale)
        expected = confidence.expected_lookalikes(combined, null, int(keep.sum()))
        strangers = names[keep] != person
        scans += 1
        for level in observed:
            observed[level] += int((expected[strangers] <= level).sum())
    for level, count in observed.items():
        ratio = count / (level * scans)
        assert 0.5 <= ratio <= 2.0, f"at {level} expected look-alikes per scan: observed/predicted = {ratio:.2f}"


def test_jittered_embeddings_are_stable_and_close_to_the_plain_one(astronaut_png):
    engine = FaceEngine("hog", 1, "onnx")
    rgb = decode_image(astronaut_png.read_bytes()).rgb
    face = engine.face_at(rgb, *engine.detect(rgb)[0])
    chips = face.chip[None]
    first, second = engine.embed_jittered(chips, 6), engine.embed_jittered(chips, 6)
    assert np.array_equal(first, second)
    assert 0.0 < float(np.linalg.norm(first[0] - engine.embed_chips(chips)[0])) < 0.15
