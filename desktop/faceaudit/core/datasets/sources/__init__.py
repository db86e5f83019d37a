"""Face datasets as published, each form read in place (never extracted): one module per form.

`open_source` looks at a path and returns the reader for its form: a folder (photos, and the
archives, parquet shards, RecordIO packs, Arrow files, LMDB environments and photo tables beside
them, as one dataset), a zip (split into volumes too), tar (zstd too) or 7-Zip archive (volumes
too), a WebDataset shard, a Hub parquet shard, a RecordIO pack, a Hugging Face Arrow file, an LMDB
environment, a table of base64 photos (MS-Celeb-1M's TSV); `link_lists` reads datasets
published as lists of links (no images: they are searched by my identifiers). Every reader lists
its items as `Entry` records with stable keys, fingerprints, labels and locators, and a `Gap` for
any part it could not list; it reads the wanted items in one pass, refusing each bad item with a
reason, and one item straight from its locator. Forms FaceAudit recognises but cannot read
(TFRecord, HDF5, NumPy arrays) get a specific reason. To add a form: a module with a `Source`
subclass that has `kind`, `is_one(path)`, `entries()`, `read(wanted)` and `read_one(key, locator)`,
a `recognise(sample, path)` that tells the form from its first bytes, and one line in `_FILE_FORMS`
(and in `base.classify` if it can be a part of a folder).
"""

from __future__ import annotations

import os
from pathlib import Path

from faceaudit.core.datasets.sources.arrow_files import ArrowSource
from faceaudit.core.datasets.sources.base import (
    DAMAGE,
    IMAGE_SUFFIXES,
    Aside,
    Entry,
    Gap,
    Source,
    SourceError,
    Unreadable,
)
from faceaudit.core.datasets.sources.folder import FOLDER_FORMS, FolderSource
from faceaudit.core.datasets.sources.forms import Role, detect, sample_of
from faceaudit.core.datasets.sources.image_table import ImageTableSource
from faceaudit.core.datasets.sources.labels import label_from_key, read_labels_csv
from faceaudit.core.datasets.sources.link_lists import LinkListSource
from faceaudit.core.datasets.sources.lmdb_env import LmdbSource
from faceaudit.core.datasets.sources.parquet_shards import ParquetSource
from faceaudit.core.datasets.sources.recordio import RecordIOSource
from faceaudit.core.datasets.sources.seven_zip import SevenZipSource
from faceaudit.core.datasets.sources.tar_archive import TarSource
from faceaudit.core.datasets.sources.unreadable import unreadable_form, unreadable_reason
from faceaudit.core.datasets.sources.zip_archive import ZIP_PACK_FORM, ZipSource

__all__ = ["Entry", "Gap", "Aside", "Unreadable", "Source", "SourceError", "IMAGE_SUFFIXES", "open_source", "form_of",
           "label_from_key", "read_labels_csv"]


#: File forms, tried in this order after those whose suffix the name has (a folder is a
#: LinkListSource when it holds lists and no images, else a FolderSource). Unnamed files are tried
#: as a tar first: zipfile finds the end record of a zip stored as the last member of a plain tar.
#: A list of links comes before the parquet image reader, and each refuses the other's files: a
#: parquet file with an image column is an image shard (LinkListSource.is_one says no to it), one
#: without is no shard (ParquetSource.is_one says no).
_FILE_FORMS: tuple[type[Source], ...] = (TarSource, ZipSource, SevenZipSource, ArrowSource, LmdbSource,
                                         ImageTableSource, LinkListSource, ParquetSource, RecordIOSource)


def open_source(path: str | os.PathLike, kind: str | None = None, cache: str | os.PathLike | None = None) -> Source:
    """Open a dataset folder or file in the reader for its form.

    Args:
        path: the folder or file.
        kind: the form recorded when the dataset was added (`form_of`): opened in it without
            looking, so that a folder gone or a file damaged since lists as a `Gap` rather than failing.
        cache: a folder where readers may keep helper files for fast reads of one item.

    Raises:
        SourceError: the path does not exist or is not a form FaceAudit reads (the message
            names a recognised form it cannot read).
    """
    path = Path(path).expanduser().resolve()
    cache = Path(cache) if cache is not None else None
    recorded = _recorded_reader(kind)
    if recorded is not None:
        return recorded(path, cache=cache)
    if path.is_dir():
        if LmdbSource.is_one(path):
            return LmdbSource(path, cache=cache)
        return LinkListSource(path) if LinkListSource.is_one(path) else FolderSource(path, cache=cache)
    if not path.is_file():
        raise SourceError(f"{path} does not exist or is not a file or folder")
    name = path.name.lower()
    try:
        # A FIFO or a device is refused here, before it is opened; a split zip's first part is looked for.
        sample = sample_of(path, [name for name in (path.stem + ".z01",) if (path.parent / name).exists()])
    except OSError as exc:
        raise SourceError(f"{path.name} cannot be read: {exc.strerror or exc}") from None
    form = unreadable_form(name, sample.head)
    if form:
        raise SourceError(unreadable_reason(path, form))
    detected = detect(sample)
    if detected is not None and detected.role is Role.UNREADABLE:
        raise SourceError(f"{path.name} is a {detected.name}, which FaceAudit cannot read: {detected.why}")
    for reader in sorted(_FILE_FORMS, key=lambda reader: not name.endswith(reader.suffixes)):
        try:
            if reader.is_one(path):
                return reader(path, cache=cache)
        except DAMAGE as exc:
            raise SourceError(f"{path.name} looks like a broken archive: {exc}") from None
    if name.endswith(".parquet"):
        raise SourceError(f"{path.name} has no column of images, and is not a list FaceAudit reads: "
                          f"{LinkListSource.refusal(path)}")
    if name.endswith(LinkListSource.suffixes):
        raise SourceError(f"{path.name} is not a list FaceAudit reads: {LinkListSource.refusal(path)}")
    if name.endswith(".rec"):
        raise SourceError(f"{path.name} does not start with a RecordIO record (wrong magic number): it is damaged "
                          "or not a RecordIO pack")
    raise SourceError(f"{path.name} is not a form FaceAudit reads: a folder, a zip, tar or 7-Zip archive, a parquet "
                      "shard, an Arrow file, an LMDB environment, a RecordIO pack, a photo table or a list of links")


def _recorded_reader(kind: str | None) -> type[Source] | None:
    """The reader of a form recorded by `form_of` (a reader's kind, or a folder's form in words)."""
    if not kind:
        return None
    if kind in FOLDER_FORMS:
        return FolderSource
    if kind == ZIP_PACK_FORM:
        return ZipSource
    return {form.kind: form for form in (FolderSource, *_FILE_FORMS)}.get(kind)


def form_of(source: Source) -> str:
    """The published form of a dataset, in a few words ("parquet shards", "RecordIO pack (zip)", "tar")."""
    form = getattr(source, "form", None)
    return form() if callable(form) else source.kind
