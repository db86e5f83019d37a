"""Scan & Review as a face grid: bands, crops, keys, several at once, the side panel, copies of one photo."""

from __future__ import annotations

from PySide6.QtCore import Qt

from faceaudit.core.storage.store import Store


def _decisions() -> dict[str, str]:
    with Store() as check:
        return {r["key"]: r["decision"] for r in check.query(
            "SELECT i.key, m.decision FROM matches m JOIN items i ON i.id = m.item_id")}


def test_grid_shows_face_crops_grouped_by_band(review_window):
    page = review_window.review_page
    shown = [c for c in page.shown() if c.kind == "face"]
    bands = [c.band for c in shown]
    assert bands == sorted(bands, key=["strong", "possible", "weak"].index)  # grouped, strongest first
    assert bands.count("strong") == 5 and "weak" in bands
    assert {key for key in page.grid._headers} == set(bands) | {"identities"}  # the person's folder, after them
    assert "Strong" in page.grid._headers["strong"].text() and "(5)" in page.grid._headers["strong"].text()
    for card in page.grid.cards():
        if card.candidate.kind != "face":
            continue
        assert card.image is not None and not card.image.isNull()  # the crop, cut in the background
        assert 0.5 < card.image.width() / card.image.height() < 2
        assert card.accessibleName().startswith("lfw-people: ")
    assert page.grid.hasFocus() or page.grid.current() is not None


def test_keys_move_decide_several_and_undo(qtbot, review_window):
    page = review_window.review_page
    grid = page.grid
    grid.setFocus()
    grid.set_current(0)
    shown = page.shown()
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    assert grid.current().id == shown[1].id
    qtbot.keyClick(grid, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(grid, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert [c.id for c in grid.selected()] == [c.id for c in shown[1:4]]
    qtbot.keyClick(grid, Qt.Key.Key_Y)  # three strong faces at once
    decided = _decisions()
    assert [decided[c.key] for c in shown[1:4]] == ["me"] * 3 and decided[shown[0].key] == "unreviewed"
    assert grid.current().id == shown[4].id  # moved on past the last one decided
    assert page.undo_bar.isVisible() and "3 photos" in page.undo_bar.message.text()
    assert all(grid.card(c.id).candidate.decision == "me" for c in shown[1:4])

    qtbot.keyClick(grid, Qt.Key.Key_N)
    assert _decisions()[shown[4].key] == "not_me"
    qtbot.keyClick(grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _decisions()[shown[4].key] == "unreviewed" and grid.current().id == shown[4].id
    qtbot.mouseClick(page.undo_bar.undo_button, Qt.MouseButton.LeftButton)  # the one before: the three
    assert {_decisions()[c.key] for c in shown[1:5]} == {"unreviewed"}
    assert not page.undo()  # nothing left to undo


def test_undo_bar_goes_after_its_timeout_and_ctrl_z_still_works(qtbot, review_window):
    page = review_window.review_page
    page.undo_bar._timer.setInterval(300)
    page.grid.setFocus()
    page.grid.set_current(0)
    key = page.shown()[0].key
    qtbot.keyClick(page.grid, Qt.Key.Key_U)
    assert page.undo_bar.isVisible() and _decisions()[key] == "unsure"
    qtbot.waitUntil(lambda: not page.undo_bar.isVisible(), timeout=5000)
    qtbot.keyClick(page.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _decisions()[key] == "unreviewed"


def test_space_ctrl_and_shift_clicks_select(qtbot, review_window):
    page = review_window.review_page
    grid = page.grid
    cards = grid.cards()
    grid.setFocus()
    grid.set_current(0)
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    qtbot.keyClick(grid, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)  # moves, selection kept
    assert grid.current().id == cards[2].candidate.id and [c.id for c in grid.selected()] == [cards[1].candidate.id]
    qtbot.keyClick(grid, Qt.Key.Key_Space)
    qtbot.keyClick(grid, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(grid, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(grid, Qt.Key.Key_Space)
    chosen = [cards[n].candidate for n in (1, 2, 4)]
    assert [c.id for c in grid.selected()] == [c.id for c in chosen]
    assert all(cards[n].selected for n in (1, 2, 4)) and not cards[3].selected
    qtbot.keyClick(grid, Qt.Key.Key_N)  # three, not side by side
    assert [_decisions()[c.key] for c in chosen] == ["not_me"] * 3
    assert _decisions()[cards[3].candidate.key] == "unreviewed"

    qtbot.mouseClick(cards[0], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(cards[3], Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier)
    assert [c.id for c in grid.selected()] == [cards[0].candidate.id, cards[3].candidate.id]
    qtbot.mouseClick(cards[0], Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier)  # taken out again
    assert [c.id for c in grid.selected()] == [cards[3].candidate.id]
    qtbot.mouseClick(cards[3], Qt.MouseButton.LeftButton)  # the anchor of a run is the card last clicked
    qtbot.mouseClick(cards[5], Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier)
    assert [c.id for c in grid.selected()] == [c.candidate.id for c in cards[3:6]]
    qtbot.keyClick(grid, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(grid.selected()) == len(cards)
    qtbot.keyClick(grid, Qt.Key.Key_Escape)
    assert len(grid.selected()) == 1
    qtbot.mouseClick(cards[2], Qt.MouseButton.LeftButton)
    assert [c.id for c in grid.selected()] == [cards[2].candidate.id] and grid.hasFocus()


def test_up_and_down_keep_the_column(qtbot, review_window):
    grid = review_window.review_page.grid
    grid.setFocus()
    grid.set_current(1)
    rows = grid._rows
    columns = len(rows[0])
    assert columns >= 2
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert grid._rows[1][min(1, len(rows[1]) - 1)] == [c.candidate.id for c in grid.cards()].index(grid.current().id)
    qtbot.keyClick(grid, Qt.Key.Key_Up)
    assert grid.current().id == grid.cards()[1].candidate.id
    qtbot.keyClick(grid, Qt.Key.Key_End)
    assert grid.current().id == grid.cards()[-1].candidate.id
    qtbot.keyClick(grid, Qt.Key.Key_Home)
    assert grid.current().id == grid.cards()[0].candidate.id


def test_side_panel_compares_with_every_reference_and_zooms(qtbot, review_window):
    from faceaudit.gui.wording import model_limit

    page = review_window.review_page
    page.grid.set_current(0)
    qtbot.waitUntil(lambda: not page.loading_pictures, timeout=30_000)
    panel = page.panel
    faces = panel.references.faces()
    assert len(faces) == 3 and all(face.distance is not None and face.distance < 0.6 for face in faces)
    # The panel's distance is the one of the model that saw the candidate, and so is its limit.
    limit = f"{model_limit(page.grid.current().model):.2f}".rstrip("0")
    assert f"3 of your 3 reference faces are within {limit}" in panel.details.text()
    assert "Found by " in panel.details.text()
    assert panel.photo.has_image and panel.photo.picture()[1] is not None  # the whole photo, the face boxed
    framed = panel.photo.view()
    assert framed.width() < panel.photo.picture()[0].width()  # framed on the face, not the whole photo
    qtbot.mouseClick(panel.zoom_buttons["in"], Qt.MouseButton.LeftButton)
    assert panel.photo.view().width() < framed.width()
    panel.photo.setFocus()
    qtbot.keyClick(panel.photo, Qt.Key.Key_0)
    assert panel.photo.view().width() == panel.photo.picture()[0].width()
    page.grid.setFocus()
    qtbot.keyClick(page.grid, Qt.Key.Key_Return)  # Enter: the photo in a window of its own
    dialog = page.last_dialog
    assert dialog.isVisible() and dialog.photo.has_image and dialog.photo.accessibleName()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_faces_grow_with_the_window(qtbot, review_window):
    grid = review_window.review_page.grid
    review_window.resize(900, 600)
    qtbot.waitUntil(lambda: review_window.width() == 900)
    qtbot.wait(50)
    small = grid.card_side()
    review_window.resize(1920, 1080)
    qtbot.waitUntil(lambda: review_window.width() == 1920)
    qtbot.wait(50)
    large = grid.card_side()
    assert large >= small * 1.4, (small, large)
    for card in grid.cards():  # no card overlaps another or runs off the grid
        assert card.geometry().right() <= grid.viewport().width()
    geometries = [card.geometry() for card in grid.cards()]
    assert not any(a.intersects(b) for n, a in enumerate(geometries) for b in geometries[n + 1:])


def test_an_identity_card_decides_its_close_photos_together(qtbot, review_window):
    page, grid = review_window.review_page, review_window.review_page.grid
    identities = [c for c in page.shown() if c.kind == "identity"]
    assert [c.label for c in identities] == ["Al_Gore"]  # the person's folder; no stranger's is close as a whole
    identity = identities[0]
    assert identity.band in ("strong", "possible") and 3 <= identity.close <= identity.photos == 5
    assert page.shown()[-1].ref == identity.ref and "(1)" in grid._headers["identities"].text()
    card = grid.card(identity.ref)
    assert card.accessibleName() == "lfw-people: identity Al_Gore"
    assert f"{identity.close} of its 5 photos are close to yours" in card.toolTip()
    page.select(identity.ref)
    assert "identity Al_Gore: " in page.panel.empty.text() and page.panel.empty.isVisible()
    grid.setFocus()
    qtbot.keyClick(grid, Qt.Key.Key_Y)
    keys = {c.id: c.key for c in page.shown() if c.kind == "face"}
    decided = _decisions()
    assert {decided[keys[m]] for m in identity.match_ids} == {"me"}
    assert {k.split("/")[0] for k, d in decided.items() if d == "me"} == {"Al_Gore"}
    assert next(c for c in page.shown() if c.kind == "identity").decision == "me"
    qtbot.keyClick(grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert set(_decisions().values()) == {"unreviewed"}
