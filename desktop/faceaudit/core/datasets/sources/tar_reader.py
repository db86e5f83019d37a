"""FaceAudit's own tar header parser: every header validated before anything acts on it.

Python's `tarfile` trusts what headers say: a negative member size makes it loop for ever
(CVE-2025-8194), a pax header of digits costs it minutes (CVE-2024-6232), and a GNU long name
declaring 2 GiB is read whole into memory. Here every number is checked (never negative, within
what the archive can hold), pax records are parsed in one linear pass with bounded count and
length, long names are bounded, and the member data is read or skipped by the caller through a
`ForwardStream`, whose ratio checks bound the work of decompression.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from faceaudit.core import limits
from faceaudit.core.datasets.sources.streams import ForwardStream, Truncated

__all__ = ["TarMember", "TarDamaged", "read_members", "looks_like_tar_header", "REGULAR", "LINKS", "SPECIAL"]

BLOCK = 512
REGULAR = frozenset({b"0", b"\0", b"7"})  # '7' (contiguous) is a regular file everywhere that matters
LINKS = frozenset({b"1", b"2"})
SPECIAL = frozenset({b"3", b"4", b"6"})
_DIRECTORY = b"5"
_NO_DATA = LINKS | SPECIAL | {_DIRECTORY}  # as tar tools read them: no data blocks follow, whatever the size says
_LONG_NAME, _LONG_LINK, _PAX, _PAX_GLOBAL, _SPARSE = b"L", b"K", b"x", b"g", b"S"
#: Headers that describe the next member may come in a row (a long name and a pax header); more
#: than this in a row is not an archive.
_MAX_META_IN_A_ROW = 8
_MAX_SPARSE_EXTENSIONS = 1000


class TarDamaged(ValueError):
    """The archive cannot be read beyond this point; the message says why."""


@dataclass(frozen=True)
class TarMember:
    """One member's validated header.

    Attributes:
        name: its name, bytes that are not UTF-8 kept by surrogateescape.
        size: bytes of data that follow the header (0 for links, devices and folders).
        type: the header's type flag.
        mtime: modification time (an int, or a float from a pax header).
        offset: where its data starts in the uncompressed archive.
        problem: why it must not be read although its header is sound (a damaged extended
            header before it, a sparse file), or None.
    """

    name: str
    size: int
    type: bytes
    mtime: int | float
    offset: int
    problem: str | None = None

    @property
    def is_regular(self) -> bool:
        return self.type in REGULAR

    @property
    def is_dir(self) -> bool:
        return self.type == _DIRECTORY


def looks_like_tar_header(block: bytes) -> bool:
    """True when a 512-byte block is a tar header with a correct checksum."""
    if len(block) < BLOCK or block[:BLOCK] == bytes(BLOCK):
        return False
    try:
        return _checksum_ok(block[:BLOCK])
    except TarDamaged:
        return False


def read_members(stream: ForwardStream, max_data_bytes: int | None) -> Iterator[TarMember]:
    """Every member of a tar stream, in order; the caller may read the data of the member just
    yielded (its `size` bytes) before asking for the next, and whatever it left is skipped.

    Args:
        stream: the archive's uncompressed bytes, at its start.
        max_data_bytes: the most uncompressed bytes a compressed archive can hold (its size
            times the ratio limit): a member that declares more is a lie. None for a plain tar,
            where reading past its end is found as a truncation.

    Raises:
        TarDamaged: a header is invalid, or declares more than the limits allow.
        Truncated: the archive ends before its end-of-archive marker.
        CompressionBomb: the stream expands beyond the ratio limit.
    """
    pending: dict[str, object] = {}
    meta_in_a_row = 0
    while True:
        at = stream.pos
        block = stream.read(BLOCK)
        if len(block) < BLOCK:
            if not block:
                raise Truncated(f"the archive ends at byte {at:,} without its end-of-archive marker")
            raise Truncated(f"the archive ends inside a header, at byte {at:,}")
        if block == bytes(BLOCK):
            return  # end of archive (a second zero block, and any padding, need not be read)
        if not _checksum_ok(block):
            raise TarDamaged(f"damaged header at byte {at:,} (its checksum is wrong)")
        kind = block[156:157]
        size = _number(block[124:136], "size", at)
        data_at = stream.pos
        if kind in _NO_DATA:
            size = 0
        if kind == _SPARSE:
            _skip_sparse_extensions(stream, block, at)
            data_at = stream.pos
        if kind in (_LONG_NAME, _LONG_LINK, _PAX, _PAX_GLOBAL):
            meta_in_a_row += 1
            if meta_in_a_row > _MAX_META_IN_A_ROW:
                raise TarDamaged(f"{meta_in_a_row} extended headers in a row at byte {at:,}")
            _read_meta(stream, kind, size, at, pending)
            continue
        meta_in_a_row = 0
        member = _member(block, kind, size, data_at, pending, at)
        pending = {}
        if max_data_bytes is not None and member.size > max_data_bytes - data_at:
            raise TarDamaged(f"the member at byte {at:,} declares {member.size:,} bytes of data, "
                             "more than this archive can hold")
        yield member
        left = member.offset + member.size - stream.pos
        if left > 0 and stream.skip(left) < left:
            raise Truncated(f"the archive ends inside {member.name!r}")
        _skip_padding(stream, member.size)


def _member(block: bytes, kind: bytes, size: int, data_at: int, pending: dict, at: int) -> TarMember:
    problem = pending.get("problem")
    name = pending.get("path")
    if name is None:
        name = pending.get("longname")
    if name is None:
        name = _text(block[0:100])
        if block[257:265] == b"ustar\x0000":  # POSIX ustar: the prefix field extends the name
            prefix = _text(block[345:500])
            if prefix:
                name = f"{prefix}/{name}"
    if "size" in pending:
        size = pending["size"]
    mtime = pending.get("mtime")
    if mtime is None:
        mtime = _number(block[136:148], "modification time", at)
    if kind == b"\0" and name.endswith("/"):
        kind = _DIRECTORY  # old tars mark folders with a slash only
    if kind == _DIRECTORY:
        size = 0
    if kind == _SPARSE and problem is None:
        problem = "sparse member not read"
    if pending.get("sparse") and problem is None:
        problem = "sparse member not read"
    return TarMember(name=name.rstrip("/") if kind == _DIRECTORY else name, size=size, type=kind,
                     mtime=mtime, offset=data_at, problem=problem)


def _read_meta(stream: ForwardStream, kind: bytes, size: int, at: int, pending: dict) -> None:
    """A GNU long name / link, or a pax header: read (bounded) and noted for the next member."""
    limit = limits.MAX_TAR_NAME_BYTES if kind in (_LONG_NAME, _LONG_LINK) else limits.MAX_PAX_HEADER_BYTES
    if size > limit:
        what = "a long name" if kind in (_LONG_NAME, _LONG_LINK) else "an extended (pax) header"
        raise TarDamaged(f"the header at byte {at:,} declares {what} of {size:,} bytes, over the "
                         f"{limit // 1024:,} KiB limit")
    data = stream.read(size)
    if len(data) < size:
        raise Truncated(f"the archive ends inside the extended header at byte {at:,}")
    _skip_padding(stream, size)
    if kind == _LONG_NAME:
        pending["longname"] = _text(data)
    elif kind == _LONG_LINK:
        pass  # link targets are never followed
    else:
        try:
            records = parse_pax(data)
        except TarDamaged as exc:
            if kind == _PAX:
                pending["problem"] = f"damaged extended header before this member: {exc}"
            return  # a damaged global header changes nothing we use
        if kind == _PAX:
            _apply_pax(records, pending)


def parse_pax(data: bytes) -> list[tuple[bytes, bytes]]:
    """The records of a pax header, `LENGTH KEY=VALUE\\n` each, read in one linear pass.

    Raises:
        TarDamaged: a record is malformed, or there are too many.
    """
    records: list[tuple[bytes, bytes]] = []
    pos, end = 0, len(data)
    while pos < end:
        if data[pos] == 0:
            break  # NUL padding after the last record
        space = data.find(b" ", pos, min(end, pos + 21))
        digits = data[pos:space] if space > 0 else b""
        if not digits or not digits.isdigit() or len(digits) > 20:
            raise TarDamaged(f"record length is not a number at byte {pos}")
        length = int(digits)
        if length <= len(digits) + 1 or pos + length > end:
            raise TarDamaged(f"record at byte {pos} declares {length} bytes")
        record = data[space + 1:pos + length]
        if not record.endswith(b"\n") or b"=" not in record:
            raise TarDamaged(f"record at byte {pos} is not KEY=VALUE")
        key, _, value = record[:-1].partition(b"=")
        records.append((key, value))
        if len(records) > limits.MAX_PAX_RECORDS:
            raise TarDamaged(f"more than {limits.MAX_PAX_RECORDS} records")
        pos += length
    return records


def _apply_pax(records: list[tuple[bytes, bytes]], pending: dict) -> None:
    for key, value in records:
        if key == b"path":
            if len(value) > limits.MAX_TAR_NAME_BYTES:
                pending["problem"] = f"extended header names a path of {len(value):,} bytes, over the limit"
            else:
                pending["path"] = _text(value)
        elif key == b"size":
            if not value.isdigit() or len(value) > 20:
                pending["problem"] = "extended header gives a size that is not a number"
            else:
                pending["size"] = int(value)
        elif key == b"mtime":
            try:
                if len(value) > 40:
                    raise ValueError
                pending["mtime"] = float(value.decode("ascii"))
            except (ValueError, UnicodeDecodeError):
                pass  # a bad time is not a reason to refuse the photo
        elif key.startswith(b"GNU.sparse."):
            pending["sparse"] = True


def _checksum_ok(block: bytes) -> bool:
    stored = _number(block[148:156], "checksum", 0)
    unsigned = sum(block[:148]) + 8 * 0x20 + sum(block[156:BLOCK])
    signed = unsigned - sum(256 for byte in block[:148] + block[156:BLOCK] if byte > 127)
    return stored in (unsigned, signed)


def _number(field: bytes, what: str, at: int) -> int:
    """A header number: octal text, or GNU base-256 (never negative)."""
    if field and field[0] & 0x80:
        if field[0] != 0x80:
            raise TarDamaged(f"the header at byte {at:,} gives a negative {what}")
        return int.from_bytes(field[1:], "big")
    text = field.split(b"\0", 1)[0].strip(b" ")
    if not text:
        return 0
    if not all(48 <= byte <= 55 for byte in text):
        raise TarDamaged(f"the header at byte {at:,} gives a {what} that is not a number")
    return int(text, 8)


def _text(field: bytes) -> str:
    return field.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


def _skip_padding(stream: ForwardStream, size: int) -> None:
    padding = -size % BLOCK
    if padding and stream.skip(padding) < padding:
        raise Truncated("the archive ends inside a member's padding")


def _skip_sparse_extensions(stream: ForwardStream, block: bytes, at: int) -> None:
    """Old GNU sparse headers may be followed by extension blocks (a flag byte says so)."""
    extended = block[482]
    count = 0
    while extended:
        count += 1
        if count > _MAX_SPARSE_EXTENSIONS:
            raise TarDamaged(f"the sparse member at byte {at:,} has more than {_MAX_SPARSE_EXTENSIONS} "
                             "extension blocks")
        extension = stream.read(BLOCK)
        if len(extension) < BLOCK:
            raise Truncated("the archive ends inside a sparse member's header")
        extended = extension[504]
