"""Plain-words descriptions: match bands, decisions, look-alike odds, letter types and request states."""

from __future__ import annotations

from faceaudit.core.errors import Action, FaceAuditError

__all__ = [
    "error_text",
    "os_error_text",
    "ACTION_HINTS",
    "BAND_WORDS",
    "DECISION_WORDS",
    "LETTER_WORDS",
    "LAW_WORDS",
    "lookalike_sentence",
    "days_left_words",
]

BAND_WORDS = {
    "strong": "Strong: very unlikely to be a stranger",
    "possible": "Possible: could be you, could be a look-alike",
    "weak": "Weak: most likely a look-alike",
}

DECISION_WORDS = {"unreviewed": "not decided yet", "me": "this is me", "not_me": "not me", "unsure": "unsure"}

#: Letter type -> what the person sees in the type list.
LETTER_WORDS = {
    "erasure": "Erasure: delete my photos",
    "access": "Access: what do you hold about me?",
    "objection": "Objection: stop using my photos",
    "reminder": "Reminder: you missed the deadline",
    "dpa-complaint": "Complaint to the data-protection authority",
    "ccpa-delete": "CCPA: request to delete",
    "ccpa-know": "CCPA: request to know",
    "ftc-complaint": "Complaint to the US FTC",
}

LAW_WORDS = {"gdpr": "GDPR (EU)", "uk-gdpr": "UK GDPR", "ccpa": "CCPA (California)", "ftc": "FTC Act (US)"}


def lookalike_sentence(expected: float | None, exact_photo: bool, dataset_faces: int) -> str:
    """How many strangers would look this close, in words.

    Args:
        expected: the expected number of strangers in the dataset as close as this face.
        exact_photo: the dataset holds a copy of one of my photos.
        dataset_faces: faces in the dataset.
    """
    if exact_photo:
        return "This is the same photo as one of yours (perhaps resized or re-saved)."
    if expected is None or dataset_faces <= 0:
        return "There is no estimate of look-alikes for this face."
    if expected >= 1:
        return (f"About {_round(expected):,} of the {dataset_faces:,} faces in this dataset would look this close "
                "without being you: this may well be a look-alike.")
    one_in = dataset_faces / max(expected, 1e-12)
    return f"About 1 in {_round(one_in):,} strangers in this dataset would look this close."


def _round(value: float) -> int:
    """Two significant figures: 41,234 -> 41,000."""
    if value < 100:
        return max(1, round(value))
    digits = len(str(int(value))) - 2
    return int(round(value, -digits))


def days_left_words(deadline, today) -> str:
    """The time left until a deadline, in words ("12 days left", "3 days overdue", "-" for none)."""
    if deadline is None:
        return "-"
    left = (deadline - today).days
    if left < 0:
        return f"{-left} day{'s' if left < -1 else ''} overdue"
    if left == 0:
        return "due today"
    return f"{left} day{'s' if left > 1 else ''} left"


#: What the window suggests for each kind of error: where to click, never a command.
ACTION_HINTS = {
    Action.ADD_REFERENCE: "Add a photo of yourself on the Me page.",
    Action.ADD_DATASET: "Add a dataset on the Datasets page.",
    Action.INDEX_DATASET: "Index it on the Datasets page.",
    Action.UNLOCK: "Start FaceAudit again and enter your passphrase to unlock it.",
    Action.SET_IDENTITY: "Fill them in with “Edit my details…” on the Letters page.",
    Action.REVIEW_MATCHES: "Confirm your matches on the Scan & Review page first.",
    Action.SET_SENT_DATE: "Mark it sent on the Requests page first.",
    Action.CHOOSE_DATASET: "Choose one of the datasets listed on the Datasets page.",
    Action.CHOOSE_REGISTRY_ENTRY: "Choose the published dataset from the list.",
    Action.CHOOSE_REQUEST: "Choose a request from the list on the Requests page.",
}


def error_text(error: FaceAuditError) -> str:
    """An error as the window shows it: what happened, as a sentence, then where to click."""
    text = str(error)
    text = text[:1].upper() + text[1:]
    if not text.endswith((".", "!", "?")):
        text += "."
    hint = ACTION_HINTS.get(error.action) if error.action else None
    return f"{text} {hint}" if hint else text


def os_error_text(error: OSError) -> str:
    """A file-system error in words: what failed, on which file, and what the system said."""
    where = f" {error.filename}" if error.filename else ""
    reason = error.strerror or str(error)
    return f"Could not use{where}: {reason}."
