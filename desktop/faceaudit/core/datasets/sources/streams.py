"""An archive's bytes read forwards, decompressed as a stream (gzip, bzip2, xz, zstd or none), with bounded work.

The stdlib decompressors are fed small chunks, so the reader always knows how much compressed
input produced how much output: the whole stream's compression ratio is checked as it goes (a
bomb is stopped after at most `MAX_COMPRESSION_RATIO` times the file's size plus a floor), and
callers measure the ratio of any stretch of it (one tar member). A stream that ends before its
compressed data says it is finished raises `Truncated`: a cut download is never a normal end.
"""

from __future__ import annotations

import bz2
import lzma
import zlib
from typing import BinaryIO

from faceaudit.core import limits

__all__ = ["ForwardStream", "Truncated", "CompressionBomb", "compression_of"]

#: Compressed bytes fed to a decompressor at a time, and most output taken per call: small enough
#: that a stretch's ratio is measured to within this much input.
_CHUNK = 16 * 1024
_OUT = 256 * 1024

_MAGIC = {"gzip": b"\x1f\x8b", "bzip2": b"BZh", "xz": b"\xfd7zXZ\x00", "zstd": b"\x28\xb5\x2f\xfd"}


class Truncated(EOFError):
    """The compressed stream (or the file) ends before its data does."""


class CompressionBomb(ValueError):
    """The stream expands beyond the compression-ratio limit."""


def compression_of(head: bytes) -> str:
    """'gzip', 'bzip2', 'xz', 'zstd' or 'none' from a file's first bytes."""
    for name, magic in _MAGIC.items():
        if head.startswith(magic):
            return name
    return "none"


def _decompressor(compression: str):
    if compression == "gzip":
        return zlib.decompressobj(wbits=31)
    if compression == "bzip2":
        return bz2.BZ2Decompressor()
    if compression == "zstd":
        # Same interface as bz2's (max_length, needs_input, eof, unused_data): one frame each, as
        # gzip members are; a file of several frames gets a new decompressor per frame.
        import pyzstd

        return pyzstd.ZstdDecompressor()
    return lzma.LZMADecompressor(format=lzma.FORMAT_XZ)


class ForwardStream:
    """The uncompressed bytes of a file, read and skipped forwards only.

    Args:
        raw: the file, opened for binary reading at its start.
        compression: 'gzip', 'bzip2', 'xz', 'zstd' or 'none'.
        raw_size: the file's size in bytes.
    """

    def __init__(self, raw: BinaryIO, compression: str, raw_size: int):
        self.raw = raw
        self.compression = compression
        self.raw_size = raw_size
        self.pos = 0  # uncompressed bytes handed out (read or skipped)
        self._raw_read = 0
        self._buffer = bytearray()
        self._start = 0  # first unread byte of _buffer
        self._decoder = None if compression == "none" else _decompressor(compression)
        self._pending = b""  # compressed input not yet fed (a member's start after the previous one)
        self._fresh = True  # the current decompressor has been fed nothing yet
        self._ended = False
        self._made = 0  # uncompressed bytes produced so far
        self._gzip = compression == "gzip"

    @property
    def raw_pos(self) -> int:
        """Compressed bytes consumed so far (to within one chunk for bzip2 and xz)."""
        if self._decoder is None:
            return self.pos
        tail = len(getattr(self._decoder, "unconsumed_tail", b"")) + len(self._pending)
        return max(0, self._raw_read - tail)

    def read(self, size: int) -> bytes:
        """Up to `size` bytes; fewer only where the stream ends normally.

        Raises:
            Truncated: the file ends inside compressed data.
            CompressionBomb: the stream expands beyond the ratio limit.
        """
        if self._decoder is None:
            data = self.raw.read(size)
            self.pos += len(data)
            return data
        while len(self._buffer) - self._start < size and self._more():
            pass
        end = min(len(self._buffer), self._start + size)
        data = bytes(self._buffer[self._start:end])
        self._start = end
        self._compact()
        self.pos += len(data)
        return data

    def skip(self, size: int) -> int:
        """Pass over up to `size` bytes without keeping them; returns how many were passed."""
        if self._decoder is None:
            here = self.raw.tell()
            target = min(here + size, self.raw_size)
            self.raw.seek(target)
            self.pos += target - here
            return target - here
        left = size
        while left > 0:
            available = len(self._buffer) - self._start
            if available == 0 and not self._more():
                break
            step = min(left, len(self._buffer) - self._start)
            self._start += step
            left -= step
            self._compact()
        self.pos += size - left
        return size - left

    def _compact(self) -> None:
        if self._start > _OUT:
            del self._buffer[:self._start]
            self._start = 0

    def _more(self) -> bool:
        """Decompress the next piece into the buffer; False at the stream's end."""
        while not self._ended:
            decoder = self._decoder
            if self._gzip:
                waiting = bool(decoder.unconsumed_tail)
            else:
                waiting = not decoder.needs_input and not decoder.eof
            if waiting:
                data = b""
            else:
                if self._pending:
                    data, self._pending = self._pending, b""
                else:
                    data = self.raw.read(_CHUNK)
                    self._raw_read += len(data)
                if not data:
                    if self._fresh:
                        self._ended = True  # a clean end between compressed members
                        return False
                    raise Truncated(f"the compressed data ends early, after {self._made:,} bytes")
                if self._fresh and not data.startswith(_MAGIC[self.compression][:len(data)]):
                    self._ended = True  # padding or junk after the last member, as tar tools leave it
                    return False
            self._fresh = False
            if self._gzip:
                out = decoder.decompress(decoder.unconsumed_tail + data, _OUT)
            else:
                out = decoder.decompress(data, _OUT)
            if decoder.eof:
                # The next member (gzip, bzip2 and xz files may hold several) starts in what is left.
                self._pending = decoder.unused_data
                self._decoder = _decompressor(self.compression)
                self._fresh = True
            if out:
                self._buffer += out
                self._made += len(out)
                self._check_ratio()
                return True
        return False

    def _check_ratio(self) -> None:
        most = limits.MAX_COMPRESSION_RATIO * max(1, self.raw_pos)
        if self._made > limits.RATIO_CHECK_FLOOR_BYTES and self._made > most:
            raise CompressionBomb(f"compression bomb refused: {self._made:,} bytes from {self.raw_pos:,} compressed, "
                                  f"over the {limits.MAX_COMPRESSION_RATIO}:1 limit")
