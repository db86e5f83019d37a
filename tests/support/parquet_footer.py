"""Rewrite a parquet file's footer (Thrift compact protocol) so that it lies: the hostile corpus's parquet files.

A parquet file ends with its metadata (a Thrift `FileMetaData` in the compact protocol), its
length (4 bytes, little-endian) and `PAR1`. `read_footer` decodes it into nested lists of
[field id, type, value] that keep every field in order, `write_footer` encodes them back, and
`with_footer` puts a changed footer on the file. Field ids (parquet.thrift): FileMetaData 3 =
num_rows, 4 = row_groups; RowGroup 1 = columns, 3 = num_rows; ColumnChunk 3 = meta_data;
ColumnMetaData 6 = total_uncompressed_size, 7 = total_compressed_size, 9 = data_page_offset.
"""

from __future__ import annotations

import struct
from pathlib import Path

__all__ = ["read_footer", "write_footer", "with_footer", "field", "set_field"]

_BOOL_TRUE, _BOOL_FALSE, _I8, _I16, _I32, _I64, _DOUBLE, _BINARY, _LIST, _SET, _MAP, _STRUCT = range(1, 13)


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def byte(self) -> int:
        self.at += 1
        return self.data[self.at - 1]

    def varint(self) -> int:
        shift = value = 0
        while True:
            b = self.byte()
            value |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return value

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def value(self, kind: int):
        if kind in (_BOOL_TRUE, _BOOL_FALSE):
            return kind == _BOOL_TRUE
        if kind == _I8:
            return struct.unpack("b", bytes([self.byte()]))[0]
        if kind in (_I16, _I32, _I64):
            return self.zigzag()
        if kind == _DOUBLE:
            self.at += 8
            return struct.unpack("<d", self.data[self.at - 8:self.at])[0]
        if kind == _BINARY:
            size = self.varint()
            self.at += size
            return self.data[self.at - size:self.at]
        if kind in (_LIST, _SET):
            head = self.byte()
            size, item = head >> 4, head & 0x0F
            if size == 15:
                size = self.varint()
            return [item, [self.value(item) if item not in (_BOOL_TRUE, _BOOL_FALSE) else self.byte() == 1
                           for _ in range(size)]]
        if kind == _STRUCT:
            return self.struct()
        raise ValueError(f"thrift type {kind} not handled")

    def struct(self) -> list:
        fields, last = [], 0
        while True:
            head = self.byte()
            if head == 0:
                return fields
            delta, kind = head >> 4, head & 0x0F
            number = last + delta if delta else self.zigzag()
            fields.append([number, kind, self.value(kind)])
            last = number


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        if n < 0x80:
            out.append(n)
            return bytes(out)
        out.append((n & 0x7F) | 0x80)
        n >>= 7


def _zigzag(n: int) -> bytes:
    return _varint((n << 1) ^ (n >> 63))


def _value(kind: int, value) -> bytes:
    if kind in (_BOOL_TRUE, _BOOL_FALSE):
        return b""
    if kind == _I8:
        return struct.pack("b", value)
    if kind in (_I16, _I32, _I64):
        return _zigzag(value)
    if kind == _DOUBLE:
        return struct.pack("<d", value)
    if kind == _BINARY:
        return _varint(len(value)) + value
    if kind in (_LIST, _SET):
        item, items = value
        head = bytes([(len(items) << 4) | item]) if len(items) < 15 else bytes([0xF0 | item]) + _varint(len(items))
        return head + b"".join(bytes([1 if v else 2]) if item in (_BOOL_TRUE, _BOOL_FALSE) else _value(item, v)
                               for v in items)
    if kind == _STRUCT:
        return _struct(value)
    raise ValueError(f"thrift type {kind} not handled")


def _struct(fields: list) -> bytes:
    out, last = bytearray(), 0
    for number, kind, value in fields:
        if kind in (_BOOL_TRUE, _BOOL_FALSE):
            kind = _BOOL_TRUE if value else _BOOL_FALSE
        delta = number - last
        out += bytes([(delta << 4) | kind]) if 0 < delta <= 15 else bytes([kind]) + _zigzag(number)
        out += _value(kind, value)
        last = number
    return bytes(out + b"\x00")


def read_footer(path: Path) -> list:
    """The file's FileMetaData as nested [field id, type, value] lists."""
    data = Path(path).read_bytes()
    length = int.from_bytes(data[-8:-4], "little")
    return _Reader(data[-8 - length:-8]).struct()


def write_footer(fields: list) -> bytes:
    """A FileMetaData encoded again."""
    return _struct(fields)


def with_footer(path: Path, out: Path, fields: list, claimed_length: int | None = None) -> Path:
    """`path` with its footer replaced by `fields` (and its length field set to `claimed_length` if given)."""
    data = Path(path).read_bytes()
    length = int.from_bytes(data[-8:-4], "little")
    footer = write_footer(fields)
    size = len(footer) if claimed_length is None else claimed_length
    Path(out).write_bytes(data[:-8 - length] + footer + size.to_bytes(4, "little") + b"PAR1")
    return Path(out)


def field(fields: list, number: int):
    """The value of a field of a decoded struct."""
    return next(value for n, _, value in fields if n == number)


def set_field(fields: list, number: int, value) -> None:
    """Change a field of a decoded struct in place."""
    for entry in fields:
        if entry[0] == number:
            entry[2] = value
            return
    raise KeyError(number)
