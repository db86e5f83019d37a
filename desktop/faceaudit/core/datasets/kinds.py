"""The forms a dataset can take, as the catalog records them (`datasets.kind`); imports nothing heavy."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["DatasetKind"]


class DatasetKind(StrEnum):
    """A dataset's form: which `Source` reads it (each source's `kind`)."""

    FOLDER = "folder"
    ZIP = "zip"
    TAR = "tar"
    PARQUET = "parquet"
    RECORDIO = "recordio"
    VERIFICATION = "verification"
    SEVEN_ZIP = "7z"
    ARROW = "arrow"
    LMDB = "lmdb"
    IMAGE_TABLE = "image table"  # MS-Celeb-1M's TSV of base64 JPEGs
    LINK_LIST = "link-list"  # a list of links and labels: searched for identifiers, never downloaded
