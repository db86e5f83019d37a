"""Mistakes caught where they are made, before anything is written; destructive clicks ask first."""

from __future__ import annotations

import shutil
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from faceaudit.core.storage.store import Store


def _count_datasets() -> int:
    with Store() as check:
        return check.scalar("SELECT COUNT(*) FROM datasets")


def _wait_checked(qtbot, dialog) -> None:
    qtbot.waitUntil(lambda: not dialog.checking, timeout=30_000)


def _said(notice) -> str:
    return notice.text().replace("\u200b", "")  # paths may break after a slash: zero-width spaces


def test_add_dataset_dialog_checks_as_you_type(qtbot, window, tmp_path, lfw):
    page = window.datasets_page
    window.show_page(1)
    photos = tmp_path / "photos" / "Al_Gore"
    photos.mkdir(parents=True)
    shutil.copy(lfw / "Al_Gore" / "Al_Gore_0001.jpg", photos)
    empty = tmp_path / "empty"
    empty.mkdir()
    text = tmp_path / "faces.tar.gz"
    text.write_text("not an archive")

    dialog = page.open_add_dialog(empty)
    _wait_checked(qtbot, dialog)
    assert dialog.name.text() == "empty"  # suggested from the folder's name
    assert dialog.path_problem.isVisible() and _said(dialog.path_problem).startswith("The folder empty holds no photos")
    assert not dialog.add_button.isEnabled() and _count_datasets() == 0

    dialog.path.setText(str(text))  # a text file named as an archive: refused before a name matters
    _wait_checked(qtbot, dialog)
    assert _said(dialog.path_problem).startswith("faces.tar.gz is not a valid tar archive (damaged download?)")
    assert not dialog.add_button.isEnabled()

    dialog.path.setText(str(photos.parent))
    _wait_checked(qtbot, dialog)
    assert not dialog.path_problem.isVisible() and dialog.add_button.isEnabled()
    assert dialog.name.text() == "photos"
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=30_000)
    assert _count_datasets() == 1 and page.table.item(0, 0).text() == "photos" and "Added photos" in page.notice.text()

    again = page.open_add_dialog(photos.parent)  # the same folder twice, under another name
    _wait_checked(qtbot, again)
    assert "already the dataset 'photos'" in _said(again.path_problem) and not again.add_button.isEnabled()
    again.path.setText(str(lfw / "Al_Gore"))
    again.name.clear()
    qtbot.keyClicks(again.name, "photos")  # a name clash, said under the name
    _wait_checked(qtbot, again)
    assert not again.path_problem.isVisible()
    assert "already exists" in _said(again.name_problem) and not again.add_button.isEnabled()
    again.reject()
    assert _count_datasets() == 1


def test_enter_while_the_check_runs_adds_once_it_passes(qtbot, window, tmp_path, lfw):
    page = window.datasets_page
    photos = tmp_path / "ds" / "p"
    photos.mkdir(parents=True)
    shutil.copy(lfw / "Al_Gore" / "Al_Gore_0002.jpg", photos)
    dialog = page.open_add_dialog()
    assert dialog.path.hasFocus() or dialog.focusWidget() is dialog.path
    qtbot.keyClicks(dialog.path, str(photos.parent))
    qtbot.keyClick(dialog.path, Qt.Key.Key_Tab)
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.name
    dialog.name.selectAll()
    qtbot.keyClicks(dialog.name, "mine")
    with qtbot.waitSignal(dialog.accepted, timeout=30_000):
        qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    assert page.table.rowCount() == 1 and page.table.item(0, 0).text() == "mine"


def test_invalid_email_is_said_in_the_dialog(qtbot, window):
    dialog = window.letters_page.edit_identity()
    qtbot.keyClicks(dialog.email, "jane.example.org")
    assert dialog.email_problem.isVisible() and "does not look like an e-mail address" in dialog.email_problem.text()
    assert not dialog.save_button.isEnabled()
    dialog.email.clear()
    qtbot.keyClicks(dialog.email, "jane@example.org")
    assert not dialog.email_problem.isVisible() and dialog.save_button.isEnabled()
    dialog.reject()


def test_removing_a_dataset_asks_names_what_goes_and_selects_nothing_after(qtbot, window, store, tmp_path):
    from tests.support.letter_fixtures import add_dataset

    rows = [("people/Jane/1.jpg", "a1" * 32, "me"), ("people/Other/2.jpg", "b2" * 32, "not_me")]
    add_dataset(store, "first", "/nowhere/first.tgz", rows)
    add_dataset(store, "second", "/nowhere/second.tgz", [("people/Jane/3.jpg", "c3" * 32, "me")])
    page = window.datasets_page
    window.show_page(1)
    page.select("first")
    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    box = page.findChild(QMessageBox)
    assert box is not None and box.isVisible()
    assert "2 scan candidates and 2 decisions of yours (1 “this is me”, 1 “not me”)" in box.text()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # cancelled: nothing removed
    assert _count_datasets() == 2

    box = page.ask_to_remove("first")
    remove = next(b for b in box.buttons() if b.text() == "Remove dataset")
    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert _count_datasets() == 1 and "Removed first" in page.notice.text()
    # A double click's second click lands on a disabled button: the next dataset stays.
    assert page._selected() is None and not page.remove_button.isEnabled()
    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    assert page.findChild(QMessageBox) is None or not page.findChild(QMessageBox).isVisible()
    assert _count_datasets() == 1


def test_removal_is_refused_while_a_sent_request_depends_on_it(qtbot, window, store):
    from faceaudit.core.letters.requests import add_request
    from tests.support.letter_fixtures import add_dataset

    add_dataset(store, "scraped", "/nowhere/s.tgz", [("people/Jane/1.jpg", "a1" * 32, "me")])
    sent = add_request(store, "erasure", "gdpr", "Publisher", dataset_name="scraped", sent=date(2026, 1, 5))
    page = window.datasets_page
    window.show_page(1)
    window.activateWindow()
    row = page.table.visualItemRect(page.table.item(0, 0))  # chosen as a person does: a click on its row
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=row.center())
    qtbot.waitUntil(page.table.hasFocus)
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)  # the key asks the same as the button
    assert page.findChild(QMessageBox) is None
    assert page.notice.isVisible() and "cannot be removed" in page.notice.text() and f"#{sent.id}" in page.notice.text()
    assert _count_datasets() == 1


def test_delete_all_my_data_names_requests_and_deadlines(qtbot, window):
    dialog = window.open_settings()
    box = dialog.ask_to_wipe()
    assert "requests you recorded with their deadlines" in box.text()
    assert dialog.wipe_button.text() == "Delete all my data"
    assert "Discard" not in [b.text() for b in box.buttons()]
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    box.reject()
    dialog.reject()
