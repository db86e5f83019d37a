"""Issue 16 in the window: identifiers on the Me page, rows of lists reviewed on Scan & Review like faces."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from faceaudit.core.datasets.catalog import add_dataset
from faceaudit.core.matching.matches import identifier_candidates
from faceaudit.gui.widgets.candidate_cards import RowCard
from tests.support.link_lists import ffhq_json, write_bytes

MINE = "https://www.flickr.com/photos/jdoe/5551234567/"


def _scan_for_jdoe(window, qtbot):
    """Add flickr:jdoe on the Me page and scan from Scan & Review; returns that page when the scan is done."""
    window.me_page.identifiers.add("flickr:jdoe")
    window.show_page(2)
    page = window.review_page
    page.start_scan()
    qtbot.waitUntil(lambda: not page.scanning, timeout=30000)
    return page


def test_me_page_keeps_identifiers(window, qtbot, tmp_path):
    panel = window.me_page.identifiers
    assert panel.add("flickr:jdoe")
    assert not panel.add("jdoe")  # not an identifier: says why, adds nothing
    assert "is not an identifier" in panel.notice.text() and panel.notice.isVisible()
    panel.entry.setText('name:"Jane Doe"')
    qtbot.keyClick(panel.entry, Qt.Key.Key_Return)
    assert panel.identifiers() == ["Flickr account:  jdoe", 'Name:  "Jane Doe"']
    panel.list.setCurrentRow(0)
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert panel.identifiers() == ['Name:  "Jane Doe"']

    photos = tmp_path / "uploads"
    for n in range(3):
        write_bytes(photos / f"IMG_{n}.jpg", b"photo %d" % n)
    panel.add_folder_hashes(photos)
    qtbot.waitUntil(lambda: not panel.busy, timeout=10000)
    assert "fingerprints of 3 photos you uploaded" in panel.summary.text()
    assert "the photos themselves are not kept" in panel.notice.text()
    assert panel.identifiers() == ['Name:  "Jane Doe"']  # hashes are counted, not listed one by one


def test_rows_are_reviewed_like_faces(window, qtbot, store, tmp_path):
    rows = [{}] * 30 + [{"photo_url": MINE, "author": "Jane Doe"}] + [{}] * 5
    ffhq_json(tmp_path / "ffhq-dataset-v2.json", rows)
    add_dataset(store, tmp_path / "ffhq-dataset-v2.json", "FFHQ")
    page = _scan_for_jdoe(window, qtbot)
    shown = page.shown()
    assert [(c.file, c.locator) for c in shown] == [("ffhq-dataset-v2.json", "entry 30")]
    assert page.detail.currentWidget() is page.row
    assert "names you" in page.row.title.text() and "flickr:jdoe" in page.row.title.text()
    assert f"Photo address: {MINE}" in page.row.where.text()
    fields = {page.row.fields.item(r, 0).text(): page.row.fields.item(r, 1).text()
              for r in range(page.row.fields.rowCount())}
    assert fields["metadata.author"] == "Jane Doe" and fields["metadata.photo_url"] == MINE
    card = page.grid.card(shown[0].ref)
    assert isinstance(card, RowCard) and card.caption() == ["FFHQ", "entry 30, ffhq-dataset-v2.json"]
    assert page.grid._headers["listed"].text().startswith("Rows of lists of links that name you")
    page.grid.setFocus()
    qtbot.keyClick(page.grid, Qt.Key.Key_Home)  # chosen by the person, not only placed first by the scan
    qtbot.keyClick(page.grid, Qt.Key.Key_Y)
    assert [c.decision for c in identifier_candidates(store)] == ["me"]
    assert page.row.buttons["me"].isChecked() and "this is me" in page.row.decision.text()
    assert json.loads(store.scalar("SELECT matched FROM identifier_matches"))[0]["label"] == "flickr:jdoe"
    assert page.undo()  # Ctrl+Z takes a row's decision back like a face's
    assert [c.decision for c in identifier_candidates(store)] == ["unreviewed"]


def test_rows_and_faces_with_the_same_number_stay_apart(window, qtbot, store, tmp_path):
    # A row's id and a face match's id are counted apart: L1 and 1 must never be taken for each other.
    from faceaudit.core.matching.matches import decide

    store.db["datasets"].insert({"id": 7, "name": "Faces", "path": str(tmp_path), "kind": "folder",
                                 "added": "2026-01-01", "aligned": "none"})
    store.db["items"].insert({"id": 1, "dataset_id": 7, "key": "a/b.jpg", "size": 1, "fingerprint": "1",
                              "status": "done", "n_faces": 1})
    store.db["scans"].insert({"id": 1, "started": "x", "finished": "y", "datasets": "[]", "n_references": 1})
    store.db["matches"].insert({"id": 1, "dataset_id": 7, "item_id": 1, "face_idx": 0, "scan_id": 1,
                                "distance": 0.3, "agree": 1, "n_references": 1, "band": "strong",
                                "exact_photo": 0, "first_seen": "y"})
    store.db["identifier_matches"].insert({"id": 1, "dataset_id": 7, "file": "list.csv", "locator": "line 2",
                                           "position": 2, "matched": "[]", "fields": "{}", "scan_id": 1,
                                           "first_seen": "y"})
    previous = decide(store, ["L1"], "not_me")
    assert previous == {"L1": "unreviewed"}
    assert store.scalar("SELECT decision FROM matches WHERE id = 1") == "unreviewed"
    assert store.scalar("SELECT decision FROM identifier_matches WHERE id = 1") == "not_me"
    window.show_page(2)
    window.review_page.refresh()
    assert sorted(map(str, (c.ref for c in window.review_page.shown()))) == ["1", "L1"]


def test_a_scan_names_the_datasets_it_could_not_search(window, qtbot, store, tmp_path):
    # One wording for the scan's `unchecked` in both front ends: a face dataset with no photo of me to
    # look for is named as not really checked, beside the list that was searched.
    ffhq_json(tmp_path / "ffhq-dataset-v2.json", [{}] * 10)
    add_dataset(store, tmp_path / "ffhq-dataset-v2.json", "FFHQ")
    faces = tmp_path / "faces" / "someone"
    faces.mkdir(parents=True)
    write_bytes(faces / "a.jpg", b"not looked at")
    add_dataset(store, tmp_path / "faces", "Faces")
    page = _scan_for_jdoe(window, qtbot)
    assert page.notice.isVisible() and "Faces: no photo of you to look for" in page.notice.text()
    assert "FFHQ" not in page.notice.text()  # searched whole: no row names me, and that is an answer
    assert "looks like yours" not in page._empty_text()
