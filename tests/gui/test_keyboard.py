"""Keyboard and accessibility: the group-photo picker by keys, pages and help by shortcut, names on pictures."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from faceaudit.core.matching.references import list_references


def test_group_photo_face_chosen_with_arrow_keys_and_enter(qtbot, window, examples):
    me = window.me_page
    me.add_photos([examples / "examples" / "two_people.jpg"])
    qtbot.waitUntil(lambda: me.picker.isVisible(), timeout=60_000)
    photo = me.picker.photo
    assert photo.hasFocus() or window.focusWidget() is photo  # the photo takes the keys at once
    assert photo.highlighted == 1 and "face 1 of 2 highlighted" in photo.accessibleDescription()
    start = photo.highlighted
    qtbot.keyClick(photo, Qt.Key.Key_Right)
    chosen = photo.highlighted
    assert chosen != start
    qtbot.keyClick(photo, Qt.Key.Key_Right)
    assert photo.highlighted == start  # round again
    qtbot.keyClick(photo, Qt.Key.Key_2)
    assert photo.highlighted == 2
    box = photo._boxes[1]
    scale = photo._scale
    qtbot.keyClick(photo, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: me.faces.count() == 1 and not me.busy_now, timeout=60_000)
    assert not me.picker.isVisible()
    top, right, bottom, left = list_references(window.store)[0].box
    # The face stored is the one highlighted (its box, in the picker's scaled pixels, within a few pixels).
    assert abs(top * scale - box[0]) < 4 and abs(left * scale - box[3]) < 4


def test_escape_skips_a_group_photo(qtbot, window, examples):
    me = window.me_page
    me.add_photos([examples / "examples" / "two_people.jpg"])
    qtbot.waitUntil(lambda: me.picker.isVisible(), timeout=60_000)
    qtbot.keyClick(me.picker.photo, Qt.Key.Key_Escape)
    assert not me.picker.isVisible() and me.faces.count() == 0


def test_pages_by_shortcut_and_a_visible_focus_in_the_sidebar(qtbot, window):
    for row in range(5):
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_1 + row), Qt.KeyboardModifier.ControlModifier)
        assert window.pages.currentIndex() == row and window.sidebar.currentRow() == row
    go = {action.text(): action.shortcut().toString() for action in window.go_menu.actions()}
    assert go == {"Me": "Ctrl+1", "Datasets": "Ctrl+2", "Scan && Review": "Ctrl+3", "Letters": "Ctrl+4",
                  "Requests": "Ctrl+5"}
    window.activateWindow()
    window.sidebar.setFocus()
    qtbot.waitUntil(window.sidebar.hasFocus)
    assert "3px solid palette(highlight)" in window.sidebar.styleSheet()  # framed while it has the focus
    qtbot.keyClick(window.sidebar, Qt.Key.Key_Tab)
    assert not window.sidebar.hasFocus() and "1px" in window.sidebar.styleSheet()


def test_f1_lists_the_shortcuts(qtbot, window):
    from faceaudit.gui.dialogs.shortcuts import SHORTCUTS, ShortcutsDialog

    qtbot.keyClick(window, Qt.Key.Key_F1)
    dialog = window.findChild(ShortcutsDialog)
    assert dialog is not None and dialog.isVisible()
    keys = [dialog.table.item(row, 1).text() for row in range(dialog.table.rowCount())]
    assert keys == [keys for _, keys, _ in SHORTCUTS] and "Y, N, U" in keys and "Ctrl+Z" in keys
    help_action = window.menuBar().actions()[-1].menu().actions()[0]
    assert help_action.shortcut() == QKeySequence(QKeySequence.StandardKey.HelpContents)
    dialog.reject()


def test_pictures_have_accessible_names(review_window):
    page = review_window.review_page
    page.grid.set_current(0)
    named = [page.grid, page.panel.photo, page.panel.references, *page.grid.cards()]
    assert all(widget.accessibleName() for widget in named)
    assert page.panel.photo.accessibleDescription().startswith("photo ")
    me = review_window.me_page
    assert me.faces.accessibleName() == "Reference faces"
    assert all(me.faces.item(n).data(Qt.ItemDataRole.AccessibleTextRole) for n in range(me.faces.count()))
