"""Face datasets as published, each form read in place (never extracted): one module per form.

`open_source` looks at a path and returns the reader for its form; `link_lists` reads datasets
published as lists of links (no images: they are searched by my identifiers). Every reader lists its
items as `Entry` records with stable keys and fingerprints, and reads the wanted items in one
pass, refusing each bad item with a reason. To add a form: a module with a `Source` subclass
that has `kind`, `is_one(path)`, `entries()` and `read(wanted)`, and one line in `_FORMS`.
"""

from __future__ import annotations

import os
from pathlib import Path

from faceaudit.core.datasets.sources.base import DAMAGE, IMAGE_SUFFIXES, Entry, Source, SourceError
from faceaudit.core.datasets.sources.folder import FolderSource
from faceaudit.core.datasets.sources.labels import label_from_key, read_labels_csv
from faceaudit.core.datasets.sources.link_lists import LinkListSource
from faceaudit.core.datasets.sources.tar_archive import TarSource
from faceaudit.core.datasets.sources.zip_archive import ZipSource

__all__ = ["Entry", "Source", "SourceError", "IMAGE_SUFFIXES", "open_source", "label_from_key", "read_labels_csv"]


#: File forms, tried in this order after those whose suffix the name has (a folder is a
#: LinkListSource when it holds lists and no images, else a FolderSource). Unnamed files are tried
#: as a tar first: zipfile finds the end record of a zip stored as the last member of a plain tar.
#: A parquet file with an image column is an image dataset; LinkListSource.is_one says no to it.
_FILE_FORMS: tuple[type[Source], ...] = (TarSource, ZipSource, LinkListSource)


def open_source(path: str | os.PathLike) -> Source:
    """Open a dataset folder or file in the reader for its form.

    Raises:
        SourceError: the path does not exist or is not a form FaceAudit reads.
    """
    path = Path(path).expanduser().resolve()
    if path.is_dir():
        return LinkListSource(path) if LinkListSource.is_one(path) else FolderSource(path)
    if not path.is_file():
        raise SourceError(f"{path} does not exist or is not a file or folder")
    name = path.name.lower()
    for form in sorted(_FILE_FORMS, key=lambda form: not name.endswith(form.suffixes)):
        try:
            if form.is_one(path):
                return form(path)
        except DAMAGE as exc:
            raise SourceError(f"{path.name} looks like a broken archive: {exc}") from None
    if name.endswith(LinkListSource.suffixes):
        raise SourceError(f"{path.name} is not a list FaceAudit reads: {LinkListSource.refusal(path)}")
    raise SourceError(f"{path.name} is neither a folder nor a zip/tar archive nor a list of links")
