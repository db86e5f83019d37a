"""Link-list datasets in the database: their files as items, and what was learnt reading each.

A list dataset's items are its list files (key = path in the folder, or the file's name). An
item is pending until a search or an index has read the whole file, done after, and an error
with the reason when the file was refused; `list_files` keeps its form, identifier columns and
row count.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from faceaudit.core.datasets.ledger import record_ledger
from faceaudit.core.datasets.listing import listed_records, record_gaps
from faceaudit.core.datasets.sources.base import Aside, Entry, Gap, Unreadable
from faceaudit.core.datasets.sources.link_lists import LinkListSource, ListError, ListLayout, Role, parse_column_spec
from faceaudit.core.datasets.sources.link_lists.layout import sniff
from faceaudit.core.storage import paths
from faceaudit.core.storage.store import Store, now

if TYPE_CHECKING:  # the token index needs numpy and pyarrow; listing datasets does not
    from faceaudit.core.datasets.list_index import ListIndex

__all__ = ["ListFile", "ListIndexProgress", "list_source", "open_list", "sync_list_files", "list_files", "file_read",
           "file_searched", "file_refused", "index_lists", "index_of", "forget_indexes", "LINK_LIST"]

LINK_LIST = LinkListSource.kind


@dataclass(frozen=True)
class ListFile:
    """One list file of a dataset, as last seen."""

    item_id: int
    key: str
    size: int
    fingerprint: str
    status: str
    reason: str | None
    rows: int | None
    layout: dict | None
    index_fingerprint: str | None = None
    searched: frozenset[str] = frozenset()


def list_source(store: Store, dataset_id: int) -> LinkListSource:
    """The reader of a list dataset, with the person's column choice if they made one."""
    row = store.conn.execute("SELECT path, list_columns FROM datasets WHERE id = ?", [dataset_id]).fetchone()
    roles = {column: Role(role) for column, role in json.loads(row[1]).items()} if row[1] else None
    return LinkListSource(row[0], roles)


def open_list(path: str | Path, columns: str) -> tuple[LinkListSource, str]:
    """A list dataset read with the person's column choice ("url=URL,name=person"), and that choice as JSON.

    Raises:
        ListError: the choice cannot be read, or no list file of the path has those columns.
    """
    roles = parse_column_spec(columns) or {}
    source = LinkListSource(Path(path).expanduser().resolve(), roles)
    reasons = []
    for key, full in source.files():
        try:
            sniff(full, roles)
            return source, json.dumps({column: role.value for column, role in roles.items()})
        except ListError as exc:
            reasons.append(f"{key}: {exc}")
            if len(reasons) >= 3:
                break
    raise ListError("; ".join(reasons) or f"{Path(path).name} holds no list file")


def sync_list_files(store: Store, dataset_id: int) -> list[ListFile]:
    """Bring the items in line with the list files: new and changed files become pending, gone ones go.

    Rows found earlier in a file that changed or went are kept, with my decisions on them. What
    could not be listed this time (the dataset's disk not mounted, a folder that cannot be read) is
    marked unavailable, with what was learnt reading it, and looked at again the next time; a
    file that cannot be read now is unavailable too, never an error.
    """
    row = store.query("SELECT path, kind FROM datasets WHERE id = ?", [dataset_id])[0]
    known = {key: (item_id, fingerprint, status) for item_id, key, fingerprint, status in store.conn.execute(
        "SELECT id, key, fingerprint, status FROM items WHERE dataset_id = ?", [dataset_id])}
    seen: set[str] = set()
    gaps: list[Gap] = []
    asides: list[Aside] = []
    with store.transaction():
        for record in listed_records(row, bool(known), paths.cache_beside(store.path)):
            if isinstance(record, Gap):
                gaps.append(record)
                continue
            if isinstance(record, Aside):
                asides.append(record)
                continue
            seen.add(record.key)
            _sync_file(store, dataset_id, record, known.get(record.key))
        gone, away = [], []
        for key, (item_id, _, _) in known.items():
            if key in seen:
                continue
            gap = next((gap for gap in gaps if key.startswith(gap.prefix)), None)
            if gap is None:
                gone.append(item_id)
            else:
                away.append((gap.reason, item_id))
        store.conn.executemany(_UNAVAILABLE, away)
        store.conn.executemany("DELETE FROM items WHERE id = ?", [[item_id] for item_id in gone])
    for item_id in gone:  # a file really gone: its token index goes with it
        shutil.rmtree(index_folder(store, item_id), ignore_errors=True)
    record_gaps(store, dataset_id, gaps)
    record_ledger(store, dataset_id, asides)
    return list_files(store, dataset_id)


#: A list file not readable this time: unavailable, with the status it goes back to when it is.
_UNAVAILABLE = ("UPDATE items SET prior_status = CASE WHEN status = 'unavailable' THEN prior_status ELSE status END,"
                " status = 'unavailable', reason = ? WHERE id = ?")


def _sync_file(store: Store, dataset_id: int, entry: Entry, known: tuple | None) -> None:
    """Write what the listing found of one list file (inside the listing's transaction)."""
    unreadable = isinstance(entry.problem, Unreadable)
    status = "unavailable" if unreadable else ("error" if entry.problem else "pending")
    if known is None:
        store.conn.execute(
            "INSERT INTO items (dataset_id, key, size, fingerprint, status, reason, prior_status)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [dataset_id, entry.key, entry.size, entry.fingerprint, status, entry.problem,
             "pending" if unreadable else None])
        return
    item_id, fingerprint, old_status = known
    if unreadable:
        store.conn.execute(_UNAVAILABLE, [entry.problem, item_id])
    elif fingerprint != entry.fingerprint:
        store.conn.execute("UPDATE items SET size = ?, fingerprint = ?, status = ?, reason = ?, prior_status = NULL"
                           " WHERE id = ?", [entry.size, entry.fingerprint, status, entry.problem, item_id])
        store.conn.execute("DELETE FROM list_files WHERE item_id = ?", [item_id])
    elif old_status == "unavailable":  # readable again, and unchanged: back to where it was
        store.conn.execute("UPDATE items SET status = COALESCE(prior_status, 'pending'), reason = NULL,"
                           " prior_status = NULL WHERE id = ?", [item_id])


def list_files(store: Store, dataset_id: int) -> list[ListFile]:
    """The list files of a dataset, by key, with what is known of each."""
    rows = store.conn.execute(
        "SELECT i.id, i.key, i.size, i.fingerprint, i.status, i.reason, l.rows, l.columns, l.index_fingerprint,"
        " l.searched, l.searched_fingerprint"
        " FROM items i LEFT JOIN list_files l ON l.item_id = i.id WHERE i.dataset_id = ? ORDER BY i.key",
        [dataset_id]).fetchall()
    return [ListFile(r[0], r[1], r[2] or 0, r[3] or "", r[4], r[5], r[6], json.loads(r[7]) if r[7] else None, r[8],
                     frozenset(json.loads(r[9])) if r[9] and r[10] == r[3] else frozenset()) for r in rows]


def file_read(store: Store, item_id: int, layout: ListLayout, rows: int, problems: tuple[str, ...] = ()) -> None:
    """Record that a list file was read to its end: its layout and row count (lines that could not be read noted)."""
    with store.transaction():
        store.conn.execute(
            "INSERT INTO list_files (item_id, form, columns, rows) VALUES (?, ?, ?, ?) ON CONFLICT (item_id) DO UPDATE"
            " SET form = excluded.form, columns = excluded.columns, rows = excluded.rows",
            [item_id, layout.form.value, json.dumps(layout.as_json()), rows])
        store.conn.execute("UPDATE items SET status = 'done', reason = ?, indexed_at = ? WHERE id = ?",
                           ["; ".join(problems) or None, now(), item_id])


def file_searched(store: Store, item_id: int, fingerprint: str, keys: set[str]) -> None:
    """Record which identifiers (`kind:value`) this version of a list file has been searched for to its end."""
    with store.transaction():
        store.conn.execute("UPDATE list_files SET searched = ?, searched_fingerprint = ? WHERE item_id = ?",
                           [json.dumps(sorted(keys)), fingerprint, item_id])


def file_refused(store: Store, item_id: int, reason: str) -> None:
    """Record that a list file could not be read (rows found before the refusal are kept)."""
    with store.transaction():
        store.conn.execute("UPDATE items SET status = 'error', reason = ?, indexed_at = ? WHERE id = ?",
                           [reason, now(), item_id])


@dataclass(frozen=True)
class ListIndexProgress:
    """A point of indexing a list dataset: files done of all, bytes of the current file read."""

    files_done: int
    files: int
    file: str | None
    read: int
    size: int
    refused: int


def index_folder(store: Store, item_id: int) -> Path:
    """Where the token index of a list file lives: the cache folder beside the database."""
    return paths.cache_beside(store.path) / "list-index" / str(item_id)


def index_of(store: Store, file: ListFile, layout: ListLayout) -> ListIndex | None:
    """The token index of a list file, when there is one for this version of the file and these columns."""
    from faceaudit.core.datasets.list_index import load_index

    if file.index_fingerprint != file.fingerprint:
        return None
    index = load_index(index_folder(store, file.item_id))
    if index is None or index.fingerprint != file.fingerprint or index.meta.get("layout") != layout.as_json():
        return None
    return index


def index_lists(store: Store, dataset_id: int) -> Iterator[ListIndexProgress]:
    """Build the token index of every list file of a dataset that has none for its current version.

    Yields:
        Progress records; a file that cannot be read to its end is recorded as refused, with the reason.
    """
    from faceaudit.core.datasets.list_index import build_index, load_index

    files = sync_list_files(store, dataset_id)
    source = list_source(store, dataset_id)
    refused = 0
    for number, file in enumerate(files):
        if file.status == "unavailable":  # not there this time: its index (if any) is kept for when it is
            continue
        try:
            layout = source.layout(file.key)
            if index_of(store, file, layout) is not None:
                continue
            folder = index_folder(store, file.item_id)
            read = 0
            for read, size in build_index(source.file_path(file.key), layout, folder, file.fingerprint):
                yield ListIndexProgress(number, len(files), file.key, read, size, refused)
            index = load_index(folder)
        except (ListError, OSError) as exc:
            shutil.rmtree(index_folder(store, file.item_id), ignore_errors=True)
            file_refused(store, file.item_id, str(exc))
            refused += 1
            continue
        file_read(store, file.item_id, layout, index.rows)
        with store.transaction():
            store.conn.execute("UPDATE list_files SET index_fingerprint = ?, index_name = ? WHERE item_id = ?",
                               [file.fingerprint, folder.name, file.item_id])
    yield ListIndexProgress(len(files), len(files), None, 0, 0, refused)


def forget_indexes(store: Store, dataset_id: int) -> None:
    """Delete the token indexes of a dataset's list files (before the dataset itself is forgotten)."""
    for (item_id,) in store.conn.execute("SELECT id FROM items WHERE dataset_id = ?", [dataset_id]).fetchall():
        shutil.rmtree(index_folder(store, item_id), ignore_errors=True)
