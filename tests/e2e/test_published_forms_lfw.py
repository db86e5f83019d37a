"""Acceptance (issue 22, item 3): LFW photos in more of the forms face datasets are really published in.

Each form is built inside the test from ~100 LFW photos (a person's 6 held-out photos among
strangers), in the exact layout of the dataset it imitates (tests/support/published_forms.py):

- MS-Celeb-1M's `FaceImageCroppedWithOutAlignment.tsv` (base64 JPEGs in a TSV);
- a zip split with `zip -s` (`lfw.z01 …` + `lfw.zip`) in a folder;
- a solid 7-Zip archive, and CelebA's Google Drive layout of 7-Zip volumes (`img_celeba.7z/img_celeba.7z.001 …`);
- a shard folder mixing `part-00000.tar.gz` and `part-00001.tar.zst`;
- Hugging Face `save_to_disk` folders: a Dataset, and a DatasetDict with a folder per split;
- an LMDB environment of JPEGs (`data.mdb` + `lock.mdb`).

For each: every photo is an item (indexed, checked, labelled with the person as the form says it),
one item is read again straight from its locator (review and annex), the held-out photos are found
(>= 5 of 6 strong or possible) and no stranger is strong. The photos are the same bytes in every
form, so faces are computed once and copied between forms (the indexer's byte-identical twins).
"""

from __future__ import annotations

import hashlib
import random
import shutil

import pytest

from faceaudit.core.datasets.catalog import read_item_bytes
from faceaudit.core.datasets.indexing import index_dataset
from faceaudit.core.matching.matches import candidates
from faceaudit.core.matching.references import add_reference
from faceaudit.core.matching.scan import scan
from faceaudit.core.storage.store import Store
from tests.support.dataset_forms import index_all
from tests.support.lfw_sets import PEOPLE, person_photos
from tests.support.published_forms import (
    hf_save_to_disk,
    lmdb_env,
    mid_of,
    msceleb_tsv,
    seven_zip,
    split_zip,
    tar_zst,
)

PERSON = PEOPLE[0]
ENROLLED, HELD_OUT, STRANGERS = 2, 6, 94
FORMS = ("ms-celeb-tsv", "split-zip", "7z", "7z-volumes", "tar-gz-and-zst", "hf-save-to-disk", "hf-datasetdict",
         "lmdb")


def _photos(lfw):
    others = sorted(p for p in lfw.iterdir() if p.is_dir() and p.name != PERSON)
    pool = [photo for person in others for photo in sorted(person.glob("*.jpg"))]
    strangers = random.Random(22).sample(pool, STRANGERS)
    held = person_photos(lfw, PERSON)[ENROLLED:ENROLLED + HELD_OUT]
    photos = [(path, path.parent.name) for path in strangers + held]
    random.Random(5).shuffle(photos)
    return photos


@pytest.fixture(scope="module")
def forms(lfw, tmp_path_factory):
    if shutil.which("zip") is None:
        pytest.skip("the zip program (to make a split zip exactly as `zip -s` does) is not installed")
    base = tmp_path_factory.mktemp("published")
    photos = _photos(lfw)
    half = len(photos) // 2
    shards = base / "shards"
    shards.mkdir()
    tar_zst(photos[:half], shards / "part-00000.tar.gz", compression="gzip")
    tar_zst(photos[half:], shards / "part-00001.tar.zst")
    (base / "split").mkdir()
    split_zip(photos, base / "split", volume_kib=256)
    (base / "img_celeba.7z").mkdir()
    seven_zip(photos, base / "img_celeba.7z" / "img_celeba.7z", volume_bytes=300_000)
    paths = {
        "ms-celeb-tsv": msceleb_tsv(photos, base / "FaceImageCroppedWithOutAlignment.tsv"),
        "split-zip": base / "split",
        "7z": seven_zip(photos, base / "lfw.7z"),
        "7z-volumes": base / "img_celeba.7z",
        "tar-gz-and-zst": shards,
        "hf-save-to-disk": hf_save_to_disk(photos, base / "lfw-hf"),
        "hf-datasetdict": hf_save_to_disk(photos, base / "lfw-hf-dict", splits=("train", "test")),
        "lmdb": lmdb_env(photos, base / "lfw-lmdb"),
    }
    assert len(list((base / "split").glob("lfw.z0*"))) >= 2 and len(list((base / "img_celeba.7z").iterdir())) >= 2
    lock = (paths["lmdb"] / "lock.mdb").stat()
    store = Store(base / "home" / "faceaudit.db")
    index_all(store, paths)
    assert (paths["lmdb"] / "lock.mdb").stat().st_mtime_ns == lock.st_mtime_ns  # opened with lock=False
    for photo in person_photos(lfw, PERSON)[:ENROLLED]:
        add_reference(store, photo)
    yield store, photos
    store.close()
    shutil.rmtree(base, ignore_errors=True)


def _items(store, form):
    return store.query("SELECT i.key, i.label, i.status, i.sha256, i.reason FROM items i"
                       " JOIN datasets d ON d.id = i.dataset_id WHERE d.name = ?", [form])


@pytest.mark.parametrize("form", FORMS)
def test_every_photo_is_an_item_with_its_label_and_reads_again_from_its_locator(forms, form):
    store, photos = forms
    rows = _items(store, form)
    assert len(rows) == len(photos), form
    assert {r["status"] for r in rows} == {"done"}, [r["reason"] for r in rows if r["status"] != "done"][:3]
    digests = {hashlib.sha256(path.read_bytes()).hexdigest(): name for path, name in photos}
    who = {r["sha256"]: r["label"] for r in rows}
    expected = {mid_of(n) if form == "ms-celeb-tsv" else n for n in digests.values()}
    assert set(who) == set(digests)  # every photo's bytes, each once
    assert {who[sha] for sha in digests} <= expected
    assert all(who[sha] == (mid_of(name) if form == "ms-celeb-tsv" else name) for sha, name in digests.items())
    last = max(rows, key=lambda r: r["key"])
    data = read_item_bytes(store, form, last["key"])
    assert hashlib.sha256(data).hexdigest() == last["sha256"]
    # Stable keys and fingerprints: indexing again reads nothing again and changes nothing.
    before = store.query("SELECT key, sha256, indexed_at FROM items i JOIN datasets d ON d.id = i.dataset_id"
                         " WHERE d.name = ? ORDER BY key", [form])
    phases = [progress.phase for progress in index_dataset(store, form, workers=2)]
    assert phases[-1] == "finished", phases
    assert store.query("SELECT key, sha256, indexed_at FROM items i JOIN datasets d ON d.id = i.dataset_id"
                       " WHERE d.name = ? ORDER BY key", [form]) == before


def test_held_out_photos_are_found_in_every_form_and_strangers_are_not_strong(forms):
    store, photos = forms
    label = {form: mid_of(PERSON) if form == "ms-celeb-tsv" else PERSON for form in FORMS}
    for form in FORMS:
        labels = {r["key"]: r["label"] for r in _items(store, form)}
        held_out = {key for key, value in labels.items() if value == label[form]}
        assert len(held_out) == HELD_OUT, form
        for progress in scan(store, [form]):
            pass
        found = candidates(store, progress.scan_id, dataset=form, decided_too=False)
        confident = {c.key for c in found if c.band in ("strong", "possible")}
        print(f"\n{PERSON} in {form}: {len(held_out & confident)}/{HELD_OUT} held-out photos strong or possible")
        assert len(held_out & confident) >= 5, form
        wrong_strong = [c.key for c in found if c.band == "strong" and labels.get(c.key) != label[form]]
        assert wrong_strong == [], f"{form}: other people in 'strong': {wrong_strong}"
