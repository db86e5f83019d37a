"""Plain-words descriptions: match bands, decisions, look-alike odds, letter types and request states."""

from __future__ import annotations

from faceaudit.core.datasets.states import DatasetState
from faceaudit.core.errors import Action, FaceAuditError

__all__ = [
    "error_text",
    "os_error_text",
    "ACTION_HINTS",
    "ACTION_PAGES",
    "BAND_WORDS",
    "BAND_COLORS",
    "BAND_TEXT_COLORS",
    "DECISION_WORDS",
    "DECISION_MARKS",
    "DECISION_DONE",
    "distance_sentence",
    "second_look_reasons",
    "LETTER_WORDS",
    "LAW_WORDS",
    "CHANNEL_WORDS",
    "GROUND_WORDS",
    "lookalike_sentence",
    "days_left_words",
    "STATE_WORDS",
    "unchecked_sentence",
]

BAND_WORDS = {
    "strong": "Strong: very unlikely to be a stranger",
    "possible": "Possible: could be you, could be a look-alike",
    "weak": "Weak: most likely a look-alike",
}

#: The strip under a card's face: the band at a glance (the words say it too, for colour-blind eyes).
BAND_COLORS = {"strong": "#2e7d32", "possible": "#f9a825", "weak": "#9e9e9e", "listed": "#1565c0"}
#: The band's words beside the large face: a weak candidate's in a warning colour.
BAND_TEXT_COLORS = {"strong": "#2e7d32", "possible": "#b26a00", "weak": "#c62828"}

DECISION_WORDS = {"unreviewed": "not decided yet", "me": "this is me", "not_me": "not me", "unsure": "unsure"}

#: Decision -> (symbol, colour) of the badge on a card; undecided cards have none.
DECISION_MARKS = {"me": ("✓", "#2e7d32"), "not_me": ("✗", "#c62828"), "unsure": ("?", "#ef6c00")}

#: Decision -> what the undo bar says was done ("Marked 3 photos as ...").
DECISION_DONE = {"me": "this is me", "not_me": "not me", "unsure": "unsure", "unreviewed": "not decided"}

#: Letter type -> what the person sees in the type list.
LETTER_WORDS = {
    "erasure": "Erasure: delete my photos",
    "access": "Access: what do you hold about me?",
    "objection": "Objection: stop using my photos",
    "reminder": "Reminder: you missed the deadline",
    "dpa-complaint": "Complaint to the data-protection authority",
    "ccpa-delete": "CCPA: request to delete",
    "ccpa-know": "CCPA: request to know",
    "cppa-complaint": "Complaint to the California Privacy Protection Agency",
    "ftc-complaint": "Report to the US FTC",
    "platform-access": "Platform: which of my photos did you pass on, to whom?",
    "developer-erasure": "Developer: delete my photos and the models trained on them",
}

LAW_WORDS = {"gdpr": "GDPR (EU)", "uk-gdpr": "UK GDPR", "ccpa": "CCPA (California)", "ftc": "FTC Act (US)",
             "bipa": "BIPA (Illinois)", "tdpsa": "TDPSA (Texas)"}

#: How a letter was sent ("sent by"): it decides when it counts as received.
CHANNEL_WORDS = {"email": "by e-mail", "post": "by post", "web-form": "by web form", "other": "otherwise"}

#: What an answer said: the ground the reminder or complaint states.
GROUND_WORDS = {
    "": "no reason given / not applicable",
    "refused": "refused, no reason given",
    "refused-research": "refused: “research purposes”",
    "refused-public": "refused: “the photos were public”",
    "refused-identify": "refused: “we cannot identify you”",
    "partial": "answered only in part",
    "excessive-id": "asked for an identity document",
}


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


#: Which face model saw a candidate, in words.
MODEL_WORDS = {"dlib": "dlib's face model", "mobilefacenet": "MobileFaceNet",
               "both": "dlib's face model and MobileFaceNet together"}


def model_limit(model: str | None) -> float:
    """The distance under which the model that measured a candidate's distance calls two faces one person
    (a fused candidate's distance is dlib's)."""
    from faceaudit.core.matching.bands import match_distance

    return match_distance("mobilefacenet") if model == "mobilefacenet" else match_distance("dlib")


def _cut(limit: float) -> str:
    return f"{limit:.2f}".rstrip("0")


def distance_sentence(distance: float | None, agree: int, n_references: int, model: str | None = None,
                      weak: bool = False) -> str | None:
    """How close the candidate's face is to mine, and how many of my faces are that close, in words.

    Args:
        model: the face model that measured the distance (its own "same person" limit is used).
        weak: the candidate is rated weak: closeness is then never worded as "the same person"
            (strangers this close are common in a dataset this size).
    """
    if distance is None:
        return None
    cut = model_limit(model)
    if distance > cut:
        limit = f"over {_cut(cut)}: the face model would call it another person"
    elif weak:
        limit = f"within {_cut(cut)}, but rated weak: many strangers in a dataset this size are this close"
    else:
        limit = f"within {_cut(cut)}: the face model would call it the same person"
    return (f"Distance to your nearest reference face {distance:.2f} ({limit}); {agree} of your {n_references} "
            f"reference face{'s' if n_references != 1 else ''} {'is' if agree == 1 else 'are'} within {_cut(cut)}. "
            f"Found by {MODEL_WORDS.get(model or 'dlib', model)}.")


def second_look_reasons(candidate, dataset_faces: int) -> list[str]:
    """Why a candidate is most likely a look-alike, one reason a line (for the question before confirming it)."""
    reasons = []
    if candidate.expected_lookalikes is not None and dataset_faces > 0:
        reasons.append(lookalike_sentence(candidate.expected_lookalikes, False, dataset_faces))
    cut = model_limit(getattr(candidate, "model", None))
    if candidate.n_references and candidate.agree < candidate.n_references:
        reasons.append(f"Only {candidate.agree} of your {candidate.n_references} reference faces "
                       f"{'is' if candidate.agree == 1 else 'are'} within {_cut(cut)} of it.")
    if candidate.distance is not None and candidate.distance > cut:
        reasons.append(f"Even your nearest reference face is {candidate.distance:.2f} away: past {_cut(cut)}, the "
                       "face model calls two faces different people.")
    elif candidate.distance is not None and candidate.distance > cut * 5 / 6:
        reasons.append(f"Even your nearest reference face is {candidate.distance:.2f} away, near the {_cut(cut)} "
                       "limit past which the face model calls two faces different people.")
    return reasons or ["The scan rated it weak: strangers this close are common in a dataset this size."]


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
    Action.CONFIRM_REFERENCE: "On the Me page, click “Yes, this is me” under the faces that are you.",
    Action.WAIT_FOR_OTHER: "Wait until the other FaceAudit window or command has finished, then try again.",
    Action.FREE_SPACE: "Free some space on that disk, then try again.",
    Action.MAKE_WRITABLE: "Make that folder writable for your user account, then start FaceAudit again.",
    Action.RESTORE_DATABASE: "Close FaceAudit. To restore a backup, put it in place of the damaged file; to start "
                             "afresh, move the damaged file out of the data folder and FaceAudit makes a new, empty "
                             "one. The copy stays where it is.",
    Action.REPAIR_LOCAL_REGISTRY: "Move that file out of the data folder (or fix it in a text editor); FaceAudit then "
                                  "uses the bundled registry without your corrections.",
    Action.CHOOSE_INDEX_SETTINGS: "Choose other indexing settings.",
    Action.LINK_OR_NAME_RECIPIENT: "Choose which published dataset it is (Dataset is:), or fill in the recipient.",
    Action.SET_RESIDENCE: "Fill in your country (and Land or state) with “Edit my details…” on the Letters page.",
    Action.WAIT_OR_STOP_INDEXING: "Wait until it has finished, or stop it there (Ctrl+C in the command's terminal); "
                                  "then click “Index” again to index what is left.",
    Action.CHANGE_CITED_DECISION: "Change it only if the request was wrong: the window asks you first, naming the "
                                  "request, and its history records the change.",
    Action.SET_UP_CLUSTER: "Indexing on a cluster runs from the command line, with FaceAudit's cluster extra.",
}


#: The page where an Action is done: a failure that names it offers a link there (`Notice.show_failure`).
ACTION_PAGES = {
    Action.ADD_REFERENCE: "Me",
    Action.CONFIRM_REFERENCE: "Me",
    Action.ADD_DATASET: "Datasets",
    Action.INDEX_DATASET: "Datasets",
    Action.CHOOSE_DATASET: "Datasets",
    Action.REVIEW_MATCHES: "Scan & Review",
    Action.SET_IDENTITY: "Letters",
    Action.SET_RESIDENCE: "Letters",
    Action.SET_SENT_DATE: "Requests",
    Action.CHOOSE_REQUEST: "Requests",
}

#: A dataset's state as the Datasets page shows it; the ones that are no all-clear say so.
STATE_WORDS = {
    DatasetState.NEW: "not indexed",
    DatasetState.INDEXING: "interrupted",
    DatasetState.NOTHING_READABLE: "nothing readable",
    DatasetState.NO_FACES: "no faces found",
    DatasetState.FEW_FACES: "few faces found",
    DatasetState.PARTLY_UNREADABLE: "partly unreadable",
    DatasetState.READY: "indexed",
}


def unchecked_sentence(unchecked: list[tuple[str, str]]) -> str:
    """Why finding nothing says nothing about some datasets: `unchecked` is (name, reason) pairs."""
    named = "; ".join(f"{name}: {reason}" for name, reason in unchecked)
    these = "this dataset" if len(unchecked) == 1 else f"these {len(unchecked)} datasets"
    return (f"Not really checked, so finding nothing in {these} is no all-clear: {named}. "
            "See the Datasets page for what could not be read.")


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
