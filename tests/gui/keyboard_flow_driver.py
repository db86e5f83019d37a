"""From adding photos to a saved letter with the keyboard only, in a real X window.

Run by tests/e2e/test_keyboard_flow.py in a child process under Xvfb (QT_QPA_PLATFORM=xcb); it is
not collected on its own (its name does not start with test_). Every key goes to the widget
that has the keyboard focus, as a person's would: QTest key events to QApplication.focusWidget(),
Tab until the wanted control has the focus, never a slot called directly. File choosers are
Qt's own dialogs here (no desktop theme under Xvfb): a path is typed into them.
"""

from __future__ import annotations

import os
import shutil

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QFileDialog, QWidget

from tests.support.lfw_sets import build_dataset

TAB_LIMIT = 60
#: The main window, once shown (see `_focused`).
_main: QWidget | None = None


def _focused() -> QWidget:
    """The widget with the keyboard focus, in the window a window manager would have given the focus to.

    A window manager focuses a dialog when it opens and the window under it when it closes; Xvfb
    runs none, so this does what it would do (activate that window), and nothing else.
    """
    modal = QApplication.activeModalWidget()
    target = modal or _main
    widget = QApplication.focusWidget()
    if target is not None and (widget is None or (modal is not None and widget.window() is not modal)):
        target.activateWindow()
        for _ in range(100):
            widget = QApplication.focusWidget()
            if widget is not None and widget.window() is target:
                break
            QTest.qWait(50)
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """One key to the focused widget."""
    qtbot.keyClick(_focused(), key, modifier)


def type_text(qtbot, text: str) -> None:
    """Type into the focused widget."""
    qtbot.keyClicks(_focused(), text)


def tab_to(qtbot, wanted, describe: str) -> QWidget:
    """Press Tab until the focused widget is the one wanted (`wanted(widget) -> bool`)."""
    for _ in range(TAB_LIMIT):
        widget = _focused()
        if wanted(widget):
            return widget
        press(qtbot, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {describe}; stuck at {type(_focused()).__name__}")


def button(text: str):
    return lambda widget: isinstance(widget, QAbstractButton) and widget.text().replace("&", "") == text


def named(name: str):
    return lambda widget: widget.accessibleName() == name


def answer_file_chooser(qtbot, *typed: str) -> None:
    """When a file chooser opens (it blocks: this runs from its own event loop), type each line and Enter."""

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog) or not dialog.isVisible():
            QTimer.singleShot(100, fill)
            return
        for line in typed:
            qtbot.keyClicks(_focused(), line)
            qtbot.keyClick(_focused(), Qt.Key.Key_Return)
            qtbot.wait(300)

    QTimer.singleShot(100, fill)


def test_from_photos_to_a_saved_letter_by_keyboard(qtbot, tmp_path, lfw):
    assert QApplication.platformName() == "xcb", QApplication.platformName()
    from faceaudit.core.storage.store import Store
    from faceaudit.gui.main_window import MainWindow

    mine = tmp_path / "my photos"
    mine.mkdir()
    for number in (1, 2, 3):
        shutil.copy(lfw / "Al_Gore" / f"Al_Gore_000{number}.jpg", mine)
    dataset = build_dataset(lfw, tmp_path / "downloaded" / "people", ("Al_Gore",), enrolled=3, strangers=40)
    letter = tmp_path / "letters" / "erasure.pdf"
    letter.parent.mkdir()

    with Store() as store:
        global _main
        window = _main = MainWindow(store)
        qtbot.addWidget(window)
        window.show()
        window.activateWindow()
        qtbot.waitActive(window)
        qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)

        # First start: the welcome's button has the focus.
        assert _focused() is window.welcome_page.start_button
        press(qtbot, Qt.Key.Key_Space)
        assert window.pages.currentWidget() is window.me_page

        # Me: "Add photos…", then the file chooser: go to the folder, pick the three photos.
        tab_to(qtbot, button("Add photos…"), "Add photos…")
        answer_file_chooser(qtbot, str(mine), " ".join(f'"Al_Gore_000{n}.jpg"' for n in (1, 2, 3)))
        press(qtbot, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: window.me_page.faces.count() == 3 and not window.me_page.busy_now, timeout=120_000)

        # Datasets: "Add folder…", the folder typed into the chooser, then Enter in our dialog adds it.
        press(qtbot, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
        assert window.pages.currentWidget() is window.datasets_page
        tab_to(qtbot, button("Add folder…"), "Add folder…")
        answer_file_chooser(qtbot, str(dataset))
        press(qtbot, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None
                        and not isinstance(QApplication.activeModalWidget(), QFileDialog), timeout=20_000)
        add = QApplication.activeModalWidget()
        assert _focused() is add.name and add.name.text() == "people"
        press(qtbot, Qt.Key.Key_End)  # keep the suggested name, add to it
        type_text(qtbot, "-sample")
        press(qtbot, Qt.Key.Key_Return)  # adds once its checks pass
        qtbot.waitUntil(lambda: window.datasets_page.table.rowCount() == 1, timeout=30_000)
        tab_to(qtbot, button("Index"), "Index")
        press(qtbot, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: window.datasets_page.indexing is None
                        and window.datasets_page.table.item(0, 5).text() == "indexed", timeout=300_000)

        # Scan & Review: Ctrl+R scans; the grid takes the focus; Home chooses the first (strong) face, Y confirms.
        press(qtbot, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
        review = window.review_page
        press(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: not review.scanning and bool(review.shown()), timeout=120_000)
        assert _focused() is review.grid
        first = review.grid.current()
        assert first.band == "strong" and first.key.startswith("Al_Gore/")
        press(qtbot, Qt.Key.Key_Home)  # Y acts only on a card the person chose since the scan
        press(qtbot, Qt.Key.Key_Y)  # saved, and the next one is current
        second = review.grid.current()
        assert second.band == "strong" and second.id != first.id
        press(qtbot, Qt.Key.Key_Y)

        # Letters: say which published dataset it is (type in the combo box), then save as PDF.
        press(qtbot, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
        letters = window.letters_page
        assert letters.form.dataset() == "people-sample"
        combo = tab_to(qtbot, named("Registry entry"), "the Dataset is: list")
        assert isinstance(combo, QComboBox)
        # A closed list box jumps to the entry typed (a space would open it). VGGFace2's custodian is
        # established in the UK and publishes a contact: a law reaches the letter before my residence is
        # given, and nothing would print "please fill in" for the recipient, so Save is offered at once.
        type_text(qtbot, "VGGFace2")
        qtbot.waitUntil(lambda: "VGGFace2" in combo.currentText(), timeout=5000)
        qtbot.waitUntil(lambda: letters.preview.save_pdf_button.isEnabled(), timeout=10_000)
        tab_to(qtbot, button("Save PDF…"), "Save PDF…")
        press(qtbot, Qt.Key.Key_Space)

        # The first save asks for my details: type them, Tab between the fields, Enter saves.
        qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None, timeout=10_000)
        details = QApplication.activeModalWidget()
        assert _focused() is details.name
        type_text(qtbot, "Jane Example")
        press(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, "1 Example Street")
        press(qtbot, Qt.Key.Key_Return)  # a new line in the address
        type_text(qtbot, "Exampletown")
        press(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, "jane@example.org")
        answer_file_chooser(qtbot, str(letter))
        press(qtbot, Qt.Key.Key_Return)  # Save: then the file chooser for the PDF
        qtbot.waitUntil(lambda: letters.last_saved is not None, timeout=60_000)
        assert letter.is_file() and letter.read_bytes().startswith(b"%PDF")
        assert letters.last_saved.pdf == letter

    with Store() as check:
        decided = dict(check.conn.execute(
            "SELECT i.key, m.decision FROM matches m JOIN items i ON i.id = m.item_id WHERE m.decision != 'unreviewed'"
        ).fetchall())
        assert decided == {first.key: "me", second.key: "me"}
        assert check.scalar("SELECT COUNT(*) FROM requests") == 1
    window.close()
    print(f"KEYBOARD FLOW OK on {QApplication.platformName()} ({os.environ.get('DISPLAY')}): {letter}")
