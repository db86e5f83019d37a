"""Whose the trouble is: the one place that sorts an error into the person's, the disk's or a bug.

The CLI (`cli/main.py`), the background workers (`gui/support/workers.py`) and the app's start
(`gui/app.py`) each word an error in their own terms, but all three sort it here first.
"""

from __future__ import annotations

import sqlite3
from enum import StrEnum

from faceaudit.core.errors import FaceAuditError
from faceaudit.core.storage.problems import StorageProblem, explain

__all__ = ["Fault", "sort_error"]


class Fault(StrEnum):
    """Whose the trouble is; what a front end does with an error follows from it."""

    MISTAKE = "mistake"  # the person can fix it: a FaceAuditError, its message and its Action
    DISK = "disk"  # the disk or the database, or a file the work was given: said in plain words
    BUG = "bug"  # FaceAudit's own fault: said plainly, with the traceback kept for the report


def sort_error(exc: BaseException) -> tuple[Fault, BaseException]:
    """Sort an error, and give what to word for it.

    Returns:
        (fault, error): for MISTAKE and an explained DISK fault a FaceAuditError (with its Action);
        for a file's DISK fault the OSError itself (its file name and the system's reason); for a
        BUG the exception as raised.
    """
    if isinstance(exc, StorageProblem):
        return Fault.DISK, exc
    if isinstance(exc, FaceAuditError):
        return Fault.MISTAKE, exc
    if isinstance(exc, (sqlite3.Error, OSError)):
        problem = explain(exc)
        if problem is not None:
            return Fault.DISK, problem
        if isinstance(exc, OSError):  # a file or folder the work was given: the person can act on it
            return Fault.DISK, exc
    return Fault.BUG, exc  # a database error that is neither the disk's nor a file's is a bug too
