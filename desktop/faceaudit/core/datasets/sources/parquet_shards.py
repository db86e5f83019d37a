"""Parquet shards with embedded images, as the Hugging Face Hub publishes face datasets (LFW, CelebA, ...).

A shard's image column is found by its type: a struct with a `bytes` field (the Hub's Image
feature, `struct<bytes: binary, path: string>`), or a plain binary column. Its label column
gives ids whose names come from the schema metadata, the dataset card or `dataset_info.json`.
Items are rows, keyed by the shard and row number and the image's own path where the shard
stores one (`data/train-00000-of-00019.parquet row 1234 (Aaron_Eckhart_0001.jpg)`).

Nothing is read whole: listing reads only the small path and label columns; reading streams
the image column of the row groups that hold wanted rows in small batches. The footer is
checked before any row is read (row counts that add up, value counts that match, row groups
within the limits); a shard whose metadata lies is refused as a whole, with the reason.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
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
from faceaudit.core.datasets.sources.hub_metadata import class_names, features_from_schema
from faceaudit.core.datasets.sources.labels import identity_names

__all__ = ["ParquetSource", "ParquetRefused", "has_image_column"]

_BATCH_ROWS = 16
_IMAGE_NAMES = ("image", "img", "images", "photo", "picture", "jpg", "png", "face")
_LABEL_NAMES = ("label", "labels", "identity", "person", "name", "celebrity", "class", "id_name")
_MAX_ROW_GROUPS = 1_000_000
_ROW_KEY = re.compile(r"row (\d+)(?: \(|$)")


class ParquetRefused(ValueError):
    """A shard that is not read at all; the message says why."""


@dataclass(frozen=True)
class _Layout:
    """Where a shard's images and labels are."""

    image: str  # the column read for image bytes ("image.bytes" or "jpg")
    path: str | None  # the column of the image's own path, if any
    label: str | None
    names: list[str] | None
    groups: list[tuple[int, int]]  # (first row, rows) per row group


def _arrow():
    import pyarrow
    import pyarrow.parquet

    return pyarrow, pyarrow.parquet


def has_image_column(path: Path) -> bool | None:
    """True for a parquet file with a column of images (a struct with bytes, or binary), False for
    one without (a list of links, a metadata table), None when its schema cannot be read."""
    try:
        with open(path, "rb") as handle:
            if handle.read(4) != b"PAR1":
                return False
    except OSError:
        return False
    try:
        _pa, pq = _arrow()
        schema = pq.read_schema(path)
    except (OSError, ValueError, ImportError, NotImplementedError):
        return None
    return _image_column(schema, features_from_schema(schema.metadata)) is not None


def _image_column(schema, features: dict) -> tuple[str, str | None] | None:
    """(the column holding image bytes, the column of their paths) by type, Hub metadata first."""
    pa, _pq = _arrow()
    binary = (pa.types.is_binary, pa.types.is_large_binary)

    def image_of(field):
        if pa.types.is_struct(field.type):
            names = [child.name for child in field.type]
            if "bytes" in names and any(check(field.type.field("bytes").type) for check in binary):
                path = f"{field.name}.path" if "path" in names else None
                return f"{field.name}.bytes", path
        elif any(check(field.type) for check in binary):
            return field.name, None
        return None

    found = [(field.name, image_of(field)) for field in schema]
    found = [(name, where) for name, where in found if where is not None]
    declared = [name for name, feature in features.items()
                if isinstance(feature, dict) and feature.get("_type") == "Image"]
    for name in declared + list(_IMAGE_NAMES):
        for column, where in found:
            if column.lower() == name:
                return where
    structs = [where for _name, where in found if where[0].endswith(".bytes")]
    if structs:
        return structs[0]
    return found[0][1] if len(found) == 1 else None  # one binary column; several may be anything


def _label_column(schema, features: dict) -> str | None:
    pa, _pq = _arrow()
    for name, feature in features.items():
        if isinstance(feature, dict) and feature.get("_type") == "ClassLabel" and name in schema.names \
                and identity_names([], feature.get("names") if isinstance(feature.get("names"), list) else None):
            return name  # (FairFace's age, gender and race ClassLabels name classes, not people: passed over)
    for wanted in _LABEL_NAMES:
        for field in schema:
            if field.name.lower() == wanted and (pa.types.is_integer(field.type) or pa.types.is_string(field.type)
                                                 or pa.types.is_large_string(field.type)):
                return field.name
    return None


class ParquetSource(Source):
    """One parquet shard (a file given directly, or one of a folder's shards).

    Args:
        path: the shard.
        prefix: before every key; by default the shard's name and a space.
        root: the dataset's folder, where a README.md or dataset_info.json may name the classes.
    """

    kind = DatasetKind.PARQUET
    suffixes = (".parquet",)

    @staticmethod
    def is_one(path: Path) -> bool:
        # A damaged shard is still a shard: its listing says what is wrong with it.
        return has_image_column(path) is not False

    def __init__(self, path: Path, prefix: str | None = None, cache: Path | None = None, root: Path | None = None):
        super().__init__(path, f"{path.name} " if prefix is None else prefix, cache)
        self.root = root

    def _open(self):
        """The shard opened for streaming, after its footer is checked."""
        _pa, pq = _arrow()
        size = self.path.stat().st_size
        with open(self.path, "rb") as handle:
            head = handle.read(4)
            handle.seek(max(0, size - 8))
            tail = handle.read(8)
        if size < 12 or head != b"PAR1" or tail[4:] != b"PAR1":
            raise ParquetRefused("not a parquet file (its magic bytes are missing)")
        footer = struct.unpack("<I", tail[:4])[0]
        if footer > min(limits.MAX_PARQUET_FOOTER_BYTES, size - 12):
            raise ParquetRefused(f"its footer declares {footer:,} bytes, more than the file or the limit allows")
        # Buffered column reads: pages are decoded one by one, never a whole column chunk at once.
        return pq.ParquetFile(self.path, buffer_size=4 * 1024 * 1024, pre_buffer=False)

    def _layout(self, shard) -> _Layout:
        schema = shard.schema_arrow
        features = features_from_schema(schema.metadata)
        image = _image_column(schema, features)
        if image is None:
            raise ParquetRefused("it has no image column (a list of links or a metadata table, not photos)")
        label = _label_column(schema, features)
        roots = [self.path.parent] + ([self.root] if self.root else []) + list(self.path.parents)[:2]
        names = class_names(label, features, roots) if label else None
        return _Layout(image[0], image[1], label, names, _check_groups(shard, image[0], self.path.stat().st_size))

    # -- listing ---------------------------------------------------------------------------

    def entries(self) -> Iterator[Entry | Gap]:
        try:
            shard = self._open()
            layout = self._layout(shard)
            fingerprint = file_fingerprint(self.path.stat())
            columns = [c for c in (layout.path, layout.label) if c]
            for group, (first, rows) in enumerate(layout.groups):
                paths, labels = [None] * rows, [None] * rows
                if columns:
                    _check_text_columns(shard, group, columns)
                    table = shard.read_row_group(group, columns=columns)
                    if table.num_rows != rows:
                        raise ParquetRefused(f"row group {group} holds {table.num_rows:,} rows, "
                                             f"its metadata says {rows:,}")
                    if layout.path:
                        paths = _column(table, layout.path)
                    if layout.label:
                        labels = _column(table, layout.label)
                for row in range(rows):
                    yield self._entry(first + row, group, row, paths[row], labels[row], layout, fingerprint)
        except (ParquetRefused, OSError, ValueError, ImportError) as exc:
            reason = f"{self.path.name} refused: {_reason(exc)}"
            yield Entry(self.prefix.rstrip(), 0, "?", reason)
            yield Gap(self.prefix, reason)

    def _entry(self, number: int, group: int, row: int, path, label, layout: _Layout, fingerprint: str) -> Entry:
        own = f" ({_clean(path)})" if path else ""
        if layout.names is not None and isinstance(label, int) and 0 <= label < len(layout.names):
            label = layout.names[label]
        locator = make_locator(fingerprint, g=group, r=row)
        return Entry(f"{self.prefix}row {number}{own}", 0, fingerprint,
                     label=None if label is None else str(label), locator=locator)

    # -- reading ---------------------------------------------------------------------------

    def read(self, wanted):
        wanted = set(wanted)
        rows: dict[int, str] = {}
        for key in wanted:
            match = _ROW_KEY.match(key[len(self.prefix):]) if key.startswith(self.prefix) else None
            if match:
                rows[int(match.group(1))] = key
        try:
            shard = self._open()
            layout = self._layout(shard)
            fingerprint = file_fingerprint(self.path.stat())
            for group, (first, count) in enumerate(layout.groups):
                inside = sorted(number for number in rows if first <= number < first + count)
                if not inside:
                    continue
                for row, data, path in _stream_group(shard, group, layout, set(n - first for n in inside)):
                    key = rows.pop(first + row)
                    entry = self._entry(first + row, group, row, path, None, layout, fingerprint)
                    if entry.key != key:
                        yield Entry(key, 0, fingerprint), None, "the shard changed since it was listed"
                        continue
                    yield entry, *_image_or_problem(data, path)
        except (ParquetRefused, OSError, ValueError, ImportError) as exc:
            for key in sorted(rows.values()):
                problem = f"{self.path.name} refused: {_reason(exc)}"
                yield Entry(key, 0, "?"), None, problem

    def read_one(self, key: str, locator: str | None = None) -> bytes:
        place = place_of(locator, file_fingerprint(self.path.stat()), "g", "r")
        if place is None:
            return super().read_one(key, locator)
        try:
            shard = self._open()
            layout = self._layout(shard)
            group, row = int(place["g"]), int(place["r"])
            if not 0 <= group < len(layout.groups) or not 0 <= row < layout.groups[group][1]:
                raise ParquetRefused("the row is not in the shard")
            for _row, data, path in _stream_group(shard, group, layout, {row}):
                data, problem = _image_or_problem(data, path)
                if problem:
                    raise SourceError(f"{key}: {problem}")
                return data
        except (ParquetRefused, OSError, ValueError, ImportError) as exc:
            raise SourceError(f"{key}: {_reason(exc)}") from None
        raise SourceError(f"{key}: the row is not in the shard")


def _check_groups(shard, image_column: str, file_size: int) -> list[tuple[int, int]]:
    """Each row group's first row and row count, once the footer's numbers are shown to agree."""
    meta = shard.metadata
    if meta.num_rows < 0 or meta.num_rows > limits.MAX_PARQUET_ROWS:
        raise ParquetRefused(f"its metadata declares {meta.num_rows:,} rows (the limit is {limits.MAX_PARQUET_ROWS:,})")
    if meta.num_row_groups > _MAX_ROW_GROUPS:
        raise ParquetRefused(f"its metadata declares {meta.num_row_groups:,} row groups")
    leaf = next((i for i in range(meta.num_columns) if meta.schema.column(i).path == image_column), None)
    if leaf is None:
        raise ParquetRefused(f"its image column {image_column} is not in the file's columns")
    groups, first = [], 0
    for index in range(meta.num_row_groups):
        group = meta.row_group(index)
        column = group.column(leaf)
        if group.num_rows < 0 or column.num_values != group.num_rows:
            raise ParquetRefused(f"its metadata lies: row group {index} declares {group.num_rows:,} rows but "
                                 f"{column.num_values:,} images")
        if column.total_uncompressed_size > limits.MAX_PARQUET_ROW_GROUP_BYTES:
            raise ParquetRefused(f"row group {index} declares {column.total_uncompressed_size:,} bytes of images, "
                                 "over the "
                                 f"{limits.MAX_PARQUET_ROW_GROUP_BYTES // 2**20:,} MiB limit")
        if not 0 <= column.total_compressed_size <= file_size:
            raise ParquetRefused(f"row group {index} declares more bytes than the file holds")
        groups.append((first, group.num_rows))
        first += group.num_rows
    if first != meta.num_rows:
        raise ParquetRefused(f"its metadata lies: the file declares {meta.num_rows:,} rows, its row groups {first:,}")
    return groups


def _check_text_columns(shard, group: int, columns: list[str]) -> None:
    """Refuse a row group whose path or label column declares more bytes than names and labels need (a
    400 MB label in a 28 KB zstd shard), before it is decompressed."""
    meta = shard.metadata
    row_group = meta.row_group(group)
    for index in range(meta.num_columns):
        if meta.schema.column(index).path in columns:
            declared = row_group.column(index).total_uncompressed_size
            if not 0 <= declared <= limits.MAX_PARQUET_TEXT_BYTES:
                raise ParquetRefused(f"row group {group}'s column {meta.schema.column(index).path} declares "
                                     f"{declared:,} bytes of names or labels, over the "
                                     f"{limits.MAX_PARQUET_TEXT_BYTES // 2**20} MiB limit")


def _stream_group(shard, group: int, layout: _Layout, rows: set[int]) -> Iterator[tuple[int, bytes | None, str | None]]:
    """(row in group, image bytes, image path) for the wanted rows of one row group, in small batches."""
    columns = [layout.image] + ([layout.path] if layout.path else [])
    at = 0
    for batch in shard.iter_batches(batch_size=_BATCH_ROWS, row_groups=[group], columns=columns, use_threads=False):
        images = _column(batch, layout.image)
        paths = _column(batch, layout.path) if layout.path else [None] * batch.num_rows
        for offset in range(batch.num_rows):
            if at + offset in rows:
                yield at + offset, images[offset], paths[offset]
        at += batch.num_rows
        if at >= max(rows) + 1:
            return
    if at < max(rows) + 1:
        raise ParquetRefused(f"row group {group} ends after {at:,} rows, before its metadata says")


def _column(table, dotted: str) -> list:
    """A column's values as Python objects; `a.b` is field b of struct column a."""
    name, _, field = dotted.partition(".")
    column = table.column(name)
    if field:
        import pyarrow.compute as pc

        column = pc.struct_field(column, field)
    return column.to_pylist()


def _image_or_problem(data, path) -> tuple[bytes | None, str | None]:
    if data is None:
        if path:
            return None, f"image not embedded: the row only names {_clean(path)}"
        return None, "the row has no image"
    if len(data) > limits.MAX_MEMBER_BYTES:
        return None, f"image larger than the {limits.MAX_MEMBER_BYTES // 2**20} MiB limit"
    return bytes(data), None


def _clean(path: str) -> str:
    text = str(path)[:500]
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."

register(Form("parquet file", "parquet files", Role.PART, 30, lambda sample: sample.head.startswith(b"PAR1"),
              kind="parquet"))
