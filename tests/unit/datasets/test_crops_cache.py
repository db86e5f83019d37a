"""Face crops for review: cut once from the dataset (folder or archive), then served from a small cache."""

from __future__ import annotations

import io
import shutil
import tarfile

import pytest
from PIL import Image

from faceaudit.core import limits
from faceaudit.core.datasets.catalog import DatasetError, add_dataset
from faceaudit.core.datasets.crops_cache import CROP_PX, FaceRef, face_crops, read_photo
from faceaudit.core.datasets.indexing import index_dataset
from faceaudit.core.storage.store import Store


def _faces(store) -> list[FaceRef]:
    rows = store.query("SELECT item_id, idx, top, right, bottom, left FROM faces ORDER BY item_id, idx")
    return [FaceRef(r["item_id"], r["idx"], (r["top"], r["right"], r["bottom"], r["left"])) for r in rows]


@pytest.fixture(params=["folder", "tar.gz"])
def indexed(request, tmp_path, lfw, data_home):
    """Three LFW photos as an indexed dataset (a folder, or a .tar.gz as LFW itself is published)."""
    folder = tmp_path / "lfw" / "Al_Gore"
    folder.mkdir(parents=True)
    for photo in sorted((lfw / "Al_Gore").glob("*.jpg"))[:3]:
        shutil.copy(photo, folder / photo.name)
    path = folder.parent
    if request.param == "tar.gz":
        path = tmp_path / "lfw.tgz"
        with tarfile.open(path, "w:gz") as archive:
            archive.add(folder, "lfw/Al_Gore")
    with Store() as store:
        add_dataset(store, path, "lfw")
        list(index_dataset(store, "lfw", workers=0))
        yield store, path


def test_crops_are_cut_once_then_cached(indexed, monkeypatch):
    store, path = indexed
    faces = _faces(store)
    assert len(faces) == 3
    first = list(face_crops(store, faces))
    assert [crop.problem for crop in first] == [None] * 3
    for crop in first:
        image = Image.open(io.BytesIO(crop.jpeg))
        assert image.format == "JPEG" and max(image.size) <= CROP_PX
        top, right, bottom, left = crop.face.box
        assert image.width < 250 and abs(image.width / image.height - (right - left) / (bottom - top)) < 0.3
    assert store.scalar("SELECT COUNT(*) FROM face_crops") == 3

    # Gone from the disk: the crops still come, from the cache.
    shutil.rmtree(path) if path.is_dir() else path.unlink()
    again = list(face_crops(store, faces))
    assert [c.jpeg for c in again] == [c.jpeg for c in first]

    # The file changed since it was cut (its fingerprint): cut again, and now it cannot be read.
    store.conn.execute("UPDATE items SET fingerprint = 'changed' WHERE id = ?", [faces[0].item_id])
    changed = {crop.face: crop for crop in face_crops(store, faces)}
    assert changed[faces[0]].jpeg is None and changed[faces[0]].problem
    assert changed[faces[1]].jpeg == first[1].jpeg


def test_the_cache_keeps_the_most_recently_shown(indexed, monkeypatch):
    store, _ = indexed
    monkeypatch.setattr(limits, "MAX_CACHED_CROPS", 2)
    faces = _faces(store)
    list(face_crops(store, faces))
    assert store.scalar("SELECT COUNT(*) FROM face_crops") == 2
    kept = {tuple(r) for r in store.conn.execute("SELECT item_id, face_idx FROM face_crops")}
    assert (faces[-1].item_id, faces[-1].face_idx) in kept  # the last one cut stays


def test_a_photo_for_viewing_is_upright_and_shrunk(indexed):
    store, _ = indexed
    key = store.scalar("SELECT key FROM items ORDER BY key LIMIT 1")
    rgb, scale = read_photo(store, "lfw", key, 100)
    assert rgb.shape == (100, 100, 3) and scale == pytest.approx(0.4)
    rgb, scale = read_photo(store, "lfw", key, 1600)
    assert rgb.shape == (250, 250, 3) and scale == 1.0
    with pytest.raises(DatasetError, match="no longer in the dataset"):
        read_photo(store, "lfw", "lfw/nobody.jpg", 100)
