"""Arrow IPC files as Hugging Face `datasets` writes them with `save_to_disk`, read in place.

A `save_to_disk` folder holds `data-00000-of-00001.arrow` (an Arrow IPC stream), `dataset_info.json`
(the features: which column is an `Image`, which a `ClassLabel` and its names) and `state.json`;
a DatasetDict adds `dataset_dict.json` and one such folder per split. A single `.arrow` file may
also be an IPC file (`ARROW1` magic). Columns are found as in a parquet shard (`parquet_shards`):
the Image feature, or a struct with `bytes`, or one binary column; the label by its ClassLabel.

The file is memory-mapped: listing reads the path and label columns of each record batch, reading
one item goes to its batch and row (the locator) without copying the rest. Each batch is validated
before its values are used; an image over the member limit is refused.
"""

from __future__ import annotations

import json
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
)
from faceaudit.core.datasets.sources.forms import Form, Role, register
from faceaudit.core.datasets.sources.hub_metadata import features_from_schema
from faceaudit.core.datasets.sources.labels import identity_names
from faceaudit.core.datasets.sources.parquet_shards import _image_column, _label_column

__all__ = ["ArrowSource", "recognise"]

FILE_MAGIC = b"ARROW1"
_STREAM_MARK = b"\xff\xff\xff\xff"
_MAX_INFO_BYTES = 4 * 1024 * 1024
_ROW_KEY = re.compile(r"row (\d+)(?: \(|$)")
#: Characters of a path or label kept; longer text is not a file name or a person's name.
_MAX_TEXT = 500


def recognise(sample: bytes, path: Path | str = "") -> bool:
    """True for an Arrow IPC file (`ARROW1`) or stream (a continuation mark, then a schema message of
    a plausible, 8-byte aligned length)."""
    if sample.startswith(FILE_MAGIC):
        return True
    if not sample.startswith(_STREAM_MARK) or len(sample) < 8:
        return False
    length = int.from_bytes(sample[4:8], "little")
    return 0 < length <= 16 * 1024 * 1024 and length % 8 == 0


def _features(path: Path, schema) -> dict:
    """The `features` of the schema's metadata, else of `dataset_info.json` beside the file or a level up."""
    features = features_from_schema(schema.metadata)
    if features:
        return features
    for folder in (path.parent, path.parent.parent):
        info = folder / "dataset_info.json"
        try:
            if not info.is_file() or info.stat().st_size > _MAX_INFO_BYTES:
                continue
            loaded = json.loads(info.read_bytes())
        except (OSError, ValueError, RecursionError):
            continue
        found = loaded.get("features") if isinstance(loaded, dict) else None
        if isinstance(found, dict):
            return found
    return {}


class ArrowSource(Source):
    kind = DatasetKind.ARROW
    suffixes = (".arrow",)

    @staticmethod
    def is_one(path: Path) -> bool:
        with open(path, "rb") as handle:
            return recognise(handle.read(16), path)

    def __init__(self, path: Path, prefix: str | None = None, cache: Path | None = None):
        super().__init__(path, f"{path.name} " if prefix is None else prefix, cache)

    def _open(self):
        """(reader, image column, path column, label column, class names)."""
        import pyarrow as pa
        import pyarrow.ipc

        source = pa.memory_map(str(self.path), "r")
        try:
            with open(self.path, "rb") as handle:
                is_file = handle.read(6) == FILE_MAGIC
            reader = pa.ipc.open_file(source) if is_file else pa.ipc.open_stream(source)
        except (pa.ArrowInvalid, OSError, ValueError) as exc:
            source.close()
            raise SourceError(f"{self.path.name}: not a readable Arrow file ({_reason(exc)})") from None
        schema = reader.schema
        features = _features(self.path, schema)
        image = _image_column(schema, features)
        if image is None:
            source.close()
            raise SourceError(f"{self.path.name} has no column of images (a table of metadata, not photos)")
        label = _label_column(schema, features)
        names = None
        if label is not None:
            feature = features.get(label) if isinstance(features.get(label), dict) else {}
            names = feature.get("names") if isinstance(feature.get("names"), list) else None
        return source, reader, is_file, image[0], image[1], label, names

    def _batches(self, reader, is_file: bool) -> Iterator[tuple[int, object]]:
        if is_file:
            for number in range(reader.num_record_batches):
                yield number, reader.get_batch(number)
        else:
            yield from enumerate(reader)

    def entries(self) -> Iterator[Entry | Gap]:
        import pyarrow as pa

        try:
            source, reader, is_file, image, path_column, label, names = self._open()
        except (SourceError, OSError) as exc:
            yield Entry(self.prefix.rstrip(), 0, "?", str(exc))
            yield Gap(self.prefix, str(exc))
            return
        fingerprint = file_fingerprint(self.path.stat())
        first = 0
        rows: list[tuple[int, int, int, object, object]] = []
        try:
            with source:
                for number, batch in self._batches(reader, is_file):
                    batch.validate(full=True)
                    paths = _column(batch, path_column, short=True) if path_column else [None] * batch.num_rows
                    labels = _column(batch, label, short=True) if label else [None] * batch.num_rows
                    rows.extend((first + row, number, row, paths[row], labels[row]) for row in range(batch.num_rows))
                    first += batch.num_rows
                    if first > limits.MAX_PARQUET_ROWS:
                        raise SourceError(f"more than {limits.MAX_PARQUET_ROWS:,} rows")
        except (pa.ArrowInvalid, SourceError, OSError, ValueError) as exc:
            reason = f"{self.path.name} refused: {_reason(exc)}"
            yield Entry(self.prefix.rstrip(), 0, "?", reason)
            yield Gap(self.prefix, reason)
            return
        # A label column names people only when its values look like names (not an age or gender class).
        people = identity_names([r[4] for r in rows], names)
        for number, batch_number, row, path, value in rows:
            yield self._entry(number, batch_number, row, path, value if people else None, names, fingerprint)

    def _entry(self, number: int, batch: int, row: int, path, label, names, fingerprint: str) -> Entry:
        own = f" ({_clean(path)})" if path else ""
        if names is not None and isinstance(label, int) and 0 <= label < len(names):
            label = names[label]
        return Entry(f"{self.prefix}row {number}{own}", 0, fingerprint, label=None if label is None else str(label),
                     locator=make_locator(fingerprint, b=batch, r=row))

    def read(self, wanted):
        import pyarrow as pa

        rows: dict[int, str] = {}
        for key in wanted:
            match = _ROW_KEY.match(key[len(self.prefix):]) if key.startswith(self.prefix) else None
            if match:
                rows[int(match.group(1))] = key
        try:
            source, reader, is_file, image, path_column, _label, _names = self._open()
            fingerprint = file_fingerprint(self.path.stat())
            first = 0
            with source:
                for number, batch in self._batches(reader, is_file):
                    if not rows:
                        return
                    inside = [n for n in rows if first <= n < first + batch.num_rows]
                    if inside:
                        batch.validate(full=True)
                        paths = _column(batch, path_column, short=True) if path_column else [None] * batch.num_rows
                        for n in sorted(inside):
                            key = rows.pop(n)
                            entry = self._entry(n, number, n - first, paths[n - first], None, None, fingerprint)
                            if entry.key != key:
                                yield Entry(key, 0, fingerprint), None, "the file changed since it was listed"
                                continue
                            # One row's image at a time: a batch of a thousand photos is never copied whole.
                            yield entry, *_image_or_problem(_column(batch.slice(n - first, 1), image)[0])
                    first += batch.num_rows
        except (pa.ArrowInvalid, SourceError, OSError, ValueError) as exc:
            for key in sorted(rows.values()):
                yield Entry(key, 0, "?"), None, f"{self.path.name} refused: {_reason(exc)}"
            return
        for key in sorted(rows.values()):
            yield Entry(key, 0, "?"), None, "the row is not in the file any more"

    def read_one(self, key: str, locator: str | None = None) -> bytes:
        import pyarrow as pa

        place = place_of(locator, file_fingerprint(self.path.stat()), "b", "r")
        if place is None:
            return super().read_one(key, locator)
        try:
            source, reader, is_file, image, _path, _label, _names = self._open()
            with source:
                for number, batch in self._batches(reader, is_file):
                    if number < place["b"]:
                        continue  # a stream's earlier batches: their metadata is read, their data mapped, not copied
                    if number > place["b"] or place["r"] >= batch.num_rows:
                        break
                    batch.validate(full=True)
                    data, problem = _image_or_problem(_column(batch.slice(place["r"], 1), image)[0])
                    if data is None:
                        raise SourceError(f"{key}: {problem}")
                    return data
        except (pa.ArrowInvalid, OSError, ValueError) as exc:
            raise SourceError(f"{key}: {_reason(exc)}") from None
        raise SourceError(f"{key}: the row is not in the file")


def _column(batch, dotted: str, short: bool = False) -> list:
    """A column's values (`a.b`: field b of struct column a); `short`: text cut to 500 characters
    before it is copied out of the file (a 400 MB label string stays in the memory map)."""
    name, _, field = dotted.partition(".")
    column = batch.column(batch.schema.get_field_index(name))
    if field:
        column = column.field(field)
    if short:
        import pyarrow as pa
        import pyarrow.compute as pc

        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            column = pc.utf8_slice_codeunits(column, 0, _MAX_TEXT)
        elif pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
            column = pc.binary_slice(column, 0, _MAX_TEXT)
    return column.to_pylist()


def _image_or_problem(data) -> tuple[bytes | None, str | None]:
    if data is None:
        return None, "the row has no image"
    if len(data) > limits.MAX_MEMBER_BYTES:
        return None, f"image larger than the {limits.MAX_MEMBER_BYTES // 2**20} MiB limit"
    return bytes(data), None


def _clean(path) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in str(path)[:500])


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."

register(Form("Arrow file", "Arrow files", Role.PART, 22, lambda sample: recognise(sample.head), kind="arrow"))
