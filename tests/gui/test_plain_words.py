"""Plain words: no page or dialog shows a command line, an environment variable or a method's jargon name,
and every page's empty state says what to do next."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QApplication

from tests.support.widget_walk import shown_words

#: Words from elsewhere: a CLI command, an environment variable, a command-line option, detector jargon.
FOREIGN = re.compile(r"faceaudit |FACEAUDIT_|--|\bHOG\b|\bCNN\b")
#: Each page's empty state, and the next step it must name.
NEXT_STEPS = {0: "Add photos", 1: "Add folder", 2: "Me page", 3: "Scan & Review", 4: "Letters page"}


def _open_everything(window, tmp_path) -> list:
    """Every dialog the window opens, open at once (each is window-modal but not blocking)."""
    dialogs = [window.open_settings(), window.open_shortcuts(), window.letters_page.edit_identity(),
               window.datasets_page.open_add_dialog(tmp_path / "missing"), window.requests_page.open_verify_erasure()]
    review = window.review_page
    if review.shown():
        dialogs.append(review.open_large())
        weak = [c for c in review.shown() if c.band == "weak"]
        if weak:
            review.select(weak[0].id)
            review.decide("me")
            dialogs.append(review.last_dialog)
    return dialogs


def _foreign_words(window, tmp_path, qtbot) -> list[str]:
    found = []
    for row in range(5):
        window.show_page(row)
        QApplication.processEvents()
    dialogs = _open_everything(window, tmp_path)
    add = dialogs[3]
    qtbot.waitUntil(lambda: not add.checking, timeout=30_000)
    for root in [window, window.menuBar(), *dialogs]:
        found += [text for text in shown_words(root) if FOREIGN.search(text)]
    for action in window.menuBar().actions():
        found += [a.text() for a in action.menu().actions() if FOREIGN.search(a.text() + a.toolTip())]
    for dialog in dialogs:
        dialog.reject()
    return found


def test_no_command_line_or_jargon_in_a_full_window(qtbot, full_window, tmp_path):
    assert _foreign_words(full_window, tmp_path, qtbot) == []


def test_no_command_line_or_jargon_in_an_empty_window(qtbot, window, tmp_path):
    assert _foreign_words(window, tmp_path, qtbot) == []
    detectors = window.open_settings().detector
    assert [detectors.itemText(n).split(" ")[0] for n in range(detectors.count())] == ["Fast", "Thorough"]


def test_the_words_test_would_catch_them(qtbot, window):
    """The scan reads tooltips and labels: a planted command and variable are found."""
    window.me_page.add_button.setToolTip("or run faceaudit me add PHOTO")
    window.me_page.summary.setText("set FACEAUDIT_HOME")
    found = [text for text in shown_words(window) if FOREIGN.search(text)]
    assert found == ["or run faceaudit me add PHOTO", "set FACEAUDIT_HOME"]


def test_every_empty_page_says_what_to_do_next(window):
    words = {}
    for row in range(5):
        window.show_page(row)
        page = window.pages.widget(row)
        words[row] = " ".join(w.text() for w in page.findChildren(type(window.me_page.summary)) if w.isVisible())
    words[2] += " " + window.review_page.grid.empty.text()
    for row, step in NEXT_STEPS.items():
        assert step in words[row], (row, words[row])
