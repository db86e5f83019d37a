"""Datasets the user has added: register, list, inspect errors, remove."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from faceaudit.core.datasets.lists import forget_indexes, open_list
from faceaudit.core.datasets.sources import open_source
from faceaudit.core.errors import FaceAuditError
from faceaudit.core.storage.store import Store, now

__all__ = [
    "DatasetInfo",
    "DatasetError",
    "add_dataset",
    "list_datasets",
    "get_dataset",
    "dataset_errors",
    "remove_dataset",
    "read_item_bytes",
]


class DatasetError(FaceAuditError, ValueError):
    """A dataset operation that cannot be done; the message says why."""


@dataclass(frozen=True)
class DatasetInfo:
    """A dataset and its indexing state."""

    id: int
    name: str
    path: str
    kind: str
    items: int
    done: int
    pending: int
    errors: int
    faces: int
    model: str | None
    last_indexed: str | None

    @property
    def indexed(self) -> bool:
        """True when every item has been looked at."""
        return self.items > 0 and self.pending == 0


def add_dataset(
    store: Store, path: str | os.PathLike, name: str, labels_csv: str | os.PathLike | None = None,
    columns: str | None = None,
) -> DatasetInfo:
    """Register a folder or archive, or a list of links, as a dataset (nothing is read yet but its type).

    Args:
        columns: for a list of links, which columns hold identifiers ("url=URL,name=person"),
            instead of finding them from the header and values.

    Raises:
        DatasetError: the name is taken or empty, or the labels file is missing.
        SourceError: the path is not a folder, a supported archive or a list of links (or not one
            with the columns named).
    """
    name = name.strip()
    if not name:
        raise DatasetError("a dataset needs a name")
    if store.scalar("SELECT id FROM datasets WHERE name = ?", [name]) is not None:
        raise DatasetError(f"a dataset named {name!r} already exists")
    source, list_columns = open_list(path, columns) if columns else (open_source(path), None)
    if labels_csv is not None and not Path(labels_csv).is_file():
        raise DatasetError(f"labels file {labels_csv} not found")
    store.db["datasets"].insert({
        "name": name, "path": str(source.path), "kind": source.kind,
        "labels_csv": str(Path(labels_csv).resolve()) if labels_csv else None, "added": now(),
        "list_columns": list_columns,
    })
    return get_dataset(store, name)


def list_datasets(store: Store) -> list[DatasetInfo]:
    """Every dataset with its counts, in the order added."""
    rows = store.query(
        """
        SELECT d.*, COUNT(i.id) AS items,
               COALESCE(SUM(i.status = 'done'), 0) AS done,
               COALESCE(SUM(i.status = 'pending'), 0) AS pending,
               COALESCE(SUM(i.status = 'error'), 0) AS errors,
               (SELECT COUNT(*) FROM faces f WHERE f.dataset_id = d.id) AS faces
        FROM datasets d LEFT JOIN items i ON i.dataset_id = d.id
        GROUP BY d.id ORDER BY d.id
        """
    )
    return [_info(row) for row in rows]


def get_dataset(store: Store, name: str) -> DatasetInfo:
    """One dataset by name.

    Raises:
        DatasetError: no such dataset.
    """
    for info in list_datasets(store):
        if info.name == name:
            return info
    raise DatasetError(f"no dataset named {name!r}")


def dataset_errors(store: Store, name: str) -> list[dict]:
    """The items that could not be indexed, with the reason for each."""
    dataset = get_dataset(store, name)
    return store.query(
        "SELECT key, reason FROM items WHERE dataset_id = ? AND status = 'error' ORDER BY key", [dataset.id]
    )


def remove_dataset(store: Store, name: str) -> None:
    """Forget a dataset, its index and its matches (the dataset's own files are not touched)."""
    dataset = get_dataset(store, name)
    forget_indexes(store, dataset.id)
    with store.transaction():
        store.conn.execute("DELETE FROM datasets WHERE id = ?", [dataset.id])


def _info(row: dict) -> DatasetInfo:
    return DatasetInfo(
        id=row["id"], name=row["name"], path=row["path"], kind=row["kind"], items=row["items"],
        done=row["done"], pending=row["pending"], errors=row["errors"], faces=row["faces"],
        model=row["model"], last_indexed=row["last_indexed"],
    )


def read_item_bytes(store: Store, dataset: str | int, key: str) -> bytes:
    """The file bytes of one dataset item, read from the dataset in place.

    Args:
        store: the database.
        dataset: the dataset's name or id.
        key: the item's key inside the dataset.

    Raises:
        DatasetError: no such dataset, or the file cannot be read any more.
    """
    column = "id" if isinstance(dataset, int) else "name"
    path = store.scalar(f"SELECT path FROM datasets WHERE {column} = ?", [dataset])
    if path is None:
        raise DatasetError(f"no dataset {dataset!r}")
    for _, data, problem in open_source(path).read([key]):
        if data is None:
            raise DatasetError(f"{key}: {problem}")
        return data
    raise DatasetError(f"{key} is no longer in the dataset")
