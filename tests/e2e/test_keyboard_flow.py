"""The keyboard-only flow (tests/gui/keyboard_flow_driver.py) in a real X server: Xvfb, QT_QPA_PLATFORM=xcb.

Offscreen Qt has no window manager, no real focus and no X input; this runs the app as a person
on a Linux desktop would, in a child process on a display of its own.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "tests" / "gui" / "keyboard_flow_driver.py"
_PROBE = "from PySide6.QtWidgets import QApplication; QApplication([]); print('xcb ok')"


@pytest.fixture
def x_display():
    """A private Xvfb display (its number chosen by Xvfb: the first free one); skip without Xvfb."""
    program = shutil.which("Xvfb")
    if program is None:
        pytest.skip("Xvfb is not installed (Debian/Ubuntu: apt install xvfb): this test needs a real X server")
    read, write = os.pipe()
    server = subprocess.Popen([program, "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp",
                               "-noreset"], pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.close(write)
    number, deadline = b"", time.monotonic() + 30
    while not number.endswith(b"\n") and time.monotonic() < deadline:
        ready, _, _ = select.select([read], [], [], 1)
        if ready:
            chunk = os.read(read, 16)
            if not chunk:
                break
            number += chunk
    os.close(read)
    if not number.strip():
        server.kill()
        pytest.fail(f"Xvfb did not start: {server.communicate()[1].decode()[-2000:]}")
    try:
        yield f":{number.decode().strip()}"
    finally:
        server.terminate()
        server.wait(10)


def _environment(display: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("QT_QPA_PLATFORMTHEME", "XDG_CURRENT_DESKTOP", "WAYLAND_DISPLAY")}
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")
    return env


@pytest.mark.timeout(900)
def test_keyboard_only_from_photos_to_a_saved_letter_in_a_real_x_window(x_display):
    env = _environment(x_display)
    probe = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=60)
    if "xcb ok" not in probe.stdout:
        pytest.skip("Qt's xcb platform cannot load here (missing libraries? see docs/linux.md): "
                    + probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else "no output")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", str(DRIVER)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=840)
    output = result.stdout[-6000:] + result.stderr[-3000:]
    assert result.returncode == 0, output
    assert "1 passed" in result.stdout and "KEYBOARD FLOW OK on xcb" in result.stdout, output
