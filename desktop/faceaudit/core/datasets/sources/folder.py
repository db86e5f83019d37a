"""A dataset as a folder: photos (one sub-folder per person, or any tree), and the archives, parquet
shards and RecordIO packs beside them, all read in place as one dataset.

A folder of `part1.zip … part9.zip`, of WebDataset shards `00000.tar …`, of Hub parquet shards
`data/train-00000-of-00019.parquet …`, or of `train.rec` + `train.idx` + `lfw.bin` is one dataset:
each part is read where it lies, and its items are keyed by the part's path and the item's
place in it (`part1.zip/Aaron/Aaron_0001.jpg`, `data/train-00000-of-00019.parquet row 12 (x.jpg)`).
An archive inside one of those parts stays refused.
"""

from __future__ import annotations

import os
import stat
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from faceaudit.core import limits
from faceaudit.core.datasets.kinds import DatasetKind
from faceaudit.core.datasets.sources.arrow_files import ArrowSource
from faceaudit.core.datasets.sources.aside import COMPANION, aside_of
from faceaudit.core.datasets.sources.base import (
    CHANGED,
    DAMAGE,
    Aside,
    Entry,
    Gap,
    Source,
    SourceError,
    Unreadable,
    classify,
    file_fingerprint,
    first_of_each,
    read_bounded,
    safe_key,
)
from faceaudit.core.datasets.sources.forms import Role, detect, sample_of
from faceaudit.core.datasets.sources.image_table import ImageTableSource
from faceaudit.core.datasets.sources.labels import label_from_key
from faceaudit.core.datasets.sources.lmdb_env import LmdbSource
from faceaudit.core.datasets.sources.parquet_shards import ParquetSource, has_image_column
from faceaudit.core.datasets.sources.recordio import RecordIOSource
from faceaudit.core.datasets.sources.seven_zip import SevenZipSource
from faceaudit.core.datasets.sources.split_zip import last_volume
from faceaudit.core.datasets.sources.tar_archive import TarSource
from faceaudit.core.datasets.sources.unreadable import unreadable_form, unreadable_reason
from faceaudit.core.datasets.sources.verification import VerificationSource
from faceaudit.core.datasets.sources.volumes import SEVEN_ZIP_VOLUME, ZIP_VOLUME
from faceaudit.core.datasets.sources.zip_archive import ZipSource

__all__ = ["FolderSource", "FOLDER_FORMS"]

#: Entries looked at to name a folder's form (the kind shown beside the dataset): the folder and
#: its sub-folders, one level down, no more than this many names, so adding a dataset stays quick.
_FORM_SAMPLE = 2_000


class FolderSource(Source):
    kind = DatasetKind.FOLDER

    def _walk(self) -> Iterator[tuple[str, Path, str] | Gap]:
        """(key, path, what it is) of every file that is a photo or a part, in a stable order: files
        top-down, each folder's files (sorted) before its sub-folders (sorted), as os.walk gives them.

        Walked with a stack of our own, not os.walk (recursive up to Python 3.12: a folder nested
        1,100 deep raised RecursionError and stopped the whole index). A folder that cannot be
        read gives a Gap for its part, and the walk goes on.
        """
        if not self.path.is_dir():
            yield Gap("", f"the dataset's folder {self.path} is not there (is its disk mounted?)")
            return
        stack = [(self.path, "")]
        while stack:
            folder, prefix = stack.pop()
            try:
                with os.scandir(folder) as scanned:
                    children = sorted(scanned, key=lambda child: child.name)
            except OSError as exc:
                yield Gap(prefix, f"folder {prefix or self.path} cannot be read: {exc.strerror or exc}")
                continue
            subfolders, files = [], []
            for child in children:
                try:
                    is_folder = child.is_dir()  # a link to a folder counts as one, and is not followed
                except OSError:
                    is_folder = False
                if is_folder and child.is_symlink():
                    yield prefix + safe_key(child.name), Path(child.path), _LINKED_FOLDER
                elif is_folder:
                    subfolders.append((Path(child.path), prefix + safe_key(child.name) + "/"))
                else:
                    files.append(child)
            # A verification file (`lfw.bin`) belongs to the RecordIO pack beside it.
            names = [child.name.lower() for child in files]
            pack = "property" in names or any(name.endswith(".rec") for name in names)
            for child, name in zip(files, names, strict=True):
                kind = _kind_of(name, Path(child.path)) or ("verification" if pack and name.endswith(".bin") else None)
                yield prefix + safe_key(child.name), Path(child.path), kind or _part_by_content(Path(child.path))
            stack.extend(reversed(subfolders))

    def form(self) -> str:
        """The folder's published form, in a few words ("parquet shards", "archive parts", ...), from
        the names in it and in its sub-folders one level down (nothing is opened)."""
        kinds: Counter[str] = Counter()
        for name in _first(_names_two_levels(self.path), _FORM_SAMPLE):
            kind = classify(name)
            if kind:
                kinds[kind] += 1
        return _FOLDER_FORMS.get(frozenset(kinds), "folder with archives")

    def walk_parts(self) -> Iterator[tuple[str, Path, str] | Gap]:
        """(key, path, what it is) of every photo and part (archive, shard, pack), and a Gap for each
        folder that cannot be read: the units a cluster indexes one by one (see datasets/shards). Files no
        reader takes are left to the ledger (`entries` gives them as `Aside`s)."""
        return (record for record in self._walk() if isinstance(record, Gap) or record[2] not in _ASIDE)

    def part(self, key: str, full: Path, kind: str) -> Source | list | None:
        """The reader of one part `walk_parts` gave, or the entries that say why it is not read."""
        return self._part(key, full, kind)

    # -- listing ---------------------------------------------------------------------------

    def entries(self) -> Iterator[Entry | Gap]:
        def listing():
            for record in self._walk():
                if isinstance(record, Gap):
                    yield record
                    continue
                key, full, kind = record
                if kind == "image":
                    yield self._photo(key, full)
                    continue
                if kind in _ASIDE:
                    yield aside_of(key, full)
                    continue
                part = self._part(key, full, kind)
                if isinstance(part, Source):
                    yield from part.entries()
                elif part is not None:
                    yield from part

        yield from first_of_each(listing())

    def _photo(self, key: str, full: Path) -> Entry:
        try:
            info = full.lstat()
        except OSError as exc:
            return Entry(key, 0, "?", Unreadable(f"cannot read: {exc.strerror or exc}"))
        problem = _file_problem(info)
        if problem is None and info.st_size > limits.MAX_FILE_BYTES:
            problem = f"larger than the {limits.MAX_FILE_BYTES // 2**20} MiB limit"
        return Entry(key, info.st_size, file_fingerprint(info), problem, label=label_from_key(key))

    def _part(self, key: str, full: Path, kind: str) -> Source | list | None:
        """The reader of one part, or the entries that say why it is not read (None: not a part)."""
        try:
            info = full.lstat()
        except OSError as exc:
            return [Entry(key, 0, "?", Unreadable(f"cannot read: {exc.strerror or exc}"))]
        problem = _file_problem(info)
        if problem is None and kind == "unreadable":
            problem = unreadable_reason(full, unreadable_form(full.name))
        if problem is not None:
            return [Entry(key, info.st_size, file_fingerprint(info), problem)]
        try:
            if kind == "archive":
                for form in (TarSource, ZipSource, SevenZipSource):
                    if form.is_one(full):
                        return form(full, prefix=f"{key}/", cache=self.cache)
                raise SourceError("not a zip, tar or 7-Zip archive")
            if kind == "volume":
                return _volume_part(key, full, info)
            if kind == "arrow":
                return ArrowSource(full, prefix=f"{key} ", cache=self.cache)
            if kind == "lmdb":
                return LmdbSource(full, prefix=f"{key}/", cache=self.cache)
            if kind == "table":
                return ImageTableSource(full, prefix=f"{key}/", cache=self.cache)
            if kind == "parquet":
                # A parquet file without images beside shards (img2dataset's per-shard metadata) is not a
                # part of the photos: the ledger takes it as what it is (a list, or companion metadata).
                if has_image_column(full) is False:
                    if full.with_suffix(".tar").is_file():
                        # img2dataset's per-shard metadata: like a WebDataset sidecar, it describes the photos
                        # of the shard beside it (read as items), its URLs theirs. Inspected: no image column.
                        return [Aside(key, info.st_size, COMPANION)]
                    return [aside_of(key, full)]
                return ParquetSource(full, prefix=f"{key} ", cache=self.cache, root=self.path)
            if kind == "recordio":
                return RecordIOSource(full, prefix=f"{key} ", cache=self.cache)
            return VerificationSource(full, prefix=f"{key} ", cache=self.cache)
        except (*DAMAGE, SourceError) as exc:
            reason = f"broken archive: {exc}"
            return [Entry(key, info.st_size, file_fingerprint(info), reason), Gap(f"{key}/", reason)]

    def prepare_reads(self) -> None:
        for record in self._walk():
            if isinstance(record, Gap):
                continue
            key, full, kind = record
            if kind == "archive":
                part = self._part(key, full, kind)
                if isinstance(part, Source):
                    part.prepare_reads()

    # -- reading ---------------------------------------------------------------------------

    def read(self, wanted):
        wanted = set(wanted)
        for record in self._walk():
            if not wanted:
                return
            if isinstance(record, Gap):
                continue  # its items stay unread; the next listing marks them unavailable
            key, full, kind = record
            if kind in _ASIDE:
                continue
            if kind == "image":
                if key not in wanted:
                    continue
                wanted.discard(key)  # two names that differ only in non-UTF-8 bytes share a key
                yield self._read_photo(key, full)
                continue
            part = self._part(key, full, kind)
            if isinstance(part, Source):
                mine = {k for k in wanted if k.startswith(part.prefix)}
                if mine:
                    wanted -= mine
                    yield from part.read(mine)
            elif part is not None:
                for entry in part:
                    if isinstance(entry, Entry) and entry.key in wanted:
                        wanted.discard(entry.key)
                        yield entry, None, entry.problem

    def _read_photo(self, key: str, full: Path) -> tuple[Entry, bytes | None, str | None]:
        entry = self._photo(key, full)
        if entry.problem:
            return entry, None, entry.problem
        try:
            data, problem = _read_regular_file(full, entry.fingerprint)
        except OSError as exc:
            data, problem = None, Unreadable(f"cannot read: {exc.strerror or exc}")
        except ValueError as exc:
            data, problem = None, str(exc)
        return entry, data, problem

    def read_one(self, key: str, locator: str | None = None) -> bytes:
        """One item: a photo by its path, or an item of the part its key names (straight to its locator)."""
        full = self.path / key
        if classify(key) == "image" and full.is_file():
            entry, data, problem = self._read_photo(key, full)
            if data is None:
                raise SourceError(f"{key}: {problem}")
            return data
        for cut in sorted({i for i, ch in enumerate(key) if ch in "/ "}, reverse=True):
            candidate = self.path / key[:cut]
            kind = _kind_of(candidate.name, candidate) or (
                "verification" if candidate.suffix.lower() == ".bin" else None)
            if kind is None and candidate.is_file():
                kind = _part_by_content(candidate)
            if kind and kind not in ("image", *_ASIDE) and candidate.is_file():
                part = self._part(key[:cut], candidate, kind)
                if isinstance(part, Source):
                    return part.read_one(key, locator)
                break
        return super().read_one(key, locator)


#: What `_walk` says of a file no name-based reader takes (the detector looks at it), and of a link to a folder.
_OTHER = "other"
_LINKED_FOLDER = "linked folder"
_ASIDE = (_OTHER, _LINKED_FOLDER)
#: Parts the detector may find by content whatever their name.
_PART_KINDS = ("archive", "parquet", "recordio", "arrow", "table")


def _kind_of(name: str, full: Path) -> str | None:
    """What a file of a folder is: by its name (`classify`), and a text table by its content
    (MS-Celeb-1M's TSV carries base64 JPEGs: a part of photos, not a list)."""
    kind = classify(name)
    if kind is None and name.lower().endswith(ImageTableSource.suffixes):
        try:
            if full.is_file() and not full.is_symlink() and ImageTableSource.is_one(full):
                return "table"
        except OSError:
            return None
    return kind


def _volume_part(key: str, full: Path, info: os.stat_result) -> list | None:
    """A later volume of a split archive: read with its set when the set's named volume is beside it
    (None: not a part of its own), else an entry that says which volume is missing."""
    lower = full.name.lower()
    if ZIP_VOLUME.match(full.name):
        if last_volume(full) is not None:
            return None
        head = ZIP_VOLUME.match(full.name).group("base") + ".zip"
    else:
        head = SEVEN_ZIP_VOLUME.match(full.name).group("base") + ".001" if SEVEN_ZIP_VOLUME.match(full.name) \
            else lower
        if (full.parent / head).is_file():
            return None
    return [Entry(key, info.st_size, file_fingerprint(info),
                  f"a volume of a split archive whose volume {head} is not beside it: the set cannot be read")]


_FOLDER_FORMS = {
    frozenset(): "folder",
    frozenset({"image"}): "folder",
    frozenset({"parquet"}): "parquet shards",
    frozenset({"recordio"}): "RecordIO pack",
    frozenset({"archive"}): "archive parts",
    frozenset({"archive", "image"}): "folder with archives",
    frozenset({"unreadable"}): "unreadable form",
    frozenset({"archive", "volume"}): "archive volumes",
    frozenset({"arrow"}): "Hugging Face save_to_disk",
}
#: Every form a folder may be recorded as.
FOLDER_FORMS = frozenset(_FOLDER_FORMS.values())


def _part_by_content(path: Path) -> str:
    """The kind of a part whose name does not say it (a zip or tar without its suffix), from its first bytes
    (the detector); `_OTHER` for anything else, which the ledger records."""
    try:
        form = detect(sample_of(path))
    except OSError:
        return _OTHER
    return form.kind if form is not None and form.role is Role.PART and form.kind in _PART_KINDS else _OTHER


def _names_two_levels(root: Path) -> Iterator[str]:
    try:
        with os.scandir(root) as top:
            folders = []
            for entry in top:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                else:
                    yield entry.name
    except OSError:
        return
    for folder in sorted(folders):
        try:
            with os.scandir(folder) as inner:
                for entry in inner:
                    if not entry.is_dir(follow_symlinks=False):
                        yield entry.name
        except OSError:
            continue


def _first(items, count: int):
    for number, item in enumerate(items):
        if number >= count:
            return
        yield item


def _file_problem(info: os.stat_result) -> str | None:
    if stat.S_ISLNK(info.st_mode):
        return "symbolic link not followed"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    return None


def _read_regular_file(full: Path, fingerprint: str) -> tuple[bytes | None, str | None]:
    """The file's bytes, or None and why: the file may have been swapped or rewritten since it was listed."""
    # O_NOFOLLOW: a file replaced by a link after listing is not followed; O_NONBLOCK: a file
    # replaced by a FIFO does not block us forever.
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(full, flags)
    with os.fdopen(fd, "rb") as handle:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            return None, "not a regular file"
        if file_fingerprint(before) != fingerprint:
            return None, CHANGED
        data = read_bounded(handle, limits.MAX_FILE_BYTES)
        after = os.fstat(fd)
        if len(data) != before.st_size or (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            return None, CHANGED
    return data, None
