"""A dataset as a zip archive, read in place: members are listed from the central directory.

A zip that holds a RecordIO pack (`faces_emore/train.rec`, `train.idx`, `lfw.bin`, as InsightFace
publishes them) has the pack read inside it: a member stored without compression is read at
its offsets, a compressed one forwards. Any other archive or shard inside a zip is refused.
"""

from __future__ import annotations

import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from faceaudit.core import limits
from faceaudit.core.datasets.kinds import DatasetKind
from faceaudit.core.datasets.sources.aside import aside_of_member
from faceaudit.core.datasets.sources.base import (
    DAMAGE,
    LINK,
    NESTED,
    NESTED_SHARD,
    SHARD_KINDS,
    Aside,
    Entry,
    Gap,
    Source,
    SourceError,
    Unreadable,
    classify,
    read_bounded,
)
from faceaudit.core.datasets.sources.blobs import ZipMemberBlob
from faceaudit.core.datasets.sources.forms import Form, Role, register
from faceaudit.core.datasets.sources.labels import label_from_key
from faceaudit.core.datasets.sources.recordio import RecordIOSource
from faceaudit.core.datasets.sources.split_zip import last_volume, open_zip
from faceaudit.core.datasets.sources.unreadable import unreadable_form, unreadable_reason
from faceaudit.core.datasets.sources.verification import VerificationSource
from faceaudit.core.datasets.sources.volumes import Volumes

__all__ = ["ZipSource", "ZIP_PACK_FORM"]

#: The form of a zip that holds a RecordIO pack, as `form_of` names it.
ZIP_PACK_FORM = "RecordIO pack (zip)"
#: Bytes of a member no reader takes that are read to inspect it (a companion must be read whole).
_INSPECT = limits.MAX_COMPANION_JSON_BYTES


class ZipSource(Source):
    kind = DatasetKind.ZIP
    suffixes = (".zip", ".z01")

    @staticmethod
    def is_one(path: Path) -> bool:
        last = last_volume(path)  # a split zip's first volume (`x.z01`) names the set: read from its end
        return zipfile.is_zipfile(last or path)

    def __init__(self, path: Path, prefix: str = "", cache: Path | None = None):
        super().__init__(last_volume(path) or path, prefix, cache)

    def _open(self) -> zipfile.ZipFile:
        """The archive; a split zip's volumes (`.z01` … beside its `.zip`) opened as one."""
        try:
            return open_zip(self.path)
        except SourceError:
            raise
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:  # ValueError: names not UTF-8
            raise SourceError(f"{self.path.name}: broken zip archive ({exc})") from None

    def form(self) -> str:
        with self._open() as archive:
            if any(name.lower().endswith(".rec") for name in archive.namelist()):
                return ZIP_PACK_FORM
        return self.kind

    def _listing(self, archive: zipfile.ZipFile) -> Iterator[tuple[Entry | Source | None, zipfile.ZipInfo]]:
        """Each photo member as an Entry, each pack file inside as the Source that reads it, and None for
        a member no reader takes."""
        archive_size = _size_of(archive, self.path)
        total = 0
        seen: set[str] = set()
        infos = sorted(archive.infolist(), key=lambda i: i.filename)
        packs = {str(PurePosixPath(i.filename).parent) for i in infos
                 if i.filename.lower().endswith(".rec") or PurePosixPath(i.filename).name == "property"}
        by_name = {i.filename: i for i in infos}
        for info in infos:
            kind = classify(info.filename)
            folder = str(PurePosixPath(info.filename).parent)
            if kind is None and info.filename.lower().endswith(".bin") and folder in packs:
                kind = "verification"
            if info.is_dir():
                continue
            if not kind:
                yield None, info  # no reader takes it: `entries` puts it in the ledger
                continue
            key = self.prefix + info.filename
            if key in seen:
                continue  # a zip may hold one name twice; the first counts, as in indexing
            seen.add(key)
            total += info.file_size
            problem = _zip_problem(info, total, archive_size)
            if kind in ("recordio", "verification") and problem is None:
                yield self._pack_part(info, kind, by_name), info
                continue
            if problem is None and kind == "unreadable":
                problem = unreadable_reason(info.filename, unreadable_form(info.filename))
            elif problem is None and kind in SHARD_KINDS:
                problem = NESTED_SHARD
            elif problem is None and kind in ("archive", "volume"):
                problem = NESTED
            fingerprint = f"{info.file_size}:{info.CRC}:{info.date_time}"
            yield Entry(key, info.file_size, fingerprint, problem, label=label_from_key(info.filename)), info

    def _pack_part(self, info: zipfile.ZipInfo, kind: str, by_name: dict) -> Source:
        blob = ZipMemberBlob(self.path, info)
        prefix = f"{self.prefix}{info.filename} "
        if kind == "verification":
            return VerificationSource(self.path, prefix=prefix, cache=self.cache, blob=blob)
        index = by_name.get(str(PurePosixPath(info.filename).with_suffix(".idx")))
        return RecordIOSource(self.path, prefix=prefix, cache=self.cache, blob=blob,
                              index=ZipMemberBlob(self.path, index) if index else None)

    def entries(self) -> Iterator[Entry | Gap]:
        try:
            archive = self._open()
        except SourceError as exc:
            # Its table of contents is at the end: a zip cut short (a download not finished) or
            # overwritten lists nothing. Known items stay, unavailable, until it reads again.
            yield Gap(self.prefix, f"{exc}; none of its members could be listed")
            return
        with archive:
            for item, info in self._listing(archive):
                if isinstance(item, Source):
                    yield from item.entries()
                elif item is None:
                    yield self._aside(archive, info)
                else:
                    yield item

    def _aside(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Aside:
        """A member no reader takes, for the ledger: inspected whole when small enough, else not read."""
        key = self.prefix + info.filename
        problem = _zip_problem(info, 0, _size_of(archive, self.path))
        if problem:
            return Aside(key, info.file_size, "refused member", problem)
        try:
            with archive.open(info) as handle:
                data = handle.read(_INSPECT)
        except DAMAGE as exc:
            return Aside(key, info.file_size, "damaged member", f"cannot read member: {exc}")
        return aside_of_member(key, info.filename, info.file_size, data, len(data) == info.file_size)

    def read(self, wanted):
        wanted = set(wanted)
        try:
            archive = self._open()
        except SourceError as exc:
            for key in sorted(wanted):
                yield Entry(key, 0, "?"), None, Unreadable(str(exc))
            return
        with archive:
            for item, info in self._listing(archive):
                if not wanted:
                    return
                if item is None:
                    continue
                if isinstance(item, Source):
                    mine = {key for key in wanted if key.startswith(item.prefix)}
                    if mine:
                        wanted -= mine
                        yield from item.read(mine)
                    continue
                entry = item
                if entry.key not in wanted:
                    continue
                wanted.discard(entry.key)
                if entry.problem:
                    yield entry, None, entry.problem
                    continue
                try:
                    # Open the ZipInfo itself, not the name: with a name held twice, the name
                    # would give the last member while the entry describes the first.
                    with archive.open(info) as handle:
                        data, problem = read_bounded(handle, limits.MAX_MEMBER_BYTES), None
                except DAMAGE as exc:
                    data, problem = None, f"cannot read member: {exc}"
                yield entry, data, problem

    def read_one(self, key: str, locator: str | None = None) -> bytes:
        # Members are found from the central directory at once; a pack inside reads its own locator.
        with self._open() as archive:
            for item, _info in self._listing(archive):
                if isinstance(item, Source) and key.startswith(item.prefix):
                    return item.read_one(key, locator)
        return super().read_one(key, locator)


def _size_of(archive: zipfile.ZipFile, path: Path) -> int:
    """The archive's bytes: all its volumes' for a split zip."""
    return archive.fp.length if isinstance(archive.fp, Volumes) else path.stat().st_size


def _zip_problem(info: zipfile.ZipInfo, total: int, archive_size: int) -> str | None:
    if info.flag_bits & 0x1:
        return "encrypted member"
    if info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16):  # 3: made on Unix
        return LINK
    if info.compress_size > archive_size or info.header_offset + info.compress_size > archive_size:
        return "damaged member: its declared size is larger than the archive"
    pack = info.filename.lower().endswith((".rec", ".bin"))  # read as a stream, record by record
    if info.file_size > limits.MAX_MEMBER_BYTES and not pack:
        return f"member larger than the {limits.MAX_MEMBER_BYTES // 2**20} MiB limit"
    if total > limits.MAX_ARCHIVE_TOTAL_BYTES:
        return f"archive's total uncompressed size is over the {limits.MAX_ARCHIVE_TOTAL_BYTES // 2**30} GiB limit"
    if info.compress_size and info.file_size / info.compress_size > limits.MAX_COMPRESSION_RATIO:
        return f"zip bomb refused: compression ratio {info.file_size // info.compress_size}:1"
    return None

register(Form("zip archive", "zip archives", Role.PART, 31,
              lambda sample: sample.head.startswith((b"PK\x03\x04", b"PK\x05\x06")), kind="archive"))
