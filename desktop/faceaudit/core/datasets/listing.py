"""Listing: bring a dataset's items table in line with its files, losing no decision on the way.

New and changed files become pending. What the listing could not read (a `Gap`: an unreadable
folder, a disk not mounted, an archive cut short) is marked unavailable, never removed: faces and
decisions stay, and the next index looks again. A file really gone is forgotten, unless the person
decided on a face in it: then it stays, unavailable, until they remove the dataset themselves.

Writes are made in short transactions (about every half second of listing), never one transaction
for the whole listing: a listing of a large archive can take minutes, and another process (the
app, a CLI command) must be able to write meanwhile.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from faceaudit.core.datasets.kept_decisions import detach_decisions
from faceaudit.core.datasets.ledger import record_ledger
from faceaudit.core.datasets.sources import Aside, Entry, Gap, SourceError, Unreadable, open_source, read_labels_csv
from faceaudit.core.storage.paths import cache_beside
from faceaudit.core.storage.store import Store

__all__ = ["ListingReport", "sync_listing", "face_settings", "recorded_settings", "listed_records", "record_gaps",
           "GONE_BUT_DECIDED"]

#: A listing commits its writes at least this often (seconds), and holds no transaction between.
COMMIT_EVERY_S = 0.5
_COMMIT_ROWS = 2000

GONE_BUT_DECIDED = "no longer in the dataset; kept because you decided on a face in it"


@dataclass(frozen=True)
class ListingReport:
    """What a listing found.

    Attributes:
        gaps: the parts of the dataset that could not be listed, with why.
        unavailable: items now unavailable (not readable this time, kept with their faces).
        removed: items forgotten because their files are gone and nobody decided on them.
    """

    gaps: tuple[Gap, ...] = ()
    unavailable: int = 0
    removed: int = 0


def recorded_settings(store: Store, dataset_id: int) -> dict | None:
    """The face settings a dataset was last indexed with, or None when it never was."""
    text = store.scalar("SELECT settings FROM datasets WHERE id = ?", [dataset_id])
    return json.loads(text) if text else None


def sync_listing(store: Store, dataset_id: int, engine_settings: dict) -> ListingReport:
    """Bring the items table in line with the files: new and changed files become pending.

    Other face settings than the recorded ones make every item pending again; decisions are kept
    (see kept_decisions). Nothing a person decided on is deleted.

    Raises:
        LabelsError: the dataset's labels file cannot be read (before anything is changed).
    """
    row = store.query("SELECT path, kind, labels_csv FROM datasets WHERE id = ?", [dataset_id])[0]
    labels = read_labels_csv(row["labels_csv"]) if row["labels_csv"] else {}
    recorded = recorded_settings(store, dataset_id)
    with store.transaction():
        if recorded is not None and face_settings(recorded) != face_settings(engine_settings):
            # Other detector or model: the stored faces are not comparable. Remake them all.
            detach_decisions(store, dataset_id=dataset_id)
            store.conn.execute("DELETE FROM faces WHERE dataset_id = ?", [dataset_id])
            store.conn.execute("UPDATE items SET status = 'pending', reason = NULL, prior_status = NULL"
                               " WHERE dataset_id = ?", [dataset_id])
        store.conn.execute("UPDATE datasets SET settings = ?, model = ? WHERE id = ?",
                           [json.dumps(engine_settings), engine_settings["model"], dataset_id])
    known = {key: (item_id, fingerprint, status, locator) for item_id, key, fingerprint, status, locator in
             store.conn.execute("SELECT id, key, fingerprint, status, locator FROM items WHERE dataset_id = ?",
                                [dataset_id])}
    writer = _Writer(store)
    seen: set[str] = set()
    gaps: list[Gap] = []
    asides: list[Aside] = []
    for record in listed_records(row, bool(known), cache_beside(store.path)):
        if isinstance(record, Gap):
            gaps.append(record)
            continue
        if isinstance(record, Aside):
            asides.append(record)
            continue
        if record.key in seen:
            continue  # a tar archive may hold the same name twice; the first one counts
        seen.add(record.key)
        label = labels.get(record.key) if labels else record.label
        writer.item(dataset_id, record, label, known.get(record.key))
    writer.flush()
    unavailable, removed = _missing(store, dataset_id, known, seen, gaps)
    record_gaps(store, dataset_id, gaps)
    record_ledger(store, dataset_id, asides)
    return ListingReport(tuple(gaps), unavailable, removed)


def face_settings(settings: dict) -> tuple:
    return (settings.get("detector"), settings.get("upsample"), settings.get("model"), settings.get("aligned", "none"),
            settings.get("square"))


def record_gaps(store: Store, dataset_id: int, gaps: list[Gap]) -> None:
    """Keep with the dataset the parts its last listing could not read (none: cleared)."""
    with store.transaction():
        store.conn.execute("UPDATE datasets SET listing_gaps = ? WHERE id = ?",
                           [json.dumps([[gap.prefix, gap.reason] for gap in gaps]) if gaps else None, dataset_id])


def listed_records(row: dict, had_items: bool, cache: Path) -> Iterator[Entry | Gap | Aside]:
    """A dataset's entries and gaps (`row`: its path and recorded kind); a source that cannot be opened
    or breaks off is a gap, not an error, and so is a dataset that lists nothing where it had items."""
    path = Path(row["path"])
    if not path.exists():
        yield Gap("", f"{path} is not there (is its disk mounted, or was it moved?)")
        return
    listed = 0
    try:
        for record in open_source(path, kind=row["kind"], cache=cache).entries():
            listed += isinstance(record, Entry)
            yield record
    except SourceError as exc:
        yield Gap("", str(exc))
        return
    if had_items and not listed:
        # An empty mount point looks like a dataset whose every file was deleted.
        yield Gap("", f"nothing could be listed in {path} (is its disk mounted?)")


class _Writer:
    """Buffers the listing's writes and commits them in short transactions."""

    def __init__(self, store: Store):
        self.store = store
        self.pending: list[tuple[str | None, list]] = []
        self.since = time.monotonic()

    def item(self, dataset_id: int, entry: Entry, label: str | None, known: tuple | None) -> None:
        """Queue the write for one listed entry (a changed file's decisions are detached, to be kept)."""
        unreadable = isinstance(entry.problem, Unreadable)
        status = "unavailable" if unreadable else ("error" if entry.problem else "pending")
        if known is None:
            # ON CONFLICT: another process listing the same dataset at the same time may add it first.
            self._queue("INSERT INTO items (dataset_id, key, size, fingerprint, label, status, reason, prior_status,"
                        " locator) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dataset_id, key) DO NOTHING",
                        [dataset_id, entry.key, entry.size, entry.fingerprint, label, status, entry.problem,
                         "pending" if unreadable else None, entry.locator])
            return
        item_id, fingerprint, old_status, locator = known
        if fingerprint == entry.fingerprint and not unreadable:
            if old_status == "unavailable":  # readable again, and unchanged: back to where it was
                self._queue("UPDATE items SET status = CASE WHEN prior_status = 'done' THEN 'done' ELSE 'pending' END,"
                            " reason = NULL, prior_status = NULL WHERE id = ?", [item_id])
            if locator != entry.locator:  # the same item, moved inside its archive
                self._queue("UPDATE items SET locator = ? WHERE id = ?", [entry.locator, item_id])
            return
        if unreadable:
            self._queue("UPDATE items SET prior_status = CASE WHEN status = 'unavailable' THEN prior_status"
                        " ELSE status END, status = 'unavailable', reason = ? WHERE id = ?", [entry.problem, item_id])
            return
        self._queue(None, [item_id])  # a changed file: its faces are remade, the decisions on them kept
        self._queue("UPDATE items SET size = ?, fingerprint = ?, label = ?, status = ?, reason = ?, sha256 = NULL,"
                    " prior_status = NULL, locator = ? WHERE id = ?",
                    [entry.size, entry.fingerprint, label, status, entry.problem, entry.locator, item_id])

    def _queue(self, sql: str, params: list) -> None:
        self.pending.append((sql, params))
        if len(self.pending) >= _COMMIT_ROWS or time.monotonic() - self.since > COMMIT_EVERY_S:
            self.flush()

    def flush(self) -> None:
        """Commit what is queued (no transaction is held between two flushes)."""
        if self.pending:
            with self.store.transaction():
                for sql, params in self.pending:
                    if sql is None:
                        detach_decisions(self.store, item_id=params[0])
                        self.store.conn.execute("DELETE FROM faces WHERE item_id = ?", params)
                    else:
                        self.store.conn.execute(sql, params)
            self.pending = []
        self.since = time.monotonic()


def _missing(store: Store, dataset_id: int, known: dict, seen: set[str], gaps: list[Gap]) -> tuple[int, int]:
    """Known items the listing did not see: unavailable under a gap or when decided on; else forgotten."""
    missing = [(key, item_id) for key, (item_id, *_rest) in known.items() if key not in seen]
    if not missing:
        return 0, 0
    decided = {row[0] for row in store.conn.execute(
        "SELECT DISTINCT item_id FROM matches WHERE dataset_id = ? AND decision != 'unreviewed'", [dataset_id])}
    unavailable, removed = [], []
    for key, item_id in missing:
        gap = next((gap for gap in gaps if key.startswith(gap.prefix)), None)
        if gap is not None:
            unavailable.append((gap.reason, item_id))
        elif item_id in decided:
            unavailable.append((GONE_BUT_DECIDED, item_id))
        else:
            removed.append((item_id,))
    with store.transaction():
        store.conn.executemany("UPDATE items SET prior_status = CASE WHEN status = 'unavailable' THEN prior_status"
                               " ELSE status END, status = 'unavailable', reason = ? WHERE id = ?", unavailable)
        store.conn.executemany("DELETE FROM items WHERE id = ?", removed)
    return len(unavailable), len(removed)
