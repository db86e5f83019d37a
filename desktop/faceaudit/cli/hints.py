"""Every command line the CLI prints: the next step after a result (`command`), the fix for an error (`hint_for`).

One place, so a renamed command or option is changed once (tests/test_words.py finds a command line
typed anywhere else in cli/, and tests/test_docs.py checks the docs' against the parser).
"""

from __future__ import annotations

from enum import StrEnum

from faceaudit.core.errors import Action, FaceAuditError

__all__ = ["Step", "command", "hint_for", "hint_for_action"]


class Step(StrEnum):
    """A next step the CLI names after a result; `command` gives its command line."""

    ADD_REFERENCE = "add-reference"
    CONFIRM_REFERENCE = "confirm-reference"
    ADD_IDENTIFIER = "add-identifier"
    ADD_IDENTIFIERS = "add-identifiers"
    HASH_PHOTOS = "hash-photos"
    ADD_DATASET = "add-dataset"
    INDEX = "index"
    SCAN = "scan"
    DATASET_ERRORS = "dataset-errors"
    UNAVAILABLE_ITEMS = "unavailable-items"
    WRITE_LETTER = "write-letter"
    MARK_SENT = "mark-sent"
    FOLLOW_UP = "follow-up"
    LOCK = "lock"
    UNLOCK = "unlock"
    IMPORT_PARTS = "import-parts"


_COMMANDS = {
    Step.ADD_REFERENCE: "faceaudit me add PHOTO",
    Step.CONFIRM_REFERENCE: "faceaudit me confirm {id}",
    Step.ADD_IDENTIFIER: 'faceaudit me id add flickr:USERNAME (or a photo address, name:"First Last", ...)',
    Step.ADD_IDENTIFIERS: "faceaudit me id add ...",
    Step.HASH_PHOTOS: "faceaudit me hashes",
    Step.ADD_DATASET: "faceaudit dataset add PATH --name NAME",
    Step.INDEX: "faceaudit index {name}",
    Step.SCAN: "faceaudit scan {name}",
    Step.DATASET_ERRORS: "faceaudit dataset errors {name}",
    Step.UNAVAILABLE_ITEMS: "faceaudit dataset errors {name} --unavailable",
    Step.WRITE_LETTER: "faceaudit letter --type erasure --dataset NAME --out letter.pdf",
    Step.MARK_SENT: "faceaudit requests update {id} --sent YYYY-MM-DD --channel email|post|web-form",
    Step.FOLLOW_UP: "faceaudit requests follow-up {id}",
    Step.LOCK: "faceaudit lock",
    Step.UNLOCK: "faceaudit unlock",
    Step.IMPORT_PARTS: "faceaudit index import {name} PARTS_DIR",
}


def command(step: Step, **fields) -> str:
    """The command line of a next step, its fields (`name`, `id`) filled in."""
    return _COMMANDS[step].format(**fields)


_HINTS = {
    Action.ADD_REFERENCE: "add a photo of yourself: " + _COMMANDS[Step.ADD_REFERENCE],
    Action.ADD_DATASET: "add one: " + _COMMANDS[Step.ADD_DATASET],
    Action.INDEX_DATASET: "to finish: " + _COMMANDS[Step.INDEX].format(name="{subject}"),
    Action.UNLOCK: "run: " + _COMMANDS[Step.UNLOCK],
    Action.SET_IDENTITY: "run: faceaudit identity set --name NAME --email ADDRESS",
    Action.REVIEW_MATCHES: "scan, then confirm matches: faceaudit scan; faceaudit review ID me",
    Action.SET_SENT_DATE: "once it is sent: faceaudit requests update {subject} --sent YYYY-MM-DD",
    Action.CHOOSE_DATASET: "see: faceaudit dataset list",
    Action.CHOOSE_REGISTRY_ENTRY: "see: faceaudit registry list",
    Action.CHOOSE_REQUEST: "see: faceaudit requests list",
    Action.CONFIRM_REFERENCE: "see which: faceaudit me list; then faceaudit me confirm ID",
    Action.WAIT_FOR_OTHER: "wait until the other FaceAudit window or command has finished, then run the command again",
    Action.FREE_SPACE: "free some space on that disk (or set FACEAUDIT_HOME to a folder on another one), then run the"
                       " command again",
    Action.MAKE_WRITABLE: "make {subject} writable for your user (or set FACEAUDIT_HOME to a folder you may write),"
                          " then run the command again",
    Action.RESTORE_DATABASE: "to restore a backup, put it in place of {subject}; to start afresh, move {subject} out of"
                             " the data folder and FaceAudit makes a new, empty one (the copy stays where it is)",
    Action.REPAIR_LOCAL_REGISTRY: "run: faceaudit registry repair (your corrections are kept where they can be read;"
                                  " the damaged file is kept beside it)",
    Action.CHOOSE_INDEX_SETTINGS: "see: faceaudit index --help",
    Action.LINK_OR_NAME_RECIPIENT: "either link it: faceaudit registry link '{subject}' ENTRY, "
                                   "or name the recipient: --recipient-name NAME [--recipient-address ...]",
    Action.SET_RESIDENCE: "run: faceaudit identity set --country CODE [--region CODE], "
                          "e.g. --country DE --region DE-BE",
    Action.SET_UP_CLUSTER: "install the cluster extra (pip install 'faceaudit[cluster]'), and check the cluster's"
                           " address with: ray status --address ADDRESS",
}


def hint_for(error: FaceAuditError) -> str | None:
    """The command to suggest after an error's message, or None."""
    return hint_for_action(error.action, error.subject)


def hint_for_action(action: Action | None, subject: str | int | None = None) -> str | None:
    """The command that does `action` (for `subject`), or None."""
    template = _HINTS.get(action) if action else None
    if template is None:
        return None
    return template.format(subject=subject if subject is not None else "NAME")
