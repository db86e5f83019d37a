"""Datasets published as lists of links: a list file, or a folder of them, searched by my identifiers.

MegaFace, FaceScrub, VGG Face, PubFig, FFHQ and LAION were distributed as lists (photo addresses,
Flickr ids, names, hashes), not as images. Such a dataset has no faces: its rows are searched
for my accounts, photo addresses, names and file hashes. Forms read: delimited text (TSV, CSV,
space-separated), JSON Lines, JSON documents and parquet, each possibly gzip-, bzip2- or zstd-compressed;
`layout` recognises them, `prefilter` finds candidate rows by their needles, and
`text_rows`, `json_rows` and `parquet_rows` search each form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faceaudit.core.datasets.kinds import DatasetKind
from faceaudit.core.datasets.sources.aside import aside_of
from faceaudit.core.datasets.sources.base import (
    IMAGE_SUFFIXES,
    Aside,
    Entry,
    Gap,
    Source,
    Unreadable,
    classify,
    safe_key,
    walk,
)
from faceaudit.core.datasets.sources.forms import not_regular
from faceaudit.core.datasets.sources.link_lists import streams
from faceaudit.core.datasets.sources.link_lists.columns import ListError, Role, parse_column_spec
from faceaudit.core.datasets.sources.link_lists.layout import ListForm, ListLayout, sniff
from faceaudit.core.datasets.sources.link_lists.rows import FoundRow, SearchStep, Verify
from faceaudit.core.datasets.sources.parquet_shards import has_image_column

if TYPE_CHECKING:  # prefilter needs numpy: the catalog, which lists datasets, does not
    from faceaudit.core.datasets.sources.link_lists.prefilter import Needles

__all__ = ["LinkListSource", "ListError", "Role", "ListForm", "ListLayout", "FoundRow", "SearchStep",
           "Verify", "parse_column_spec", "LIST_SUFFIXES", "NO_IMAGES"]

LIST_SUFFIXES = (".txt", ".csv", ".tsv", ".tab", ".json", ".jsonl", ".ndjson", ".parquet", ".lst", ".list")
#: Compressed lists: gzip, bzip2 and zstd of any list form, and a bare `.bz2` / `.zst` (YFCC100M's
#: `yfcc100m_dataset.bz2` has no suffix of its own: its first bytes decide).
_SUFFIXES = LIST_SUFFIXES + tuple(s + c for s in LIST_SUFFIXES for c in (".gz", ".bz2", ".zst")) + (".bz2", ".zst")
#: Files looked at before a folder is called a link list (or not).
_FOLDER_LOOK = 10_000
#: Parquet files of a folder whose schema is read to tell image shards from lists of links.
_PARQUET_LOOK = 5
NO_IMAGES = "a list of links has no images: it is searched with your identifiers"
PHOTO_TABLE = "it holds a table of photos (a column of base64 or hex images): a photo dataset, not a list of links"


class LinkListSource(Source):
    """A list file, or a folder of list files (each file an item, keyed by its path in the folder).

    Args:
        path: the file or folder.
        roles: the person's column choice, {column: role}, used for every file; None to find them.
    """

    kind = DatasetKind.LINK_LIST
    suffixes = _SUFFIXES

    def __init__(self, path: Path, roles: Mapping[str, Role] | None = None, prefix: str = "",
                 cache: Path | None = None):
        super().__init__(Path(path), prefix, cache)
        self.roles = dict(roles) if roles else None

    @staticmethod
    def is_one(path: Path) -> bool:
        """True for a list file FaceAudit reads, or a folder of them without images or archives."""
        return LinkListSource.refusal(path) is None

    @staticmethod
    def refusal(path: Path) -> str | None:
        """Why the file or folder is not a link list FaceAudit reads (None when it is one)."""
        path = Path(path)
        try:
            if path.is_dir():
                return _folder_refusal(path)
            if _is_photo_table(path):
                return PHOTO_TABLE
            sniff(path)
        except ListError as exc:
            return str(exc)
        except OSError as exc:
            return f"cannot be read: {exc.strerror or exc}"
        return None

    def files(self, errors: list | None = None, others: list | None = None) -> Iterator[tuple[str, Path]]:
        """(key, path) of every list file, in a stable order (folders that cannot be read go to `errors`,
        and (key, path) of every other file to `others`, for the ledger)."""
        if not self.path.is_dir():
            yield self.path.name, self.path
            return
        for root, dirs, names in walk(self.path, errors):
            dirs[:] = sorted(dirs)
            for name in sorted(names):
                full = Path(root, name)
                key = safe_key(full.relative_to(self.path).as_posix())
                if not name.startswith(".") and name.lower().endswith(_SUFFIXES):
                    yield key, full
                elif others is not None:
                    others.append((key, full))

    def entries(self) -> Iterator[Entry | Gap | Aside]:
        """Every list file, an Aside for every other file (companion or not read), and a Gap for each
        folder that could not be read (what it held is not gone)."""
        errors: list[tuple[str, OSError]] = []
        others: list[tuple[str, Path]] = []
        for key, full in self.files(errors, others):
            try:
                info = full.lstat() if full != self.path else full.stat()
            except OSError as exc:  # may pass (a disk away, a permission): read again at the next index
                yield Entry(key, 0, "?", Unreadable(f"cannot read: {exc.strerror or exc}"))
                continue
            problem = not_regular(info)  # a FIFO named like a list would block its reader for ever
            yield Entry(key, info.st_size if problem is None else 0, f"{info.st_size}:{info.st_mtime_ns}", problem)
        for key, full in others:
            yield aside_of(key, full)
        for folder, exc in errors:
            part = Path(folder).relative_to(self.path).as_posix()
            prefix = "" if part == "." else safe_key(part) + "/"
            yield Gap(prefix, f"folder {prefix or self.path} cannot be read: {exc.strerror or exc}")

    def read(self, wanted: Iterable[str]):
        entries = {e.key: e for e in self.entries() if isinstance(e, Entry)}
        for key in wanted:
            yield entries.get(key, Entry(key, 0, "?")), None, NO_IMAGES

    def file_path(self, key: str) -> Path:
        """The path of a list file from its key.

        Raises:
            ListError: no such file in the dataset.
        """
        for found, full in self.files():
            if found == key:
                return full
        raise ListError(f"{key} is no longer in the dataset")

    def layout(self, key: str) -> ListLayout:
        """The form and identifier columns of one list file.

        Raises:
            ListError: the file is not a list FaceAudit reads, with the reason.
        """
        return sniff(self.file_path(key), self.roles)

    def search(self, key: str, layout: ListLayout, needles: Needles, verify: Verify) -> Iterator[SearchStep]:
        """Search one list file: candidate rows found by `needles`, then tested exactly by `verify`.

        Yields:
            Progress steps with the rows found; the last is marked finished.

        Raises:
            ListError: the file turned out unreadable part way (what was found before is kept by the caller).
        """
        from faceaudit.core.datasets.sources.link_lists.json_rows import search_json
        from faceaudit.core.datasets.sources.link_lists.parquet_rows import search_parquet
        from faceaudit.core.datasets.sources.link_lists.text_rows import search_lines

        search = {ListForm.PARQUET: search_parquet, ListForm.JSON: search_json}.get(layout.form, search_lines)
        yield from search(self.file_path(key), key, layout, needles, verify)

    def search_blocks(self, key: str, layout: ListLayout, blocks: list, read_block: Callable[[Any], bytes],
                      needles: Needles, verify: Verify) -> Iterator[SearchStep]:
        """Search only some blocks of a list file (those its token index points to).

        Args:
            blocks: the blocks (see `datasets.list_index.Block`): row groups of a parquet file, byte ranges of
                whole lines of a text list; a JSON document is searched whole.
            read_block: the bytes of one block of a text list (the token index above reads them, with a
                gzip file's seek points; a source never imports the index built on it).
        """
        from faceaudit.core.datasets.sources.link_lists.parquet_rows import search_parquet
        from faceaudit.core.datasets.sources.link_lists.text_rows import search_blocks

        path = self.file_path(key)
        if layout.form is ListForm.PARQUET:
            yield from search_parquet(path, key, layout, needles, verify, groups=[b.start for b in blocks])
        elif layout.form is ListForm.JSON:
            if blocks:
                yield from self.search(key, layout, needles, verify)
            else:
                yield SearchStep(0, 0, finished=True)
        else:
            yield from search_blocks(path, key, layout, blocks, read_block, needles, verify)


def _is_photo_table(path: Path) -> bool:
    """A table whose column holds base64 or hex photos (MS-Celeb-1M's TSV): photos, not a list."""
    from faceaudit.core.datasets.sources.image_table import recognise

    try:
        # Decompressed first: a gzip'd MS-Celeb TSV is still photos (and is refused, not searched as a list).
        return path.is_file() and not path.is_symlink() and recognise(streams.head(path, 8 * 1024), path)
    except (OSError, ListError):
        return False


def _folder_refusal(path: Path) -> str | None:
    candidates: list[Path] = []
    looked = 0
    parquet_looked = 0
    for root, dirs, names in walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            looked += 1
            kind = classify(name)
            if kind == "parquet" and parquet_looked < _PARQUET_LOOK:
                # Hub image shards and lists of links (LAION's metadata) are both parquet: the first
                # few say which this folder holds (their schemas only are read).
                parquet_looked += 1
                if has_image_column(Path(root, name)):
                    return "it holds parquet shards of images: an image dataset, not a list of links"
            elif (kind is not None and kind != "parquet") or Path(name).suffix.lower() in IMAGE_SUFFIXES:
                return "it holds images or archives: a folder of photos, not of lists"
            if not name.startswith(".") and name.lower().endswith(_SUFFIXES):
                if _is_photo_table(Path(root, name)):  # photo forms before list forms
                    return PHOTO_TABLE
                candidates.append(Path(root, name))
            if looked >= _FOLDER_LOOK:
                break
        if looked >= _FOLDER_LOOK:
            break
    if not candidates:
        return "it holds no list files (.txt, .csv, .tsv, .json, .jsonl, .parquet, or these gzip-compressed)"
    reasons = []
    for candidate in candidates[:5]:
        try:
            sniff(candidate)
            return None
        except ListError as exc:
            reasons.append(f"{candidate.name}: {exc}")
        except OSError as exc:  # a FIFO or a device named like a list: refused, never opened for reading
            reasons.append(f"{candidate.name}: {exc.strerror or exc}")
    return "none of its first list files can be read: " + "; ".join(reasons)
