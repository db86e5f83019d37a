"""Where FaceAudit's bundled data lives: letter templates, the dataset registry, fonts."""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["resources_dir", "ENV_RESOURCES"]

ENV_RESOURCES = "FACEAUDIT_RESOURCES"


def resources_dir() -> Path:
    """The `resources/` folder.

    Returns:
        `$FACEAUDIT_RESOURCES` when set; else the folder next to a frozen executable
        (PyInstaller's `_MEIPASS`); else `resources/` at the root of the source tree.
    """
    override = os.environ.get(ENV_RESOURCES)
    if override:
        return Path(override).expanduser()
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[4] / "resources"
