"""Delete every file FaceAudit created (the user's own photos and datasets are never touched)."""

from __future__ import annotations

import shutil
from pathlib import Path

from . import paths

__all__ = ["wipe_plan", "wipe_all"]


def wipe_plan() -> list[Path]:
    """The files and folders `wipe_all` would delete."""
    home = paths.data_home(create=False)
    if not home.exists():
        return []
    return sorted(home.iterdir())


def wipe_all() -> None:
    """Delete the data folder and everything in it."""
    home = paths.data_home(create=False)
    if home.exists():
        shutil.rmtree(home)
