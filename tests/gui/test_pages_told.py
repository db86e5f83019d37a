"""The window tells its pages what changed, and stops every page's work before the data is wiped."""

from __future__ import annotations

import threading
import time

from PySide6.QtWidgets import QMessageBox

from faceaudit.core.letters.identity import save_identity
from faceaudit.gui.pages import letters as letters_page_module
from faceaudit.gui.support.workers import running_jobs
from tests.support.letter_fixtures import CONFIRMED, add_dataset

LETTERS = 3


def test_a_letter_save_in_flight_during_a_wipe_leaves_nothing_behind(qtbot, window, store, data_home, tmp_path,
                                                                       monkeypatch):
    add_dataset(store, "lfw-copy", "/nonexistent/lfw.tgz", [(key, sha, "me") for key, sha in CONFIRMED],
                registry_id="lfw")
    save_identity(store, name="Jane Doe", address="1 Example Street\nExampletown", email="jane@example.org",
                  country="DE")
    window.show_page(LETTERS)
    page = window.letters_page
    page.form.set_letter("erasure", "en", "gdpr")
    page.form.recipient_email.setText("privacy@example.org")
    qtbot.wait(400)  # the preview, due 200 ms after typing, is shown before the person saves

    # The save is slow (a letter with face crops read from a large archive): the wipe is asked for while it runs.
    started, real_save = threading.Event(), letters_page_module.save

    def slow_save(*args, **kwargs):
        started.set()
        time.sleep(1.0)
        return real_save(*args, **kwargs)

    monkeypatch.setattr(letters_page_module, "save", slow_save)
    monkeypatch.setattr(QMessageBox, "information", lambda *a: QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: QMessageBox.StandardButton.Ok)
    assert page.save_to("pdf", tmp_path / "erasure.pdf") is not None
    assert started.wait(10)
    window._on_wipe_confirmed()
    qtbot.waitUntil(lambda: running_jobs() == 0, timeout=60_000)  # a save that was not stopped finishes and writes
    qtbot.wait(100)
    left = sorted(str(p.relative_to(data_home)) for p in data_home.rglob("*")) if data_home.exists() else []
    assert not left, f"left behind after the wipe: {left}"


def test_every_page_keeps_the_page_protocol_and_changes_reach_the_pages_that_show_them(window, monkeypatch):
    from faceaudit.gui.main_window import PAGES
    from faceaudit.gui.pages.protocol import Change, Page

    assert len(window.page_list) == len(PAGES)
    assert all(isinstance(page, Page) for page in window.page_list)
    refreshed = []
    for page in window.page_list:
        monkeypatch.setattr(page, "refresh", lambda page=page: refreshed.append(page))
    window.datasets_page.indexing_done.emit("LFW")  # indexing changed datasets and faces: Scan & Review shows them
    assert window.review_page in refreshed and window.requests_page not in refreshed
    refreshed.clear()
    window.changed.emit(Change.REQUESTS)
    assert window.requests_page in refreshed and window.review_page not in refreshed


def test_a_failure_offers_the_page_its_action_names(qtbot, window):
    from faceaudit.core.errors import Action, FaceAuditError
    from faceaudit.gui.support.failures import Failure

    failure = Failure(FaceAuditError("no dataset to write about", action=Action.ADD_DATASET))
    assert failure.startswith("No dataset to write about.") and failure.action is Action.ADD_DATASET
    notice = window.letters_page.notice
    notice.show_failure(failure, before="The letter was not saved. ")
    assert "Open Datasets" in notice.text() and notice.isVisibleTo(window.letters_page)
    notice.linkActivated.emit("Datasets")
    assert window.pages.currentWidget() is window.datasets_page
    window.datasets_page.notice.show_failure(failure)  # already where the Action is done: no link back
    assert "Open" not in window.datasets_page.notice.text()


def test_a_bug_in_background_work_is_said_plainly_and_sorted_as_a_bug():
    from faceaudit.core.storage.faults import Fault
    from faceaudit.gui.support.failures import Failure

    failure = Failure(ZeroDivisionError("division by zero"))
    assert failure == "Something went wrong: division by zero" and failure.fault is Fault.BUG and failure.action is None
    missing = Failure(FileNotFoundError(2, "No such file or directory", "/nowhere/photo.jpg"))
    assert missing.fault is Fault.DISK and "/nowhere/photo.jpg" in missing
