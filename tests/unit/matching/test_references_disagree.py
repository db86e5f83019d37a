"""A reference face that disagrees with my others is flagged and kept out of matching until I confirm it."""

from __future__ import annotations

import numpy as np
import pytest

from faceaudit.core.matching.references import (
    add_reference,
    confirm_reference,
    disagreeing,
    list_references,
    reference_matrix,
)
from faceaudit.core.matching.scan import ScanError, scan
from faceaudit.core.storage.store import Store


def _person(rng, centre: np.ndarray, count: int) -> list[np.ndarray]:
    # Photos of one person lie about 0.35 from each other in dlib's space; strangers about 0.8.
    return [centre + rng.normal(scale=0.025, size=128) for _ in range(count)]


def test_the_majority_decides_and_two_that_disagree_flag_the_newer():
    rng = np.random.default_rng(3)
    me, other = rng.normal(scale=0.07, size=128), rng.normal(scale=0.07, size=128)
    mine, stranger = _person(rng, me, 4), _person(rng, other, 2)
    assert disagreeing(np.stack(mine[:1])) == [False]  # one face alone is never flagged
    assert disagreeing(np.stack([mine[0], stranger[0]])) == [False, True]  # the newer of two
    assert disagreeing(np.stack([stranger[0], mine[0]])) == [False, True]  # ... whoever it is
    # A third face settles it: the stranger added first is now the one out of line.
    assert disagreeing(np.stack([stranger[0], mine[0], mine[1]])) == [True, False, False]
    assert disagreeing(np.stack(mine + [stranger[0]])) == [False] * 4 + [True]
    assert disagreeing(np.stack(mine)) == [False] * 4


def test_a_stranger_from_a_group_photo_is_flagged_on_real_faces(data_home, lfw):
    with Store() as store:
        for number in (1, 2, 3):
            added = add_reference(store, lfw / "Al_Gore" / f"Al_Gore_000{number}.jpg", jitter=0)
            assert added.matching
        biden = add_reference(store, lfw / "Joseph_Biden" / "Joseph_Biden_0001.jpg", jitter=0)
        assert biden.disagrees and not biden.confirmed and not biden.matching
        listed = {face.id: face for face in list_references(store)}
        assert [face.disagrees for face in listed.values()] == [False, False, False, True]
        ids, matrix, models = reference_matrix(store)
        assert biden.id not in ids and len(ids) == len(matrix) == len(models) == 3

        confirm_reference(store, biden.id)  # "Yes, this is me"
        again = {face.id: face for face in list_references(store)}[biden.id]
        assert again.disagrees and again.confirmed and again.matching
        assert biden.id in reference_matrix(store)[0]


def test_scan_says_why_when_every_face_is_left_out(data_home):
    rng = np.random.default_rng(5)
    a, b = rng.normal(scale=0.07, size=128), rng.normal(scale=0.07, size=128)
    with Store() as store:
        photo_id = store.db["reference_photos"].insert({"name": "x.jpg", "sha256": "0" * 64, "added": "2026"}).last_pk
        for embedding in _person(rng, a, 2) + _person(rng, b, 2):  # two people, two photos each
            store.db["reference_faces"].insert({"photo_id": photo_id, "model": "m",
                                                "embedding": np.asarray(embedding, "<f4").tobytes()})
        assert reference_matrix(store)[0] == []
        # a face dataset to search (the reference photo's hash alone could still search lists of links)
        store.db["datasets"].insert({"name": "faces", "path": "/nowhere", "kind": "folder", "added": "2026",
                                     "aligned": "none"})
        with pytest.raises(ScanError, match="do not look like one person") as raised:
            list(scan(store))
        assert raised.value.action == "confirm-reference"
