"""Link-list datasets in the database: their files as items, and what was learnt reading each.

A list dataset's items are its list files (key = path in the folder, or the file's name). An
item is pending until a search or an index has read the whole file, done after, and an error
with the reason when the file was refused; `list_files` keeps its form, identifier columns and
row count.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from faceaudit.core.datasets.sources.link_lists import LinkListSource, ListError, ListLayout, Role, parse_column_spec
from faceaudit.core.datasets.sources.link_lists.layout import sniff
from faceaudit.core.storage.store import Store, now

__all__ = ["ListFile", "list_source", "open_list", "sync_list_files", "list_files", "file_read", "file_refused",
           "LINK_LIST"]

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

    Rows found earlier in a file that changed or went are kept, with my decisions on them.
    """
    source = list_source(store, dataset_id)
    known = {key: (item_id, fingerprint) for item_id, key, fingerprint in store.conn.execute(
        "SELECT id, key, fingerprint FROM items WHERE dataset_id = ?", [dataset_id])}
    seen: set[str] = set()
    with store.transaction():
        for entry in source.entries():
            seen.add(entry.key)
            status, reason = ("error", entry.problem) if entry.problem else ("pending", None)
            if entry.key not in known:
                store.conn.execute(
                    "INSERT INTO items (dataset_id, key, size, fingerprint, status, reason) VALUES (?, ?, ?, ?, ?, ?)",
                    [dataset_id, entry.key, entry.size, entry.fingerprint, status, reason])
            elif known[entry.key][1] != entry.fingerprint:
                item_id = known[entry.key][0]
                store.conn.execute("UPDATE items SET size = ?, fingerprint = ?, status = ?, reason = ? WHERE id = ?",
                                   [entry.size, entry.fingerprint, status, reason, item_id])
                store.conn.execute("DELETE FROM list_files WHERE item_id = ?", [item_id])
        store.conn.executemany("DELETE FROM items WHERE id = ?",
                               [[item_id] for key, (item_id, _) in known.items() if key not in seen])
    return list_files(store, dataset_id)


def list_files(store: Store, dataset_id: int) -> list[ListFile]:
    """The list files of a dataset, by key, with what is known of each."""
    rows = store.conn.execute(
        "SELECT i.id, i.key, i.size, i.fingerprint, i.status, i.reason, l.rows, l.columns FROM items i"
        " LEFT JOIN list_files l ON l.item_id = i.id WHERE i.dataset_id = ? ORDER BY i.key", [dataset_id]).fetchall()
    return [ListFile(r[0], r[1], r[2] or 0, r[3] or "", r[4], r[5], r[6], json.loads(r[7]) if r[7] else None)
            for r in rows]


def file_read(store: Store, item_id: int, layout: ListLayout, rows: int, problems: tuple[str, ...] = ()) -> None:
    """Record that a list file was read to its end: its layout and row count (lines that could not be read noted)."""
    with store.transaction():
        store.conn.execute(
            "INSERT INTO list_files (item_id, form, columns, rows) VALUES (?, ?, ?, ?) ON CONFLICT (item_id) DO UPDATE"
            " SET form = excluded.form, columns = excluded.columns, rows = excluded.rows",
            [item_id, layout.form.value, json.dumps(layout.as_json()), rows])
        store.conn.execute("UPDATE items SET status = 'done', reason = ?, indexed_at = ? WHERE id = ?",
                           ["; ".join(problems) or None, now(), item_id])


def file_refused(store: Store, item_id: int, reason: str) -> None:
    """Record that a list file could not be read (rows found before the refusal are kept)."""
    with store.transaction():
        store.conn.execute("UPDATE items SET status = 'error', reason = ?, indexed_at = ? WHERE id = ?",
                           [reason, now(), item_id])
