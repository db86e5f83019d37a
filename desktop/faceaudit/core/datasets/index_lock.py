"""One indexer per dataset, across processes: a lock file per dataset beside the database, naming its holder."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum

from faceaudit.core.errors import Action, FaceAuditError
from faceaudit.core.storage.file_lock import FileLock
from faceaudit.core.storage.store import Store

__all__ = ["Indexer", "IndexBusyError", "index_lock", "lock_path"]


class Indexer(StrEnum):
    """Who indexes a dataset (the front end says, the lock file keeps it)."""

    WINDOW = "window"
    COMMAND = "command"


_WHO = {Indexer.WINDOW: "the FaceAudit window", Indexer.COMMAND: "a FaceAudit command in a terminal"}


class IndexBusyError(FaceAuditError):
    """The dataset is being indexed by another window or command: nothing was started."""


def lock_path(store: Store, dataset_id: int):
    """The lock file of a dataset's indexing, beside the database."""
    return store.path.parent / f"indexing-{dataset_id}.lock"


@contextmanager
def index_lock(store: Store, dataset_id: int, name: str, who: str = Indexer.COMMAND) -> Iterator[None]:
    """Hold the dataset's indexing lock for the block (released when the process ends, however it ends).

    Raises:
        IndexBusyError: another process holds it; its message names who and since when.
    """
    lock = FileLock(lock_path(store, dataset_id))
    if not lock.acquire():
        holder = _holder(lock.read_note())
        raise IndexBusyError(f"dataset {name} is being indexed by {holder}: one indexer per dataset, so nothing was "
                             "started; the work it does is kept and counts for both",
                             action=Action.WAIT_OR_STOP_INDEXING, subject=name)
    try:
        lock.write_note(json.dumps({"who": str(who), "pid": os.getpid(),
                                    "since": datetime.now().astimezone().strftime("%H:%M")}))
        yield
    finally:
        lock.release()


def _holder(note: str) -> str:
    try:
        held = json.loads(note)
        who = _WHO.get(held["who"], "another FaceAudit process")
        return f"{who} (process {int(held['pid'])}, since {held['since']})"
    except (ValueError, KeyError, TypeError):
        return "another FaceAudit window or command"
