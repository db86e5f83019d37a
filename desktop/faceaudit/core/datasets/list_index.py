"""A token index of a list of links: per block of rows, a Bloom filter of the words it holds.

`faceaudit index` on a list builds it in one pass; afterwards a scan reads only the blocks whose
filter holds every word an identifier needs (a Flickr photo's id, an account, a hash, a name's
word, an address's host), so adding one identifier does not need a new pass over LAION's 50 GB.
A Bloom filter never misses a word it was given, and every row of a block it points to is still
compared exactly, so the index changes how much is read, never what is found.

Words (tokens) are the runs of letters, digits and non-ASCII bytes, with ASCII letters lower
cased: `https://www.flickr.com/photos/jdoe/8812345678/` holds `jdoe` and `8812345678`. Blocks
are a parquet file's row groups, about 16 MiB of lines of a text list (a gzip one is read at its
block through indexed_gzip's seek points), or a whole JSON document.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from faceaudit.core import limits
from faceaudit.core.datasets.sources.base import open_regular
from faceaudit.core.datasets.sources.link_lists import ListError, ListForm, ListLayout, streams
from faceaudit.core.datasets.sources.link_lists.prefilter import TOKEN_BYTE
from faceaudit.core.datasets.sources.link_lists.text_rows import GROUP_BYTES, grouped, line_chunks

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["Block", "ListIndex", "build_index", "load_index", "read_block", "token_hash", "token_hashes", "tokens_of"]

#: Bloom filter bits per distinct word of a block, and probes per word: about 0.3 % false "maybe"s.
_BITS_PER_TOKEN = 12
_PROBES = 8
_LOWER = np.arange(256, dtype=np.uint8)
_LOWER[65:91] += 32  # (for tokens_of; hashes lower-case whole words at once)
_M1, _M2, _M3 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9)
#: Bytes tokenised at a time (the arrays made per byte stay small).
_TOKENISE = 4 << 20
#: Parquet rows tokenised at a time (a batch is copied twice: kept small, the index's peak memory stays low).
_INDEX_BATCH = 65536
#: Spacing of indexed_gzip's seek points in a gzip list (each keeps a 32 KB window).
_GZIP_SPACING = 8 << 20


@dataclass(frozen=True)
class Block:
    """A block of a list file: rows that are read together.

    Attributes:
        start: where it starts: a byte offset in the (decompressed) text, or a parquet row group.
        length: its bytes (text), or 0 (a row group, or a whole JSON document).
        first: the number of its first line, or of its first row.
    """

    start: int
    length: int
    first: int


def tokens_of(text: str) -> list[bytes]:
    """The words of a piece of text, as the index sees them (lower-case ASCII letters)."""
    raw = text.encode("utf-8")
    view = np.frombuffer(raw, np.uint8)
    token = TOKEN_BYTE[view]
    edges = np.flatnonzero(np.diff(np.concatenate(([0], token.astype(np.int8), [0]))))
    return [_LOWER[view[a:b]].tobytes() for a, b in zip(edges[0::2], edges[1::2])]


def token_hashes(data: bytes | memoryview) -> np.ndarray:
    """The distinct 64-bit hashes of the words of `data` (sorted)."""
    view = np.frombuffer(data, np.uint8)
    out = [np.zeros(0, np.uint64)]
    start = 0
    while start < len(view):
        end = min(len(view), start + _TOKENISE)
        while end < len(view):  # a word is never cut: the piece ends at the next separator
            window = TOKEN_BYTE[view[end:end + 65536]]
            if not window.all():
                end += int(np.argmin(window))
                break
            end += len(window)
        out.append(_distinct(_hashes(view[start:end])))
        start = end
    return _distinct(np.concatenate(out))


def token_hash(word: bytes) -> int:
    """The hash of one word, as `token_hashes` computes it."""
    found = _hashes(np.frombuffer(word, np.uint8))
    if len(found) != 1:
        raise ValueError(f"{word!r} is not one word")
    return int(found[0])


def _distinct(hashes: np.ndarray) -> np.ndarray:
    hashes = np.sort(hashes)
    return hashes[np.concatenate(([True], hashes[1:] != hashes[:-1]))] if len(hashes) else hashes


def _hashes(view: np.ndarray) -> np.ndarray:
    """One 64-bit hash per word: its first and last eight bytes (lower-cased) and its length, mixed."""
    token = TOKEN_BYTE[view]
    if len(token) == 0:
        return np.zeros(0, np.uint64)
    edges = np.flatnonzero(token[1:] != token[:-1]) + 1
    edges = np.concatenate(([0] if token[0] else [], edges, [len(token)] if token[-1] else []))
    starts, ends = edges[0::2].astype(np.int64), edges[1::2].astype(np.int64)
    if len(starts) == 0:
        return np.zeros(0, np.uint64)
    lengths = (ends - starts).astype(np.uint64)
    padded = np.empty(len(view) + 8, np.uint8)
    padded[:len(view)] = view
    padded[len(view):] = 0
    # Eight bytes at every offset, as little-endian integers (an unaligned view, nothing copied).
    words = np.ndarray(shape=(len(view),), dtype="<u8", buffer=padded, strides=(1,))
    short = lengths < 8
    keep = np.where(short, (np.uint64(1) << (lengths * np.uint64(8)) % np.uint64(64)) - np.uint64(1),
                    np.uint64(0xFFFFFFFFFFFFFFFF))
    first = _lower_words(words[starts] & keep)
    last = np.where(short, first, _lower_words(words[np.maximum(ends - 8, starts)]))
    with np.errstate(over="ignore"):
        h = first * _M1 ^ (last * _M2) ^ (lengths * _M3)
        h ^= h >> np.uint64(31)
        h *= _M2
        h ^= h >> np.uint64(29)
    return h


def _lower_words(x: np.ndarray) -> np.ndarray:
    """ASCII capitals lower-cased in each byte of 64-bit words (other bytes kept)."""
    with np.errstate(over="ignore"):
        seven = x & np.uint64(0x7F7F7F7F7F7F7F7F)
        above_z = seven + np.uint64(0x2525252525252525)  # a byte's top bit set when it is above "Z"
        from_a = seven + np.uint64(0x3F3F3F3F3F3F3F3F)  # ... when it is "A" or above
        upper = (from_a ^ above_z) & ~x & np.uint64(0x8080808080808080)
    return x | (upper >> np.uint64(2))


def _bloom(hashes: np.ndarray) -> np.ndarray:
    bits = max(512, 1 << int(np.ceil(np.log2(max(1, len(hashes)) * _BITS_PER_TOKEN))))
    flags = np.zeros(bits, bool)
    for start in range(0, len(hashes), 1 << 18):  # bounded memory: 8 probes of 262,144 words at a time
        flags[_positions(hashes[start:start + (1 << 18)], bits).ravel()] = True
    return np.packbits(flags, bitorder="little")


def _positions(hashes: np.ndarray, bits: int) -> np.ndarray:
    h1 = hashes & np.uint64(0xFFFFFFFF)
    h2 = (hashes >> np.uint64(32)) | np.uint64(1)
    with np.errstate(over="ignore"):
        probes = h1[:, None] + np.arange(_PROBES, dtype=np.uint64)[None, :] * h2[:, None]
    return (probes & np.uint64(bits - 1)).astype(np.int64)


class ListIndex:
    """The token index of one list file, as written by `build_index`.

    Attributes:
        blocks: the file's blocks, in order.
        rows: rows (lines, entries) in the file.
        layout: the layout the file was indexed with.
    """

    def __init__(self, folder: Path, meta: dict):
        self.folder = folder
        self.meta = meta
        self.blocks = [Block(*b) for b in meta["blocks"]]
        self.rows = meta["rows"]
        self.fingerprint = meta["fingerprint"]
        self._bounds = meta["filters"]
        self._filters = folder / "filters.bin"
        if self._filters.stat().st_size != self._bounds[-1]:
            raise ValueError("the index's filters are cut short")

    def _filter(self, block: int) -> np.ndarray:
        """One block's filter, read from the file (never the whole index in memory)."""
        start, end = self._bounds[block], self._bounds[block + 1]
        with open(self._filters, "rb") as handle:
            handle.seek(start)
            return np.frombuffer(handle.read(end - start), np.uint8)

    def blocks_for(self, wanted: list[list[list[int]]]) -> list[int]:
        """The blocks an identifier could be in: for each, alternatives (any) of words (all) it needs, as
        `token_hash` values."""
        found = []
        for number in range(len(self.blocks)):
            filt = self._filter(number)
            bits = len(filt) * 8
            if any(_holds(filt, bits, words) for alternatives in wanted for words in alternatives):
                found.append(number)
        return found

    def gzip_index(self) -> Path | None:
        """indexed_gzip's seek points of a gzip text list (None for other files)."""
        path = self.folder / "gzip.idx"
        return path if path.exists() else None


def _holds(filt: np.ndarray, bits: int, words: list[int]) -> bool:
    """True unless the filter certainly lacks one of the words."""
    positions = _positions(np.array(words, np.uint64), bits).ravel()
    return bool(np.all((filt[positions >> 3] >> (positions & 7)) & 1))


def load_index(folder: str | os.PathLike) -> ListIndex | None:
    """The index in `folder`, or None when there is none (or it cannot be read)."""
    folder = Path(folder)
    try:
        meta = json.loads((folder / "index.json").read_text())
        return ListIndex(folder, meta)
    except (OSError, ValueError, KeyError, IndexError):
        return None


def build_index(path: str | os.PathLike, layout: ListLayout, folder: str | os.PathLike,
                fingerprint: str) -> Iterator[tuple[int, int]]:
    """Index a list file into `folder` (replaced as a whole when done).

    Yields:
        (bytes of the file read, its size) every block.

    Raises:
        ListError: the file cannot be read to its end (nothing is written then).
    """
    import pyarrow as pa  # pyarrow is imported when an index is first built, not when the window opens

    path, folder = Path(path), Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
    try:
        if layout.form is ListForm.PARQUET:
            parts = _parquet_blocks(path, layout)
        elif layout.form is ListForm.JSON:
            parts = _whole_blocks(path)
        else:
            parts = _text_blocks(path, work / "gzip.idx" if layout.gzip else None)
        blocks, filters, rows = [], [], 0
        total = path.stat().st_size
        for block, hashes, done, count in parts:
            blocks.append(block)
            filters.append(_bloom(hashes))
            rows = count
            yield done, total
        bounds = np.concatenate(([0], np.cumsum([len(f) for f in filters]))).tolist()
        (np.concatenate(filters) if filters else np.zeros(0, np.uint8)).tofile(work / "filters.bin")
        meta = {"blocks": [[b.start, b.length, b.first] for b in blocks], "filters": bounds, "rows": rows,
                "fingerprint": fingerprint, "layout": layout.as_json()}
        (work / "index.json").write_text(json.dumps(meta))
        if folder.exists():
            _remove(folder)
        os.replace(work, folder)
    finally:
        if work.exists():
            _remove(work)
        pa.default_memory_pool().release_unused()  # give back what the batches took


def _remove(folder: Path) -> None:
    for item in folder.iterdir():
        item.unlink()
    folder.rmdir()


def _parquet_blocks(path: Path, layout: ListLayout):
    import pyarrow as pa

    from faceaudit.core.datasets.sources.link_lists.parquet_rows import open_parquet

    parquet = open_parquet(path)
    columns = [c for c in layout.roles if c in parquet.schema_arrow.names]
    meta = parquet.metadata
    first = done = 0
    try:
        for group in range(meta.num_row_groups):
            hashes = [np.zeros(0, np.uint64)]
            try:
                for batch in parquet.iter_batches(batch_size=_INDEX_BATCH, row_groups=[group], columns=columns,
                                                  use_threads=False):
                    for name in columns:
                        hashes.append(token_hashes(_separated(batch.column(name))))
            except (pa.ArrowException, OSError, ValueError) as exc:
                raise ListError(f"row group {group} cannot be read: {exc}") from None
            pa.default_memory_pool().release_unused()
            rows = meta.row_group(group).num_rows
            done += sum(meta.row_group(group).column(c).total_compressed_size
                        for c in range(meta.row_group(group).num_columns))
            yield Block(group, 0, first), np.unique(np.concatenate(hashes)), done, first + rows
            first += rows
    finally:
        parquet.close()


def _separated(column: pa.Array) -> memoryview:
    """A column's values as one text, a newline between values (so no word runs from one row into the next)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    newline = pa.scalar("\n", pa.large_string())
    text = pc.binary_join_element_wise(pc.cast(column, pa.large_string()), newline, pa.scalar("", pa.large_string()))
    text = pc.fill_null(text, newline)
    offsets = np.frombuffer(text.buffers()[1], np.int64)[text.offset:text.offset + len(text) + 1]
    return memoryview(text.buffers()[2])[offsets[0]:offsets[-1]]


def _whole_blocks(path: Path):
    from faceaudit.core.datasets.sources.link_lists.json_rows import entries

    counter = streams.Counter()
    hashes = [np.zeros(0, np.uint64)]
    pending = io.BytesIO()
    count = 0
    for block in streams.blocks(path, 8 << 20, counter):
        pending.write(block)
        if pending.tell() >= _TOKENISE:
            data = pending.getvalue()
            cut = len(data)
            while cut and TOKEN_BYTE[data[cut - 1]]:
                cut -= 1
            hashes.append(token_hashes(data[:cut]))
            pending = io.BytesIO()
            pending.write(data[cut:])
    hashes.append(token_hashes(pending.getvalue()))
    for _ in entries(path):  # the entries are counted (and the document checked) in a second pass
        count += 1
    yield Block(0, 0, 0), np.unique(np.concatenate(hashes)), counter.stored, count


def _text_blocks(path: Path, gzip_index: Path | None):
    counter = streams.Counter()
    limit = limits.MAX_LIST_LINE_BYTES
    if gzip_index is None:
        source = streams.blocks(path, limit, counter)
        handle = None
    else:
        import indexed_gzip

        streams.check_declared_size(path)
        raw = open_regular(path)  # closed with the gzip reader below
        handle = indexed_gzip.IndexedGzipFile(fileobj=raw, spacing=_GZIP_SPACING)
        source = _read_all(handle, raw, limit, counter, path)
    offset = 0
    chunk, first = b"", 1
    try:
        for chunk, first in grouped(line_chunks(source, limit), GROUP_BYTES):
            yield Block(offset, len(chunk), first), token_hashes(chunk), counter.stored, first - 1 + chunk.count(b"\n")
            offset += len(chunk)
        if handle is not None:
            handle.export_index(str(gzip_index))
    except Exception as exc:
        if handle is not None and type(exc).__module__.startswith("indexed_gzip"):
            raise ListError(f"{path.name} cannot be decompressed: {exc}") from None
        raise
    finally:
        if handle is not None:
            handle.close()
            raw.close()


def _read_all(handle, raw, size: int, counter: streams.Counter, path: Path) -> Iterator[bytes]:
    """A gzip list's blocks through indexed_gzip, under the ratio limit that `streams.blocks` applies."""
    out = 0
    while block := handle.read(size):
        counter.stored = raw.tell()  # compressed bytes read
        out += len(block)
        streams.check_ratio(path, out, counter.stored)
        yield block


def read_block(path: str | os.PathLike, block: Block, gzip_index: Path | None) -> bytes:
    """The bytes of one text block, read at its offset (through the seek points of a gzip file; a bzip2
    or zstd file is decompressed from its start to the block)."""
    if gzip_index is not None:
        import indexed_gzip

        with indexed_gzip.IndexedGzipFile(str(path), index_file=str(gzip_index)) as handle:
            handle.seek(block.start)
            return handle.read(block.length)
    if streams.compression(path) in ("bzip2", "zstd"):
        return streams.read_range(path, block.start, block.length)
    with open(path, "rb") as handle:
        handle.seek(block.start)
        return handle.read(block.length)


