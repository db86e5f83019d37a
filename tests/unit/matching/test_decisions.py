"""One photo, one decision: copies in several datasets are listed once and decided together; undo puts back."""

from __future__ import annotations

import pytest

from faceaudit.core.matching.matches import (
    DecisionError,
    candidates,
    decide,
    inherit_decisions,
    needs_second_look,
    one_per_photo,
    restore_decisions,
    review,
)
from faceaudit.core.storage.store import Store, now

SHARED, OWN = "5e" * 32, "0a" * 32


def _dataset(store: Store, name: str, photos: list[tuple[str, str, list[tuple[int, int, int, int]]]],
             band: str = "strong") -> list[int]:
    """A dataset whose photos each have faces (boxes) and a match per face; returns the match ids."""
    with store.transaction() as conn:
        dataset_id = conn.execute("INSERT INTO datasets (name, path, kind, added) VALUES (?, ?, 'folder', ?)",
                                  [name, f"/nowhere/{name}", now()]).lastrowid
        scan_id = (conn.execute("SELECT MAX(id) FROM scans").fetchone()[0]  # one scan found them all
                   or conn.execute("INSERT INTO scans (started, finished) VALUES (?, ?)", [now(), now()]).lastrowid)
        ids = []
        for key, sha, boxes in photos:
            item_id = conn.execute("INSERT INTO items (dataset_id, key, sha256, status) VALUES (?, ?, ?, 'done')",
                                   [dataset_id, key, sha]).lastrowid
            for idx, (top, right, bottom, left) in enumerate(boxes):
                conn.execute("INSERT INTO faces (item_id, dataset_id, idx, top, right, bottom, left, embedding)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             [item_id, dataset_id, idx, top, right, bottom, left, b"\0" * 512])
                ids.append(conn.execute(
                    "INSERT INTO matches (dataset_id, item_id, face_idx, scan_id, distance, agree, n_references,"
                    " band, first_seen) VALUES (?, ?, ?, ?, 0.4, 3, 3, ?, ?)",
                    [dataset_id, item_id, idx, scan_id, band, now()]).lastrowid)
    return ids


def _decisions(store: Store) -> dict[int, str]:
    return dict(store.conn.execute("SELECT id, decision FROM matches").fetchall())


def test_a_decision_on_one_copy_is_a_decision_on_every_copy(data_home):
    with Store() as store:
        # A group photo published in two datasets (box moved a few pixels by another detector), plus a photo of its own.
        first = _dataset(store, "web-faces", [("a/group.jpg", SHARED, [(10, 60, 60, 10), (10, 160, 60, 110)]),
                                              ("a/own.jpg", OWN, [(5, 50, 50, 5)])])
        second = _dataset(store, "web-faces-v2", [("b/renamed.jpg", SHARED, [(12, 62, 61, 11), (10, 160, 60, 110)])])
        listed = candidates(store)
        folded = one_per_photo(listed)
        assert len(listed) == 5 and len(folded) == 3
        group_face = next(c for c in folded if c.id == first[0])
        assert group_face.also_in == ("web-faces-v2",) and group_face.copies == (second[0],)

        previous = decide(store, [first[0]], "me")
        assert previous == {first[0]: "unreviewed", second[0]: "unreviewed"}
        decided = _decisions(store)
        assert decided[first[0]] == decided[second[0]] == "me"
        assert decided[first[1]] == decided[second[1]] == "unreviewed"  # the other face in the photo: not me

        review(store, second[0], "not_me")  # changing my mind on the copy changes the original too
        assert _decisions(store)[first[0]] == "not_me"
        restore_decisions(store, {first[0]: "me", second[0]: "me"})
        assert _decisions(store)[first[0]] == _decisions(store)[second[0]] == "me"
        restore_decisions(store, previous)  # undo the first decision: back to undecided, decided_at cleared
        assert set(_decisions(store).values()) == {"unreviewed"}
        assert store.scalar("SELECT COUNT(*) FROM matches WHERE decided_at IS NOT NULL") == 0


def test_a_copy_found_later_takes_the_decision(data_home):
    with Store() as store:
        (original,) = _dataset(store, "old-release", [("x.jpg", SHARED, [(10, 60, 60, 10)])])
        review(store, original, "me")
        later = _dataset(store, "new-release", [("y/x.jpg", SHARED, [(11, 61, 60, 10)]),
                                                ("y/other.jpg", OWN, [(11, 61, 60, 10)])])
        dataset_id = store.scalar("SELECT id FROM datasets WHERE name = 'new-release'")
        assert inherit_decisions(store, dataset_id) == 1
        assert _decisions(store)[later[0]] == "me" and _decisions(store)[later[1]] == "unreviewed"


def test_unknown_matches_and_decisions_change_nothing(data_home):
    with Store() as store:
        ids = _dataset(store, "d", [("x.jpg", OWN, [(1, 9, 9, 1)])])
        with pytest.raises(DecisionError, match="no match with id 999"):
            decide(store, [ids[0], 999], "me")
        with pytest.raises(DecisionError, match="must be one of"):
            decide(store, ids, "maybe")
        assert _decisions(store) == {ids[0]: "unreviewed"}


def test_only_weak_candidates_need_a_second_look(data_home):
    with Store() as store:
        _dataset(store, "strong", [("s.jpg", "1" * 64, [(1, 9, 9, 1)])])
        _dataset(store, "weak", [("w.jpg", "2" * 64, [(1, 9, 9, 1)])], band="weak")
        looks = {c.dataset: needs_second_look(c) for c in candidates(store)}
        assert looks == {"strong": False, "weak": True}


def test_one_photo_has_one_band_from_every_copy_and_says_where_it_is(data_home):
    with Store() as store:
        small = _dataset(store, "small-set", [("a/jane.jpg", SHARED, [(10, 60, 60, 10)])], band="strong")
        large = _dataset(store, "large-set", [("b/jane.jpg", SHARED, [(10, 60, 60, 10)]),
                                              ("b/other.jpg", OWN, [(5, 50, 50, 5)])], band="possible")
        listed = candidates(store)
        assert {c.band for c in listed if c.key.endswith("jane.jpg")} == {"strong", "possible"}  # as each rated it
        folded = one_per_photo(listed)
        photo = next(c for c in folded if c.key.endswith("jane.jpg"))
        # Listed from the large set first, the photo still gets the strong rating the small set gave it.
        for order in (listed, list(reversed(listed))):
            again = next(c for c in one_per_photo(order) if c.key.endswith("jane.jpg"))
            assert again.band == "strong" and set(again.datasets) == {"small-set", "large-set"}
        assert dict(photo.rated) == {"small-set": "strong", "large-set": "possible"}
        assert {photo.id, *photo.copies} == {small[0], large[0]}
