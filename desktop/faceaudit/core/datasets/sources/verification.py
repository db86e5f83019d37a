"""The verification files of a RecordIO pack (`lfw.bin`, `cfp_fp.bin`, `agedb_30.bin`), read without unpickling.

Each is a pickle of (list of JPEG bytes, list of same-person flags); the photos in it are faces
of real people like any other item (`lfw.bin image 12`). The pickle is interpreted by
`safe_pickle`, which refuses any opcode that builds something other than bytes, lists, tuples
and booleans; a refused file is one item with that reason, and nothing in it is listed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from faceaudit.core import limits
from faceaudit.core.datasets.kinds import DatasetKind
from faceaudit.core.datasets.sources.base import Entry, Gap, Source, SourceError, make_locator, place_of
from faceaudit.core.datasets.sources.blobs import Blob, FileBlob
from faceaudit.core.datasets.sources.safe_pickle import BytesAt, PickleRefused, scan_verification_pickle

__all__ = ["VerificationSource"]


class VerificationSource(Source):
    """A `.bin` verification file beside a RecordIO pack (a file of its own, or a zip member)."""

    kind = DatasetKind.VERIFICATION

    def __init__(self, path: Path, prefix: str | None = None, cache: Path | None = None, blob: Blob | None = None):
        self.blob = blob or FileBlob(path, path.name)
        super().__init__(path, f"{self.blob.name} " if prefix is None else prefix, cache)

    def _images(self) -> list[BytesAt]:
        """Where each image is; raises PickleRefused (or OSError) when the file is refused."""
        if self.blob.size > limits.MAX_VERIFICATION_FILE_BYTES:
            raise PickleRefused(f"larger than the {limits.MAX_VERIFICATION_FILE_BYTES // 2**30} GiB limit")
        with self.blob.open() as handle:
            images, _flags = scan_verification_pickle(handle, self.blob.size, limits.MAX_SHARD_ITEMS)
        return images

    def _entry(self, number: int, where: BytesAt) -> Entry:
        problem = None
        if where.length > limits.MAX_MEMBER_BYTES:
            problem = f"image larger than the {limits.MAX_MEMBER_BYTES // 2**20} MiB limit"
        elif where.length == 0:
            problem = "empty image"
        locator = make_locator(self.blob.fingerprint, o=where.offset, n=where.length)
        return Entry(f"{self.prefix}image {number}", where.length, f"{where.length}:{self.blob.fingerprint}",
                     problem, locator=locator)

    def entries(self) -> Iterator[Entry | Gap]:
        try:
            images = self._images()
        except (PickleRefused, OSError) as exc:
            reason = f"{self.blob.name} refused: {exc}"
            yield Entry(self.blob.name, self.blob.size, self.blob.fingerprint, reason)
            yield Gap(self.prefix, reason)
            return
        for number, where in enumerate(images):
            yield self._entry(number, where)

    def read(self, wanted):
        wanted = set(wanted)
        try:
            images = self._images()
        except (PickleRefused, OSError) as exc:
            for key in sorted(wanted):
                yield Entry(key, 0, "?"), None, f"{self.blob.name} refused: {exc}"
            return
        chosen = [(where, self._entry(number, where)) for number, where in enumerate(images)]
        chosen = [(where, entry) for where, entry in chosen if entry.key in wanted]
        with self.blob.open() as handle:
            at = 0
            for where, entry in sorted(chosen, key=lambda pair: pair[0].offset):
                if entry.problem:
                    yield entry, None, entry.problem
                    continue
                at = _go_to(handle, at, where.offset, self.blob.seekable)
                data = handle.read(where.length)
                at += len(data)
                if len(data) == where.length:
                    yield entry, data, None
                else:
                    yield entry, None, "the file ends inside this image"

    def read_one(self, key: str, locator: str | None = None) -> bytes:
        place = place_of(locator, self.blob.fingerprint, "o", "n")
        if place is None:
            return super().read_one(key, locator)
        offset, length = place["o"], place["n"]
        if length > limits.MAX_MEMBER_BYTES:
            raise SourceError(f"{key}: image larger than the {limits.MAX_MEMBER_BYTES // 2**20} MiB limit")
        with self.blob.open() as handle:
            _go_to(handle, 0, offset, self.blob.seekable)
            data = handle.read(length)
        if len(data) != length:
            raise SourceError(f"{key}: the file ends inside this image")
        return data


def _go_to(handle, at: int, offset: int, seekable: bool) -> int:
    if seekable:
        handle.seek(offset)
        return offset
    while at < offset:  # a compressed zip member: read forwards
        step = handle.read(min(offset - at, 1024 * 1024))
        if not step:
            break
        at += len(step)
    return at
