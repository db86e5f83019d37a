"""The frozen build agrees with the source install, and the Linux desktop files validate."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"
APP_ID = "io.github.faceaudit.FaceAudit"


@pytest.mark.slow
def test_frozen_build_matches_source_install(lfw):
    if not (ROOT / "dist" / "FaceAudit").is_dir():
        pytest.skip("no dist/FaceAudit: run python3 packaging/build.py first")
    done = subprocess.run([sys.executable, str(ROOT / "packaging" / "smoke_test.py")],
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout + done.stderr


def test_desktop_entry_is_valid():
    validate = shutil.which("desktop-file-validate")
    if not validate:
        pytest.skip("desktop-file-validate not installed (apt-get install desktop-file-utils)")
    done = subprocess.run([validate, str(LINUX / f"{APP_ID}.desktop")], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def test_appstream_metainfo_is_valid():
    appstreamcli = shutil.which("appstreamcli")
    if not appstreamcli:
        pytest.skip("appstreamcli not installed (apt-get install appstream)")
    done = subprocess.run([appstreamcli, "validate", "--no-net", str(LINUX / f"{APP_ID}.metainfo.xml")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
