"""A dataset as a 7-Zip archive, one file (`x.7z`) or volumes (`x.7z.001 …`), read in place with `py7zr`.

Members are listed from the archive's header (names, sizes, CRCs, which compressed block holds
each). 7-Zip packs many members into one solid block, which can only be decompressed from its
start: reading a member means decompressing its block up to it. So a reading pass decompresses
each block once, in order, and hands each wanted member on as soon as it is whole (a second
thread decompresses, at most a few members ahead); reading one member for review decompresses
its block up to that member, and no further. The locator records the block, so a member moved
to another block since listing is noticed. Volumes are read end to end (`Volumes`), never joined.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from faceaudit.core import limits
from faceaudit.core.datasets.kinds import DatasetKind
from faceaudit.core.datasets.sources.base import (
    DAMAGE,
    LINK,
    NESTED,
    NESTED_SHARD,
    SHARD_KINDS,
    Entry,
    Gap,
    Source,
    SourceError,
    Unreadable,
    classify,
    first_of_each,
    make_locator,
    place_of,
    safe_key,
)
from faceaudit.core.datasets.sources.forms import Form, Role, register
from faceaudit.core.datasets.sources.handoff import Stopped, in_thread
from faceaudit.core.datasets.sources.labels import label_from_key
from faceaudit.core.datasets.sources.unreadable import unreadable_form, unreadable_reason
from faceaudit.core.datasets.sources.volumes import SEVEN_ZIP_VOLUME, Volumes, seven_zip_volumes

__all__ = ["SevenZipSource", "recognise"]

MAGIC = b"7z\xbc\xaf\x27\x1c"
#: Whole members decompressed ahead of the reader, at most.
_AHEAD = 4


def recognise(sample: bytes, path: Path | str = "") -> bool:
    """True for a 7-Zip archive or the first volume of a set (its signature header)."""
    return sample.startswith(MAGIC)


class SevenZipSource(Source):
    kind = DatasetKind.SEVEN_ZIP
    suffixes = (".7z", ".7z.001")

    @staticmethod
    def is_one(path: Path) -> bool:
        with open(_first_volume(path), "rb") as handle:
            return recognise(handle.read(len(MAGIC)), path)

    def __init__(self, path: Path, prefix: str = "", cache: Path | None = None):
        super().__init__(_first_volume(path), prefix, cache)  # any volume names its set

    def _volumes(self) -> Volumes:
        paths = seven_zip_volumes(self.path) if SEVEN_ZIP_VOLUME.match(self.path.name) else [self.path]
        return Volumes(paths)

    def _open(self):
        import py7zr

        volumes = self._volumes()
        try:
            _check_header(volumes)
            volumes.seek(0)
            archive = py7zr.SevenZipFile(volumes)
        except BaseException as exc:
            volumes.close()
            if isinstance(exc, (*DAMAGE, py7zr.Bad7zFile, py7zr.exceptions.ArchiveError)):
                raise SourceError(f"{self.path.name}: broken 7-Zip archive ({_reason(exc)})") from None
            raise
        return archive, volumes

    def form(self) -> str:
        return "7-Zip volumes" if SEVEN_ZIP_VOLUME.match(self.path.name) else self.kind

    # -- listing ---------------------------------------------------------------------------

    def _members(self, archive, volumes: Volumes) -> Iterator[tuple[Entry, object]]:
        """Each file member as an Entry (with its problem, if any), and py7zr's record of it."""
        blocks = {id(folder): number for number, folder in enumerate(archive.header.main_streams.unpackinfo.folders)} \
            if archive.header.main_streams else {}
        stamp = volumes.fingerprint
        encrypted = archive.needs_password()
        total = sum(member.uncompressed or 0 for member in archive.files if not member.is_directory)
        bomb = total > limits.RATIO_CHECK_FLOOR_BYTES and total > limits.MAX_COMPRESSION_RATIO * volumes.length
        for member in sorted(archive.files, key=lambda m: m.filename):
            name = member.filename
            if member.is_directory or not classify(name):
                continue
            size = member.uncompressed or 0
            block = blocks.get(id(member.folder), -1)
            problem = None
            if encrypted:
                problem = "encrypted archive: FaceAudit does not read password-protected members"
            elif member.is_symlink:
                problem = LINK
            elif size > limits.MAX_MEMBER_BYTES:
                problem = f"member larger than the {limits.MAX_MEMBER_BYTES // 2**20} MiB limit"
            elif bomb:
                problem = (f"compression bomb refused: the archive expands to {total:,} bytes from "
                           f"{volumes.length:,}, over the {limits.MAX_COMPRESSION_RATIO}:1 limit")
            elif total > limits.MAX_ARCHIVE_TOTAL_BYTES:
                problem = (f"archive's total uncompressed size is over the "
                           f"{limits.MAX_ARCHIVE_TOTAL_BYTES // 2**30} GiB limit")
            else:
                problem = _kind_problem(name)
            fingerprint = f"{size}:{member.crc32}"
            yield Entry(self.prefix + safe_key(name), size, fingerprint, problem, label=label_from_key(name),
                        locator=make_locator(stamp, b=block)), member

    def entries(self) -> Iterator[Entry | Gap]:
        try:
            archive, volumes = self._open()
        except (SourceError, *DAMAGE) as exc:
            yield Gap(self.prefix, f"{_reason(exc)}; none of its members could be listed")
            return
        with volumes, archive:
            yield from first_of_each(entry for entry, _member in self._members(archive, volumes))

    # -- reading ---------------------------------------------------------------------------

    def read(self, wanted):
        wanted = set(wanted)
        try:
            archive, volumes = self._open()
        except (SourceError, *DAMAGE) as exc:
            for key in sorted(wanted):
                yield Entry(key, 0, "?"), None, Unreadable(_reason(exc))
            return
        with volumes, archive:
            chosen: dict[str, Entry] = {}
            for entry, member in self._members(archive, volumes):
                if entry.key not in wanted:
                    continue  # (a name held twice: the first counts, as in entries())
                wanted.discard(entry.key)
                if entry.problem:
                    yield entry, None, entry.problem
                else:
                    chosen[member.filename] = entry
            for key in sorted(wanted):
                yield Entry(key, 0, "?"), None, "no longer in the archive"
            if chosen:
                yield from _decompressed(archive, chosen)

    def read_one(self, key: str, locator: str | None = None) -> bytes:
        try:
            archive, volumes = self._open()
        except DAMAGE as exc:
            raise SourceError(f"{key}: {_reason(exc)}") from None
        with volumes, archive:
            place = place_of(locator, volumes.fingerprint, "b")
            for entry, member in self._members(archive, volumes):
                if entry.key != key:
                    continue
                if place is not None and entry.locator != locator:
                    raise SourceError(f"{key}: the archive changed since it was listed")
                if entry.problem:
                    raise SourceError(f"{key}: {entry.problem}")
                for _entry, data, problem in _decompressed(archive, {member.filename: entry}):
                    if data is None:
                        raise SourceError(f"{key}: {problem}")
                    return data
        raise SourceError(f"{key} is no longer in the archive")


def _decompressed(archive, chosen: dict[str, Entry]) -> Iterator[tuple[Entry, bytes | None, str | None]]:
    """(entry, bytes, problem) of the chosen members, as a second thread decompresses each block once."""
    from py7zr.io import Py7zIO, WriterFactory

    def produce(put, stopped) -> None:
        class Member(Py7zIO):
            """One member's bytes as py7zr writes them, bounded by the member limit."""

            def __init__(self, name: str):
                self.name, self.data, self.over = name, bytearray(), False

            def write(self, data) -> int:
                if stopped.is_set():
                    raise Stopped  # the reader is gone: stop decompressing this block
                if len(self.data) + len(data) > limits.MAX_MEMBER_BYTES:
                    self.over = True
                else:
                    self.data += data
                return len(data)

            def read(self, size=None) -> bytes:
                return bytes(self.data)

            def seek(self, offset: int, whence: int = 0) -> int:
                return 0

            def flush(self) -> None:
                pass

            def size(self) -> int:
                return len(self.data)

        class Members(WriterFactory):
            """Hands each member on when py7zr starts the next one (or ends): it is whole then."""

            current: Member | None = None

            def create(self, filename: str) -> Py7zIO:
                self.finish()
                self.current = Member(filename)
                return self.current

            def finish(self) -> None:
                if self.current is not None:
                    put(self.current)
                    self.current = None

        factory = Members()
        archive.reset()
        archive.extract(targets=list(chosen), factory=factory)
        factory.finish()

    left = dict(chosen)
    try:
        for item in in_thread(produce, _AHEAD, "faceaudit-7z"):
            entry = left.pop(item.name, None)
            if entry is None:
                continue
            if item.over:
                yield entry, None, f"member larger than the {limits.MAX_MEMBER_BYTES // 2**20} MiB limit"
            elif len(item.data) != entry.size:
                yield entry, None, f"damaged member: {len(item.data):,} bytes decompressed, {entry.size:,} listed"
            else:
                yield entry, bytes(item.data), None
    except Exception as exc:  # noqa: BLE001 - py7zr's errors have no common base: each is worded for the member
        problem = f"cannot read member: {_reason(exc)}"
        for entry in left.values():
            yield entry, None, problem if isinstance(exc, _lasting()) else Unreadable(problem)
        return
    for entry in left.values():
        yield entry, None, "damaged archive: the member was not found in its block"


def _check_header(volumes: Volumes) -> None:
    """Refuse an archive whose header lies outside it, or would decompress beyond the header limit,
    before py7zr reads (and decompresses) the header whole."""
    import io
    import struct

    from py7zr import archiveinfo

    volumes.seek(0)
    start = volumes.read(32)
    if len(start) < 32:
        raise SourceError("the archive is shorter than its signature header")
    offset, size, _crc = struct.unpack("<QQI", start[12:32])
    if 32 + offset + size > volumes.length:
        raise SourceError(f"its header ({size:,} bytes at {32 + offset:,}) lies beyond the end of the archive "
                          f"({volumes.length:,} bytes): cut short, or a volume is missing")
    if size > limits.MAX_7Z_HEADER_BYTES:
        raise SourceError(f"its header declares {size:,} bytes, over the "
                          f"{limits.MAX_7Z_HEADER_BYTES // 2**20} MiB limit")
    volumes.seek(32 + offset)
    header = volumes.read(min(size, 64 * 1024))
    if header[:1] != b"\x17":  # not compressed: its size is checked above
        return
    try:
        streams = archiveinfo.StreamsInfo.retrieve(io.BytesIO(header[1:]))
        unpacked = sum(sum(folder.unpacksizes) for folder in streams.unpackinfo.folders)
    except Exception:  # noqa: BLE001 - py7zr's parser raises many kinds; py7zr itself words them next
        return
    if unpacked > limits.MAX_7Z_HEADER_BYTES:
        raise SourceError(f"compression bomb refused: its compressed header expands to {unpacked:,} bytes, over the "
                          f"{limits.MAX_7Z_HEADER_BYTES // 2**20} MiB limit")


def _first_volume(path: Path) -> Path:
    """`x.7z.001` for any volume of its set that has it beside; other paths as they are."""
    match = SEVEN_ZIP_VOLUME.match(path.name)
    if match and int(match.group("n")) != 1:
        first = path.with_name(f"{match.group('base')}.{1:0{len(match.group('n'))}d}")
        return first if first.is_file() else path
    return path


def _lasting():
    import py7zr

    return (py7zr.exceptions.CrcError, py7zr.Bad7zFile, py7zr.exceptions.UnsupportedCompressionMethodError)


def _kind_problem(name: str) -> str | None:
    kind = classify(name)
    if kind in ("archive", "volume"):
        return NESTED
    if kind == "unreadable":
        return unreadable_reason(name, unreadable_form(name))
    if kind in SHARD_KINDS:
        return NESTED_SHARD
    return None


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."

register(Form("7-Zip archive", "7-Zip archives", Role.PART, 21, lambda sample: recognise(sample.head), kind="archive"))
register(Form("7-Zip volume", "7-Zip volumes", Role.PART, 20,
              lambda sample: SEVEN_ZIP_VOLUME.match(sample.name) is not None, kind="volume"))
