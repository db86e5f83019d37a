"""Finding the few rows worth a close look: literal needles searched column-wise, in blocks, by RE2.

Every identifier has needles, pieces of text that any row it matches must contain (a photo id's
digits, an alias, a hash): a row without any needle cannot match, so only the rows with one are
parsed and compared exactly. The search runs in pyarrow's RE2 over blocks of about 64 KB at a
time (one call per block, not per row), then over the rows of the rare blocks that hold a needle.
Needles are runs of letters and digits, so a block boundary at any other byte never cuts one.
Many file hashes (a folder of photos hashed) make too large an automaton for RE2: beyond
`_MAX_HASH_NEEDLES` they are found as whole 32- or 64-digit hex tokens and looked up in a set.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["Needles", "TOKEN_BYTE"]

#: Needles per RE2 pattern: beyond a few hundred literals RE2's automaton outgrows its memory
#: budget and falls back to a slow matcher (1,000 hashes took 228 s on 100 MB; 200 took 0.2 s).
_GROUP = 150
#: Beyond this many file hashes, hashes are found as hex tokens instead of by RE2.
_MAX_HASH_NEEDLES = 64
#: Bytes per block searched in one RE2 call, and per piece of a block that holds a needle.
_BLOCK = 64 * 1024
_PIECE = 1024
#: Rows per block when searching a column.
_ROWS_PER_BLOCK = 256

#: Bytes that may be part of a needle (letters, digits, and any byte of a non-ASCII character).
TOKEN_BYTE = np.zeros(256, dtype=bool)
TOKEN_BYTE[[*range(48, 58), *range(65, 91), *range(97, 123), *range(128, 256)]] = True
_HEX_BYTE = np.zeros(256, dtype=bool)
_HEX_BYTE[[*range(48, 58), *range(65, 71), *range(97, 103)]] = True
_SEPARATOR = re.compile(rb"[^0-9A-Za-z\x80-\xff]")


class Needles:
    """The needles of a set of identifiers, ready to search with.

    Args:
        literals: lower-case text that a matching row contains (case is ignored for ASCII
            letters; give other case forms of non-ASCII text as needles of their own).
        hashes: lower-case hex digests a matching row holds as whole values.
    """

    def __init__(self, literals: Iterable[bytes], hashes: Iterable[str] = ()):
        literals = sorted({n.lower() for n in literals if n})
        self.hashes = frozenset(h.lower() for h in hashes)
        if len(self.hashes) <= _MAX_HASH_NEEDLES:
            literals = sorted(set(literals) | {h.encode() for h in self.hashes})
            self._hash_tokens: frozenset[bytes] = frozenset()
        else:
            self._hash_tokens = frozenset(h.encode() for h in self.hashes)
        for needle in literals:
            if not TOKEN_BYTE[np.frombuffer(needle, np.uint8)].all():
                raise ValueError(f"a needle must be letters and digits only: {needle!r}")
        self.literals = tuple(literals)
        groups = [literals[i:i + _GROUP] for i in range(0, len(literals), _GROUP)]
        self._re2 = ["|".join(_re2_escape(n) for n in group) for group in groups]
        # Searched in lower-cased pieces: faster than IGNORECASE, and the needles are lower case.
        self._python = [re.compile(b"|".join(re.escape(n) for n in group)) for group in groups]

    def __bool__(self) -> bool:
        return bool(self.literals or self._hash_tokens)

    def for_columns(self, with_hashes: bool) -> Needles:
        """These needles for columns of one kind: with or without the hashes."""
        if with_hashes:
            return self
        return Needles([n for n in self.literals if n.decode("ascii", "replace") not in self.hashes])

    def positions(self, data: bytes) -> list[int]:
        """Where needles occur in `data` (start offsets, ascending; a hash token's start for hashes).

        RE2 looks at blocks of about 64 KB, then at pieces of about 1 KB of the blocks it flagged
        (all in one call: each call builds RE2's automaton afresh, about a millisecond); only those
        pieces are searched for the exact offsets.
        """
        found: set[int] = set()
        if self._re2:
            bounds = _boundaries(data, 0, len(data), _BLOCK)
            blocks = np.flatnonzero(self._hits(bounds, data))
            if len(blocks):
                starts, ends = bounds[blocks], bounds[blocks + 1]
                lengths = ends - starts
                joined_ends = np.cumsum(lengths)
                joined_starts = joined_ends - lengths
                joined = data if len(blocks) == len(bounds) - 1 else b"".join(
                    data[a:b] for a, b in zip(starts.tolist(), ends.tolist()))
                pieces = [_boundaries(joined, a, b, _PIECE)[:-1]
                          for a, b in zip(joined_starts.tolist(), joined_ends.tolist())]
                piece_bounds = np.append(np.concatenate(pieces), len(joined))
                for piece in np.flatnonzero(self._hits(piece_bounds, joined)):
                    a, b = int(piece_bounds[piece]), int(piece_bounds[piece + 1])
                    block = int(np.searchsorted(joined_ends, a, side="right"))
                    offset = int(starts[block] - joined_starts[block])
                    text = joined[a:b].lower()
                    for python in self._python:
                        found.update(offset + a + m.start() for m in python.finditer(text))
        if self._hash_tokens:
            found.update(_hex_token_hits(data, self._hash_tokens))
        return sorted(found)

    def _hits(self, bounds: np.ndarray, data) -> np.ndarray:
        """For each piece data[bounds[i]:bounds[i + 1]], whether it holds a needle (one RE2 call per pattern)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        pieces = pa.Array.from_buffers(pa.large_binary(), len(bounds) - 1,
                                       [None, pa.py_buffer(np.ascontiguousarray(bounds, np.int64)),
                                        data if isinstance(data, pa.Buffer) else pa.py_buffer(data)])
        hit = np.zeros(len(bounds) - 1, dtype=bool)
        for pattern in self._re2:
            hit |= pc.fill_null(pc.match_substring_regex(pieces, pattern, ignore_case=True), False).to_numpy(
                zero_copy_only=False)
        return hit

    def rows(self, column: pa.Array) -> np.ndarray:
        """Indices of the values of a text column that contain a literal needle (nulls never do)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if not self._re2 or len(column) == 0:
            return np.zeros(0, np.int64)
        column = _as_large_binary(column)
        offsets = np.frombuffer(column.buffers()[1], np.int64)[column.offset:column.offset + len(column) + 1]
        bounds = np.append(offsets[::_ROWS_PER_BLOCK], offsets[-1])
        blocks = np.flatnonzero(self._hits(bounds, column.buffers()[2]))
        if len(blocks) == 0:
            return np.zeros(0, np.int64)
        rows = (blocks[:, None] * _ROWS_PER_BLOCK + np.arange(_ROWS_PER_BLOCK)).ravel()
        rows = rows[rows < len(column)]
        values = column.take(pa.array(rows))
        hit = np.zeros(len(values), dtype=bool)
        for pattern in self._re2:
            hit |= pc.fill_null(pc.match_substring_regex(values, pattern, ignore_case=True), False).to_numpy(
                zero_copy_only=False)
        return rows[hit]

    def hash_rows(self, column: pa.Array) -> np.ndarray:
        """Indices of the values of a column that are one of the hashes (whole value, any case)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if not self.hashes or len(column) == 0:
            return np.zeros(0, np.int64)
        values = pc.utf8_lower(pc.utf8_trim_whitespace(pc.cast(column, pa.large_string())))
        hit = pc.is_in(values, value_set=pa.array(sorted(self.hashes), pa.large_string()))
        return np.flatnonzero(pc.fill_null(hit, False).to_numpy(zero_copy_only=False))


def _re2_escape(needle: bytes) -> str:
    # Needles are letters, digits and UTF-8 text: nothing RE2 treats specially.
    return needle.decode("utf-8", "strict")


def _as_large_binary(column: pa.Array) -> pa.Array:
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    if not (pa.types.is_large_binary(column.type)):
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
                or pa.types.is_binary(column.type)):
            column = pc.cast(column, pa.large_string())
        column = pc.cast(column, pa.large_binary())
    return column


def _boundaries(data: bytes, start: int, end: int, size: int) -> np.ndarray:
    """Boundaries of data[start:end] about every `size` bytes, each at a byte no needle contains."""
    bounds = [start]
    position = start + size
    while position < end:
        separator = _SEPARATOR.search(data, position, end)
        if separator is None:
            break
        bounds.append(separator.start())
        position = separator.start() + size
    bounds.append(end)
    return np.array(bounds, dtype=np.int64)


def _hex_token_hits(data: bytes, wanted: frozenset[bytes]) -> list[int]:
    """Starts of the 32- and 64-digit hex tokens of `data` that are in `wanted` (lower case)."""
    view = np.frombuffer(data, np.uint8)
    token = TOKEN_BYTE[view]
    edges = np.flatnonzero(np.diff(np.concatenate(([False], token, [False])).astype(np.int8)))
    starts, ends = edges[0::2], edges[1::2]
    lengths = ends - starts
    keep = (lengths == 32) | (lengths == 64)
    starts, ends = starts[keep], ends[keep]
    if len(starts) == 0:
        return []
    hex_count = np.concatenate(([0], np.cumsum(_HEX_BYTE[view], dtype=np.int64)))
    whole_hex = hex_count[ends] - hex_count[starts] == ends - starts
    return [int(s) for s, e in zip(starts[whole_hex], ends[whole_hex]) if data[s:e].lower() in wanted]
