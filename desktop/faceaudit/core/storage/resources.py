"""Where FaceAudit's bundled data lives: letter templates, the dataset registry, fonts."""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["resources_dir", "bundled_dir", "ENV_RESOURCES"]

ENV_RESOURCES = "FACEAUDIT_RESOURCES"


def resources_dir() -> Path:
    """The `resources/` folder.

    Returns:
        `$FACEAUDIT_RESOURCES` when set; else the folder next to a frozen executable
        (PyInstaller's `_MEIPASS`); else `resources/` at the root of the source tree.
    """
    return bundled_dir(ENV_RESOURCES, "resources", "resources")


def bundled_dir(variable: str, in_bundle: str, in_source: str) -> Path:
    """A folder that ships with FaceAudit: `$variable` when set; else `in_bundle` next to a frozen
    executable (PyInstaller's `_MEIPASS`); else `in_source` at the root of the source tree."""
    override = os.environ.get(variable)
    if override:
        return Path(override).expanduser()
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / in_bundle
    return Path(__file__).resolve().parents[4] / in_source
