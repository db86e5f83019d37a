"""Issue 22, item 5: random dataset trees with a known truth. Whatever the tree, every file and member is in
exactly one place (an item, or the ledger as companion or not read), every unread byte is in `dataset errors`,
and a dataset is checked (the all-clear possible) only when every photo was read.

A few hundred trees are listed (the ledger is what is tested: tiny photos, no face detection); one in ten is
indexed for real (broken photos found by decoding); a few, made of LFW photos, are indexed and scanned against
an enrolled person, and the scan's all-clear is checked against the truth.
"""

from __future__ import annotations

import random

from faceaudit.core.datasets.catalog import add_dataset, check_new_dataset, dataset_errors, get_dataset
from faceaudit.core.datasets.indexing import index_dataset
from faceaudit.core.datasets.listing import sync_listing
from faceaudit.core.storage.store import Store
from tests.support.random_trees import Truth, random_tree

TREES = 300
INDEXED_EVERY = 10
SETTINGS = {"model": "ledger-test"}


def _added(store: Store, root, name: str, truth: Truth) -> bool:
    """Add the tree, or check its refusal against the truth; True when it was added."""
    problems = check_new_dataset(store, root, name)
    if not problems:
        add_dataset(store, root, name)
        return True
    message = problems[0].message
    assert not truth.photos and not truth.damaged, (name, message)
    if truth.unread:  # it names what it found, never "holds no photos"
        assert "which FaceAudit cannot read" in message and "holds no photos" not in message, (name, message)
    else:
        assert "holds no photos" in message, (name, message)
    return False


def _check_ledger(store: Store, name: str, truth: Truth) -> None:
    dataset_id = get_dataset(store, name).id
    items = {key for (key,) in store.conn.execute("SELECT key FROM items WHERE dataset_id = ?", [dataset_id])}
    aside = dict(store.conn.execute("SELECT key, reason FROM ledger WHERE dataset_id = ?", [dataset_id]).fetchall())
    assert not items & set(aside), name  # exactly one place
    assert items == truth.photos | truth.damaged | truth.broken_at_index, name
    assert set(aside) == set(truth.unread) | truth.companions, (name, aside)
    assert {key for key, reason in aside.items() if reason is None} == truth.companions, (name, aside)
    errors = dataset_errors(store, name)
    assert {row["key"] for row in errors} >= set(truth.unread) | truth.damaged, name
    assert {row["key"]: row["size"] for row in errors if row["key"] in truth.unread} == truth.unread, name
    assert all(row["reason"] for row in errors), name


def test_random_trees_put_every_file_in_one_place_and_every_unread_byte_in_dataset_errors(data_home, tmp_path):
    whole = partial = indexed = 0
    with Store() as store:
        for seed in range(TREES):
            name = f"tree-{seed}"
            index = seed % INDEXED_EVERY == 0
            truth = random_tree(seed, tmp_path / name, broken=index)
            if not _added(store, tmp_path / name, name, truth):
                continue
            if index:
                list(index_dataset(store, name, workers=0))
                indexed += 1
            else:
                sync_listing(store, get_dataset(store, name).id, SETTINGS)
            _check_ledger(store, name, truth)
            info = get_dataset(store, name)
            if index:
                broken = {row["key"] for row in dataset_errors(store, name)} & truth.broken_at_index
                assert broken == truth.broken_at_index, name
            assert info.ledger.whole == truth.whole, (name, info.ledger)
            if not truth.whole:
                assert not info.checked and info.reason, name
                partial += 1
            else:
                whole += 1
    # The trees really mix both kinds, and some were indexed for real.
    assert whole >= 10 and partial >= 100 and indexed >= TREES // INDEXED_EVERY // 2


def test_the_all_clear_only_when_every_photo_of_every_tree_was_read(data_home, tmp_path, lfw):
    from faceaudit.core.matching.matches import candidates, identifier_candidates
    from faceaudit.core.matching.references import add_reference
    from faceaudit.core.matching.scan import scan
    from tests.support.lfw_sets import person_photos

    person = "Jack_Straw"
    strangers = sorted(p for folder in lfw.iterdir() if folder.is_dir() and folder.name != person
                       for p in folder.glob("*.jpg"))
    said, checked = [], []
    with Store() as store:
        for photo in person_photos(lfw, person)[:2]:
            add_reference(store, photo)
        for seed in range(8):
            name = f"faces-{seed}"
            faces = random.Random(seed).sample(strangers, 12)
            truth = random_tree(1000 + seed, tmp_path / name, faces=faces, broken=True, clean=seed < 3)
            if not _added(store, tmp_path / name, name, truth):
                continue
            list(index_dataset(store, name, workers=0))
            final = None
            for final in scan(store, [name]):
                pass
            quiet = not candidates(store, final.scan_id, dataset=name) and not identifier_candidates(
                store, final.scan_id, dataset=name)
            all_clear = quiet and final.all_checked
            said.append(all_clear)
            if all_clear:
                assert truth.whole, (name, truth)
            if final.all_checked:
                checked.append(name)
                assert truth.whole, (name, truth)
            else:
                assert final.unchecked and final.unchecked[0].reason, name
    # The control: a whole tree of faces is checked, so the test above can fail.
    assert checked, "no tree was ever checked"
