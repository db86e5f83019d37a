"""A text table whose rows carry their photo as base64 or hex text, as MS-Celeb-1M published its faces.

MS-Celeb-1M's `FaceImageCroppedWithOutAlignment.tsv` (and its aligned twin, `MsCelebV1-Faces-Aligned.tsv`)
has 7 tab-separated columns and no header: Freebase MID, ImageSearchRank, ImageURL, PageURL, FaceID,
FaceRectangle (base64), FaceData (a base64 JPEG); its whole-image file has 6 (MID, query name,
ImageSearchRank, ImageURL, PageURL, image). It holds URLs, but it is a photo dataset, not a list of
links: the column that decodes to a JPEG or PNG decides, and `recognise` looks for it in the
first row. Any tab- or comma-separated table with such a column is read the same way.

Each row is an item, found again by its byte offset (the locator), so one face is read for review
without scanning the file. MS-Celeb rows are keyed `MID/ImageSearchRank-FaceID` (a FaceID repeats
in every image: `FaceId-0` is the first face of each; `MID/ImageSearchRank` in the 6-column file)
and labelled with the MID; other tables are keyed by line number. A row that is too long, has too
few columns, or whose image does not decode is refused with the reason; the file is read in blocks, never whole.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from pathlib import Path

from faceaudit.core import limits
from faceaudit.core.datasets.kinds import DatasetKind
from faceaudit.core.datasets.sources.base import (
    Entry,
    Gap,
    Source,
    SourceError,
    file_fingerprint,
    make_locator,
    place_of,
    read_as_walked,
    safe_key,
)
from faceaudit.core.datasets.sources.forms import Form, Role, register

__all__ = ["ImageTableSource", "recognise", "decode_image_text"]

#: Longest row read: the image limit in base64, plus room for the other columns.
MAX_ROW_BYTES = limits.MAX_MEMBER_BYTES * 4 // 3 + 64 * 1024
_BLOCK = 4 * 1024 * 1024
#: Bytes of the first row looked at to find the image column: MS-Celeb's columns before it (MID,
#: rank, two URLs, FaceID, rectangle) fit in a few hundred bytes, and only the column's start is
#: tested. Small, as every .tsv/.csv/.txt of a photo folder is looked at.
_HEAD = 8 * 1024
_MID = re.compile(rb"^m\.[0-9a-z_]{2,16}$")
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
#: First bytes of a JPEG or PNG as base64 (`/9j/`, `iVBORw0KGgo`) and as hex.
_TEXT_MAGIC = (b"/9j/", b"iVBORw0KGgo", b"ffd8ff", b"FFD8FF", b"89504e470d0a1a0a", b"89504E470D0A1A0A")
_DELIMITERS = (b"\t", b",")


def decode_image_text(value: bytes) -> bytes | None:
    """The image a column holds as base64 or hex text, or None when it holds none."""
    value = value.strip()
    if not value.startswith(_TEXT_MAGIC):
        return None
    try:
        if value[:6].lower() in (b"ffd8ff", b"895047"):
            data = binascii.unhexlify(value)
        else:
            data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if data.startswith(_IMAGE_MAGIC) else None


def _layout(row: bytes) -> tuple[bytes, int] | None:
    """(delimiter, image column) of a row whose column decodes to a photo."""
    for delimiter in _DELIMITERS:
        columns = row.rstrip(b"\r\n").split(delimiter)
        if len(columns) < 2:
            continue
        for number in range(len(columns) - 1, -1, -1):  # the image is usually last
            if columns[number].strip().startswith(_TEXT_MAGIC):
                return delimiter, number
    return None


def recognise(sample: bytes, path: Path | str = "") -> bool:
    """True when the sample's first row (its start is enough: 8 KiB) has a column that starts as
    base64 or hex JPEG/PNG text: a table of photos, whatever its name."""
    first = sample.split(b"\n", 1)[0]
    return _layout(first[:MAX_ROW_BYTES]) is not None


#: MS-Celeb-1M's layouts by column count: where the MID, the ImageSearchRank and the FaceID are. The
#: face files (cropped, aligned) have 7 columns; the whole-image file has 6 (MID, query name, rank,
#: ImageURL, PageURL, ImageData) and no FaceID.
_MSCELEB = {7: (0, 1, 4), 6: (0, 2, None)}


def _is_msceleb(columns: list[bytes]) -> bool:
    return len(columns) in _MSCELEB and bool(_MID.match(columns[0].strip()))


class ImageTableSource(Source):
    kind = DatasetKind.IMAGE_TABLE
    suffixes = (".tsv", ".csv", ".txt")

    @staticmethod
    def is_one(path: Path) -> bool:
        with open(path, "rb") as handle:
            return recognise(handle.read(_HEAD), path)

    def __init__(self, path: Path, prefix: str = "", cache: Path | None = None):
        super().__init__(path, prefix, cache)

    def form(self) -> str:
        with open(self.path, "rb") as handle:
            first = handle.read(_HEAD).split(b"\n", 1)[0]
        found = _layout(first)
        if found and _is_msceleb(first.split(found[0])):
            return "MS-Celeb-1M TSV"
        return self.kind

    # -- rows ------------------------------------------------------------------------------

    def _rows(self, start: int = 0) -> Iterator[tuple[int, int, int, bytes | None]]:
        """(line number, offset, length, row) of every row from `start`; row is None when too long."""
        with open(self.path, "rb", buffering=0) as handle:
            handle.seek(start)
            offset, number, pending, skipping = start, 0, bytearray(), False
            while True:
                block = handle.read(_BLOCK)
                if not block:
                    break
                at = 0
                while True:
                    end = block.find(b"\n", at)
                    if end < 0:
                        if not skipping:
                            pending += block[at:]
                            if len(pending) > MAX_ROW_BYTES:
                                skipping, pending = True, bytearray()
                        break
                    if not skipping:
                        pending += block[at:end]
                    row = None if skipping else bytes(pending)
                    length = handle.tell() - len(block) + end + 1 - offset
                    yield number, offset, length, row
                    number, offset, pending, skipping = number + 1, offset + length, bytearray(), False
                    at = end + 1
            if pending or skipping:
                yield number, offset, handle.tell() - offset, None if skipping else bytes(pending)

    def _entry(self, number: int, offset: int, length: int, row: bytes | None, layout, fingerprint: str,
               seen: set[str]) -> tuple[Entry, bytes | None]:
        """The row's Entry, and its image text when the row is sound."""
        locator = make_locator(fingerprint, o=offset, n=length, l=number)
        key = f"{self.prefix}line {number + 1}"
        if row is None:
            return Entry(key, length, fingerprint, f"row longer than the {MAX_ROW_BYTES // 2**20} MiB limit",
                         locator=locator), None
        delimiter, column = layout
        columns = row.rstrip(b"\r").split(delimiter)
        label = None
        if _is_msceleb(columns):
            mid, rank, face = (safe_key(columns[i].strip().decode("utf-8", "surrogateescape"))[:100]
                               if i is not None else None for i in _MSCELEB[len(columns)])
            key, label = f"{self.prefix}{mid}/{rank}" + (f"-{face}" if face else ""), mid
            if seen and not next(iter(seen)).startswith(f"{self.prefix}{mid}/"):
                seen.clear()  # rows come grouped by MID: keys are only remembered within one group
            if key in seen:  # the same face listed twice: each row stays an item of its own
                key = f"{key} (line {number + 1})"
        seen.add(key)
        if not row.strip():
            return Entry(key, length, fingerprint, "empty row", locator=locator), None
        if len(columns) <= column:
            return Entry(key, length, fingerprint, f"row has {len(columns)} columns, the image is in column "
                         f"{column + 1}", label=label, locator=locator), None
        # MS-Celeb's FaceRectangle places the face in the original photo, which the file does not
        # hold (FaceData is the crop already): the crop itself is what is matched.
        return Entry(key, length, fingerprint, label=label, locator=locator), columns[column]

    def _layout(self) -> tuple[bytes, int]:
        with open(self.path, "rb") as handle:
            first = handle.read(_HEAD).split(b"\n", 1)[0]
        found = _layout(first)
        if found is None:
            raise SourceError(f"{self.path.name}: its first row has no column of photos any more")
        return found

    def _walk(self) -> Iterator[tuple[Entry, bytes | None]]:
        fingerprint = file_fingerprint(self.path.stat())
        layout = self._layout()
        seen: set[str] = set()
        for number, offset, length, row in self._rows():
            yield self._entry(number, offset, length, row, layout, fingerprint, seen)

    def entries(self) -> Iterator[Entry | Gap]:
        try:
            for entry, _text in self._walk():
                yield entry
        except (OSError, SourceError) as exc:
            yield Gap(self.prefix, f"{self.path.name} cannot be read: {getattr(exc, 'strerror', None) or exc}")

    def read(self, wanted):
        yield from read_as_walked(wanted, self._walk(), _image, (OSError, SourceError), self.path.name,
                                  "no longer in the table")

    def read_one(self, key: str, locator: str | None = None) -> bytes:
        place = place_of(locator, file_fingerprint(self.path.stat()), "o", "n", "l")
        if place is None:
            return super().read_one(key, locator)
        if place["n"] > MAX_ROW_BYTES + 2:
            raise SourceError(f"{key}: row longer than the {MAX_ROW_BYTES // 2**20} MiB limit")
        with open(self.path, "rb") as handle:
            handle.seek(place["o"])
            row = handle.read(place["n"]).rstrip(b"\n")
        entry, text = self._entry(place["l"], place["o"], place["n"], row, self._layout(),
                                  file_fingerprint(self.path.stat()), set())
        if entry.key.split(" (line ")[0] != key.split(" (line ")[0]:
            raise SourceError(f"{key}: the table changed since it was listed")
        if entry.problem:
            raise SourceError(f"{key}: {entry.problem}")
        data, problem = _image(text)
        if data is None:
            raise SourceError(f"{key}: {problem}")
        return data


def _image(text: bytes) -> tuple[bytes | None, str | None]:
    data = decode_image_text(text)
    if data is None:
        return None, "its image column is not a base64 or hex JPEG or PNG"
    if len(data) > limits.MAX_MEMBER_BYTES:
        return None, f"image larger than the {limits.MAX_MEMBER_BYTES // 2**20} MiB limit"
    return data, None

register(Form("table of embedded photos", "tables of embedded photos", Role.PART, 15,
              lambda sample: recognise(sample.head), kind="table"))
