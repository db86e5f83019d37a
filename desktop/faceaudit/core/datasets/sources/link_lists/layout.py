"""What a list file is: its form (delimited text, JSON Lines, JSON, parquet), its columns, which hold identifiers."""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from faceaudit.core import limits
from faceaudit.core.datasets.sources.forms import SAMPLE_BYTES, Sample, detect
from faceaudit.core.datasets.sources.forms import Role as FormRole
from faceaudit.core.datasets.sources.link_lists import streams
from faceaudit.core.datasets.sources.link_lists.columns import ListError, Role, detect_roles, looks_like_url
from faceaudit.core.datasets.sources.link_lists.rows import decode_text, flatten

__all__ = ["ListForm", "ListLayout", "sniff", "split_line", "NO_COLUMNS"]

#: Bytes read to recognise a text list's form and columns.
_SAMPLE = 256 * 1024
#: Rows looked at to find the identifier columns.
_SAMPLE_ROWS = 200
_DELIMITERS = ("\t", ",", ";", "|")
_NUMBER = re.compile(r"^[-+]?\d+(?:[.,]\d+)?$")
_WORD = re.compile(r"^[A-Za-z_][\w .()/-]*$")
NO_COLUMNS = ("no column holds web addresses, Flickr accounts or photo ids, names or file hashes"
              " (name them with ROLE=COLUMN if they are there)")


class ListForm(StrEnum):
    """How a list file is written."""

    DELIMITED = "delimited"
    JSON_LINES = "json-lines"
    JSON = "json"
    PARQUET = "parquet"


@dataclass(frozen=True)
class ListLayout:
    """A list file's form and columns, as found by `sniff`.

    Attributes:
        form: how the file is written.
        columns: the column names in order (a header's; positions "1", "2", … without one; the
            flattened fields of the first entries for JSON).
        roles: {column: role} for the columns that hold identifiers.
        delimiter: for delimited text: tab, comma, semicolon, bar, " " (runs of blanks), or None
            (one value per line).
        skip: lines before the first row (comments and header).
        gzip: the file is gzip-compressed.
    """

    form: ListForm
    columns: tuple[str, ...]
    roles: dict[str, Role] = field(default_factory=dict)
    delimiter: str | None = None
    skip: int = 0
    gzip: bool = False

    def as_json(self) -> dict:
        """A plain dict to record with the file."""
        return {"form": self.form.value, "roles": {c: r.value for c, r in self.roles.items()},
                "delimiter": self.delimiter, "skip": self.skip, "gzip": self.gzip}


def sniff(path: str | os.PathLike, roles: Mapping[str, Role] | None = None) -> ListLayout:
    """Recognise a list file from its first bytes.

    Args:
        path: the file.
        roles: the person's column choice, {column: role}; None to find the columns.

    Raises:
        ListError: not a list FaceAudit reads (binary, a line over the limit, no identifier column,
            a named column that is not there), with the reason.
    """
    path = Path(path)
    gzip = streams.is_gzip(path)
    sample = streams.head(path, _SAMPLE)
    if sample.startswith(b"PAR1"):
        from faceaudit.core.datasets.sources.link_lists.parquet_rows import parquet_layout

        return parquet_layout(path, roles, gzip)
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ListError("UTF-16 text: save the list as UTF-8 to search it")
    if b"\x00" in sample:
        raise ListError("binary data, not a list of links")
    form = detect(Sample(path.name.lower(), sample[:SAMPLE_BYTES], len(sample)))
    if form is not None and form.role is FormRole.UNREADABLE:  # photos first: a table of base64 photos is no list
        raise ListError(f"it is a {form.name}, which FaceAudit cannot read: {form.why}")
    _check_long_line(path, sample)
    text = sample.removeprefix(b"\xef\xbb\xbf")
    first = text.lstrip()[:1]
    if first in (b"{", b"["):
        layout = _json_layout(path, text, roles)
    else:
        layout = _delimited_layout(text, roles, complete=len(sample) < _SAMPLE)
    layout = ListLayout(layout.form, layout.columns, layout.roles, layout.delimiter, layout.skip, gzip)
    return _checked(layout, roles)


def _check_long_line(path: Path, sample: bytes) -> None:
    """Refuse a text list whose sample ends inside a line that turns out longer than the limit (not JSON:
    a JSON document may be one long line)."""
    if len(sample) < _SAMPLE or sample.lstrip()[:1] in (b"[", b"{"):
        return
    start = sample.rfind(b"\n") + 1
    if len(sample) - start < _SAMPLE // 4:
        return
    longer = streams.head(path, start + limits.MAX_LIST_LINE_BYTES + 1)
    if len(longer) - start > limits.MAX_LIST_LINE_BYTES and b"\n" not in longer[start:]:
        line = sample.count(b"\n", 0, start) + 1
        raise ListError(f"line {line} is longer than {limits.MAX_LIST_LINE_BYTES // 1024} KiB: not a list of links")


def _checked(layout: ListLayout, roles: Mapping[str, Role] | None) -> ListLayout:
    if roles is not None:
        missing = [c for c in roles if c not in layout.columns and layout.form is not ListForm.JSON
                   and layout.form is not ListForm.JSON_LINES]
        if missing:
            raise ListError(f"no column {', '.join(map(repr, missing))} (the columns are: {', '.join(layout.columns)})")
        return ListLayout(layout.form, layout.columns, dict(roles), layout.delimiter, layout.skip, layout.gzip)
    if not layout.roles:
        raise ListError(NO_COLUMNS)
    return layout


def split_line(line: str, delimiter: str | None) -> list[str]:
    """The fields of one line of delimited text (commas, semicolons and bars may be quoted as in CSV)."""
    line = line.rstrip("\r\n")
    if delimiter is None:
        return [line.strip()]
    if delimiter == " ":
        return line.split()
    if delimiter == "\t":
        return line.split("\t")
    return next(csv.reader([line], delimiter=delimiter), [])


def _lines(text: bytes, complete: bool) -> list[str]:
    lines = text.split(b"\n")
    if not complete:
        lines = lines[:-1]  # the last one may be cut
    return [decode_text(line).rstrip("\r") for line in lines[:2000]]


def _delimited_layout(text: bytes, roles: Mapping[str, Role] | None, complete: bool) -> ListLayout:
    lines = _lines(text, complete)
    leading = 0
    while leading < len(lines) and (not lines[leading].strip() or lines[leading].lstrip().startswith("#")):
        leading += 1
    data = [line for line in lines[leading:] if line.strip() and not line.lstrip().startswith("#")]
    if not data:
        raise ListError("no rows: the file is empty or holds only comments")
    delimiter = _delimiter(data[:_SAMPLE_ROWS])
    rows = [split_line(line, delimiter) for line in data[:_SAMPLE_ROWS + 1]]
    width = max(len(r) for r in rows)
    header: list[str] | None = None
    comment = lines[leading - 1].lstrip().lstrip("#").strip() if leading else ""
    if comment and len(split_line(comment, delimiter)) == len(rows[0]) > 1:
        header = split_line(comment, delimiter)  # PubFig's "# person  imagenum  url  rect  md5sum"
    elif _is_header(rows) or (roles and set(roles) <= {v.strip() for v in rows[0]}):
        header, rows = rows[0], rows[1:]
        leading = lines.index(data[0]) + 1
    names = [h.strip() or str(n) for n, h in enumerate(header, 1)] if header else [str(n) for n in range(1, width + 1)]
    names += [str(n) for n in range(len(names) + 1, width + 1)]
    sample = [dict(zip(names, row)) for row in rows[:_SAMPLE_ROWS]]
    found = detect_roles(names, sample) if roles is None else dict(roles)
    return ListLayout(ListForm.DELIMITED, tuple(names), found, delimiter, leading)


def _delimiter(lines: list[str]) -> str | None:
    for candidate in (*_DELIMITERS, " "):
        counts = [len(split_line(line, candidate)) for line in lines]
        common = max(set(counts), key=counts.count)
        if common >= 2 and counts.count(common) >= 0.75 * len(counts):
            return candidate
    return None


def _is_header(rows: list[list[str]]) -> bool:
    """A first row of words above rows whose values in some column look like addresses, hashes or numbers."""
    if len(rows) < 2 or not all(_WORD.match(v.strip()) for v in rows[0] if v.strip()):
        return False
    for column, name in enumerate(rows[0]):
        values = [r[column] for r in rows[1:] if column < len(r) and r[column].strip()]
        if not values:
            continue
        if sum(looks_like_url(v) or _NUMBER.match(v.strip()) is not None for v in values) >= 0.6 * len(values):
            return not (looks_like_url(name) or _NUMBER.match(name.strip()))
    return False


def _json_layout(path: Path, text: bytes, roles: Mapping[str, Role] | None) -> ListLayout:
    """JSON Lines when the first two lines are each a JSON object; otherwise one JSON document."""
    records, bad = [], 0
    for line in text.split(b"\n")[:_SAMPLE_ROWS]:
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):
            value = None
        if isinstance(value, dict):
            records.append(flatten(value))
        elif not records:
            break  # the first line is no JSON object: a JSON document, not JSON Lines
        else:
            bad += 1  # an unreadable line among others: noted when the file is searched
    if len(records) >= 2 and bad <= len(records):
        return _layout_of(ListForm.JSON_LINES, records, roles)
    from faceaudit.core.datasets.sources.link_lists.json_rows import sample_records

    return _layout_of(ListForm.JSON, sample_records(path, _SAMPLE_ROWS), roles)


def _layout_of(form: ListForm, records: list[dict[str, str]], roles: Mapping[str, Role] | None) -> ListLayout:
    names = list(dict.fromkeys(name for record in records for name in record))
    found = detect_roles(names, records) if roles is None else dict(roles)
    return ListLayout(form, tuple(names), found)
