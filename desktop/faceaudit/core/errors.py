"""The base of every error a person can act on. Imports nothing from the project, so any module can.

An error says what happened, in plain words, and nothing about how to fix it in a given front
end: `action` names the fix, and each front end writes its own hint for it (the CLI names a
command, the GUI names a button). A core message never contains a CLI command.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Action", "FaceAuditError"]


class Action(StrEnum):
    """What a person can do about an error; each front end words it its own way."""

    ADD_REFERENCE = "add-reference"
    ADD_DATASET = "add-dataset"
    INDEX_DATASET = "index-dataset"
    UNLOCK = "unlock"
    SET_IDENTITY = "set-identity"
    REVIEW_MATCHES = "review-matches"
    SET_SENT_DATE = "set-sent-date"
    CHOOSE_DATASET = "choose-dataset"
    CHOOSE_REGISTRY_ENTRY = "choose-registry-entry"
    CHOOSE_REQUEST = "choose-request"
    CONFIRM_REFERENCE = "confirm-reference"
    WAIT_FOR_OTHER = "wait-for-other"
    FREE_SPACE = "free-space"
    MAKE_WRITABLE = "make-writable"
    RESTORE_DATABASE = "restore-database"
    REPAIR_LOCAL_REGISTRY = "repair-local-registry"
    CHOOSE_INDEX_SETTINGS = "choose-index-settings"
    LINK_OR_NAME_RECIPIENT = "link-or-name-recipient"
    SET_RESIDENCE = "set-residence"
    SET_UP_CLUSTER = "set-up-cluster"


class FaceAuditError(Exception):
    """Something the person can fix or must know; `str(error)` says what happened.

    Args:
        message: what happened, meant for the person (no traceback, no command).
        action: what would fix it, for the front end to word; None when nothing is to be done.
        subject: what the action applies to (a dataset's name, a request's id), if anything.
    """

    def __init__(self, message: str = "", *, action: Action | None = None, subject: str | int | None = None):
        super().__init__(message)
        self.action = action
        self.subject = subject
