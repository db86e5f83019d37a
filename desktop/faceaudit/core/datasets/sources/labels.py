"""Who is in each photo: labels from a CSV, or from a one-folder-per-person layout."""

from __future__ import annotations

import csv
import os
from pathlib import PurePosixPath

__all__ = ["label_from_key", "read_labels_csv"]


def label_from_key(key: str) -> str | None:
    """The identity implied by a one-folder-per-person layout (the file's parent folder)."""
    parent = PurePosixPath(key).parent.name
    return parent if parent not in ("", ".", "..") else None


def read_labels_csv(path: str | os.PathLike) -> dict[str, str]:
    """Labels from a CSV of `key,label` rows (a header row is skipped when present)."""
    labels: dict[str, str] = {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for row in csv.reader(handle):
            if len(row) >= 2 and row[0].strip() and row[0].strip().lower() != "key":
                labels[row[0].strip()] = row[1].strip()
    return labels
