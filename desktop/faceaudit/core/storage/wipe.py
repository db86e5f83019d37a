"""Delete every file FaceAudit created (the user's own photos and datasets are never touched)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from faceaudit.core.errors import FaceAuditError
from faceaudit.core.storage import paths

__all__ = ["wipe_plan", "wipe_all", "WipeError"]


class WipeError(FaceAuditError, OSError):
    """The data folder is one FaceAudit must not delete (a home folder, or it holds a dataset)."""


def wipe_plan() -> list[Path]:
    """The files and folders `wipe_all` would delete.

    Raises:
        WipeError: the data folder points somewhere that is not FaceAudit's alone.
    """
    home = paths.data_home(create=False)
    if not home.exists():
        return []
    _check_safe(home)
    return sorted(home.iterdir())


def wipe_all() -> None:
    """Delete the data folder and everything in it.

    Raises:
        WipeError: the data folder points somewhere that is not FaceAudit's alone; nothing
            is deleted then.
    """
    home = paths.data_home(create=False)
    if home.exists():
        _check_safe(home)
        shutil.rmtree(home)


def _check_safe(home: Path) -> None:
    # FACEAUDIT_HOME may be set by hand: a slip (`FACEAUDIT_HOME=~`) must not cost the user
    # their home folder, nor a dataset they keep inside the data folder.
    resolved = home.resolve()
    if home.is_symlink():
        raise WipeError(f"{home} is a symbolic link; delete what it points to by hand")
    user_home = Path.home().resolve()
    if resolved == Path(resolved.anchor) or resolved == user_home or resolved in user_home.parents:
        raise WipeError(f"{resolved} is not FaceAudit's own folder; refusing to delete it")
    # The name, not paths.database_path(): that would create the folder it is about to judge.
    for dataset in _dataset_paths(resolved / "faceaudit.db"):
        if dataset == resolved or resolved in dataset.parents:
            raise WipeError(f"the dataset {dataset} lies inside the data folder {resolved}; move it out first")
    if (resolved / "faceaudit.db.enc").exists() and not (resolved / "faceaudit.db").exists():
        # Locked: the list of datasets is encrypted, so look for anything that could be one.
        for path in resolved.rglob("*"):
            if path.is_file() and path.suffix.lower() in _DATASET_SUFFIXES and path.parent.name != "cache":
                raise WipeError(f"the data is locked, so FaceAudit cannot tell whether {path} belongs to a dataset;"
                                " move it out of the data folder, or unlock first")


_DATASET_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".tif", ".tiff", ".ppm", ".pgm",
                     ".zip", ".tar", ".tgz", ".gz", ".bz2", ".xz"}


def _dataset_paths(database: Path) -> list[Path]:
    if not database.is_file():
        return []
    try:
        # Read-only: wiping must not create or migrate a database it is about to delete.
        conn = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT path FROM datasets").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return []
    return [Path(row[0]).resolve() for row in rows]
