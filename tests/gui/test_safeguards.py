"""Safeguards: a weak candidate is confirmed only after a second question; one photo in two datasets is one
decision; a reference face that is someone else's is flagged and left out until confirmed; the scan says what
share of a partly indexed dataset it covers."""

from __future__ import annotations

import shutil

from PySide6.QtCore import Qt

from faceaudit.core.storage.store import Store


def _decision(key: str) -> set[str]:
    with Store() as check:
        return {r["decision"] for r in check.query(
            "SELECT m.decision FROM matches m JOIN items i ON i.id = m.item_id WHERE i.key = ?", [key])}


def test_confirming_a_weak_candidate_asks_once_more_with_the_reasons(qtbot, review_window):
    page = review_window.review_page
    shown = page.shown()
    weak = [n for n, c in enumerate(shown) if c.band == "weak"]
    assert weak, [c.band for c in shown]
    page.grid.setFocus()
    page.grid.set_current(weak[0])
    candidate = shown[weak[0]]
    qtbot.keyClick(page.grid, Qt.Key.Key_Y)
    dialog = page.last_dialog
    assert dialog is not None and dialog.isVisible()
    words = " ".join(label.text() for label in dialog.findChildren(type(page.status)))
    assert "most likely someone who looks like you" in words
    assert f"{candidate.agree} of your 3 reference faces" in words or "would look this close" in words
    assert _decision(candidate.key) == {"unreviewed"}  # nothing saved while it asks
    assert dialog.cancel_button.isDefault()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # "No, go back"
    assert not dialog.isVisible() and _decision(candidate.key) == {"unreviewed"}

    qtbot.keyClick(page.grid, Qt.Key.Key_Y)
    again = page.last_dialog
    assert again is not dialog and again.isVisible()
    qtbot.mouseClick(again.confirm_button, Qt.MouseButton.LeftButton)
    assert _decision(candidate.key) == {"me"}
    assert page.grid.card(candidate.id).candidate.decision == "me"

    # Strong ones are confirmed without a question; not-me never asks.
    page.grid.set_current(0)
    page.last_dialog = None
    qtbot.keyClick(page.grid, Qt.Key.Key_Y)
    assert page.last_dialog is None and _decision(shown[0].key) == {"me"}
    page.grid.set_current(weak[-1])
    qtbot.keyClick(page.grid, Qt.Key.Key_N)
    assert page.last_dialog is None and _decision(shown[weak[-1]].key) == {"not_me"}


def test_several_with_weak_ones_among_them_ask_once_for_all(qtbot, review_window):
    page = review_window.review_page
    page.grid.setFocus()
    page.grid.select_all()
    qtbot.keyClick(page.grid, Qt.Key.Key_Y)
    dialog = page.last_dialog
    weak = [c for c in page.shown() if c.band == "weak"]
    assert dialog.windowTitle() == (f"Confirm {len(weak)} look-alikes?" if len(weak) > 1 else "Confirm a look-alike?")
    dialog.reject()
    assert all(_decision(c.key) == {"unreviewed"} for c in page.shown() if c.kind == "face")  # an identity: its photos


def test_one_photo_in_two_datasets_is_one_card_and_one_decision(qtbot, review_window, tmp_path, lfw):
    from faceaudit.core.datasets.catalog import add_dataset
    from faceaudit.core.datasets.indexing import index_dataset
    from faceaudit.core.matching.scan import scan

    mirror = tmp_path / "mirror" / "people"
    mirror.mkdir(parents=True)
    shutil.copy(lfw / "Al_Gore" / "Al_Gore_0004.jpg", mirror / "gore-renamed.jpg")  # the same file, renamed
    shutil.copy(lfw / "Tony_Blair" / "Tony_Blair_0001.jpg", mirror / "blair.jpg")
    with Store() as other:
        add_dataset(other, mirror.parent, "mirror")
        list(index_dataset(other, "mirror", workers=0))
        list(scan(other))
    page = review_window.review_page
    page.refresh()
    cards = [c for c in page.shown() if c.key.endswith("Al_Gore_0004.jpg") or c.key.endswith("gore-renamed.jpg")]
    assert len(cards) == 1 and {cards[0].dataset, *cards[0].also_in} == {"lfw-people", "mirror"}
    other = cards[0].also_in[0]
    card = page.grid.card(cards[0].id)
    assert "+1" in card.caption()[0] and f"Also in: {other}" in card.toolTip()
    page.select(cards[0].id)
    assert "also in: " in page.panel.title.text() and other.split("-")[0] in page.panel.title.text()
    page.grid.setFocus()
    qtbot.keyClick(page.grid, Qt.Key.Key_Y)
    assert _decision("Al_Gore/Al_Gore_0004.jpg") == {"me"} and _decision("people/gore-renamed.jpg") == {"me"}
    qtbot.keyClick(page.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _decision("Al_Gore/Al_Gore_0004.jpg") == _decision("people/gore-renamed.jpg") == {"unreviewed"}


def test_a_face_of_someone_else_is_flagged_on_me_and_confirmed_there(qtbot, review_window, lfw):
    me = review_window.me_page
    review_window.show_page(0)
    me.add_photos([lfw / "Joseph_Biden" / "Joseph_Biden_0001.jpg"])
    qtbot.waitUntil(lambda: me.faces.count() == 4 and not me.busy_now, timeout=60_000)
    assert "does not look like your other reference faces" in me.notice.text()
    assert me.flagged.isVisible() and "Joseph_Biden_0001.jpg does not look like" in me.flagged.text()
    biden = me.faces.item(3)
    assert "left out" in biden.text() and "1 left out" in me.summary.text()
    me.faces.setCurrentRow(0)
    assert not me.confirm_button.isEnabled()
    me.faces.setCurrentRow(3)
    assert me.confirm_button.isEnabled()

    review_window.show_page(2)  # the Review panel shows it, marked as not used
    page = review_window.review_page
    page.grid.set_current(0)
    faces = page.panel.references.faces()
    assert [face.used for face in faces] == [True, True, True, False] and faces[3].distance > 0.6

    review_window.show_page(0)
    me.faces.setCurrentRow(3)
    qtbot.mouseClick(me.confirm_button, Qt.MouseButton.LeftButton)
    assert not me.flagged.isVisible() and "used in scans" in me.notice.text()
    assert "left out" not in me.faces.item(3).text() and not me.confirm_button.isEnabled()


def test_scan_over_a_partly_indexed_dataset_says_what_share_it_covers(qtbot, window, tmp_path, make_dataset):
    from faceaudit.core.datasets.catalog import add_dataset
    from faceaudit.core.datasets.indexing import index_dataset

    with Store() as other:
        add_dataset(other, make_dataset(tmp_path / "half", others=30), "half")
        run = index_dataset(other, "half", workers=0)
        for progress in run:
            if progress.phase == "indexing" and progress.done >= 9:
                break
        run.close()
        done, items = other.query("SELECT SUM(status != 'pending') AS d, COUNT(*) AS n FROM items")[0].values()
    window.show_page(2)
    coverage = window.review_page.coverage
    assert coverage.isVisible()
    assert f"half is {100 * done / items:.0f}% indexed ({done} of {items} photos)" in coverage.text()
    assert "Index on the Datasets page" in coverage.text()
