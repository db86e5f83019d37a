"""A dataset as an LMDB environment of encoded images (`data.mdb` + `lock.mdb`), read in place.

StyleGAN-era and training exports keep each photo as one record: the key its name
(`Aaron_Eckhart/Aaron_Eckhart_0001.jpg`, a hash, a number), the value the JPEG/PNG/WebP bytes.
The environment is opened read-only with `lock=False`: no lock file is written or changed (the
folder may be on a read-only disk, and another program may have it open). Records are listed
in key order from the memory map; a value that is not an encoded image is refused with its size;
one record is read for review by its key, without a scan.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path

from faceaudit.core import limits
from faceaudit.core.datasets.kinds import DatasetKind
from faceaudit.core.datasets.sources.base import Entry, Gap, Source, SourceError, read_as_walked, safe_key
from faceaudit.core.datasets.sources.forms import Form, Role, register
from faceaudit.core.datasets.sources.labels import label_from_key

__all__ = ["LmdbSource", "recognise"]

#: An LMDB meta page: a 16-byte page header, then the magic 0xBEEFC0DE and version 1 (little-endian).
_META = (0xBEEFC0DE).to_bytes(4, "little") + (1).to_bytes(4, "little")
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF8", b"BM")
#: A decoder is asked for at most this many bytes to tell an image from anything else.
_HEAD = 16


def recognise(sample: bytes, path: Path | str = "") -> bool:
    """True for an LMDB data file (`data.mdb`): its first meta page's magic number."""
    return sample[16:24] == _META


def _is_image(head: bytes) -> bool:
    return head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


class LmdbSource(Source):
    """An LMDB environment: a folder with `data.mdb`, or the data file itself."""

    kind = DatasetKind.LMDB
    suffixes = (".mdb",)

    @staticmethod
    def is_one(path: Path) -> bool:
        data = path / "data.mdb" if path.is_dir() else path
        try:
            with open(data, "rb") as handle:
                return recognise(handle.read(32), data)
        except OSError:
            return False

    def __init__(self, path: Path, prefix: str = "", cache: Path | None = None):
        if not path.is_dir() and path.name.lower() in ("data.mdb", "lock.mdb"):
            path = path.parent  # the environment is its folder
        super().__init__(path, prefix, cache)

    def _open(self):
        import lmdb

        folder = self.path.is_dir()
        try:
            return lmdb.open(str(self.path), readonly=True, lock=False, subdir=folder, readahead=False,
                             create=False, max_readers=1, max_dbs=0)
        except lmdb.Error as exc:
            raise SourceError(f"{self.path.name}: not a readable LMDB environment ({exc})") from None

    def _records(self) -> Iterator[tuple[bytes, Entry, memoryview]]:
        env = self._open()
        try:
            with env.begin(buffers=True) as txn:
                for raw_key, value in txn.cursor():
                    key_bytes = bytes(raw_key)
                    name = safe_key(key_bytes.decode("utf-8", "surrogateescape"))
                    size = len(value)
                    fingerprint = f"{size}:{zlib.crc32(value)}"
                    problem = None
                    if size > limits.MAX_MEMBER_BYTES:
                        problem = f"record larger than the {limits.MAX_MEMBER_BYTES // 2**20} MiB limit"
                    elif not _is_image(bytes(value[:_HEAD])):
                        problem = f"record is not an encoded image ({size:,} bytes that no photo format starts with)"
                    yield key_bytes, Entry(self.prefix + name, size, fingerprint, problem,
                                           label=label_from_key(name)), value
        finally:
            env.close()

    def entries(self) -> Iterator[Entry | Gap]:
        import lmdb

        try:
            for _key, entry, _value in self._records():
                yield entry
        except (lmdb.Error, SourceError, OSError) as exc:
            yield Gap(self.prefix, f"{self.path.name} cannot be read: {exc}")

    def read(self, wanted):
        import lmdb

        walked = ((entry, value) for _key, entry, value in self._records())
        yield from read_as_walked(wanted, walked, lambda value: (bytes(value), None),
                                  (lmdb.Error, SourceError, OSError), self.path.name, "no longer in the environment")

    def read_one(self, key: str, locator: str | None = None) -> bytes:
        import lmdb

        name = key[len(self.prefix):]
        try:
            env = self._open()
            try:
                with env.begin() as txn:
                    value = txn.get(name.encode("utf-8", "surrogateescape"))
            finally:
                env.close()
        except lmdb.Error as exc:
            raise SourceError(f"{key}: {exc}") from None
        if value is None:
            return super().read_one(key, locator)  # a key that is not UTF-8: found by a scan
        if len(value) > limits.MAX_MEMBER_BYTES or not _is_image(value[:_HEAD]):
            raise SourceError(f"{key}: not an encoded image within the limits")
        return value

register(Form("LMDB file", "LMDB files", Role.PART, 22, lambda sample: recognise(sample.head), kind="lmdb"))
