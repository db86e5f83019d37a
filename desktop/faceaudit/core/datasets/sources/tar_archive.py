"""A dataset as a tar archive (plain, gzip, bzip2, xz or zstd), or a WebDataset shard, read in place.

Headers are parsed by FaceAudit's own reader (`tar_reader`), never by `tarfile`. Listing records
where each member's data starts, so one member is read later without scanning from the start:
a seek in a plain tar, a jump to the nearest gzip seek point (kept in the cache folder) in a
tar.gz. WebDataset sidecars (`KEY.cls`, `KEY.json` beside `KEY.jpg`) give the photo's label.
"""

from __future__ import annotations

import contextlib
import json
import lzma
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from faceaudit.core import limits
from faceaudit.core.datasets.kinds import DatasetKind
from faceaudit.core.datasets.sources import gzip_index
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
    file_fingerprint,
    first_of_each,
    make_locator,
    place_of,
    safe_key,
)
from faceaudit.core.datasets.sources.forms import Form, Role, register
from faceaudit.core.datasets.sources.labels import label_from_key
from faceaudit.core.datasets.sources.streams import CompressionBomb, ForwardStream, Truncated, compression_of
from faceaudit.core.datasets.sources.tar_reader import (
    LINKS,
    SPECIAL,
    TarDamaged,
    TarMember,
    looks_like_tar_header,
    read_members,
)
from faceaudit.core.datasets.sources.unreadable import unreadable_form, unreadable_reason

__all__ = ["TarSource"]

#: What ends a listing or a read early; every one of them becomes a Gap or a reason, never a traceback.
_BROKEN = (TarDamaged, Truncated, CompressionBomb, *DAMAGE)
#: Sidecar keys that name the person a WebDataset sample shows, in order of preference.
_LABEL_FIELDS = ("label", "identity", "name", "person", "celebrity", "class")
#: Members of one WebDataset sample kept back at most, waiting for their sidecars.
_MAX_GROUP = 64
#: Bytes of a member no reader takes that are read to inspect it (a companion must be read whole).
_INSPECT = limits.MAX_COMPANION_JSON_BYTES


class TarSource(Source):
    kind = DatasetKind.TAR
    suffixes = (".tar", ".tgz", ".tar.gz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".tzst")

    @staticmethod
    def is_one(path: Path) -> bool:
        with open(path, "rb") as raw:
            compression = compression_of(raw.read(6))
            raw.seek(0)
            block = ForwardStream(raw, compression, path.stat().st_size).read(512)
        return looks_like_tar_header(block)

    @contextlib.contextmanager
    def _stream(self):
        size = self.path.stat().st_size
        with open(self.path, "rb", buffering=1024 * 1024) as raw:
            compression = compression_of(raw.read(6))
            raw.seek(0)
            stream = ForwardStream(raw, compression, size)
            # A member can never hold more than the archive could expand to.
            most = None  # a plain tar: reading past its end is a truncation, found as such
            if compression != "none":
                most = size * limits.MAX_COMPRESSION_RATIO + limits.RATIO_CHECK_FLOOR_BYTES
            yield stream, most

    def _fingerprint(self) -> str:
        return file_fingerprint(self.path.stat())

    # -- listing ---------------------------------------------------------------------------

    def entries(self) -> Iterator[Entry | Gap]:
        yield from first_of_each(self._listing())

    def _listing(self) -> Iterator[Entry | Gap]:
        try:
            archive = self._fingerprint()
        except OSError as exc:  # gone or unreadable since it was found: what it held is not gone
            yield Gap(self.prefix, f"the archive {self.path.name} cannot be read: {exc.strerror or exc}")
            return
        group: list[tuple[TarMember, str | None]] = []
        sample_key = None
        sidecar_label: str | None = None
        try:
            with self._stream() as (stream, most):
                for member in read_members(stream, most):
                    key = _sample_key(member.name)
                    if key != sample_key or len(group) >= _MAX_GROUP:
                        yield from self._flush(group, sidecar_label, archive)
                        group, sample_key, sidecar_label = [], key, None
                    if member.is_regular and member.problem is None and _is_sidecar(member):
                        data = stream.read(member.size)
                        sidecar_label = sidecar_label or _sidecar_label(member, data)
                        yield self._aside(member, data, len(data) == member.size, links=True)
                        continue
                    if member.is_dir:
                        continue
                    if not classify(member.name):
                        data = stream.read(min(member.size, _INSPECT)) if member.is_regular else b""
                        yield self._aside(member, data, len(data) == member.size)
                        continue
                    try:
                        ratio_problem = self._skip(stream, member)
                    except _BROKEN as exc:
                        group.append((member, f"cannot read member: {_reason(exc)}"))
                        raise
                    group.append((member, ratio_problem))
                yield from self._flush(group, sidecar_label, archive)
        except _BROKEN as exc:
            yield from self._flush(group, sidecar_label, archive)
            reason = f"{self.path.name}: {_reason(exc)}; the members after this point could not be listed"
            yield Gap(self.prefix, reason)

    def prepare_reads(self) -> None:
        if self.cache is not None and self._compression() == "gzip":
            gzip_index.ensure(self.path, self.cache)

    def _compression(self) -> str:
        with open(self.path, "rb") as raw:
            return compression_of(raw.read(6))

    def _skip(self, stream: ForwardStream, member: TarMember) -> str | None:
        """Pass over a member's data; a reason when its data expands too much."""
        before = stream.raw_pos
        if member.is_regular and stream.skip(member.size) < member.size:
            raise Truncated(f"the archive ends inside {member.name!r}")
        return _ratio_problem(member.size, stream.raw_pos - before)

    def _aside(self, member: TarMember, data: bytes, whole: bool, links: bool = False) -> Aside:
        """A member no reader takes, for the ledger: a sidecar or text inspected whole, or not read."""
        key = self.prefix + safe_key(member.name)
        problem = member.problem or (None if member.is_regular else _member_problem(member))
        if problem:
            return Aside(key, member.size, "special member", problem)
        return aside_of_member(key, member.name, member.size, data, whole, links=links)

    def _flush(self, group, label, archive: str) -> Iterator[Entry]:
        for member, problem in group:
            yield self._entry(member, label, archive, problem)
        group.clear()

    def _entry(self, member: TarMember, sidecar_label: str | None, archive: str, problem: str | None = None) -> Entry:
        name = safe_key(member.name)
        problem = member.problem or problem
        if problem is None:
            problem = _member_problem(member)
        locator = make_locator(archive, o=member.offset, n=member.size)
        return Entry(self.prefix + name, member.size, f"{member.size}:{member.mtime}", problem,
                     label=sidecar_label or label_from_key(name), locator=locator)

    # -- reading ---------------------------------------------------------------------------

    def read(self, wanted):
        wanted = set(wanted)
        try:
            archive = self._fingerprint()
        except OSError as exc:
            for key in sorted(wanted):
                problem = Unreadable(f"the archive cannot be read: {exc.strerror or exc}")
                yield Entry(key, 0, "?", problem), None, problem
            return
        current = None
        try:
            with self._stream() as (stream, most):
                for member in read_members(stream, most):
                    if not wanted:
                        return
                    key = self.prefix + safe_key(member.name)
                    if member.is_dir or key not in wanted:
                        continue
                    wanted.discard(key)  # a name held twice: the first counts, as in entries()
                    entry = self._entry(member, None, archive)
                    if entry.problem:
                        yield entry, None, entry.problem
                        continue
                    current = entry
                    before = stream.raw_pos
                    data = stream.read(member.size)
                    if len(data) < member.size:
                        raise Truncated(f"the archive ends inside {member.name!r}")
                    current = None
                    problem = _ratio_problem(member.size, stream.raw_pos - before)
                    yield (entry, None, problem) if problem else (entry, data, None)
        except _BROKEN as exc:
            if current is not None:
                problem = f"cannot read member: {_reason(exc)}"
                yield current, None, problem
            # The archive breaks off (a truncated download): what is left cannot be read now; it is
            # read again at the next index (a bomb stays refused).
            for key in sorted(wanted):
                problem = f"archive damaged before this member: {_reason(exc)}"
                if not isinstance(exc, CompressionBomb):
                    problem = Unreadable(problem)
                yield Entry(key, 0, "?", problem), None, problem

    def read_one(self, key: str, locator: str | None = None) -> bytes:
        place = place_of(locator, self._fingerprint(), "o", "n")
        if place is None:
            return super().read_one(key, locator)  # listed before locators, or the archive changed since
        offset, size = place["o"], place["n"]
        if size > limits.MAX_MEMBER_BYTES:
            raise SourceError(f"{key}: member larger than the {limits.MAX_MEMBER_BYTES // 2**20} MiB limit")
        try:
            with open(self.path, "rb") as raw:
                compression = compression_of(raw.read(6))
                if compression == "none":
                    raw.seek(offset)
                    data = raw.read(size)
                elif compression == "gzip" and (index := self._seek_points()) is not None:
                    data = gzip_index.read_at(self.path, index, offset, size)
                else:
                    raw.seek(0)
                    stream = ForwardStream(raw, compression, self.path.stat().st_size)
                    stream.skip(offset)
                    data = stream.read(size)
        except _BROKEN as exc:
            raise SourceError(f"{key}: cannot read member: {_reason(exc)}") from None
        if len(data) != size:
            raise SourceError(f"{key}: the archive ends inside this member")
        return data


    def _seek_points(self) -> Path | None:
        """The archive's gzip seek points; made now (one pass) if its listing did not make them."""
        if self.cache is None:
            return None
        return gzip_index.find(self.path, self.cache) or gzip_index.ensure(self.path, self.cache)


def _member_problem(member: TarMember) -> str | None:
    if member.type in LINKS:
        return LINK
    if not member.is_regular:
        return "not a regular file (device or special member)" if member.type in SPECIAL else \
            f"not a regular file (member type {member.type.decode('latin-1')!r})"
    if member.size > limits.MAX_MEMBER_BYTES:
        return f"member larger than the {limits.MAX_MEMBER_BYTES // 2**20} MiB limit"
    kind = classify(member.name)
    if kind in ("archive", "volume"):
        return NESTED
    if kind == "unreadable":
        return unreadable_reason(member.name, unreadable_form(member.name))
    if kind in SHARD_KINDS:
        return NESTED_SHARD
    return None


def _ratio_problem(size: int, compressed: int) -> str | None:
    if size >= limits.MEMBER_RATIO_MIN_BYTES and size > limits.MAX_COMPRESSION_RATIO * max(1, compressed):
        return f"compression bomb refused: ratio {size // max(1, compressed)}:1"
    return None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, CompressionBomb | TarDamaged | Truncated):
        return str(exc)
    return f"broken archive ({exc})"


# -- WebDataset sidecars -------------------------------------------------------------------

def _sample_key(name: str) -> str:
    """WebDataset's sample key: the member path up to the first dot of its base name."""
    path = PurePosixPath(name)
    return str(path.parent / path.name.split(".", 1)[0])


def _is_sidecar(member: TarMember) -> bool:
    return member.name.lower().endswith((".cls", ".json")) and member.size <= limits.MAX_SIDECAR_BYTES


def _sidecar_label(member: TarMember, data: bytes) -> str | None:
    text = data.decode("utf-8", "replace").strip()
    if member.name.lower().endswith(".cls"):
        return text.splitlines()[0][:200] if text else None
    try:
        fields = json.loads(text)
    except ValueError:
        return None
    if isinstance(fields, dict):
        for name in _LABEL_FIELDS:
            value = fields.get(name)
            if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
                return str(value).strip()[:200]
    return None


def _tar_sample(sample) -> bool:
    """A tar archive from its first bytes: a plain tar's first header, or a gzip or xz stream whose first
    512 bytes, undone, are one (bzip2 needs a whole 900 KB block: such a tar is known by its name only)."""
    head = sample.head
    if compression_of(head[:6]) == "gzip":
        head = zlib.decompressobj(31).decompress(head, 512)
    elif compression_of(head[:6]) == "xz":
        head = lzma.LZMADecompressor().decompress(head, 512)
    return len(head) >= 512 and looks_like_tar_header(head[:512])


register(Form("tar archive", "tar archives", Role.PART, 30, _tar_sample, kind="archive"))
