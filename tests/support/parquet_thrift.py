"""Rewrite numbers in a parquet file's footer, to make files whose metadata lies (hostile tests only).

A parquet footer is a Thrift compact-protocol `FileMetaData`. This decodes it into nested
lists of (field id, type, value), lets a test change fields by path, and encodes it again;
the file is the same data with the new footer (its length fixed up, or set to a lie). Used for
image shards (issue 14) and lists of links (issue 16). Field ids (parquet.thrift): FileMetaData
3 = num_rows, 4 = row_groups; RowGroup 1 = columns, 3 = num_rows; ColumnChunk 3 = meta_data;
ColumnMetaData 6 = total_uncompressed_size, 7 = total_compressed_size, 9 = data_page_offset.
"""

from __future__ import annotations

import struct
from pathlib import Path

__all__ = ["read_footer", "write_footer", "with_footer", "set_field", "get_field", "field"]

_STOP, _TRUE, _FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE, _BINARY, _LIST, _SET, _MAP, _STRUCT = range(13)


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def byte(self) -> int:
        self.pos += 1
        return self.data[self.pos - 1]

    def varint(self) -> int:
        shift = result = 0
        while True:
            byte = self.byte()
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return result

    def zigzag(self) -> int:
        value = self.varint()
        return (value >> 1) ^ -(value & 1)

    def value(self, kind: int):
        if kind in (_TRUE, _FALSE):
            return kind == _TRUE
        if kind == _BYTE:
            return self.byte()
        if kind in (_I16, _I32, _I64):
            return self.zigzag()
        if kind == _DOUBLE:
            self.pos += 8
            return struct.unpack("<d", self.data[self.pos - 8:self.pos])[0]
        if kind == _BINARY:
            length = self.varint()
            self.pos += length
            return self.data[self.pos - length:self.pos]
        if kind in (_LIST, _SET):
            header = self.byte()
            size, element = header >> 4, header & 0x0F
            if size == 15:
                size = self.varint()
            items = [self.byte() == 1 if element in (_TRUE, _FALSE) else self.value(element) for _ in range(size)]
            return (element, items)
        if kind == _MAP:
            size = self.varint()
            types = self.byte() if size else 0
            pairs = [(self.value(types >> 4), self.value(types & 0x0F)) for _ in range(size)]
            return (types, pairs)
        if kind == _STRUCT:
            return self.struct()
        raise ValueError(f"unknown thrift type {kind}")

    def struct(self) -> list:
        fields, last = [], 0
        while True:
            header = self.byte()
            kind = header & 0x0F
            if kind == _STOP:
                return fields
            delta = header >> 4
            field_id = last + delta if delta else self.zigzag()
            fields.append([field_id, kind, self.value(kind)])
            last = field_id


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _zigzag(value: int) -> bytes:
    return _varint((value << 1) ^ (value >> 63))


def _encode_value(kind: int, value) -> bytes:
    if kind in (_TRUE, _FALSE):
        return b""
    if kind == _BYTE:
        return bytes([value])
    if kind in (_I16, _I32, _I64):
        return _zigzag(value)
    if kind == _DOUBLE:
        return struct.pack("<d", value)
    if kind == _BINARY:
        return _varint(len(value)) + value
    if kind in (_LIST, _SET):
        element, items = value
        count = len(items)
        head = bytes([(count << 4) | element]) if count < 15 else bytes([0xF0 | element]) + _varint(count)
        body = b"".join(bytes([1 if item else 2]) if element in (_TRUE, _FALSE) else _encode_value(element, item)
                        for item in items)
        return head + body
    if kind == _MAP:
        types, pairs = value
        if not pairs:
            return _varint(0)
        return _varint(len(pairs)) + bytes([types]) + b"".join(
            _encode_value(types >> 4, k) + _encode_value(types & 0x0F, v) for k, v in pairs)
    if kind == _STRUCT:
        return _encode_struct(value)
    raise ValueError(kind)


def _encode_struct(fields: list) -> bytes:
    out, last = bytearray(), 0
    for field_id, kind, value in fields:
        if kind in (_TRUE, _FALSE):
            kind = _TRUE if value else _FALSE
        delta = field_id - last
        out += bytes([(delta << 4) | kind]) if 0 < delta <= 15 else bytes([kind]) + _zigzag(field_id)
        out += _encode_value(kind, value)
        last = field_id
    out.append(_STOP)
    return bytes(out)


def read_footer(path: Path) -> list:
    """The decoded FileMetaData of a parquet file."""
    data = path.read_bytes()
    length = struct.unpack("<I", data[-8:-4])[0]
    return _Reader(data[-8 - length:-8]).struct()


def write_footer(path: Path, footer: list) -> None:
    """Replace a parquet file's footer."""
    data = path.read_bytes()
    length = struct.unpack("<I", data[-8:-4])[0]
    encoded = _encode_struct(footer)
    path.write_bytes(data[:-8 - length] + encoded + struct.pack("<I", len(encoded)) + b"PAR1")


def with_footer(path: Path, out: Path, footer: list, claimed_length: int | None = None) -> Path:
    """A copy of `path` at `out` with its footer replaced (and its length field set to `claimed_length` if given)."""
    data = Path(path).read_bytes()
    length = struct.unpack("<I", data[-8:-4])[0]
    encoded = _encode_struct(footer)
    size = len(encoded) if claimed_length is None else claimed_length
    Path(out).write_bytes(data[:-8 - length] + encoded + struct.pack("<I", size) + b"PAR1")
    return Path(out)


def field(fields: list, field_id: int):
    """The value of one field of a decoded struct."""
    return _field(fields, field_id)[2]


def _field(fields: list, field_id: int) -> list:
    return next(field for field in fields if field[0] == field_id)


def get_field(footer: list, *path):
    """A value by path: field ids, and list positions after a list field (e.g. 4, 0, 3)."""
    node = footer
    for step in path:
        if isinstance(node, tuple):  # a list: (element type, items)
            node = node[1][step]
        else:
            node = _field(node, step)[2]
    return node


def set_field(footer: list, *path_and_value) -> None:
    """Set a field by path (as in get_field); the last argument is the new value."""
    *path, value = path_and_value
    parent = get_field(footer, *path[:-1]) if len(path) > 1 else footer
    _field(parent, path[-1])[2] = value
