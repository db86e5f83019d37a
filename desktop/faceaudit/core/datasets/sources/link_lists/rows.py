"""What searching a list yields: the rows found, where each is, and how far the search has got."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from faceaudit.core import limits
from faceaudit.core.datasets.sources.link_lists.columns import ListError, Role

__all__ = ["FoundRow", "SearchStep", "Verify", "flatten", "decode_text"]

#: What the caller's exact test gives back for a row: something true (why the row matches) or None.
Verify = Callable[[dict[str, str], Mapping[str, Role]], object | None]
#: A list of numbers (or of lists of numbers: FFHQ's landmarks) is kept as one field, cut to this length.
_NUMBERS_TEXT = 200


@dataclass(frozen=True)
class FoundRow:
    """A row of a list that passed the exact test.

    Attributes:
        file: the list file's key in the dataset (its path inside the dataset's folder, or its name).
        locator: where in the file, as a custodian can find it: "line 17", "entry 12345", "row 1234567"
            (parquet rows counted from 0), or "whole file".
        position: the line, row or entry number (for ordering).
        record: every field of the row, as text.
        verdict: what the test returned (the identifiers it matched).
    """

    file: str
    locator: str
    position: int
    record: dict[str, str]
    verdict: object

    @property
    def key(self) -> str:
        """File and place in one string: `ffhq-dataset-v2.json, entry 12345`."""
        return self.file if self.locator == "whole file" else f"{self.file}, {self.locator}"


@dataclass(frozen=True)
class SearchStep:
    """A point of a search through one file.

    Attributes:
        done: bytes of the file (as stored, so compressed bytes for gzip) read so far.
        total: the file's size.
        rows: rows found since the last step.
        finished: the whole file has been read.
        count: rows (lines, entries) in the file, on the finishing step.
        problems: rows that could not be read (the first few, with why), on the finishing step.
    """

    done: int
    total: int
    rows: tuple[FoundRow, ...] = ()
    finished: bool = False
    count: int | None = None
    problems: tuple[str, ...] = ()


def flatten(value: object) -> dict[str, str]:
    """A JSON value as flat fields: `metadata.photo_url`, `urls.0`; a list of numbers stays one field.

    Raises:
        ListError: nested deeper than `limits.MAX_LIST_NESTING`.
    """
    out: dict[str, str] = {}
    stack: list[tuple[str, object, int]] = [("", value, 0)]
    while stack:
        path, item, depth = stack.pop()
        if depth > limits.MAX_LIST_NESTING:
            raise ListError(f"an entry nests deeper than {limits.MAX_LIST_NESTING} levels")
        if isinstance(item, dict):
            stack.extend((f"{path}.{key}" if path else str(key), child, depth + 1)
                         for key, child in reversed(list(item.items())))
        elif isinstance(item, list):
            if item and _numbers(item, depth):
                text = json.dumps(item, separators=(",", ":"))
                out[path or "value"] = text if len(text) <= _NUMBERS_TEXT else text[:_NUMBERS_TEXT] + "…"
            else:
                stack.extend((f"{path}.{n}" if path else str(n), child, depth + 1)
                             for n, child in reversed(list(enumerate(item))))
        elif item is not None:
            out[path or "value"] = ("true" if item else "false") if isinstance(item, bool) else str(item)
    return out


def _numbers(item: list, depth: int) -> bool:
    """True for a list of numbers, or of lists of numbers (landmarks, boxes), within the nesting limit."""
    stack = [(item, depth)]
    while stack:
        values, level = stack.pop()
        if level > limits.MAX_LIST_NESTING:
            return False
        for value in values:
            if isinstance(value, list):
                stack.append((value, level + 1))
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                return False
    return True


def decode_text(raw: bytes) -> str:
    """Bytes of a list as text: UTF-8, or Windows-1252 where a line is not UTF-8 (old lists often are)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")
