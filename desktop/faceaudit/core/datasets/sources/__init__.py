"""Face datasets as published, each form read in place (never extracted): one module per form.

`open_source` looks at a path and returns the reader for its form. Every reader lists its
items as `Entry` records with stable keys and fingerprints, and reads the wanted items in one
pass, refusing each bad item with a reason. To add a form: a module with a `Source` subclass
that has `kind`, `is_one(path)`, `entries()` and `read(wanted)`, and one line in `_FORMS`.
"""

from __future__ import annotations

import os
from pathlib import Path

from faceaudit.core.datasets.sources.base import (
    DAMAGE,
    IMAGE_SUFFIXES,
    Entry,
    Gap,
    Source,
    SourceError,
    Unreadable,
)
from faceaudit.core.datasets.sources.folder import FolderSource
from faceaudit.core.datasets.sources.labels import label_from_key, read_labels_csv
from faceaudit.core.datasets.sources.tar_archive import TarSource
from faceaudit.core.datasets.sources.zip_archive import ZipSource

__all__ = ["Entry", "Gap", "Unreadable", "Source", "SourceError", "IMAGE_SUFFIXES", "open_source", "label_from_key",
           "read_labels_csv"]


#: File forms, tried in this order after those whose suffix the name has (a folder is always a
#: FolderSource). Unnamed files are tried as a tar first: zipfile finds the end record of a zip
#: stored as the last member of a plain tar.
_FILE_FORMS: tuple[type[Source], ...] = (TarSource, ZipSource)


def open_source(path: str | os.PathLike, kind: str | None = None) -> Source:
    """Open a dataset folder or file in the reader for its form.

    Args:
        path: the folder or file.
        kind: the form recorded when the dataset was added: opened in it without looking, so that
            a folder gone or a file damaged since lists as a `Gap` rather than failing.

    Raises:
        SourceError: the path does not exist or is not a form FaceAudit reads.
    """
    path = Path(path).expanduser().resolve()
    recorded = {form.kind: form for form in (FolderSource, *_FILE_FORMS)}.get(kind or "")
    if recorded is not None:
        return recorded(path)
    if path.is_dir():
        return FolderSource(path)
    if not path.is_file():
        raise SourceError(f"{path} does not exist or is not a file or folder")
    name = path.name.lower()
    for form in sorted(_FILE_FORMS, key=lambda form: not name.endswith(form.suffixes)):
        try:
            if form.is_one(path):
                return form(path)
        except DAMAGE as exc:
            raise SourceError(f"{path.name} looks like a broken archive: {exc}") from None
    raise SourceError(f"{path.name} is neither a folder nor a zip/tar archive")
