"""Bring index parts home: each shard's part checked and written into the store, resumably.

A part is used only when it is whole, made from the shard as it is now (same fingerprint) and
with the dataset's face settings; then its items are written exactly as a local index writes
them (`indexing.write_records`, `indexing.mark_unread`). A shard whose part is missing, damaged
or made from another version of it is never silently absent: its items not yet read are marked
not read (unavailable, read again at the next index), with the reason. Importing again is a
no-op for parts already in (same digest); items already indexed keep their faces.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from faceaudit.core.datasets.catalog import get_dataset
from faceaudit.core.datasets.index_parts import PartError, read_part
from faceaudit.core.datasets.indexing import finish_index, list_for_indexing, mark_unread, write_records
from faceaudit.core.datasets.listing import face_settings, recorded_settings
from faceaudit.core.datasets.shards import Shard, dataset_shards, shard_items
from faceaudit.core.datasets.sources import Unreadable
from faceaudit.core.storage.store import Store, now

__all__ = ["ShardImport", "import_parts", "import_shard", "imported_parts", "refuse_shard"]

_WRITE_BATCH = 256


@dataclass(frozen=True)
class ShardImport:
    """What became of one shard's part.

    Attributes:
        shard: the shard's key ("" for a dataset that is one file).
        status: "imported", "already" (in before, unchanged) or "refused" (its items left not read).
        reason: why it was refused.
        items: the shard's items written now.
        faces: faces written now.
    """

    shard: str
    status: str
    reason: str | None = None
    items: int = 0
    faces: int = 0


def import_parts(store: Store, name: str, folder: str | Path, passphrase: str | None = None) -> Iterator[ShardImport]:
    """Import every shard's part from `folder` (a generator: one record per shard).

    The dataset is listed first, as an index lists it (with its recorded face settings).
    """
    dataset = get_dataset(store, name)
    list_for_indexing(store, dataset, None)
    shards, _gaps = dataset_shards(dataset.path, dataset.kind)
    for shard in shards:
        yield import_shard(store, dataset.id, shard, folder, passphrase)
    for _step in finish_index(store, dataset.id):  # a second model's numbers are made here, from the photos
        pass


def import_shard(store: Store, dataset_id: int, shard: Shard, folder: str | Path,
                 passphrase: str | None = None) -> ShardImport:
    """Check one shard's part and write it into the store, or mark the shard's unread items not read."""
    mine = _items_of(store, dataset_id, shard)
    path = Path(folder) / shard.name
    if not path.is_file():
        return _refuse(store, dataset_id, shard, mine, "its index part is missing", None)
    try:
        part, digest = read_part(path, passphrase)
    except PartError as exc:
        return _refuse(store, dataset_id, shard, mine, f"its index part is not usable: {exc}", None)
    done_before = store.scalar("SELECT 1 FROM index_parts WHERE dataset_id = ? AND shard = ? AND digest = ? AND"
                               " fingerprint = ? AND status = 'imported'", [dataset_id, shard.key, digest,
                                                                            shard.fingerprint])
    if done_before and all(status in ("done", "error") for _id, _f, status in mine.values()):
        return ShardImport(shard.key, "already")
    if part.shard != shard.key or part.fingerprint != shard.fingerprint:
        return _refuse(store, dataset_id, shard, mine, "its index part was made from another version of the shard",
                       digest)
    recorded = recorded_settings(store, dataset_id) or {}
    if face_settings(part.settings) != face_settings(recorded):
        return _refuse(store, dataset_id, shard, mine, "its index part was made with other face settings", digest)
    written = faces = 0
    batch, seen = [], set()
    for item in part.items:
        known = mine.get(item.key)
        if known is None or item.key in seen:
            continue  # listed no more (the dataset changed since): the next index deals with it
        seen.add(item.key)
        item_id, fingerprint, status = known
        if status == "done":
            continue  # indexed before: its faces (and the decisions on them) stay as they are
        if fingerprint != item.fingerprint:
            mark_unread(store, item_id, Unreadable("changed since its index part was made; read again next index"))
        elif item.status == "unavailable":
            mark_unread(store, item_id, Unreadable(item.record.error or "not read on the cluster"))
        else:
            item.record.item_id = item_id
            batch.append(item.record)
            written += 1
            faces += len(item.record.faces)
            if len(batch) >= _WRITE_BATCH:
                write_records(store, batch)
                batch = []
    if batch:
        write_records(store, batch)
    for key, (item_id, _fingerprint, status) in mine.items():
        if key not in seen and status not in ("done", "error"):
            mark_unread(store, item_id, Unreadable("not in its shard's index part; read again next index"))
    _record(store, dataset_id, shard, digest, "imported", None, written, faces)
    return ShardImport(shard.key, "imported", None, written, faces)


def refuse_shard(store: Store, dataset_id: int, shard: Shard, reason: str) -> ShardImport:
    """Mark a shard's items not yet read as not read, with why (its part could not be made)."""
    return _refuse(store, dataset_id, shard, _items_of(store, dataset_id, shard), reason, None)


def _items_of(store: Store, dataset_id: int, shard: Shard) -> dict:
    items = {key: (item_id, fingerprint, status) for item_id, key, fingerprint, status in store.conn.execute(
        "SELECT id, key, fingerprint, status FROM items WHERE dataset_id = ?", [dataset_id])}
    return {key: items[key] for key in shard_items(shard, items)}


def _refuse(store: Store, dataset_id: int, shard: Shard, mine: dict, reason: str, digest: str | None) -> ShardImport:
    why = f"{shard.key or 'the dataset'}: {reason}"
    for item_id, _fingerprint, status in mine.values():
        if status not in ("done", "error"):
            mark_unread(store, item_id, Unreadable(f"not read: {why}"))
    _record(store, dataset_id, shard, digest, "refused", why, 0, 0)
    return ShardImport(shard.key, "refused", why)


def _record(store: Store, dataset_id: int, shard: Shard, digest: str | None, status: str, reason: str | None,
            items: int, faces: int) -> None:
    with store.transaction():
        store.conn.execute(
            "INSERT INTO index_parts (dataset_id, shard, fingerprint, digest, status, reason, items, faces,"
            " imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dataset_id, shard) DO UPDATE SET"
            " fingerprint = excluded.fingerprint, digest = excluded.digest, status = excluded.status,"
            " reason = excluded.reason, items = excluded.items, faces = excluded.faces,"
            " imported_at = excluded.imported_at",
            [dataset_id, shard.key, shard.fingerprint, digest, status, reason, items, faces, now()])


def imported_parts(store: Store, dataset_id: int) -> dict[str, dict]:
    """The shards of a dataset whose parts were looked at, by key: status, reason, counts."""
    return {row["shard"]: row for row in store.query("SELECT * FROM index_parts WHERE dataset_id = ?", [dataset_id])}


