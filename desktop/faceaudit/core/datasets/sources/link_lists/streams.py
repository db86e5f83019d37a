"""A list file's bytes as a stream of blocks, gzip undone on the way, with a guard against decompression bombs."""

from __future__ import annotations

import os
import queue
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

from faceaudit.core import limits
from faceaudit.core.datasets.sources.base import open_regular
from faceaudit.core.datasets.sources.link_lists.columns import ListError

__all__ = ["is_gzip", "blocks", "head", "Counter", "check_declared_size"]

_GZIP_MAGIC = b"\x1f\x8b"
#: Compressed bytes read at a time from a gzip file.
_READ = 1 << 20


def is_gzip(path: str | os.PathLike) -> bool:
    """True when the file starts with gzip's magic bytes (its name does not matter)."""
    with open_regular(path) as handle:  # a FIFO named like a list must not block us for ever
        return handle.read(2) == _GZIP_MAGIC


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
    if not is_gzip(path):
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
            if out > limits.MAX_COMPRESSION_RATIO * counter.stored + (64 << 20):
                raise ListError(f"{path.name} expands more than {limits.MAX_COMPRESSION_RATIO}-fold: "
                                "a decompression bomb, not a list")
            if block:
                yield block
    if started:
        raise ListError(f"{path.name} is cut short: its gzip stream ends early")


_END = object()


def _threaded(source: Iterator[bytes]) -> Iterator[bytes]:
    """The blocks of `source`, produced by a second thread, at most two ahead."""
    handoff: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def produce() -> None:
        try:
            for block in source:
                while not stop.is_set():
                    try:
                        handoff.put(block, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            handoff.put(_END)
        except BaseException as exc:  # noqa: BLE001 - handed to the reading thread, which raises it
            handoff.put(exc)

    worker = threading.Thread(target=produce, name="faceaudit-gunzip", daemon=True)
    worker.start()
    try:
        while True:
            item = handoff.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                handoff.get(timeout=0.05)
            except queue.Empty:
                pass
        worker.join()
