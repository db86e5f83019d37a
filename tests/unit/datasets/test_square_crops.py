"""Small square face crops of one size: their geometry learned from the dataset's first photos, then no detection."""

from __future__ import annotations

import json
import random
import shutil

import numpy as np
from PIL import Image

from faceaudit.core.datasets.catalog import add_dataset
from faceaudit.core.datasets.indexing import index_dataset
from faceaudit.core.faces.aligned import learn_square_crop
from faceaudit.core.faces.engine import FaceEngine
from faceaudit.core.faces.images import decode_image
from faceaudit.core.storage.store import Store, from_blob
from tests.support.aligned_crops import hog_box

SIDE = 128


def thumbnails(lfw, target, count: int = 40) -> dict[str, np.ndarray]:
    """Face thumbnails as a dataset's own aligner cuts them: the face box with a 25% margin, resized to
    128x128 (UTKFace, FFHQ thumbnails and many scraped sets look like this); with each photo's own embedding."""
    engine = FaceEngine("hog", 1, "onnx", "cpu")
    photos = sorted(lfw.glob("*/*.jpg"))
    random.Random(2).shuffle(photos)
    embeddings = {}
    for photo in photos:
        rgb = decode_image(photo.read_bytes()).rgb
        box = hog_box(rgb)
        if box is None:
            continue
        face = engine.face_at(rgb, (box.top(), box.right(), box.bottom(), box.left()))
        engine.embed_faces([face])
        margin = 0.25 * box.width()
        cut = Image.fromarray(rgb).crop((box.left() - margin, box.top() - margin, box.right() + margin,
                                         box.bottom() + margin)).resize((SIDE, SIDE), Image.Resampling.LANCZOS)
        key = f"{photo.parent.name}/{photo.name}"
        (target / photo.parent.name).mkdir(parents=True, exist_ok=True)
        cut.save(target / key, "JPEG", quality=92)
        embeddings[key] = face.embedding
        if len(embeddings) == count:
            return embeddings
    return embeddings


def test_learning_needs_one_small_square_size_and_agreeing_faces():
    box = (20, 100, 100, 20)
    assert learn_square_crop([(128, 128)] * 20, [[box]] * 20) == [128, *box]
    assert learn_square_crop([(128, 128)] * 19 + [(120, 120)], [[box]] * 20) is None  # two sizes
    assert learn_square_crop([(250, 250)] * 20, [[box]] * 20) is None  # LFW-sized photos are not crops
    assert learn_square_crop([(112, 112)] * 20, [[box]] * 20) is None  # ArcFace has its own template
    assert learn_square_crop([(128, 128)] * 20, [[box]] * 10 + [[]] * 10) is None  # faces found in too few
    scattered = [[(20 + 3 * n, 100 + 3 * n, 100 + 3 * n, 20 + 3 * n)] for n in range(20)]
    assert learn_square_crop([(128, 128)] * 20, scattered) is None  # the faces do not sit in one place
    assert learn_square_crop([(128, 128)] * 20, [[(50, 70, 70, 50)]] * 20) is None  # small faces: not crops


def test_square_thumbnails_skip_detection_once_learned(lfw, tmp_path, data_home):
    folder = tmp_path / "thumbnails"
    embeddings = thumbnails(lfw, folder)
    assert len(embeddings) == 40
    with Store() as store:
        add_dataset(store, folder, "auto")
        twin = shutil.copytree(folder, tmp_path / "thumbnails-copy")  # one folder is one dataset
        add_dataset(store, twin, "detected", aligned="none")
        for name in ("auto", "detected"):
            list(index_dataset(store, name, workers=0))
        learned = json.loads(store.scalar("SELECT square_crop FROM datasets WHERE name = 'auto'"))
        assert learned[0] == SIDE and 0 <= learned[1] < learned[3] <= SIDE + 20
        recall = {}
        for name in ("auto", "detected"):
            rows = store.query("SELECT i.key, f.score, f.embedding FROM items i JOIN datasets d ON d.id = i.dataset_id"
                               " LEFT JOIN faces f ON f.item_id = i.id WHERE d.name = ?", [name])
            if name == "auto":
                assert all(row["score"] is None for row in rows if row["embedding"])  # no detector ran
            recall[name] = sum(1 for row in rows if row["embedding"] is not None
                               and np.linalg.norm(from_blob(row["embedding"]) - embeddings[row["key"]]) <= 0.6)
        assert recall["auto"] >= 0.95 * len(embeddings) and recall["auto"] >= recall["detected"] - 1, recall
        # Indexing again keeps the learned geometry (and the faces): nothing to redo.
        assert list(index_dataset(store, "auto", workers=0))[-1].done == len(embeddings)
        assert json.loads(store.scalar("SELECT square_crop FROM datasets WHERE name = 'auto'")) == learned


def test_lfw_sized_photos_are_not_taken_for_crops(lfw, tmp_path, data_home):
    folder = tmp_path / "lfw"
    for photo in sorted(lfw.glob("A*/*.jpg"))[:12]:
        (folder / photo.parent.name).mkdir(parents=True, exist_ok=True)
        (folder / photo.parent.name / photo.name).write_bytes(photo.read_bytes())
    with Store() as store:
        add_dataset(store, folder, "lfw")
        list(index_dataset(store, "lfw", workers=0))
        assert store.scalar("SELECT square_crop FROM datasets") == "[]"
        assert store.scalar("SELECT COUNT(*) FROM faces WHERE score IS NOT NULL") >= 12  # detected as usual
