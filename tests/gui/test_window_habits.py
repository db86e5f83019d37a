"""What a polished window remembers and lets the keys do: its size, the last folders, arrows after a filter,
Delete on the Me page, no "0 files could not be indexed" before indexing, no "Complied" on a draft."""

from __future__ import annotations

from PySide6.QtCore import Qt

from faceaudit.core.letters.requests import add_request


def test_the_window_opens_at_the_size_it_was_closed(qtbot, window, store):
    from faceaudit.gui.main_window import MainWindow

    window.resize(1000, 700)
    qtbot.waitUntil(lambda: window.width() == 1000)
    window.close()
    again = MainWindow(store)
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == (1000, 700)
    again.close()


def test_file_dialogs_open_where_the_last_one_of_their_kind_was_used(window, tmp_path, monkeypatch):
    asked = []
    photo = tmp_path / "holiday" / "me.jpg"
    photo.parent.mkdir()

    def pick(_parent, _title, folder, _filters):
        asked.append(folder)
        return [], ""

    monkeypatch.setattr("faceaudit.gui.pages.me.QFileDialog.getOpenFileNames", pick)
    window.me_page._on_add_clicked()
    from faceaudit.gui.support import folders

    folders.remember("photos", [str(photo)])
    window.me_page._on_add_clicked()
    assert asked[-1] == str(photo.parent) and asked[0] != asked[-1]


def test_after_choosing_a_filter_the_arrows_move_in_the_grid(qtbot, review_window):
    page = review_window.review_page
    grid = page.grid
    review_window.activateWindow()
    qtbot.waitUntil(review_window.isActiveWindow)
    grid.set_current(0)
    page.show_filter.setFocus()
    qtbot.waitUntil(page.show_filter.hasFocus)
    page.show_filter.showPopup()
    page.show_filter.setCurrentIndex(1)  # "Not decided yet", chosen in the list
    page.show_filter.hidePopup()
    qtbot.waitUntil(grid.hasFocus)
    first = grid.current().ref
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    assert grid.current().ref != first and page.show_filter.currentIndex() == 1


def test_delete_removes_the_chosen_reference_face_on_the_me_page(qtbot, window, store, lfw):
    from faceaudit.core.matching.references import add_reference, list_references

    add_reference(store, lfw / "Al_Gore" / "Al_Gore_0001.jpg", jitter=0)
    page = window.me_page
    window.show_page(0)
    page.refresh()
    window.activateWindow()
    face = page.faces.visualItemRect(page.faces.item(0))  # chosen with a click, as a person does
    qtbot.mouseClick(page.faces.viewport(), Qt.MouseButton.LeftButton, pos=face.center())
    qtbot.waitUntil(page.faces.hasFocus)
    qtbot.keyClick(page.faces, Qt.Key.Key_Delete)
    assert list_references(store) == []


def test_a_dataset_never_indexed_has_no_files_that_could_not_be_indexed(window, tmp_path, make_dataset):
    page = window.datasets_page
    window.show_page(1)
    assert page.add_dataset(make_dataset(tmp_path / "d", others=1), "d")
    page.select("d")
    assert "could not be indexed" not in page.errors_title.text()
    assert "has not been indexed yet" in page.errors_title.text()


def test_a_draft_offers_no_complied_until_it_is_sent(window, store):
    from datetime import date

    draft = add_request(store, "erasure", "gdpr", "Publisher", dataset_name="scraped")
    page = window.requests_page
    window.show_page(4)
    page.refresh()
    page.select_request(draft.id)
    detail = page.detail
    assert not any(b.isEnabled() for b in detail.status_buttons.values()) and not detail.add_reply_button.isEnabled()
    assert "Mark it sent first" in detail.status_buttons["complied"].toolTip()
    page.mark_sent(date(2026, 1, 5))
    assert all(b.isEnabled() for b in detail.status_buttons.values()) and detail.add_reply_button.isEnabled()


def test_the_me_page_shows_whole_thumbnails_in_the_smallest_window(qtbot, window, store, lfw):
    from faceaudit.core.matching.references import add_reference

    for number in (1, 2):
        add_reference(store, lfw / "Al_Gore" / f"Al_Gore_000{number}.jpg", jitter=0)
    page = window.me_page
    window.show_page(0)
    page.refresh()
    window.resize(900, 600)
    qtbot.waitUntil(lambda: window.height() == 600)
    qtbot.wait(50)
    item = page.faces.visualItemRect(page.faces.item(0))
    assert item.height() >= page.faces.iconSize().height() + 20  # the picture and its caption
    assert item.top() >= 0 and item.bottom() <= page.faces.viewport().height()
