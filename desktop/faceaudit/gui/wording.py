"""Plain-words descriptions of a candidate match: bands, decisions, look-alike odds."""

from __future__ import annotations

__all__ = ["BAND_WORDS", "DECISION_WORDS", "lookalike_sentence"]

BAND_WORDS = {
    "strong": "Strong: very unlikely to be a stranger",
    "possible": "Possible: could be you, could be a look-alike",
    "weak": "Weak: most likely a look-alike",
}

DECISION_WORDS = {"unreviewed": "not decided yet", "me": "this is me", "not_me": "not me", "unsure": "unsure"}


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
