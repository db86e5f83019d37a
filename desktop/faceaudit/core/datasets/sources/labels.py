"""Who is in each photo: labels from a CSV, or from a one-folder-per-person layout; and whether a
label column names people at all (FairFace's "30-39" is an age class, not a person)."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path, PurePosixPath

from faceaudit.core.errors import FaceAuditError

__all__ = ["label_from_key", "read_labels_csv", "LabelsError", "identity_names", "is_class_like"]


def label_from_key(key: str) -> str | None:
    """The identity implied by a one-folder-per-person layout (the file's parent folder)."""
    parent = PurePosixPath(key).parent.name
    return parent if parent not in ("", ".", "..") else None


class LabelsError(FaceAuditError, ValueError):
    """A labels file that cannot be read as a UTF-8 CSV; nothing was changed."""


def read_labels_csv(path: str | os.PathLike) -> dict[str, str]:
    """Labels from a CSV of `key,label` rows (a header row is skipped when present).

    Raises:
        LabelsError: the file is not UTF-8 text or not a CSV (labels go into letters: a name read
            in the wrong encoding would be cited wrong, so it is refused, never guessed).
    """
    labels: dict[str, str] = {}
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise LabelsError(f"the labels file {path} cannot be read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise LabelsError(f"the labels file {path} is not UTF-8 text (byte 0x{data[exc.start]:02X} on line {line},"
                          " as Latin-1 or Windows-1252 would write it); save it as UTF-8 and try again") from None
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            if len(row) >= 2 and row[0].strip() and row[0].strip().lower() != "key":
                labels[row[0].strip()] = row[1].strip()
    except csv.Error as exc:
        raise LabelsError(f"the labels file {path} is not a CSV file: {exc}") from None
    return labels


#: Values that name a class of people, not a person: age bands ("30-39", "70+", "more than 70"),
#: genders, FairFace's and UTKFace's race classes, expressions, yes/no.
_CLASS_LIKE = re.compile(
    r"^(\d{1,3}\s*[-\u2013~to ]+\s*\d{1,3}|\d{1,3}\s*\+|(more|less|older|younger) than \d{1,3}|(over|under) \d{1,3}"
    r"|male|female|man|woman|men|women|boy|girl|m|f|other|non-?binary|unknown"
    r"|white|black|asian|indian|east[ _]asian|southeast[ _]asian|middle[ _]eastern|latino([ _/]hispanic)?|hispanic"
    r"|neutral|happy|happiness|sad|sadness|angry|anger|surprise|fear|disgust|contempt"
    r"|yes|no|true|false|young|old|adult|child|senior)$", re.IGNORECASE)
#: An integer label with at most this many values over many rows is an attribute (0/1), not people.
_FEW = 2
_MANY_ROWS = 50


def is_class_like(value: object) -> bool:
    """True for a value that names a class of people (an age band, a gender, a race), not a person."""
    return bool(_CLASS_LIKE.match(str(value).strip().replace("_", " ")))


def identity_names(values: list, names: list[str] | None = None) -> bool:
    """Whether a label column names people, from its class names (a ClassLabel's) or its values.

    It does not when half or more of the distinct names are class-like (`is_class_like`), or when
    an unnamed integer column has at most two values over 50 rows or more (a yes/no attribute).
    Person ids (RecordIO's integers, a folder's names, Freebase MIDs) pass.
    """
    distinct = set(names) if names else {value for value in values if value is not None}
    if not distinct:
        return False
    if names is None and all(isinstance(value, int) and not isinstance(value, bool) for value in distinct):
        return not (len(distinct) <= _FEW and len(values) >= _MANY_ROWS)
    classes = sum(1 for value in distinct if is_class_like(value))
    return classes * 2 < len(distinct)
