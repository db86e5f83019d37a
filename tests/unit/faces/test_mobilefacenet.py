"""MobileFaceNet's ArcFace crop from photos and from pre-aligned crops, and its embeddings on real faces."""

from __future__ import annotations

import numpy as np
import pytest

from faceaudit.core.datasets.model_embeddings import arcface_crop_of
from faceaudit.core.faces.face_models import FaceModel, is_available
from faceaudit.core.faces.images import decode_image
from faceaudit.core.faces.mobilefacenet import MobileFaceNet
from tests.support.aligned_crops import arcface_crop, hog_box

pytestmark = pytest.mark.skipif(not is_available(FaceModel.MOBILEFACENET),
                                reason="MobileFaceNet is not set up (python3 run.py test does it, once, online)")
PEOPLE = ("Winona_Ryder", "Jack_Straw", "Lance_Armstrong")


def _photos(lfw, person, count=3):
    return sorted((lfw / person).glob("*.jpg"))[:count]


def _box(rgb):
    rect = hog_box(rgb)
    return rect.top(), rect.right(), rect.bottom(), rect.left()


def test_same_person_is_nearer_than_strangers_and_vectors_are_unit_length(lfw):
    network = MobileFaceNet()
    crops, owner = [], []
    for person in PEOPLE:
        for photo in _photos(lfw, person):
            rgb = decode_image(photo.read_bytes()).rgb
            crops.append(arcface_crop_of(rgb, _box(rgb)))
            owner.append(person)
    vectors = network.embed(np.stack(crops))
    assert vectors.shape == (9, 192) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    cosine = vectors @ vectors.T
    owner = np.array(owner)
    same = (owner[:, None] == owner[None, :]) & ~np.eye(9, dtype=bool)
    assert cosine[same].min() > cosine[owner[:, None] != owner[None, :]].max()
    # Batches do not change a face's numbers.
    assert np.allclose(network.embed(np.stack(crops[:1]))[0], vectors[0], atol=1e-5)


def test_a_pre_aligned_crop_is_used_as_it_is_and_agrees_with_the_photo(lfw):
    photo = _photos(lfw, PEOPLE[0], 1)[0]
    rgb = decode_image(photo.read_bytes()).rgb
    crop = arcface_crop(photo)  # 112x112, as InsightFace's packs hold them
    assert np.array_equal(arcface_crop_of(crop, (0, 112, 112, 0), "auto"), crop)
    narrow = arcface_crop(photo, (96, 112))
    widened = arcface_crop_of(narrow, (0, 96, 112, 0), "auto")
    assert widened.shape == (112, 112, 3) and np.array_equal(widened[:, 8:104], narrow)
    network = MobileFaceNet()
    from_photo, from_crop, from_narrow = network.embed(np.stack([arcface_crop_of(rgb, _box(rgb)), crop, widened]))
    assert float(from_photo @ from_crop) > 0.99
    assert float(from_photo @ from_narrow) > 0.8  # the narrow variant lost 8 px of cheek on each side
