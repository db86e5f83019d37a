"""Where FaceAudit keeps its data: one private folder, overridable with FACEAUDIT_HOME.

When FaceAudit makes the folder itself it leaves a marker file in it (`MARKER`): `wipe` deletes a
whole folder only when the marker says FaceAudit made it. A folder that already exists (named
with FACEAUDIT_HOME, or made by hand) keeps its mode: FaceAudit never changes the permissions of
a folder or file it did not create.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = ["data_home", "database_path", "cache_dir", "made_by_faceaudit", "ENV_HOME", "MARKER"]

ENV_HOME = "FACEAUDIT_HOME"

#: The file that says "FaceAudit made this folder" (written once, when it makes the folder).
MARKER = ".faceaudit-data-folder"

_MARKER_TEXT = ("FaceAudit made this folder for its data (its database, cache and local registry changes).\n"
                "FaceAudit's wipe deletes it only while it holds nothing FaceAudit did not create.\n")


def data_home(create: bool = True) -> Path:
    """The folder that holds every file FaceAudit writes.

    Args:
        create: make the folder (private to its owner, with the marker) when it does not exist.

    Returns:
        `$FACEAUDIT_HOME` when set, else the platform's user data folder.
    """
    override = os.environ.get(ENV_HOME)
    home = Path(override).expanduser() if override else Path(platformdirs.user_data_dir("FaceAudit", False))
    if create and not home.is_dir():
        home.parent.mkdir(parents=True, exist_ok=True)
        try:
            home.mkdir(mode=0o700)  # the umask can only narrow 0700
        except FileExistsError:
            return home  # another process made it a moment ago (and writes the marker)
        fd = os.open(home / MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as marker:
            marker.write(_MARKER_TEXT)
    return home


def made_by_faceaudit(home: Path) -> bool:
    """True when FaceAudit made the folder `home` (its marker is there)."""
    return (home / MARKER).is_file()


def database_path() -> Path:
    """The SQLite database file inside the data folder."""
    return data_home() / "faceaudit.db"


def cache_dir() -> Path:
    """A folder for derived files that can be rebuilt (model graphs, embedding matrices)."""
    path = data_home() / "cache"
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    return path
