"""A dataset cut into shards, the units a cluster indexes one each: its parts, or lists of its loose photos.

A shard is a file that holds many items (a parquet shard, a WebDataset or plain tar, a zip, a
RecordIO pack), a span of a RecordIO pack cut by its `.idx` (`RECORDS_PER_SHARD` records: MS1M's
single 5.8-million-record `train.rec` is many shards), or a list of loose photos of a folder
(`PHOTOS_PER_SHARD` in key order). A file's key is what every key of its items starts with; its
fingerprint changes when any of them changes; a part made from a shard is checked against it before
it is brought home.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from faceaudit.core.datasets.sources import Gap, Source, open_source
from faceaudit.core.datasets.sources.base import file_fingerprint
from faceaudit.core.datasets.sources.folder import FolderSource
from faceaudit.core.datasets.sources.recordio import RecordIOSource

__all__ = ["Shard", "dataset_shards", "open_shard", "shard_items", "PHOTOS_PER_SHARD", "RECORDS_PER_SHARD"]

#: Loose photos of a folder go to a cluster in lists of this many (a few minutes of work on one core).
PHOTOS_PER_SHARD = 2_000
#: A RecordIO pack with its `.idx` goes to a cluster in spans of this many records (aligned crops:
#: about ten minutes of one core each).
RECORDS_PER_SHARD = 100_000


@dataclass(frozen=True)
class Shard:
    """One unit of a dataset's indexing on a cluster.

    Attributes:
        key: the part's path inside the dataset ("" when the dataset is one file); for a list of
            photos, "photos N".
        kind: "parquet", "archive", "recordio", "verification", "file" (the dataset itself), "photos"
            or "records" (a span of a RecordIO pack).
        root: the dataset's path.
        fingerprint: the part file's size and time, or a digest of the listed photos' fingerprints;
            for a span, the pack's and its `.idx`'s and where the span starts.
        photos: the keys of a list of photos (empty for a file).
        pack: for a span, the pack's path in the dataset ("" when the dataset is the pack).
        span: for a span, its bytes [first, last) of the pack.
    """

    key: str
    kind: str
    root: str
    fingerprint: str
    photos: tuple[str, ...] = ()
    pack: str = ""
    span: tuple[int, int] | None = None

    @property
    def name(self) -> str:
        """The part file's name: readable, and unique by a digest of the key."""
        tag = hashlib.sha256(self.key.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        readable = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in self.key)[-60:] or "dataset"
        return f"{readable}.{tag}.part.parquet"


def dataset_shards(path: str | os.PathLike, kind: str | None = None) -> tuple[list[Shard], list[Gap]]:
    """The shards of a dataset, in a stable order, and the parts of it that could not be looked at."""
    root = Path(path).expanduser().resolve()
    source = open_source(root, kind=kind)
    if not isinstance(source, FolderSource):
        whole = Shard("", "file", str(root), file_fingerprint(root.stat()))
        return (_spans(root, "", root.name, whole) if isinstance(source, RecordIOSource) else [whole]), []
    shards, gaps, photos = [], [], []
    for record in source.walk_parts():
        if isinstance(record, Gap):
            gaps.append(record)
            continue
        key, full, what = record
        if what == "image":
            try:
                photos.append((key, file_fingerprint(full.lstat())))
            except OSError:
                photos.append((key, "?"))
            continue
        try:
            fingerprint = file_fingerprint(full.lstat())
        except OSError:
            fingerprint = "?"
        whole = Shard(key, what, str(root), fingerprint)
        shards.extend(_spans(full, key, key, whole) if what == "recordio" and fingerprint != "?" else [whole])
    photos.sort()
    for first in range(0, len(photos), PHOTOS_PER_SHARD):
        chunk = photos[first:first + PHOTOS_PER_SHARD]
        digest = hashlib.sha256("\n".join(f"{k}\t{f}" for k, f in chunk).encode("utf-8", "surrogatepass"))
        shards.append(Shard(f"photos {first // PHOTOS_PER_SHARD}", "photos", str(root), digest.hexdigest()[:32],
                            tuple(k for k, _f in chunk)))
    return shards, gaps


def _spans(pack: Path, member: str, name: str, whole: Shard) -> list[Shard]:
    """A RecordIO pack as spans of RECORDS_PER_SHARD records by its `.idx`; `whole` where it is one span."""
    source = RecordIOSource(pack, prefix=f"{name} ")
    spans = source.index_spans(RECORDS_PER_SHARD)
    if len(spans) < 2:
        return [whole]
    index = pack.with_suffix(".idx")
    marks = f"{whole.fingerprint}:{file_fingerprint(index.stat())}"
    return [Shard(f"{name} from byte {first}", "records", whole.root, f"{marks}:{first}", pack=member,
                  span=(first, last)) for first, last in spans]


def _pack_source(shard: Shard, cache: Path | None = None) -> RecordIOSource:
    root = Path(shard.root)
    pack = root / shard.pack if shard.pack else root
    return RecordIOSource(pack, prefix=f"{shard.pack or root.name} ", cache=cache, span=shard.span)


@lru_cache(maxsize=4)
def _whole_pack(root: str, pack: str, marks: str) -> RecordIOSource:
    """The whole pack a span is cut from, its `.idx` read once for all its spans' `shard_items` (an import
    asks once per span: 58 times for MS1M). `marks` (the pack's and its `.idx`'s fingerprints) keys it,
    so a changed `.idx` is read again."""
    del marks
    return _pack_source(Shard("", "records", root, "", pack=pack))


def open_shard(shard: Shard, cache: Path | None = None) -> Source | list:
    """The reader of a shard (the same reader the local index uses), or the entries that say why it is not read."""
    root = Path(shard.root)
    if shard.kind == "records":
        return _pack_source(shard, cache)
    if shard.kind == "file":
        return open_source(root, cache=cache)
    folder = FolderSource(root, cache=cache)
    if shard.kind == "photos":
        return folder
    return folder.part(shard.key, root / shard.key, shard.kind) or []


def shard_items(shard: Shard, keys) -> list[str]:
    """Which of a dataset's item keys belong to a shard."""
    if shard.kind == "file":
        return list(keys)
    if shard.kind == "photos":
        mine = set(shard.photos)
        return [key for key in keys if key in mine]
    if shard.kind == "records":
        keys = list(keys)
        first, last = shard.span
        offsets = _whole_pack(shard.root, shard.pack, shard.fingerprint.rsplit(":", 1)[0]).key_offsets(keys)
        return [key for key, offset in zip(keys, offsets, strict=True) if first <= offset < last]
    return [key for key in keys if key == shard.key or key.startswith((f"{shard.key} ", f"{shard.key}/"))]
