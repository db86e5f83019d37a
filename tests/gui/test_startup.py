"""The app shows a usable window quickly: no face models or OpenCV are loaded at start-up."""

from __future__ import annotations

import os
import subprocess
import sys
import time

_CHILD = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
from faceaudit.gui import app as gui_app

window = gui_app.create_window()
window.show()

def shown():
    heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('dlib', 'cv2', 'face_recognition', 'onnxruntime'))
    print('SHOWN', window.isVisible(), heavy, flush=True)
    app.quit()

QTimer.singleShot(0, shown)
app.exec()
window.store.close()
"""


def test_window_shown_within_two_seconds(data_home):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True, env=env, timeout=60)
    elapsed = time.monotonic() - started
    print(f"\nfirst window shown {elapsed:.2f} s after starting the interpreter")
    assert "SHOWN True []" in result.stdout, result.stdout + result.stderr
    assert elapsed < 2.0


def test_locked_data_asks_for_the_passphrase_and_cancel_is_a_plain_message(data_home, qapp, monkeypatch):
    from PySide6.QtWidgets import QInputDialog, QMessageBox

    from faceaudit.core.storage.encryption import is_locked, lock
    from faceaudit.core.storage.store import Store
    from faceaudit.gui import app as gui_app

    Store().close()
    lock("passphrase")
    shown, asked = [], []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    monkeypatch.setattr(QInputDialog, "getText", lambda *args: asked.append(args[2]) or ("", False))
    assert gui_app.main([]) == 2
    assert len(asked) == 1 and "locked" in asked[0]
    assert len(shown) == 1 and "locked" in shown[0] and "faceaudit unlock" not in shown[0]  # no command line
    assert is_locked()


def test_locked_data_unlocks_with_the_right_passphrase(data_home, qapp, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    from faceaudit.core.storage.encryption import is_locked, lock
    from faceaudit.core.storage.store import Store
    from faceaudit.gui import app as gui_app

    Store().close()
    lock("passphrase")
    answers = iter([("wrong", True), ("passphrase", True)])
    prompts = []
    monkeypatch.setattr(QInputDialog, "getText", lambda *args: prompts.append(args[2]) or next(answers))
    assert gui_app.ask_to_unlock() and not is_locked()
    assert len(prompts) == 2 and "again" in prompts[1]
