"""The start-up budget: what `faceaudit --help`, a light command and the window load before they answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys

#: Libraries that cost a second or more to import between them; a light command needs none of them.
HEAVY = ("numpy", "PIL", "onnxruntime", "pyarrow", "cryptography", "sqlite_utils", "cv2", "dlib", "fpdf", "jinja2",
         "face_recognition", "holidays", "indexed_gzip", "usearch")

_CHILD = """
import contextlib, io, json, sys
from faceaudit.cli.main import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))
"""


def _loaded(*argv: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", _CHILD, *argv], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_help_loads_no_heavy_library():
    heavy = sorted(_loaded("--help") & set(HEAVY))
    assert not heavy, f"`faceaudit --help` imports {heavy}"


def test_dataset_list_loads_only_the_database():
    # The store needs sqlite_utils, which imports numpy itself when it is installed (to store arrays),
    # and the lock check needs nothing more: listing datasets decodes no photo and reads no list.
    heavy = sorted(_loaded("dataset", "list") & (set(HEAVY) - {"sqlite_utils", "numpy"}))
    assert not heavy, f"`faceaudit dataset list` imports {heavy}"


_WINDOW = """
import json, sys
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
from faceaudit.gui import app as gui_app
window = gui_app.create_window()
window.show()
app.processEvents()
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))
window.store.close()
"""

#: What the window may have loaded once it shows: Qt, the database, photos (thumbnails), and the few
#: pure-Python libraries the pages use. The face models, OpenCV, ONNX Runtime, pyarrow and the PDF
#: library wait until a page's work needs them.
WINDOW_MAY_LOAD = {"PySide6", "shiboken6", "shibokensupport", "signature_bootstrap", "__feature__",  # Qt
                   "sqlite_utils", "sqlite_fts4", "click", "dateutil", "pluggy", "six",  # the database
                   "cryptography", "_openssl", "_cffi_backend",  # encryption at rest (the lock check)
                   "numpy", "PIL",  # thumbnails and pictures
                   "jinja2", "markupsafe",  # letter templates
                   "platformdirs",
                   # the Letters page words why a law does or does not reach a letter with the recipient's
                   # country name (core/letters/identity.country_name reads the holidays registry's names)
                   "holidays",
                   # zstd's error class is in sources.base.DAMAGE (the one list of stream errors), so the
                   # catalog loads pyzstd (about 0.2 s on a busy machine): a candidate for deferring
                   "pyzstd", "backports", "typing_extensions"}


def test_window_loads_only_the_named_libraries(data_home):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", _WINDOW], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    ours = set(sys.stdlib_module_names) | {"faceaudit", "__main__", "__mp_main__"}
    extra = sorted(loaded - ours - WINDOW_MAY_LOAD)
    assert not extra, f"the window now loads {extra} at start: load it where it is used, or name it here"
    assert not loaded & {"cv2", "dlib", "onnxruntime", "pyarrow", "fpdf", "face_recognition", "usearch"}
