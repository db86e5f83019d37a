"""Shared test fixtures: a private data folder per test, and the real photos in ../shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
FACEDATA = ROOT.parent / "shared" / "facedata"
LFW = FACEDATA / "lfw-deepfunneled" / "data" / "lfw-deepfunneled"
EXAMPLES = FACEDATA / "ageitgey-face_recognition"


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", help="also run tests marked slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def data_home(tmp_path, monkeypatch) -> Path:
    """Every test gets its own empty FACEAUDIT_HOME; nothing touches the real user's data."""
    home = tmp_path / "faceaudit-home"
    monkeypatch.setenv("FACEAUDIT_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def lfw() -> Path:
    """The LFW folder (one sub-folder per person), or a skip when ../shared is absent."""
    if not LFW.is_dir():
        pytest.skip(f"real photos not present: {LFW} (see the README, 'Test data')")
    return LFW


@pytest.fixture(scope="session")
def examples() -> Path:
    """face_recognition's example photos, or a skip when ../shared is absent."""
    if not EXAMPLES.is_dir():
        pytest.skip(f"real photos not present: {EXAMPLES} (see the README, 'Test data')")
    return EXAMPLES


@pytest.fixture(scope="session")
def astronaut_png() -> Path:
    """scikit-image's astronaut photo (one face; ships inside the PyPI package, so always here)."""
    import skimage

    return Path(skimage.__file__).parent / "data" / "astronaut.png"
