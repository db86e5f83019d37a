"""Delete every file FaceAudit created, and nothing else (the user's own photos and datasets are never touched).

Only names FaceAudit writes are deleted (`KNOWN`, and inside `cache/` and `registry/` the files
it writes there, `cache/gzip-seek-points/` and `cache/list-index/` included). A data folder holding anything else is
refused as a whole: nothing is deleted, and the message names what is in the way. The folder
itself goes only when FaceAudit made it (its marker file says so, see paths.py); a folder named
with FACEAUDIT_HOME that existed before stays.
"""

from __future__ import annotations

import fnmatch
import shutil
from pathlib import Path

from faceaudit.core.errors import FaceAuditError
from faceaudit.core.storage import paths

__all__ = ["wipe_plan", "wipe_all", "WipeError", "KNOWN"]

#: Names FaceAudit writes in its data folder (patterns; `*` for the parts that vary).
KNOWN = (
    paths.MARKER,
    "faceaudit.db", "faceaudit.db-wal", "faceaudit.db-shm", "faceaudit.db-journal",
    "faceaudit.db.new-*",  # a new database file before it is linked into place
    "faceaudit.db.enc", "faceaudit.db.enc.tmp", "faceaudit.db.unlock.tmp",
    "faceaudit.db.lock-journal", "faceaudit.db.lock-journal.tmp", "faceaudit.db.lock-guard",
    "faceaudit.db.damaged-*",  # the copy kept of a damaged database
    "app-instance.lock", "app-instance.raise", "app-instance.raise.tmp",  # one window per data folder
    "indexing-*.lock",  # one indexer per dataset (datasets/index_lock.py)
)
#: Folders of FaceAudit's own, and the names it writes inside them.
KNOWN_FOLDERS = {
    # matrices and the indexes built from them; a large-dataset index brought home with its parts
    "cache": ("vectors-*", ".vectors-*.tmp", "shipped-*", ".shipped-*.tmp", "*.onnx", "*.onnx*.tmp"),
    "registry": ("local.json", "local.json.tmp", "local.json.damaged-*"),
    "index-parts": (),  # index parts a local Ray made (`index NAME --cluster`), a folder per dataset id
}
#: Folders of FaceAudit's own inside those (name patterns), and what it writes inside them: the
#: names of its files, and its own folders inside (same form).
_TOKEN_INDEX = (("filters.bin", "index.json", "gzip.idx"), {})
KNOWN_SUBFOLDERS = {
    "cache": {
        "gzip-seek-points": (("*.gzidx", "*.partial"), {}),  # seek points into tar.gz datasets
        # token indexes of lists of links: one folder per list file (its item id), built aside first
        "list-index": ((), {"[0-9]*": _TOKEN_INDEX, ".building-*": _TOKEN_INDEX}),
    },
    "index-parts": {"[0-9]*": (("*.part.parquet", "*.part.parquet.*.tmp", "index.ivfpq", "index.faces.npy",
                                "index.parts.json"), {})},
}


class WipeError(FaceAuditError, OSError):
    """The data folder is not FaceAudit's alone (a home folder, a dataset, anything FaceAudit did not write)."""


def wipe_plan() -> list[Path]:
    """The files and folders `wipe_all` would delete.

    Raises:
        WipeError: the data folder holds something FaceAudit did not create, or points somewhere
            that is not FaceAudit's alone.
    """
    home = paths.data_home(create=False)
    if not home.exists():
        return []
    return _plan(home)


def wipe_all() -> None:
    """Delete what FaceAudit created in the data folder, and the folder when FaceAudit made it.

    Raises:
        WipeError: as for `wipe_plan`; nothing is deleted then.
    """
    home = paths.data_home(create=False)
    if not home.exists():
        return
    made_here = paths.made_by_faceaudit(home)
    for path in _plan(home):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    if made_here:
        (home / paths.MARKER).unlink(missing_ok=True)
        home.rmdir()  # empty now: everything in it was planned


def _plan(home: Path) -> list[Path]:
    # FACEAUDIT_HOME may be set by hand: a slip (`FACEAUDIT_HOME=~`, `/usr`, `~/Documents`) must not
    # cost the user a single file.
    if home.is_symlink():
        raise WipeError(f"{home} is a symbolic link; delete what it points to by hand")
    resolved = home.resolve()
    user_home = Path.home().resolve()
    if resolved == Path(resolved.anchor) or resolved == user_home or resolved in user_home.parents:
        raise WipeError(f"{resolved} is not FaceAudit's own folder; nothing was deleted")
    plan, strangers = [], []
    for path in sorted(home.iterdir()):
        if path.name in KNOWN_FOLDERS and path.is_dir() and not path.is_symlink():
            strangers += _strangers_in(path, KNOWN_FOLDERS[path.name], KNOWN_SUBFOLDERS.get(path.name, {}))
            plan.append(path)
        elif _known(path, KNOWN):
            plan.append(path)
        else:
            strangers.append(path)
    if strangers:
        shown = ", ".join(str(p.relative_to(home)) for p in strangers[:5]) + (", ..." if len(strangers) > 5 else "")
        raise WipeError(f"{resolved} holds {len(strangers)} thing(s) FaceAudit did not create ({shown}); nothing was"
                        " deleted. Move them out of the folder, or delete them yourself, then wipe again")
    return plan


def _strangers_in(folder: Path, patterns: tuple[str, ...], subfolders: dict) -> list[Path]:
    """What in one of FaceAudit's own folders FaceAudit did not write (its own sub-folders looked into)."""
    strangers = []
    for child in sorted(folder.iterdir()):
        inner = next((spec for name, spec in subfolders.items() if fnmatch.fnmatchcase(child.name, name)), None)
        if inner is not None and child.is_dir() and not child.is_symlink():
            strangers += _strangers_in(child, *inner)
        elif not _known(child, patterns):
            strangers.append(child)
    return strangers


def _known(path: Path, patterns: tuple[str, ...]) -> bool:
    """A regular file (not a link, not a folder) whose name FaceAudit writes."""
    if path.is_symlink() or not path.is_file():
        return False
    return any(fnmatch.fnmatchcase(path.name, pattern) for pattern in patterns)
