"""Who is in each photo: labels from a CSV, or from a one-folder-per-person layout."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path, PurePosixPath

from faceaudit.core.errors import FaceAuditError

__all__ = ["label_from_key", "read_labels_csv", "LabelsError"]


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
