"""Acceptance (issue 14): the same LFW photos as each form they are really published in, indexed and scanned.

Built from LFW with `tests/support/dataset_forms.py`: Hub parquet shards (as LFW and CelebA are on the
Hub), an InsightFace RecordIO pack of ArcFace-aligned 112x112 crops (as MS1M-ArcFace and CASIA-WebFace
circulate) and its zip with an `lfw.bin`, WebDataset shards (as LAION-Face and img2dataset exports),
and a folder of zip parts. For each: the held-out photos of enrolled people are found (>= 90% strong or
possible), no stranger is strong, and every item's label is the person it shows.
"""

from __future__ import annotations

import shutil

import pytest

from faceaudit.core.matching.matches import candidates
from faceaudit.core.matching.references import add_reference, list_references, remove_reference
from faceaudit.core.matching.scan import scan
from faceaudit.core.storage.store import Store
from tests.support.aligned_crops import arcface_crop
from tests.support.dataset_forms import (
    hub_parquet,
    index_all,
    insightface_pack,
    webdataset_shards,
    zip_folder,
    zip_parts,
)
from tests.support.lfw_sets import PEOPLE, build_dataset, person_photos

ENROLLED = 2
STRANGERS = 2000
FORMS = ("parquet", "recordio", "recordio-zip", "webdataset", "zip-parts")


@pytest.fixture(scope="module")
def forms(lfw, tmp_path_factory):
    """One store holding the same LFW set in every published form, all indexed; and each photo's identity."""
    base = tmp_path_factory.mktemp("forms")
    folder = build_dataset(lfw, base / "lfw-set", PEOPLE, ENROLLED, STRANGERS)
    photos = [(path, path.parent.name) for path in sorted(folder.rglob("*.jpg"))]
    crops = [(crop, name) for path, name in photos if (crop := arcface_crop(path)) is not None]
    assert len(crops) >= 0.97 * len(photos)
    pack = insightface_pack(crops, base / "faces_lfw_112x112")
    paths = {
        "parquet": hub_parquet(photos, base / "lfw-hub", shards=3),
        "recordio": pack,
        "recordio-zip": zip_folder(pack, base / "faces_lfw_112x112.zip"),
        "webdataset": webdataset_shards(photos, base / "lfw-wds", per_shard=400),
        "zip-parts": zip_parts(photos, base / "lfw-parts", parts=3),
    }
    names = sorted({name for _path, name in photos})
    store = Store(base / "home" / "faceaudit.db")
    index_all(store, paths)
    # Who each item shows, as each form says it: class names (parquet), identity numbers (RecordIO,
    # WebDataset .cls), folders (zip parts).
    as_label = {"parquet": {n: n for n in names}, "zip-parts": {n: n for n in names},
                "webdataset": {n: str(i) for i, n in enumerate(names)},
                "recordio": {n: str(i) for i, n in enumerate(sorted({n for _c, n in crops}))}}
    as_label["recordio-zip"] = as_label["recordio"]
    yield store, as_label, len(photos), len(crops)
    store.close()
    shutil.rmtree(base, ignore_errors=True)


def test_every_form_lists_every_photo_with_its_label(forms):
    store, as_label, n_photos, n_crops = forms
    for form in FORMS:
        rows = store.query("SELECT i.key, i.label, i.status FROM items i JOIN datasets d ON d.id = i.dataset_id"
                           " WHERE d.name = ?", [form])
        photos = [r for r in rows if " image " not in r["key"]]  # lfw.bin's crops are pairs, not identities
        assert len(photos) == (n_crops if form.startswith("recordio") else n_photos), form
        assert {r["status"] for r in rows} == {"done"}, form
        assert all(r["label"] in as_label[form].values() for r in photos), form
    keys = {r["key"] for r in store.query("SELECT key FROM items")}
    # Keys a custodian can act on: the shard and row and the image's own file name, the record number.
    assert "data/train-00000-of-00003.parquet row 0 (Aaron_Eckhart_0001.jpg)" in keys or any(
        k.startswith("data/train-00000-of-00003.parquet row 0 (") for k in keys)
    assert "train.rec record 1" in keys and "faces_lfw_112x112/train.rec record 1" in keys
    assert "lfw.bin image 0" in keys


@pytest.mark.parametrize("person", PEOPLE)
def test_held_out_photos_are_found_in_every_form_and_strangers_are_not_strong(forms, lfw, person):
    store, as_label, _n, _c = forms
    for face in list_references(store):
        remove_reference(store, face.id)
    for photo in person_photos(lfw, person)[:ENROLLED]:
        add_reference(store, photo)
    for form in FORMS:
        label = as_label[form][person]
        held_out = {r["key"] for r in store.query(
            "SELECT i.key FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE d.name = ? AND i.label = ?",
            [form, label])}
        assert len(held_out) >= 6, form
        for progress in scan(store, [form]):
            pass
        found = candidates(store, progress.scan_id, dataset=form, decided_too=False)
        confident = {c.key for c in found if c.band in ("strong", "possible")}
        recall = len(held_out & confident) / len(held_out)
        print(f"\n{person} in {form}: {len(held_out & confident)}/{len(held_out)} held-out photos strong or possible")
        assert recall >= 0.9, f"{person} in {form}: only {recall:.0%} strong or possible"
        labels = dict(store.conn.execute("SELECT i.key, i.label FROM items i JOIN datasets d ON d.id = i.dataset_id"
                                         " WHERE d.name = ?", [form]).fetchall())
        # lfw.bin's crops (the first identities, alphabetically) are strangers here too.
        wrong_strong = [c.key for c in found if c.band == "strong" and labels.get(c.key) != label]
        assert wrong_strong == [], f"{form}: other people in 'strong': {wrong_strong}"
