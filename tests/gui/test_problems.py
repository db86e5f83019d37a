"""Issue 13 in the window: one app per data folder, and the disk's and the database's problems in words."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time

from faceaudit.core.storage.store import Store

_SECOND_APP = """
import sys
from faceaudit.gui.app import main

sys.exit(main([]))
"""


def test_a_second_app_brings_the_first_window_forward_and_exits(qtbot, data_home):
    from faceaudit.core.storage import paths
    from faceaudit.gui.support.single_instance import SingleInstance

    first = SingleInstance(paths.data_home())
    assert first.claim()
    first.watch()
    try:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        with qtbot.waitSignal(first.raise_requested, timeout=30_000):
            began = time.monotonic()
            second = subprocess.run([sys.executable, "-c", _SECOND_APP], env=env, capture_output=True, text=True,
                                    timeout=60)
        assert second.returncode == 0, second.stderr
        assert time.monotonic() - began < 30
        # The CLI beside the app keeps working.
        cli = subprocess.run([sys.executable, "-m", "faceaudit.cli", "requests", "list"], capture_output=True,
                             text=True, timeout=60)
        assert cli.returncode == 0, cli.stderr
    finally:
        first.release()
    assert SingleInstance(paths.data_home()).claim()  # once the first is gone, the next may start


def test_the_window_comes_to_the_front_when_asked(qtbot, window):
    from faceaudit.gui import app as gui_app

    window.showMinimized()
    gui_app._bring_forward(window)
    qtbot.waitUntil(lambda: window.isVisible() and not window.isMinimized(), timeout=5000)


def test_a_damaged_database_at_start_is_a_message_not_a_traceback(data_home, qapp, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from faceaudit.gui import app as gui_app

    Store().close()
    database = data_home / "faceaudit.db"
    database.write_bytes(os.urandom(database.stat().st_size))
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    assert gui_app.main([]) == 2
    assert len(shown) == 1
    assert "is damaged" in shown[0] and "FaceAudit kept a copy of it as" in shown[0]
    assert "To restore a backup" in shown[0] and "faceaudit " not in shown[0].replace(str(data_home), "")
    assert list(data_home.glob("faceaudit.db.damaged-*"))


def test_a_full_disk_in_a_background_job_is_worded(qtbot, data_home):
    from faceaudit.gui.support.operations import run_call

    def full(store):
        raise sqlite3.OperationalError("database or disk is full")

    failures = []
    job = run_call(full, done=lambda result: None, failed=failures.append)
    qtbot.waitUntil(lambda: not job.running, timeout=30_000)
    assert failures and failures[0].startswith("The disk is full") and "Free some space on that disk" in failures[0]
    assert "Something went wrong" not in failures[0]


def test_wipe_of_a_folder_with_a_strangers_file_says_why_and_deletes_nothing(qtbot, window, data_home, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from faceaudit.gui.dialogs.settings import SettingsDialog

    (data_home / "holiday.jpg").write_bytes(b"mine")
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *rest: warned.append(text))
    dialog = SettingsDialog(window.preferences, window.store, window)
    qtbot.addWidget(dialog)
    dialog._on_wipe_clicked()
    assert len(warned) == 1 and "holiday.jpg" in warned[0] and "nothing was deleted" in warned[0]
    assert (data_home / "holiday.jpg").exists() and (data_home / "faceaudit.db").exists()


def test_a_lock_cut_off_earlier_is_settled_at_start_and_the_good_copy_named(data_home, qapp, monkeypatch):
    import json

    from PySide6.QtWidgets import QApplication, QMessageBox

    from faceaudit.gui import app as gui_app

    Store().close()
    # What a `lock` killed while it encrypted leaves: its journal and a half-written encrypted copy.
    (data_home / "faceaudit.db.lock-journal").write_text(json.dumps({"operation": "lock"}))
    (data_home / "faceaudit.db.enc.tmp").write_bytes(b"FAUDENC1 half")
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: told.append(text))
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)
    assert gui_app.main([]) == 0
    assert len(told) == 1 and "An interrupted lock was undone" in told[0] and "is the good copy" in told[0]
    assert not (data_home / "faceaudit.db.enc.tmp").exists() and not (data_home / "faceaudit.db.lock-journal").exists()
