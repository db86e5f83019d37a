"""A list file's bytes as a stream of blocks, gzip, bzip2 or zstd undone on the way, with a guard against
decompression bombs (the same ratio limit for all three)."""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from pathlib import Path

from faceaudit.core import limits
from faceaudit.core.datasets.sources.base import open_regular
from faceaudit.core.datasets.sources.forms import Form, Role, register
from faceaudit.core.datasets.sources.handoff import in_thread
from faceaudit.core.datasets.sources.link_lists.columns import ListError

__all__ = ["is_gzip", "compression", "blocks", "head", "read_range", "Counter", "check_declared_size", "check_ratio"]

_GZIP_MAGIC = b"\x1f\x8b"
#: Streams other than gzip, by their first bytes (YFCC100M's `yfcc100m_dataset.bz2`, `.jsonl.zst` dumps).
_OTHER_MAGIC = {"bzip2": b"BZh", "zstd": b"\x28\xb5\x2f\xfd"}
#: Compressed bytes read at a time from a gzip file.
_READ = 1 << 20


def is_gzip(path: str | os.PathLike) -> bool:
    """True when the file starts with gzip's magic bytes (its name does not matter)."""
    with open_regular(path) as handle:  # a FIFO named like a list must not block us for ever
        return handle.read(2) == _GZIP_MAGIC


def compression(path: str | os.PathLike) -> str | None:
    """'gzip', 'bzip2' or 'zstd' from the file's first bytes (its name does not matter); None for plain."""
    with open_regular(path) as handle:  # a FIFO named like a list must not block us for ever
        head = handle.read(4)
    if head.startswith(_GZIP_MAGIC):
        return "gzip"
    return next((name for name, magic in _OTHER_MAGIC.items() if head.startswith(magic)), None)


class Counter:
    """How far a stream has got, in bytes of the file as stored (compressed bytes for gzip)."""

    def __init__(self) -> None:
        self.stored = 0


def blocks(path: str | os.PathLike, size: int, counter: Counter | None = None) -> Iterator[bytes]:
    """The file's (decompressed) bytes in blocks of at most `size` bytes.

    Gzip files are decompressed in a second thread (zlib works without the interpreter lock),
    so reading and searching overlap as in `zgrep`; at most two blocks wait between them.

    Raises:
        ListError: the file is damaged gzip, or expands beyond `limits.MAX_COMPRESSION_RATIO`.
    """
    path = Path(path)
    counter = counter or Counter()
    kind = compression(path)
    if kind in _OTHER_MAGIC:
        yield from _threaded(_undo(path, kind, size, counter))
        return
    if kind is None:
        with open_regular(path) as handle:
            while block := handle.read(size):
                counter.stored += len(block)
                yield block
        return
    check_declared_size(path)
    yield from _threaded(_gunzip(path, size, counter))


def check_declared_size(path: str | os.PathLike) -> None:
    """Refuse a gzip bomb before its text is searched or indexed: when the trailer declares more than the ratio
    limit allows, the stream is inflated once without looking at it, which stops as soon as it is over the
    limit (a trailer that lies low is caught while reading anyway: the limit is applied to what comes out).

    Raises:
        ListError: it expands beyond the limit, or is damaged or cut short (a cut file's last bytes are no
            trailer).
    """
    path = Path(path)
    with open_regular(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size < 18:
            return
        handle.seek(size - 4)
        declared = int.from_bytes(handle.read(4), "little")  # the last member's size, modulo 4 GiB
    if declared > limits.MAX_COMPRESSION_RATIO * size + limits.RATIO_CHECK_FLOOR_BYTES:
        for _block in _gunzip(path, _READ * 4, Counter()):
            pass


def head(path: str | os.PathLike, size: int) -> bytes:
    """The first `size` (decompressed) bytes of the file, or all of it when shorter."""
    out = bytearray()
    for block in blocks(path, min(size, 1 << 20)):
        out += block
        if len(out) >= size:
            break
    return bytes(out[:size])


def _gunzip(path: Path, size: int, counter: Counter) -> Iterator[bytes]:
    inflater = zlib.decompressobj(wbits=31)
    out, members, started = 0, 0, False
    with open_regular(path) as handle:
        pending = b""
        while True:
            if not pending:
                pending = handle.read(_READ)
                counter.stored += len(pending)
                if not pending and not (started and not inflater.eof):
                    break
            try:
                block = inflater.decompress(pending, size)
            except zlib.error as exc:
                if members and not started:
                    return  # bytes after the last member (padding), as gzip itself ignores them
                raise ListError(f"{path.name} is damaged gzip: {exc}") from None
            if not pending and not block:
                break  # the input has ended and the inflater holds nothing more
            started = True
            pending = inflater.unconsumed_tail
            if inflater.eof:  # a file of several gzip members (as `cat a.gz b.gz` makes)
                pending = inflater.unused_data  # (unconsumed_tail may repeat it: not both)
                inflater = zlib.decompressobj(wbits=31)
                members, started = members + 1, False
            out += len(block)
            check_ratio(path, out, counter.stored)
            if block:
                yield block
    if started:
        raise ListError(f"{path.name} is cut short: its gzip stream ends early")


def check_ratio(path: Path, out: int, stored: int) -> None:
    """Refuse a stream that has expanded beyond the ratio limit (bytes out against bytes stored, over a floor)."""
    if out > limits.MAX_COMPRESSION_RATIO * stored + limits.RATIO_CHECK_FLOOR_BYTES:
        raise ListError(f"{path.name} expands more than {limits.MAX_COMPRESSION_RATIO}-fold: "
                        "a decompression bomb, not a list")


def _undo(path: Path, kind: str, size: int, counter: Counter) -> Iterator[bytes]:
    """A bzip2 or zstd file's bytes (several streams one after another too), bounded like gzip's."""
    import bz2

    import pyzstd

    make = bz2.BZ2Decompressor if kind == "bzip2" else pyzstd.ZstdDecompressor
    decoder, out, fresh = make(), 0, True
    with open_regular(path) as handle:
        pending = b""
        while True:
            if decoder.needs_input and not pending:
                pending = handle.read(_READ)
                counter.stored += len(pending)
                if not pending:
                    if fresh:
                        return
                    raise ListError(f"{path.name} is cut short: its {kind} stream ends early")
            if fresh and pending and not pending.startswith(_OTHER_MAGIC[kind][:len(pending)]):
                return  # padding after the last stream
            try:
                block = decoder.decompress(pending, size)
            except (OSError, ValueError, EOFError, pyzstd.ZstdError) as exc:
                raise ListError(f"{path.name} is damaged {kind}: {exc}") from None
            pending, fresh = b"", False
            if decoder.eof:  # the next stream starts in what is left
                pending, decoder, fresh = decoder.unused_data, make(), True
            out += len(block)
            check_ratio(path, out, counter.stored)
            if block:
                yield block


def read_range(path: str | os.PathLike, start: int, length: int) -> bytes:
    """`length` decompressed bytes from `start`: a bzip2 or zstd file has no seek points, so the
    stream is decompressed from its beginning up to the range (a gzip one is read through its index)."""
    out = bytearray()
    at = 0
    for block in blocks(path, 4 << 20):
        end = at + len(block)
        if end > start:
            out += block[max(0, start - at):start + length - at]
            if len(out) >= length:
                break
        at = end
    return bytes(out[:length])


def _threaded(source: Iterator[bytes]) -> Iterator[bytes]:
    """The blocks of `source`, produced by a second thread, at most two ahead."""
    def produce(put, _stopped) -> None:
        for block in source:
            put(block)

    return in_thread(produce, 2, "faceaudit-gunzip")


# bzip2 and zstd streams are lists to this reader (YFCC100M's `.bz2`, `.jsonl.zst` dumps); a tar inside one is
# known by its name (`.tar.bz2`, `.tar.zst`) and read as an archive.
register(Form("zstd stream", "zstd streams", Role.LIST, 22, lambda sample: sample.head.startswith(_OTHER_MAGIC["zstd"]),
              why="a zstd file that holds no list FaceAudit reads"))
register(Form("bzip2 stream", "bzip2 streams", Role.LIST, 22, lambda sample: sample.head.startswith(b"BZh")
              and sample.head[4:10] == b"1AY&SY", why="a bzip2 file that holds no list FaceAudit reads"))
