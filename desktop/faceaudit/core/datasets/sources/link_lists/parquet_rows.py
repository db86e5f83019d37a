"""Parquet lists (LAION-400M/5B, LAION-Face metadata), read column by column with bounded memory.

Only the identifier columns are read while searching (LAION's captions never are); a row found is
completed with its other columns afterwards. The footer is checked before any page is read: a
footer that claims more rows than the file could hold, or column chunks outside the file, or a
compression ratio no real list has, refuses the file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from faceaudit.core import limits
from faceaudit.core.datasets.sources.link_lists import streams
from faceaudit.core.datasets.sources.link_lists.columns import ListError, Role, detect_roles
from faceaudit.core.datasets.sources.link_lists.prefilter import Needles
from faceaudit.core.datasets.sources.link_lists.rows import FoundRow, SearchStep, Verify

__all__ = ["open_parquet", "parquet_layout", "search_parquet", "read_parquet_rows", "image_column"]

#: Rows decoded at a time: about 25 MB of LAION's URL column (each search call has a fixed cost of about a
#: millisecond: RE2 builds its automaton afresh).
_BATCH = 262144
#: Bytes pyarrow reads from the file at a time (its buffered stream: never a whole column chunk).
_BUFFER = 4 << 20
_SAMPLE_ROWS = 200
_FIELD_TEXT = 500


def open_parquet(path: str | os.PathLike) -> pq.ParquetFile:
    """A parquet file whose footer has been checked against the file's real size.

    Raises:
        ListError: not parquet, or metadata that cannot be true.
    """
    path = Path(path)
    source, size = _source(path)
    try:
        source.seek(size - 8)
        tail = source.read(8)
        source.seek(0)
        if size < 12 or tail[4:] != b"PAR1" or source.read(4) != b"PAR1":
            raise ListError("not a parquet file (its magic bytes are missing)")
        footer = int.from_bytes(tail[:4], "little")
        if footer > min(size - 12, limits.MAX_PARQUET_FOOTER_BYTES):
            raise ListError(f"its footer claims {footer:,} bytes, more than the file or the limit allows")
        try:
            parquet = pq.ParquetFile(source, buffer_size=_BUFFER, pre_buffer=False)
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise ListError(f"its parquet metadata cannot be read: {exc}") from None
        _check_metadata(parquet.metadata, size, footer)
        return parquet
    except BaseException:
        source.close()
        raise


def _source(path: Path):
    if streams.is_gzip(path):
        import indexed_gzip

        handle = indexed_gzip.IndexedGzipFile(str(path))
        try:
            # The footer is at the end: the whole stream is decompressed once to find it (parquet is compressed
            # inside already; a gzip'd parquet file is rare and costs this pass each time it is opened).
            handle.build_full_index()
        except Exception as exc:  # noqa: BLE001 - indexed_gzip's own errors: a damaged stream
            handle.close()
            raise ListError(f"{path.name} cannot be decompressed: {exc}") from None
        size = handle.seek(0, os.SEEK_END)
        return handle, size
    handle = open(path, "rb")  # noqa: SIM115 - handed to the ParquetFile, closed with it
    return handle, os.fstat(handle.fileno()).st_size


def _check_metadata(meta: pq.FileMetaData, size: int, footer: int) -> None:
    data_end = size - 8 - footer
    if meta.num_rows < 0 or meta.num_rows > limits.MAX_PARQUET_ROWS_PER_BYTE * size:
        raise ListError(f"its footer claims {meta.num_rows:,} rows, more than {size:,} bytes can hold")
    rows = 0
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        if group.num_rows < 0:
            raise ListError(f"row group {g} claims {group.num_rows} rows")
        rows += group.num_rows
        for c in range(group.num_columns):
            chunk = group.column(c)
            starts = [o for o in (chunk.data_page_offset, chunk.dictionary_page_offset) if o]
            begin = min(starts) if starts else -1
            if (chunk.total_compressed_size < 0 or begin < 4 or begin + chunk.total_compressed_size > data_end
                    or any(o >= data_end for o in starts)):
                raise ListError(f"row group {g}, column {chunk.path_in_schema}: its pages lie outside the file")
            ratio_limit = limits.MAX_COMPRESSION_RATIO * max(chunk.total_compressed_size, 1) + (1 << 20)
            if chunk.total_uncompressed_size > ratio_limit:
                raise ListError(f"row group {g}, column {chunk.path_in_schema}: claims "
                                f"{chunk.total_uncompressed_size:,} bytes uncompressed"
                                f" from {chunk.total_compressed_size:,}")
    if rows != meta.num_rows:
        raise ListError(f"its row groups hold {rows:,} rows, its footer claims {meta.num_rows:,}")


def image_column(schema: pa.Schema) -> str | None:
    """The column that holds images (binary, or a struct with binary `bytes` as the Hub writes), if any."""
    for field in schema:
        kind = field.type
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            return field.name
        if pa.types.is_struct(kind) and any(
                (pa.types.is_binary(kind.field(i).type) or pa.types.is_large_binary(kind.field(i).type))
                for i in range(kind.num_fields)):
            return field.name
    return None


def parquet_layout(path: Path, roles: Mapping[str, Role] | None, gzip: bool):
    """The layout of a parquet list; a parquet file with an image column is an image dataset, not a list.

    Raises:
        ListError: not a list (images inside, no identifier column) or a file that cannot be true.
    """
    from faceaudit.core.datasets.sources.link_lists.layout import NO_COLUMNS, ListForm, ListLayout

    parquet = open_parquet(path)
    try:
        schema = parquet.schema_arrow
        images = image_column(schema)
        if images is not None:
            raise ListError(f"its column {images!r} holds images: an image dataset, not a list of links")
        names = [f.name for f in schema if _is_flat(f.type)]
        if roles is not None:
            missing = [c for c in roles if c not in names]
            if missing:
                raise ListError(f"no column {', '.join(map(repr, missing))} (the columns are: {', '.join(names)})")
            found = dict(roles)
        else:
            sample = _sample(parquet, names)
            found = detect_roles(names, sample)
            if not found:
                raise ListError(NO_COLUMNS)
        return ListLayout(ListForm.PARQUET, tuple(names), found, gzip=gzip)
    finally:
        parquet.close()


def _is_flat(kind: pa.DataType) -> bool:
    return not (pa.types.is_nested(kind) or pa.types.is_binary(kind) or pa.types.is_large_binary(kind))


def _sample(parquet: pq.ParquetFile, names: list[str]) -> list[dict[str, str]]:
    if parquet.metadata.num_rows == 0:
        return []
    try:
        batch = next(parquet.iter_batches(batch_size=_SAMPLE_ROWS, columns=names, use_threads=False))
    except (pa.ArrowException, OSError, ValueError, StopIteration) as exc:
        raise ListError(f"its first rows cannot be read: {exc}") from None
    return [{k: _text(v) for k, v in row.items()} for row in batch.to_pylist()]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, (dict, list)):
        text = json.dumps(value, default=str, ensure_ascii=False)
    else:
        text = str(value)
    return text if len(text) <= _FIELD_TEXT else text[:_FIELD_TEXT] + "…"


def search_parquet(path: str | os.PathLike, file_key: str, layout, needles: Needles,
                   verify: Verify, groups: list[int] | None = None) -> Iterator[SearchStep]:
    """Search a parquet list column-wise: the identifier columns only, then the rows found completed.

    Args:
        groups: only these row groups (those a token index points to); None for all.

    Yields:
        A step per row group, with the rows found; the last one has the row count.

    Raises:
        ListError: metadata that cannot be true, or pages that cannot be decoded.
    """
    path = Path(path)
    total = path.stat().st_size
    parquet = open_parquet(path)
    wanted = [c for c in layout.roles if c in parquet.schema_arrow.names]
    hash_columns = {c for c in wanted if layout.roles[c] in (Role.SHA256, Role.MD5)}
    text_needles = needles.for_columns(with_hashes=False)
    meta = parquet.metadata
    starts = np.concatenate(([0], np.cumsum([meta.row_group(g).num_rows for g in range(meta.num_row_groups)])))
    done = 0
    try:
        for group in range(meta.num_row_groups) if groups is None else groups:
            first_row = int(starts[group])
            matched: dict[int, tuple[dict[str, str], object]] = {}
            row = 0
            for batch in _batches(parquet, group, wanted):
                candidates = np.zeros(0, np.int64)
                for name in wanted:
                    column = batch.column(name)
                    rows = needles.hash_rows(column) if name in hash_columns else text_needles.rows(column)
                    candidates = np.union1d(candidates, rows)
                for index in candidates.tolist():
                    record = {name: _text(batch.column(name)[index].as_py()) for name in wanted}
                    verdict = verify(record, layout.roles)
                    if verdict:
                        matched[row + index] = (record, verdict)
                row += batch.num_rows
            found = []
            if matched:
                others = _read_others(parquet, group, [c for c in layout.columns if c not in wanted], set(matched))
                for index, (record, verdict) in sorted(matched.items()):
                    full = {c: others.get(index, {}).get(c, record.get(c, "")) for c in layout.columns}
                    number = first_row + index
                    found.append(FoundRow(file_key, f"row {number}", number, full, verdict))
            done += sum(meta.row_group(group).column(c).total_compressed_size
                        for c in range(meta.row_group(group).num_columns))
            yield SearchStep(min(done, total), total, tuple(found))
    finally:
        parquet.close()
        pa.default_memory_pool().release_unused()  # give back what the batches took
    yield SearchStep(total, total, finished=True, count=meta.num_rows)


def _batches(parquet: pq.ParquetFile, group: int, columns: list[str]) -> Iterator[pa.RecordBatch]:
    try:
        yield from parquet.iter_batches(batch_size=_BATCH, row_groups=[group], columns=columns, use_threads=False)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ListError(f"row group {group} cannot be read: {exc}") from None


def _read_others(parquet: pq.ParquetFile, group: int, columns: list[str], rows: set[int]) -> dict[int, dict[str, str]]:
    """The other columns of some rows of one row group, read a batch at a time up to the last row wanted."""
    out: dict[int, dict[str, str]] = {}
    if not columns:
        return out
    start = 0
    last = max(rows)
    for batch in _batches(parquet, group, columns):
        for index in (r for r in rows if start <= r < start + batch.num_rows):
            out[index] = {name: _text(batch.column(name)[index - start].as_py()) for name in columns}
        start += batch.num_rows
        if start > last:
            break
    return out


def read_parquet_rows(path: str | os.PathLike, layout, numbers: set[int]) -> dict[int, dict[str, str]]:
    """Some rows of a parquet list, by row number from 0 (for showing a row found earlier)."""
    parquet = open_parquet(path)
    out: dict[int, dict[str, str]] = {}
    try:
        first = 0
        for group in range(parquet.metadata.num_row_groups):
            size = parquet.metadata.row_group(group).num_rows
            inside = {n - first for n in numbers if first <= n < first + size}
            if inside:
                for index, record in _read_others(parquet, group, list(layout.columns), inside).items():
                    out[first + index] = record
            first += size
    finally:
        parquet.close()
    return out
