"""JSON list documents (FFHQ's `ffhq-dataset-v2.json`, MegaFace's per-photo files), read entry by entry.

The document is walked with the standard library's C decoder over a latin-1 view of the bytes
(one character per byte, so positions stay byte offsets and the structure, all ASCII, parses
exactly); only the entries that hold a needle are decoded again as UTF-8 and compared. Memory
holds one window of the file, and no entry larger than `limits.MAX_LIST_ENTRY_BYTES`.
"""

from __future__ import annotations

import bisect
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

from faceaudit.core import limits
from faceaudit.core.datasets.sources.link_lists import streams
from faceaudit.core.datasets.sources.link_lists.columns import ListError
from faceaudit.core.datasets.sources.link_lists.prefilter import Needles
from faceaudit.core.datasets.sources.link_lists.rows import FoundRow, SearchStep, Verify, flatten

__all__ = ["entries", "sample_records", "search_json", "record_of_entry"]

_BLOCK = 8 << 20
#: Bytes kept ahead of the entry being decoded, so that most entries decode at the first try.
_AHEAD = 256 * 1024
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SEPARATOR = re.compile(rb"[^0-9A-Za-z\x80-\xff]")
_DECODER = json.JSONDecoder()


class _Window:
    """The part of the file being walked: bytes, their latin-1 text, and where they start in the file."""

    def __init__(self, path: Path, counter: streams.Counter, needles: Needles | None):
        self._blocks = streams.blocks(path, _BLOCK, counter)
        self.data = b""
        self.text = ""
        self.base = 0
        self.eof = False
        self.hits: list[int] = []
        self._needles = needles

    def more(self) -> bool:
        """Append the next block; False at the end of the file."""
        block = next(self._blocks, None)
        if block is None:
            self.eof = True
            return False
        old = len(self.data)
        self.data += block
        self.text += block.decode("latin-1")
        if self._needles:
            # Search from the last separator before the old end: a needle cut by the block boundary is whole now.
            separators = [m.start() for m in _SEPARATOR.finditer(self.data, max(0, old - 256), old)]
            start = separators[-1] if separators else max(0, old - 256)
            new = [self.base + start + p for p in self._needles.positions(self.data[start:])]
            self.hits.extend(p for p in new if not self.hits or p > self.hits[-1])
        return True

    def drop(self, upto: int) -> int:
        """Forget the bytes before `upto` (a position in the window); returns the new position."""
        if upto > 4 * _BLOCK:
            self.data, self.text = self.data[upto:], self.text[upto:]
            self.base += upto
            del self.hits[:bisect.bisect_left(self.hits, self.base)]
            return 0
        return upto

    def skip_space(self, position: int) -> int:
        while True:
            position = _WHITESPACE.match(self.text, position).end()
            if position < len(self.text) or not self.more():
                return position

    def decode(self, position: int, what: str) -> tuple[object, int]:
        """The JSON value starting at `position`, and where it ends (more of the file read as needed)."""
        while len(self.text) - position < _AHEAD and not self.eof:
            self.more()
        while True:
            try:
                return _DECODER.raw_decode(self.text, position)
            except RecursionError:
                raise ListError(f"{what} is nested too deeply to read") from None
            except ValueError as exc:
                if len(self.text) - position > limits.MAX_LIST_ENTRY_BYTES:
                    raise ListError(f"{what} is larger than {limits.MAX_LIST_ENTRY_BYTES // 2**20} MiB") from None
                if not self.more():
                    raise ListError(f"not valid JSON at byte {self.base + position}: {exc.msg}") from None

    def holds_hit(self, start: int, end: int) -> bool:
        first = bisect.bisect_left(self.hits, self.base + start)
        return first < len(self.hits) and self.hits[first] < self.base + end


def entries(path: str | os.PathLike, counter: streams.Counter | None = None,
            needles: Needles | None = None) -> Iterator[tuple[str, int, bytes | None]]:
    """Every entry of a JSON list: (locator, number, its bytes when they hold a needle or no needles are given).

    A top-level array's entries are its elements ("entry 0", "entry 1", …); a top-level object
    whose values are objects is a collection keyed by its names ("entry 12345" in FFHQ); an
    object of equally long arrays is a table by columns, row i across them ("entry i", MegaFace's
    FaceScrub list); any other object is a single record ("whole file").

    Raises:
        ListError: not JSON, nested too deeply, or an entry over the size limit.
    """
    window = _Window(Path(path), counter or streams.Counter(), needles)
    position = window.skip_space(0)
    if window.text.startswith("\xef\xbb\xbf", position):
        position = window.skip_space(position + 3)  # a UTF-8 byte-order mark, seen through latin-1
    opening = window.text[position:position + 1]
    if opening not in ("[", "{"):
        raise ListError("not a JSON list: it starts with neither [ nor {")
    closing = "]" if opening == "[" else "}"
    position = window.skip_space(position + 1)
    number = 0
    while window.text[position:position + 1] != closing:
        if number and window.text[position:position + 1] != ",":
            raise ListError(f"not valid JSON at byte {window.base + position}: expected , or {closing}")
        if number:
            position = window.skip_space(position + 1)
        locator = f"entry {number}"
        if opening == "{":
            key, position = window.decode(position, "a name")
            position = window.skip_space(position)
            if not isinstance(key, str) or window.text[position:position + 1] != ":":
                raise ListError(f"not valid JSON at byte {window.base + position}: expected a name and :")
            position = window.skip_space(position + 1)
            locator = f"entry {key}"
        start = position
        value, position = window.decode(position, locator)
        if opening == "{" and number == 0 and not isinstance(value, dict):
            yield from _single_record(window, path)
            return
        wanted = needles is None or window.holds_hit(start, position)
        yield locator, number, window.data[start:position] if wanted else None
        number += 1
        position = window.drop(window.skip_space(position))
        if position >= len(window.text) and window.eof:
            raise ListError("the JSON ends early: the file is cut short")


def _single_record(window: _Window, path: str | os.PathLike) -> Iterator[tuple[str, int, bytes | None]]:
    while window.more():
        if len(window.data) > limits.MAX_LIST_ENTRY_BYTES:
            raise ListError(f"a single JSON record larger than {limits.MAX_LIST_ENTRY_BYTES // 2**20} MiB")
    columns = _parallel_arrays(window.data)
    if columns is None:
        yield "whole file", 0, window.data
        return
    # MegaFace's `facescrub_features_list.json`: {"id": [names], "path": [paths]}, row i across the arrays.
    for number in range(len(next(iter(columns.values())))):
        row = {name: values[number] for name, values in columns.items()}
        yield f"entry {number}", number, json.dumps(row, ensure_ascii=False).encode("utf-8")


def _parallel_arrays(data: bytes) -> dict[str, list] | None:
    """The columns of a document of parallel arrays (an object of two or more equally long arrays of
    plain values), or None for any other document."""
    try:
        document = json.loads(data.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(document, dict) or len(document) < 2:
        return None
    arrays = list(document.values())
    if not all(isinstance(array, list) for array in arrays) or len({len(array) for array in arrays}) != 1:
        return None
    plain = (str, int, float, bool, type(None))
    if not all(isinstance(value, plain) for array in arrays for value in array):
        return None
    return {str(name): array for name, array in document.items()}


def record_of_entry(raw: bytes, locator: str) -> dict[str, str]:
    """An entry's fields, from its bytes.

    Raises:
        ListError: nested too deeply.
    """
    try:
        return flatten(json.loads(raw.decode("utf-8", "replace")))
    except RecursionError:
        raise ListError(f"{locator} is nested too deeply to read") from None
    except ValueError as exc:
        raise ListError(f"{locator} is not valid JSON: {exc}") from None


def sample_records(path: str | os.PathLike, count: int) -> list[dict[str, str]]:
    """The first `count` entries of a JSON list, flattened (to find its columns)."""
    records = []
    for locator, _number, raw in entries(path):
        records.append(record_of_entry(raw, locator))
        if len(records) >= count:
            break
    return records


def search_json(path: str | os.PathLike, file_key: str, layout, needles: Needles,
                verify: Verify) -> Iterator[SearchStep]:
    """Search a JSON list: the entries that hold a needle are compared exactly.

    Yields:
        A step about every megabyte, with the rows found; the last one has the entry count.
    """
    path = Path(path)
    counter = streams.Counter()
    total = path.stat().st_size
    found: list[FoundRow] = []
    count = 0
    reported = 0
    for locator, number, raw in entries(path, counter, needles):
        count += 1
        if raw is not None:
            record = record_of_entry(raw, locator)
            verdict = verify(record, layout.roles)
            if verdict:
                found.append(FoundRow(file_key, locator, number, record, verdict))
        if counter.stored - reported >= _BLOCK:
            reported = counter.stored
            yield SearchStep(counter.stored, total, tuple(found))
            found = []
    yield SearchStep(total, total, tuple(found), finished=True, count=count)
