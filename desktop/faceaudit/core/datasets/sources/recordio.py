"""InsightFace / MXNet RecordIO packs (`train.rec` + `train.idx` + `property`), read in place.

This is how the largest face training sets circulate (MS1M-ArcFace, Glint360K, CASIA-WebFace,
VGGFace2 and UMDFaces as `faces_*_112x112`): a sequence of frames (magic 0xced7230a, a length
word whose top 3 bits mark records split across frames, the payload, padding to 4 bytes); each
payload an IRHeader (flag, label, id, id2), `flag` extra float labels, then a JPEG of a face
already aligned to the ArcFace 112x112 template. Header and identity records carry no image
and are not items.

Every frame is checked (magic, length within the file, split records in order) as the pack is
scanned from its start. With the `.idx` beside it, records are keyed by their index, as the
pack's users address them (`train.rec record 1234`); without it by their order in the file.
A damaged frame ends the scan with a Gap, unless the `.idx` lets the scan resume at the next
record; an `.idx` line that points outside the pack, or where no record starts, is an item
refused with that reason.
"""

from __future__ import annotations

import math
import struct
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from faceaudit.core import limits
from faceaudit.core.datasets.kinds import DatasetKind
from faceaudit.core.datasets.sources.base import Entry, Gap, Source, SourceError, make_locator, place_of
from faceaudit.core.datasets.sources.blobs import Blob, FileBlob
from faceaudit.core.datasets.sources.forms import Form, Role, register

if TYPE_CHECKING:
    import numpy as np

__all__ = ["RecordIOSource", "RecordDamaged", "MAGIC", "is_recordio"]

MAGIC = 0xCED7230A
_FRAME = struct.Struct("<II")
_IR_HEADER = struct.Struct("<IfQQ")
_LENGTH_MASK = (1 << 29) - 1
_HEAD_LABELS = 16  # extra labels read while listing (the first one is the label that matters)
_MAX_IDX_LINE = 64
#: Digits of an `.idx` number: 18 fit in 64 bits (a 23-digit offset would overflow).
_MAX_DIGITS = 18
#: The fewest bytes a record takes (its frame header): an `.idx` with more lines than the pack can hold is a lie.
_SMALLEST_RECORD = 8
#: The end of the last span: past any offset an `.idx` can hold.
_PAST_ANY = 2**63 - 1


class RecordDamaged(ValueError):
    """A frame that is not a valid RecordIO frame; the scan cannot go on from here."""


def is_recordio(head: bytes) -> bool:
    """True when a file starts with a RecordIO frame."""
    return len(head) >= 8 and _FRAME.unpack_from(head)[0] == MAGIC


def _starts_record(head: bytes) -> bool:
    """True when these bytes are the first frame of a record (whole, or the first of a split one)."""
    return is_recordio(head) and _FRAME.unpack_from(head)[1] >> 29 in (0, 1)


class _Scanner:
    """Frames of a pack read in order (seeking past payloads where the blob allows)."""

    def __init__(self, handle, size: int, seekable: bool):
        self.handle, self.size, self.seekable, self.pos = handle, size, seekable, 0

    def read(self, count: int) -> bytes:
        data = self.handle.read(count)
        self.pos += len(data)
        return data

    def skip(self, count: int) -> None:
        if self.seekable:
            self.pos = min(self.size, self.pos + count)
            self.handle.seek(self.pos)
            return
        while count > 0:
            step = self.read(min(count, 1024 * 1024))
            if not step:
                return
            count -= len(step)

    def seek(self, offset: int) -> None:
        if offset < self.pos and not self.seekable:
            raise RecordDamaged("cannot go back in a compressed zip member")
        self.skip(offset - self.pos)

    def record(self, whole: bool) -> tuple[int, bytes, int]:
        """The record at the current position: (its offset, its payload or first bytes, payload length).

        Args:
            whole: read the whole payload (when within the size limit); else only its head.
        """
        start = self.pos
        parts: list[bytes] = []
        total, first = 0, True
        while True:
            at = self.pos
            header = self.read(8)
            if len(header) < 8:
                raise RecordDamaged(f"the file ends inside the record at byte {start:,}")
            magic, word = _FRAME.unpack(header)
            if magic != MAGIC:
                raise RecordDamaged(f"no record starts at byte {at:,} (wrong magic number)")
            split, length = word >> 29, word & _LENGTH_MASK
            if (first and split not in (0, 1)) or (not first and split not in (2, 3)):
                raise RecordDamaged(f"the record at byte {start:,} is split out of order")
            if length > self.size - self.pos:
                raise RecordDamaged(f"the record at byte {start:,} declares {length:,} bytes, past the end of the file")
            # A split record lost the magic number at each split; it is put back between parts.
            total += length + (0 if first else 4)
            if whole and total <= limits.MAX_MEMBER_BYTES:
                parts.append(self.read(length))
            elif first:
                head = self.read(min(length, _IR_HEADER.size + 4 * _HEAD_LABELS))
                parts.append(head)
                self.skip(length - len(head))
            else:
                self.skip(length)
            self.skip(-length % 4)
            first = False
            if split in (0, 3):
                break
        joined = parts[0] if len(parts) == 1 else _MAGIC_BYTES.join(parts)
        return start, joined, total


_MAGIC_BYTES = struct.pack("<I", MAGIC)


def _unpack(head: bytes, total: int) -> tuple[int, str | None, int]:
    """(extra label count, label as text, image bytes that follow the header) of a record."""
    if len(head) < _IR_HEADER.size:
        return 0, None, 0
    flag, label, _id, _id2 = _IR_HEADER.unpack_from(head)
    if flag > 0:
        label = struct.unpack_from("<f", head, _IR_HEADER.size)[0] if len(head) >= _IR_HEADER.size + 4 else math.nan
    image = total - _IR_HEADER.size - 4 * flag
    return flag, _label_text(label), image


def _label_text(value: float) -> str | None:
    if not math.isfinite(value):
        return None
    return str(int(value)) if value == int(value) else f"{value:g}"


class RecordIOSource(Source):
    """A RecordIO pack: the `.rec` file (a file of its own, or a member of a zip) and its `.idx`.

    Args:
        path: the `.rec` file, or the zip that holds it.
        prefix: before every key; by default the pack's name and a space (`train.rec record 7`).
        blob: where the pack's bytes are (default: the file at `path`).
        index: the `.idx` beside it (default: the file of the same name beside `path`).
        span: only the records that start in these bytes [first, last) of the pack (a cluster's
            shard, `index_spans`); its `.idx` lines there, or pointing past the pack for the last
            span. Keys are the whole pack's, so the spans of a pack list exactly what it lists.
    """

    kind = DatasetKind.RECORDIO
    suffixes = (".rec",)

    @staticmethod
    def is_one(path: Path) -> bool:
        with open(path, "rb") as handle:
            return is_recordio(handle.read(8))

    def __init__(self, path: Path, prefix: str | None = None, cache: Path | None = None,
                 blob: Blob | None = None, index: Blob | None = None, span: tuple[int, int] | None = None):
        self.blob = blob or FileBlob(path, path.name)
        super().__init__(path, f"{self.blob.name} " if prefix is None else prefix, cache)
        if index is None and blob is None and path.with_suffix(".idx").is_file():
            index = FileBlob(path.with_suffix(".idx"), path.with_suffix(".idx").name)
        self.index = index
        self.span = span
        self._index: tuple | None = None  # the `.idx`, read on first use (`_load_index`)

    def index_spans(self, records: int) -> list[tuple[int, int]]:
        """The pack cut by its `.idx` into spans of about `records` indexed records each, for a cluster.

        One span for the whole pack where the `.idx` is absent or not used (records are then keyed by
        their order, which only a scan from the start knows). The first span starts at byte 0 (records
        before the first indexed one are in it), the last ends past any offset (`.idx` lines pointing
        outside the pack are refused in it).
        """
        offsets, _numbers, problem = self._load_index()
        if problem or not len(offsets) or not self.blob.seekable:
            return [(0, _PAST_ANY)]
        starts = [0]
        with self.blob.open() as handle:
            for slot in range(records, len(offsets), records):
                # A cut only where a record really starts (an `.idx` line may point into one): a scan
                # from the start would arrive there too, so each record is the same span's either way.
                while slot < len(offsets) and offsets[slot] < self.blob.size:
                    handle.seek(int(offsets[slot]))
                    if _starts_record(handle.read(8)) and offsets[slot] > starts[-1]:
                        starts.append(int(offsets[slot]))
                        break
                    slot += 1
        return list(zip(starts, [*starts[1:], _PAST_ANY], strict=True))

    # -- listing ---------------------------------------------------------------------------

    def entries(self) -> Iterator[Entry | Gap]:
        for entry, _data in self._walk(lambda key: False):
            yield entry

    def read(self, wanted):
        wanted = set(wanted)
        for entry, data in self._walk(wanted.__contains__):
            if isinstance(entry, Gap):
                continue
            if entry.key in wanted:
                wanted.discard(entry.key)
                yield entry, data, entry.problem if data is None else None
            if not wanted:
                return
        for key in sorted(wanted):
            problem = "the pack is damaged before this record"
            yield Entry(key, 0, "?", problem), None, problem

    def key_offsets(self, keys: list[str]) -> np.ndarray:
        """Per key, the byte where its record's span is decided (its `.idx` offset, or the byte its
        key names); -1 for a key that is not one of this pack's records by its `.idx`."""
        import numpy as np

        offsets, numbers, _problem = self._load_index()
        by_number = np.argsort(numbers, kind="stable")
        out = np.full(len(keys), -1, np.int64)
        head = f"{self.prefix}record "
        for position, key in enumerate(keys):
            if not key.startswith(head):
                continue
            rest = key[len(head):]
            if rest.startswith("at byte ") and rest[8:].isdigit():
                out[position] = int(rest[8:])
            elif rest.isdigit() and len(numbers):
                slot = int(np.searchsorted(numbers, int(rest), sorter=by_number))
                if slot < len(numbers) and numbers[by_number[slot]] == int(rest):
                    out[position] = offsets[by_number[slot]]
        return out

    def _walk(self, want: Callable[[str], bool]) -> Iterator[tuple[Entry | Gap, bytes | None]]:
        """Every record (with its image when `want(key)`), then the `.idx` lines that found none."""
        offsets, numbers, problem = self._load_index()
        first, last = self.span or (0, _PAST_ANY)
        mine = (offsets >= first) & (offsets < last)
        found = ~mine  # the `.idx` lines of other spans are theirs to report
        size, fingerprint = self.blob.size, self.blob.fingerprint
        sequence = 0
        with self.blob.open() as handle:
            scanner = _Scanner(handle, size, self.blob.seekable)
            if first:
                scanner.seek(first)
            while scanner.pos < min(size, last):
                start = scanner.pos
                slot = _slot(offsets, start)
                key = self._key(start, sequence, numbers[slot] if slot is not None else None, offsets)
                sequence += 1
                try:
                    offset, payload, total = scanner.record(whole=want(key))
                except RecordDamaged as exc:
                    resume = _next_offset(offsets, start) if self.blob.seekable else None
                    if slot is not None:
                        found[slot] = True
                        yield Entry(key, 0, f"?:{fingerprint}", f"damaged record: {exc}"), None
                    if resume is not None and resume >= last:
                        break  # the next record is the next span's
                    if resume is None:
                        reason = f"{self.blob.name}: {exc}; the records after it could not be listed"
                        yield Gap(self.prefix, reason), None
                        return
                    scanner.seek(resume)
                    continue
                if slot is not None:
                    found[slot] = True
                flag, label, image = _unpack(payload, total)
                if image <= 0:
                    continue  # a header or identity record: no photo
                problem = None
                if total > limits.MAX_MEMBER_BYTES:
                    problem = f"record larger than the {limits.MAX_MEMBER_BYTES // 2**20} MiB limit"
                locator = make_locator(fingerprint, o=offset)
                entry = Entry(key, image, f"{total}:{fingerprint}", problem, label=label, locator=locator)
                data = payload[_IR_HEADER.size + 4 * flag:] if want(key) and problem is None else None
                yield entry, data
        yield from self._unmatched(offsets, numbers, found, problem)

    def _key(self, offset: int, sequence: int, number: int | None, offsets) -> str:
        if not len(offsets):
            return f"{self.prefix}record {sequence}"
        return f"{self.prefix}record {number}" if number is not None else f"{self.prefix}record at byte {offset}"

    def _unmatched(self, offsets, numbers, found, problem) -> Iterator[tuple[Entry, None]]:
        import numpy as np

        if problem:
            return
        for slot in np.nonzero(~found)[0]:
            offset, number = int(offsets[slot]), int(numbers[slot])
            where = self.index.name if self.index else ".idx"
            if offset >= self.blob.size:
                reason = f"{where} points outside {self.blob.name} (byte {offset:,} of a {self.blob.size:,}-byte file)"
            else:
                reason = f"{where} points to byte {offset:,} of {self.blob.name}, where no record starts"
            yield Entry(f"{self.prefix}record {number}", 0, f"?:{self.blob.fingerprint}", reason), None

    def _load_index(self) -> tuple[np.ndarray, np.ndarray, str | None]:
        """The `.idx` as (offsets ascending, their record numbers); empty when absent or unreadable.

        Read once per source: cutting spans, key offsets and a scan all ask for it.
        """
        if self._index is None:
            self._index = self._read_index()
        return self._index

    def _read_index(self) -> tuple[np.ndarray, np.ndarray, str | None]:
        import numpy as np

        empty = np.zeros(0, np.int64)
        if self.index is None:
            return empty, empty, None
        # 8 bytes a line, not a Python int's 36: a 30-million-line index stays small. And no more lines than
        # the pack can hold records (each at least a frame header and an image header).
        offsets, numbers = array("q"), array("q")
        most = min(limits.MAX_SHARD_ITEMS, self.blob.size // _SMALLEST_RECORD + 1)
        try:
            with self.index.open() as handle:
                for line_number, line in enumerate(_lines(handle), 1):
                    fields = line.split()
                    if len(fields) != 2 or not all(f.isdigit() and len(f) <= _MAX_DIGITS for f in fields):
                        raise ValueError(f"line {line_number} is not 'number offset' (two whole numbers of at most "
                                         f"{_MAX_DIGITS} digits)")
                    numbers.append(int(fields[0]))
                    offsets.append(int(fields[1]))
                    if len(numbers) > most:
                        raise ValueError(f"it has more lines than {self.blob.name} can hold records ({most:,})")
        except (OSError, ValueError) as exc:
            # Records are still all found by the scan, numbered by their order in the pack.
            return empty, empty, f"{self.index.name} not used: {exc}"
        offsets_array = np.frombuffer(offsets, np.int64)
        numbers_array = np.frombuffer(numbers, np.int64)
        for values, what in ((numbers_array, "record number"), (offsets_array, "offset")):
            unique, counts = np.unique(values, return_counts=True)
            if len(unique) < len(values):
                # Two lines with one number would give two records one key, and one would hide the other;
                # the sequential pass (keys by order in the pack) reads every record instead.
                twice = int(unique[np.argmax(counts)])
                return empty, empty, (f"{self.index.name} not used: {what} {twice:,} is listed {int(counts.max()):,} "
                                      "times")
        order = np.argsort(offsets_array, kind="stable")
        return offsets_array[order], numbers_array[order], None

    # -- one record ------------------------------------------------------------------------

    def read_one(self, key: str, locator: str | None = None) -> bytes:
        place = place_of(locator, self.blob.fingerprint, "o")
        if place is None:
            return super().read_one(key, locator)
        try:
            with self.blob.open() as handle:
                scanner = _Scanner(handle, self.blob.size, self.blob.seekable)
                scanner.seek(place["o"])
                _offset, payload, total = scanner.record(whole=True)
        except (RecordDamaged, OSError) as exc:
            raise SourceError(f"{key}: {exc}") from None
        flag, _label, image = _unpack(payload, total)
        if total > limits.MAX_MEMBER_BYTES:
            raise SourceError(f"{key}: record larger than the {limits.MAX_MEMBER_BYTES // 2**20} MiB limit")
        if image <= 0:
            raise SourceError(f"{key}: the record holds no image")
        return payload[_IR_HEADER.size + 4 * flag:]


def _slot(offsets: np.ndarray, offset: int) -> int | None:
    import numpy as np

    if not len(offsets):
        return None
    slot = int(np.searchsorted(offsets, offset))
    return slot if slot < len(offsets) and offsets[slot] == offset else None


def _next_offset(offsets: np.ndarray, offset: int) -> int | None:
    import numpy as np

    slot = int(np.searchsorted(offsets, offset, side="right"))
    return int(offsets[slot]) if slot < len(offsets) else None


def _lines(handle) -> Iterator[str]:
    """The `.idx` file's lines, each bounded in length."""
    buffer = b""
    while True:
        chunk = handle.read(1024 * 1024)
        if not chunk:
            break
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            if line.strip():
                yield line.decode("ascii")
        if len(buffer) > _MAX_IDX_LINE:
            raise ValueError("an over-long line")
    if buffer.strip():
        yield buffer.decode("ascii")

register(Form("RecordIO pack", "RecordIO packs", Role.PART, 30, lambda sample: is_recordio(sample.head[:8]),
              kind="recordio"))
