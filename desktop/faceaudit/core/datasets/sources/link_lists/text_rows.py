"""Lists with one row per line (CSV, TSV, space-separated, JSON Lines), searched a block at a time.

Lines are never split one by one: each block of whole lines is searched for needles as it is,
and only the lines that hold one are parsed and compared exactly; line numbers come from
counting newlines, which runs at memory speed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from faceaudit.core import limits
from faceaudit.core.datasets.sources.link_lists import streams
from faceaudit.core.datasets.sources.link_lists.columns import ListError
from faceaudit.core.datasets.sources.link_lists.layout import ListForm, ListLayout, split_line
from faceaudit.core.datasets.sources.link_lists.prefilter import Needles
from faceaudit.core.datasets.sources.link_lists.rows import FoundRow, SearchStep, Verify, decode_text, flatten

__all__ = ["search_lines", "search_blocks", "line_chunks", "grouped", "read_lines", "GROUP_BYTES"]

#: Unreadable lines quoted in a search's problems (the rest are counted).
_PROBLEMS_QUOTED = 5
#: Bytes of whole lines searched at a time.
GROUP_BYTES = 16 << 20


def line_chunks(blocks: Iterator[bytes], limit: int) -> Iterator[tuple[bytes, int]]:
    """Blocks cut at line ends: (whole lines, number of the first line, from 1).

    The blocks must be at most `limit` bytes each; then a line longer than `limit` is always
    met as the first line of a joined block, and is refused exactly there.

    Raises:
        ListError: a line longer than `limit` bytes.
    """
    carry = b""
    line = 1
    for block in blocks:
        data = carry + block if carry else block
        if carry and len(data) > limit and data.find(b"\n", 0, limit + 1) < 0:
            raise _too_long(line, limit)
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            carry = data
            continue
        chunk, carry = data[:cut], data[cut:]
        yield chunk, line
        line += chunk.count(b"\n")
    if len(carry) > limit:
        raise _too_long(line, limit)
    if carry:
        yield carry, line


def _too_long(line: int, limit: int) -> ListError:
    return ListError(f"line {line} is longer than {limit // 1024} KiB: not a list of links")


def record_of(text: str, layout: ListLayout) -> dict[str, str]:
    """The fields of one line, by column name.

    Raises:
        ValueError: a JSON Lines line that is not a JSON object.
    """
    if layout.form is ListForm.JSON_LINES:
        try:
            value = json.loads(text)
        except RecursionError:
            raise ValueError("nested too deeply") from None
        if not isinstance(value, dict):
            raise ValueError("not a JSON object")
        return flatten(value)
    fields = split_line(text, layout.delimiter)
    names = list(layout.columns) + [str(n) for n in range(len(layout.columns) + 1, len(fields) + 1)]
    return {name: value for name, value in zip(names, fields)}


def search_lines(path: str | os.PathLike, file_key: str, layout: ListLayout, needles: Needles,
                 verify: Verify) -> Iterator[SearchStep]:
    """Search a line-based list; the lines that hold a needle are parsed and compared exactly.

    Yields:
        A step per block read, with the rows found; the last one has the row count.

    Raises:
        ListError: a line over the limit, or a damaged gzip stream.
    """
    path = Path(path)
    counter = streams.Counter()
    total = path.stat().st_size
    limit = limits.MAX_LIST_LINE_BYTES
    chunk, first = b"", 1
    tally = _Tally()
    for chunk, first in grouped(line_chunks(streams.blocks(path, limit, counter), limit)):
        yield SearchStep(counter.stored, total, tuple(_search_chunk(chunk, first, file_key, layout, needles, verify,
                                                                    tally)))
    lines = first - 1 + chunk.count(b"\n") + (bool(chunk) and not chunk.endswith(b"\n"))
    yield SearchStep(total, total, finished=True, count=max(0, lines - layout.skip), problems=tally.problems())


def search_blocks(path: str | os.PathLike, file_key: str, layout: ListLayout, blocks: list, read_block,
                  needles: Needles, verify: Verify) -> Iterator[SearchStep]:
    """Search only some blocks of a line-based list (those its token index points to).

    Args:
        blocks: the blocks to read, each with `start`, `length` and `first` (its first line's number).
        read_block: reads one block's bytes.
    """
    total = sum(b.length for b in blocks)
    done = 0
    tally = _Tally()
    for block in blocks:
        chunk = read_block(block)
        done += block.length
        yield SearchStep(done, total, tuple(_search_chunk(chunk, block.first, file_key, layout, needles, verify,
                                                          tally)))
    yield SearchStep(total, total, finished=True, problems=tally.problems())


class _Tally:
    """Lines that could not be read: the first few quoted, the rest counted."""

    def __init__(self) -> None:
        self.quoted: list[str] = []
        self.count = 0

    def add(self, number: int, why: object) -> None:
        self.count += 1
        if len(self.quoted) < _PROBLEMS_QUOTED:
            self.quoted.append(f"line {number}: {why}")

    def problems(self) -> tuple[str, ...]:
        more = self.count - len(self.quoted)
        return tuple(self.quoted) + ((f"{more} more line(s) could not be read",) if more else ())


def _search_chunk(chunk: bytes, first: int, file_key: str, layout: ListLayout, needles: Needles, verify: Verify,
                  tally: _Tally) -> list[FoundRow]:
    """The rows of a chunk of whole lines (its first line numbered `first`) that pass the exact test."""
    found = []
    for number, raw in _lines_at(chunk, first, needles.positions(chunk) if needles else []):
        if number <= layout.skip:
            continue
        text = decode_text(raw).rstrip("\r")
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        try:
            record = record_of(text, layout)
        except (ValueError, ListError) as exc:
            tally.add(number, exc)
            continue
        verdict = verify(record, layout.roles)
        if verdict:
            found.append(FoundRow(file_key, f"line {number}", number, record, verdict))
    return found


def grouped(chunks: Iterator[tuple[bytes, int]], size: int = GROUP_BYTES) -> Iterator[tuple[bytes, int]]:
    """Chunks of whole lines joined to about `size` bytes: each search call has a fixed cost (RE2 builds its
    automaton afresh), so few large calls are much faster than many small ones."""
    parts: list[bytes] = []
    total, first = 0, 1
    try:
        for chunk, number in chunks:
            if not parts:
                first = number
            parts.append(chunk)
            total += len(chunk)
            if total >= size:
                yield b"".join(parts), first
                parts, total = [], 0
    except ListError:
        if parts:  # the lines read before a refusal are searched all the same
            yield b"".join(parts), first
        raise
    if parts:
        yield b"".join(parts), first


def _lines_at(chunk: bytes, first: int, positions: list[int]) -> Iterator[tuple[int, bytes]]:
    """(line number, line) of each line of `chunk` holding one of `positions`, each line once."""
    last_start = -1
    counted_to, number = 0, first
    for position in positions:
        start = chunk.rfind(b"\n", 0, position) + 1
        if start == last_start:
            continue
        last_start = start
        number += chunk.count(b"\n", counted_to, start)
        counted_to = start
        end = chunk.find(b"\n", position)
        yield number, chunk[start:end if end >= 0 else len(chunk)]


def read_lines(path: str | os.PathLike, layout: ListLayout, numbers: set[int]) -> dict[int, dict[str, str]]:
    """The records of some lines of a file, by line number (for showing a row found earlier)."""
    out: dict[int, dict[str, str]] = {}
    limit = limits.MAX_LIST_LINE_BYTES
    for chunk, first in line_chunks(streams.blocks(path, limit), limit):
        last = first + chunk.count(b"\n")
        for number in sorted(n for n in numbers if first <= n <= last):
            start = 0
            for _ in range(number - first):
                start = chunk.index(b"\n", start) + 1
            end = chunk.find(b"\n", start)
            try:
                out[number] = record_of(decode_text(chunk[start:end if end >= 0 else None]).rstrip("\r"), layout)
            except ValueError:
                continue
        if numbers and max(numbers) <= last:
            break
    return out
