"""First start on a plain Linux desktop: the missing Qt system libraries are named, with the packages to install."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from faceaudit.gui.support import qt_libraries

ROOT = Path(__file__).resolve().parents[2]
#: What Qt 6 printed on a desktop without libxcb-cursor0 (the issue's first start).
QT_SAID = ('qt.qpa.plugin: From 6.5.0, xcb-cursor0 or libxcb-cursor0 is needed to load the Qt xcb platform plugin.\n'
           'qt.qpa.plugin: Could not load the Qt platform plugin "xcb" in "" even though it was found.\n'
           'This application failed to start because no Qt platform plugin could be initialized.\n')


def test_every_missing_library_is_named_by_its_package():
    absent = {"libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-cursor.so.0"}
    missing = qt_libraries.missing_packages(loads=lambda name: name not in absent)
    if not sys.platform.startswith("linux"):
        assert missing == []
        return
    assert missing == ["libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1"]
    hint = qt_libraries.install_hint(missing, {"DISPLAY": ":0"})
    assert "sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in hint


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 is Linux's")
def test_when_qt_tries_x11():
    assert qt_libraries.may_use_x11({"DISPLAY": ":0"})
    assert not qt_libraries.may_use_x11({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"})
    assert not qt_libraries.may_use_x11({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"})
    assert qt_libraries.may_use_x11({"QT_QPA_PLATFORM": "xcb"})
    assert "no desktop session" in qt_libraries.install_hint([], {})


def test_this_machine_has_them_all_or_says_which():
    """Where the libraries are installed (CI installs them), none is reported missing."""
    missing = qt_libraries.missing_packages()
    assert all(package in qt_libraries.LIBRARIES.values() for package in missing)


def test_run_py_names_the_packages_when_the_app_cannot_open_its_window(monkeypatch, capsys):
    spec = importlib.util.spec_from_file_location("run_script", ROOT / "run.py")
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    real = run.runpy.run_path

    def with_three_missing(path):
        module = real(path)
        found = module["missing_packages"]
        absent = ("icccm", "keysyms", "cursor")
        module["missing_packages"] = lambda: found(loads=lambda name: not any(word in name for word in absent))
        return module

    monkeypatch.setattr(run.runpy, "run_path", with_three_missing)
    failing_app = [sys.executable, "-c", f"import sys; sys.stderr.write({QT_SAID!r}); sys.exit(134)"]
    assert run._run_app(failing_app) == 134
    said = capsys.readouterr().err
    assert said.startswith(QT_SAID)  # Qt's own words are shown first, as they came
    if sys.platform.startswith("linux"):
        assert "sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in said

    # A start that fails for another reason gets no hint about libraries.
    assert run._run_app([sys.executable, "-c", "import sys; sys.exit(3)"]) == 3
    assert "apt install" not in capsys.readouterr().err


def test_the_app_names_them_before_qt_stops(tmp_path):
    """`faceaudit-app` itself prints the hint before Qt's abort, when a library is missing (simulated here)."""
    child = ("import sys; from faceaudit.gui.support import qt_libraries as q;"
             "q.missing_packages = lambda loads=None: ['libxcb-icccm4'];"
             "import faceaudit.gui.app as a; a.missing_packages = q.missing_packages;"
             "import os; os.environ['QT_QPA_PLATFORM'] = 'xcb'; os.environ['DISPLAY'] = ':987654';"
             "a.main([])")
    result = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "FACEAUDIT_HOME": str(tmp_path / "home")})
    if sys.platform.startswith("linux"):
        assert "sudo apt install libxcb-icccm4" in result.stderr
        assert result.stderr.index("sudo apt install") < result.stderr.index("platform plugin")
