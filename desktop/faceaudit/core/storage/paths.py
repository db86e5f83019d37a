"""Where FaceAudit keeps its data: one private folder, overridable with FACEAUDIT_HOME."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = ["data_home", "database_path", "cache_dir", "cache_beside", "ENV_HOME"]

ENV_HOME = "FACEAUDIT_HOME"


def data_home(create: bool = True) -> Path:
    """The folder that holds every file FaceAudit writes.

    Args:
        create: make the folder (private to its owner) when it does not exist.

    Returns:
        `$FACEAUDIT_HOME` when set, else the platform's user data folder.
    """
    override = os.environ.get(ENV_HOME)
    home = Path(override).expanduser() if override else Path(platformdirs.user_data_dir("FaceAudit", False))
    if create:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        _make_private(home, 0o700)
    return home


def database_path() -> Path:
    """The SQLite database file inside the data folder."""
    return data_home() / "faceaudit.db"


def cache_dir() -> Path:
    """A folder for derived files that can be rebuilt (model graphs, embedding matrices)."""
    path = data_home() / "cache"
    path.mkdir(exist_ok=True, mode=0o700)
    _make_private(path, 0o700)
    return path


def cache_beside(database: Path) -> Path:
    """The cache folder of a database: the data folder's for the user's own, else `cache` beside the file."""
    if database.resolve() == database_path().resolve():
        return cache_dir()
    folder = database.parent / "cache"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _make_private(path: Path, mode: int) -> None:
    # mkdir's mode is filtered by the umask and ignored for existing folders: set it outright.
    if os.name == "posix":
        os.chmod(path, mode)
