"""Where a pack's bytes live: a file of its own, or a member of a zip archive, read in place.

RecordIO packs are published as a folder (`train.rec`, `train.idx`, `property`, `lfw.bin`) or
as one zip holding that folder. Their readers see either through a `Blob`: a name, a size, a
fingerprint and `open()`. A zip member stored without compression opens as a window on the
zip file itself (seekable: one record is read straight from its offset); a compressed member
can only be read forwards.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
from pathlib import Path
from typing import BinaryIO

from faceaudit.core.datasets.sources.base import SourceError, file_fingerprint

__all__ = ["Blob", "FileBlob", "ZipMemberBlob", "SeekableReader"]


class Blob:
    """A pack file's bytes.

    Attributes:
        name: its path inside the dataset (used in keys).
        size: bytes.
        fingerprint: changes when its bytes change.
        seekable: True when any offset can be read at once.
    """

    name: str
    size: int
    fingerprint: str
    seekable: bool

    def open(self) -> BinaryIO:
        raise NotImplementedError


class FileBlob(Blob):
    def __init__(self, path: Path, name: str):
        self.path = path
        self.name = name
        info = path.stat()
        self.size = info.st_size
        self.fingerprint = file_fingerprint(info)
        self.seekable = True

    def open(self) -> BinaryIO:
        return open(self.path, "rb", buffering=256 * 1024)


class ZipMemberBlob(Blob):
    """A member of a zip archive (its name inside the zip is its name in the dataset)."""

    def __init__(self, archive: Path, info: zipfile.ZipInfo):
        self.archive = archive
        self.info = info
        self.name = info.filename
        self.size = info.file_size
        self.fingerprint = f"{info.file_size}:{info.CRC}:{info.date_time}"
        self.seekable = info.compress_type == zipfile.ZIP_STORED and not info.flag_bits & 0x1

    def open(self) -> BinaryIO:
        if self.seekable:
            handle = open(self.archive, "rb", buffering=256 * 1024)  # noqa: SIM115 - closed by the window
            try:
                return io.BufferedReader(_Window(handle, _data_offset(handle, self.info), self.size), 256 * 1024)
            except BaseException:
                handle.close()
                raise
        archive = zipfile.ZipFile(self.archive)
        try:
            return _ClosingMember(archive, archive.open(self.info))
        except BaseException:
            archive.close()
            raise


def _data_offset(handle: BinaryIO, info: zipfile.ZipInfo) -> int:
    """Where a member's bytes start: after its local header, whose name and extra lengths may
    differ from the central directory's."""
    handle.seek(info.header_offset)
    header = handle.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise SourceError(f"{info.filename}: damaged zip member (no local header where the directory says)")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = info.header_offset + 30 + name_length + extra_length
    end = os.fstat(handle.fileno()).st_size
    if start + info.file_size > end:
        raise SourceError(f"{info.filename}: damaged zip member (it runs past the end of the archive)")
    return start


class SeekableReader(io.RawIOBase):
    """A read-only file of `length` bytes whose position is `at`: subclasses read from there."""

    length = 0
    at = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.at

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.at, 2: self.length}[whence]
        self.at = max(0, base + offset)
        return self.at


class _Window(SeekableReader):
    """Bytes [start, start + size) of a file, as a file of their own."""

    def __init__(self, handle: BinaryIO, start: int, size: int):
        self.handle, self.start, self.length, self.at = handle, start, size, 0

    def read(self, size: int = -1) -> bytes:
        left = max(0, self.length - self.at)
        size = left if size is None or size < 0 else min(size, left)
        self.handle.seek(self.start + self.at)
        data = self.handle.read(size)
        self.at += len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self.handle.close()
        super().close()


class _ClosingMember(io.RawIOBase):
    """A compressed zip member read forwards; closing it closes its archive too."""

    def __init__(self, archive: zipfile.ZipFile, member):
        self.archive, self.member = archive, member

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        return self.member.tell()

    def read(self, size: int = -1) -> bytes:
        return self.member.read(size)

    def readinto(self, buffer) -> int:
        data = self.member.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self.member.close()
        self.archive.close()
        super().close()
