"""Listing: bring a dataset's items table in line with its files (new and changed files become pending)."""

from __future__ import annotations

import json

from faceaudit.core.datasets.sources import label_from_key, open_source, read_labels_csv
from faceaudit.core.storage.store import Store

__all__ = ["sync_listing", "face_settings"]


def sync_listing(store: Store, dataset_id: int, engine_settings: dict) -> None:
    """Bring the items table in line with the files: new and changed files become pending."""
    row = store.query("SELECT path, labels_csv, settings, model FROM datasets WHERE id = ?", [dataset_id])[0]
    labels = read_labels_csv(row["labels_csv"]) if row["labels_csv"] else {}
    recorded = json.loads(row["settings"]) if row["settings"] else None
    known = {key: (item_id, fingerprint) for item_id, key, fingerprint in store.conn.execute(
        "SELECT id, key, fingerprint FROM items WHERE dataset_id = ?", [dataset_id])}
    seen: set[str] = set()
    with store.transaction():
        if recorded is not None and face_settings(recorded) != face_settings(engine_settings):
            # Other detector or model: the stored faces are not comparable. Start over.
            store.conn.execute("DELETE FROM matches WHERE dataset_id = ?", [dataset_id])
            store.conn.execute("DELETE FROM faces WHERE dataset_id = ?", [dataset_id])
            store.conn.execute("UPDATE items SET status = 'pending', reason = NULL WHERE dataset_id = ?", [dataset_id])
        store.conn.execute("UPDATE datasets SET settings = ?, model = ? WHERE id = ?",
                           [json.dumps(engine_settings), engine_settings["model"], dataset_id])
        for entry in open_source(row["path"]).entries():
            if entry.key in seen:
                continue  # a tar archive may hold the same name twice; the first one counts
            seen.add(entry.key)
            status, reason = ("error", entry.problem) if entry.problem else ("pending", None)
            label = labels.get(entry.key) or (label_from_key(entry.key) if not labels else None)
            if entry.key not in known:
                store.conn.execute(
                    "INSERT INTO items (dataset_id, key, size, fingerprint, label, status, reason)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [dataset_id, entry.key, entry.size, entry.fingerprint, label, status, reason],
                )
            elif known[entry.key][1] != entry.fingerprint:
                item_id = known[entry.key][0]
                store.conn.execute("DELETE FROM faces WHERE item_id = ?", [item_id])
                store.conn.execute("DELETE FROM matches WHERE item_id = ? AND decision = 'unreviewed'", [item_id])
                store.conn.execute(
                    "UPDATE items SET size = ?, fingerprint = ?, label = ?, status = ?, reason = ?, sha256 = NULL"
                    " WHERE id = ?",
                    [entry.size, entry.fingerprint, label, status, reason, item_id],
                )
        gone = [item_id for key, (item_id, _) in known.items() if key not in seen]
        store.conn.executemany("DELETE FROM items WHERE id = ?", [[i] for i in gone])


def face_settings(settings: dict) -> tuple:
    return settings.get("detector"), settings.get("upsample"), settings.get("model")
