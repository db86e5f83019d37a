"""Layouts that hold from 900x600 to 1920x1080: every button's and label's text fits, on every page and dialog."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from tests.support.widget_walk import clipped, overlapping

SIZES = [(900, 600), (1920, 1080)]


def _settle(window, size) -> None:
    window.resize(*size)
    for _ in range(3):
        QApplication.processEvents()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_page_fits_its_words(qtbot, full_window, size):
    window = full_window
    qtbot.waitUntil(lambda: window.me_page.picker.isVisibleTo(window.me_page), timeout=60_000)  # a group photo
    problems = []
    for row in range(5):
        window.show_page(row)
        _settle(window, size)
        if row == 2:
            qtbot.waitUntil(lambda: not window.review_page.loading_pictures, timeout=30_000)
            window.review_page.undo_bar.offer("Marked 3 photos as “not me”.")
        if row == 3:
            window.letters_page.form.set_letter("erasure", "en", "gdpr")
        QApplication.processEvents()
        problems += [f"page {row}: {p}" for p in clipped(window) + overlapping(window)]
        if row == 3:  # the widest letter form: to an AI developer, with the laws not offered explained
            form = window.letters_page.form
            form.select_organisation("clarifai")
            form.set_letter("developer-erasure", "en")
            for _ in range(3):
                QApplication.processEvents()
            problems += [f"page 3, developer: {p}" for p in clipped(window) + overlapping(window)]
    window.pages.setCurrentWidget(window.welcome_page)
    QApplication.processEvents()
    problems += [f"welcome: {p}" for p in clipped(window)]
    assert window.width() == size[0] and window.height() == size[1], "the window must allow this size"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_dialog_fits_its_words(qtbot, full_window, size, tmp_path):
    window = full_window
    _settle(window, size)
    page = window.review_page
    window.show_page(2)
    weak = next(c for c in page.shown() if c.band == "weak")
    page.select(weak.id)
    dialogs = {"settings": window.open_settings(), "shortcuts": window.open_shortcuts(),
               "identity": window.letters_page.edit_identity(),
               "add dataset": window.datasets_page.open_add_dialog(tmp_path / "nothing-here"),
               "erasure": window.requests_page.open_verify_erasure(), "photo": page.open_large()}
    page.decide("me")
    dialogs["second look"] = page.last_dialog
    qtbot.waitUntil(lambda: not dialogs["add dataset"].checking, timeout=30_000)
    assert dialogs["add dataset"].path_problem.isVisible()
    problems = []
    for name, dialog in dialogs.items():
        assert dialog.isVisible(), name
        QApplication.processEvents()
        problems += [f"{name}: {p}" for p in clipped(dialog)]
        dialog.reject()
    assert not problems, "\n".join(problems)


def test_the_window_cannot_be_made_smaller_than_the_size_that_fits(full_window):
    assert full_window.minimumSize().width() == 900 and full_window.minimumSize().height() == 600


def test_the_reference_distances_are_in_sight_at_the_default_size(qtbot, review_window):
    page = review_window.review_page
    review_window.resize(1200, 800)
    for candidate in page.shown()[:3]:
        page.select(candidate.ref)
        qtbot.waitUntil(lambda: not page.loading_pictures, timeout=30_000)
        for _ in range(3):
            QApplication.processEvents()
        panel = page.panel
        strip = panel.references
        viewport = panel.scroll.viewport()
        bottom = strip.mapTo(viewport, strip.rect().bottomLeft()).y()
        assert strip.isVisible() and strip.faces() and 0 < bottom <= viewport.height(), (bottom, viewport.height())
        assert panel.photo.height() >= 140
