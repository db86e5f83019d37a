"""Dataset states: only a dataset whose photos were read and whose faces were found is 'checked'."""

from __future__ import annotations

import pytest

from faceaudit.core.datasets.catalog import DatasetInfo, add_dataset, get_dataset
from faceaudit.core.datasets.listing import GONE_BUT_DECIDED
from faceaudit.core.datasets.states import FEW_FACES_MIN_PHOTOS, DatasetState, state_of
from faceaudit.core.storage.store import Store


def info(items=100, done=100, pending=0, errors=0, faces=100, indexed=True, gaps=()) -> DatasetInfo:
    return DatasetInfo(id=1, name="d", path="/d", kind="folder", items=items, done=done, pending=pending,
                       errors=errors, faces=faces, model=None, last_indexed="2026-01-01" if indexed else None,
                       gaps=tuple(gaps))


@pytest.mark.parametrize(("dataset", "top_error", "with_faces", "state", "words"), [
    (info(items=0, done=0, faces=0, indexed=False), None, 0, DatasetState.NEW, "not indexed yet"),
    (info(done=40, pending=60, indexed=False), None, 40, DatasetState.INDEXING, "60 of 100 items"),
    (info(items=0, done=0, faces=0), None, 0, DatasetState.NOTHING_READABLE, "no photo was found"),
    (info(done=0, errors=100, faces=0), "a TFRecord file", 0, DatasetState.NOTHING_READABLE,
     "none of its 100 items could be read (most often: a TFRecord file)"),
    (info(faces=0), None, 0, DatasetState.NO_FACES, "no face was found in any of its 100"),
    (info(faces=49), None, 49, DatasetState.FEW_FACES, "faces were found in only 49 of its 100"),
    (info(faces=70), None, 50, DatasetState.READY, None),  # half the photos with faces is enough
    (info(items=5, done=5, faces=0), None, 0, DatasetState.NO_FACES, "any of its 5"),
    (info(items=FEW_FACES_MIN_PHOTOS - 1, done=FEW_FACES_MIN_PHOTOS - 1, faces=1), None, 1, DatasetState.READY,
     None),
    (info(gaps=[("", "cut.tar: the archive ends early")]), None, 100, DatasetState.PARTLY_UNREADABLE,
     "cut.tar: the archive ends early"),
    (info(faces=10, gaps=[("p.tar/", "bomb")]), None, 10, DatasetState.FEW_FACES, "; bomb"),
])
def test_state_of(dataset, top_error, with_faces, state, words):
    found, reason = state_of(dataset, top_error, with_faces)
    assert found == state
    if words is None:
        assert reason is None
    else:
        assert words in reason


def test_items_not_readable_this_time_are_no_all_clear():
    # Issue 13 keeps items it could not read this time (unavailable); issue 14's states must not call
    # such a dataset checked.
    found, reason = state_of(info(), None, 100, unread=3)
    assert found == DatasetState.PARTLY_UNREADABLE and "3 items could not be read this time" in reason
    found, reason = state_of(info(faces=10), None, 10, unread=1)
    assert found == DatasetState.FEW_FACES and reason.endswith("; 1 item could not be read this time")


@pytest.mark.parametrize(("reason", "state"), [
    ("cannot read: Permission denied", DatasetState.PARTLY_UNREADABLE),
    (GONE_BUT_DECIDED, DatasetState.READY),  # gone from the dataset, kept for a decision: not a part unread
])
def test_the_catalog_counts_unavailable_items_that_are_still_in_the_dataset(data_home, tmp_path, reason, state):
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "seed.jpg").write_bytes(b"a photo")  # a folder with no photo is refused
    with Store() as store:
        dataset = add_dataset(store, tmp_path / "photos", "d")
        with store.transaction():
            store.conn.executemany(
                "INSERT INTO items (dataset_id, key, status, n_faces, reason) VALUES (?, ?, ?, ?, ?)",
                [[dataset.id, f"{n}.jpg", "done", 1, None] for n in range(20)]
                + [[dataset.id, "away.jpg", "unavailable", None, reason]])
            store.conn.execute("UPDATE datasets SET last_indexed = '2026-01-01' WHERE id = ?", [dataset.id])
        found = get_dataset(store, "d")
    assert found.unavailable == 1 and found.state == state


def test_a_not_read_part_of_the_ledger_keeps_a_dataset_from_being_checked():
    from dataclasses import replace

    from faceaudit.core.datasets.ledger import ITEM_ERRORS, Ledger, NotRead

    ledger = Ledger(2, 300, (NotRead("7-Zip volume", 3, 1_200_000_000), NotRead(ITEM_ERRORS, 2, 30_000)))
    state, reason = state_of(replace(info(faces=90, errors=2), ledger=ledger), "not an image", 90)
    assert state == DatasetState.PARTLY_UNREADABLE
    assert reason.startswith("partly read: 5 files / 1.2 GB not read (7-Zip volumes: 3 files, 1.2 GB; items that "
                             "could not be read: 2 files, 30.0 KB)")
    only_volumes = Ledger(0, 0, (NotRead("7-Zip volume", 3, 10), NotRead("Arrow file", 1, 10)))
    state, reason = state_of(replace(info(items=0, done=0, faces=0), ledger=only_volumes), None, 0)
    assert state == DatasetState.NOTHING_READABLE
    assert reason == "it holds 3 7-Zip volumes and 1 Arrow file, which FaceAudit cannot read"
    # Indexed before the ledger existed (an upgraded database): not checked until it is listed again.
    state, reason = state_of(replace(info(), ledger_listed=False), None, 100)
    assert state == DatasetState.PARTLY_UNREADABLE and "index it again" in reason
