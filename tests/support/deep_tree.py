"""Very deep folders for tests: made and removed a level at a time (pathlib and shutil.rmtree recurse)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["deep_folder", "remove_deep"]


def deep_folder(root: Path, depth: int, name: str = "d") -> str:
    """Make `root/name/name/...` `depth` levels deep; returns the deepest folder's path."""
    folder = str(root)
    os.makedirs(folder, exist_ok=True)
    for _ in range(depth):
        folder = os.path.join(folder, name)
        os.mkdir(folder)
    return folder


def remove_deep(root: Path, name: str = "d") -> None:
    """Remove `root` with a chain of `name` folders of any depth under it (other entries may be shallow)."""
    levels, folder = [], str(root)
    while os.path.isdir(folder):
        levels.append(folder)
        for entry in os.listdir(folder):
            path = os.path.join(folder, entry)
            if entry == name and os.path.isdir(path):
                continue  # the next level down
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
        folder = os.path.join(folder, name)
    for folder in reversed(levels):
        os.rmdir(folder)
