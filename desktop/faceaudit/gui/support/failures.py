"""A failure as the window shows it: its words, and the error they came from (so its Action can be offered)."""

from __future__ import annotations

from faceaudit.core.errors import Action, FaceAuditError
from faceaudit.core.storage.faults import Fault, sort_error
from faceaudit.gui.wording import error_text, os_error_text

__all__ = ["Failure"]


class Failure(str):
    """What went wrong, in words (a `str`: a page shows it as it is), with the error kept beside them.

    Attributes:
        error: what the words were made from (see `sort_error`).
        fault: whose the trouble is.
        action: what would fix it (the error's Action), for the button that does it; None for none.
    """

    error: BaseException
    fault: Fault
    action: Action | None

    def __new__(cls, exc: BaseException) -> Failure:
        fault, error = sort_error(exc)
        if isinstance(error, FaceAuditError):
            text = error_text(error)
        elif fault is Fault.DISK and isinstance(error, OSError):
            text = os_error_text(error)
        else:
            text = f"Something went wrong: {exc}"
        failure = super().__new__(cls, text)
        failure.error, failure.fault = error, fault
        failure.action = error.action if isinstance(error, FaceAuditError) else None
        return failure
