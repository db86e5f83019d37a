"""The coverage ledger: every file and member of a dataset in exactly one place, and what is not read.

A file or member is read as photos (an item done), read as a list (a list file read to its end),
companion metadata (inspected: no photo and no identifier in it), or not read, with why and its
size. The last group is the ledger's not-read part: the `ledger` table's files that no reader took
(7-Zip volumes, split zip parts, Arrow files, unrecognised files, special files), and the items that
could not be read (damaged photos, refused members, list files not read to the end). A dataset is
whole when that part is empty; only then can a scan of it say that nothing in it looks like me.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from faceaudit.core.datasets.kinds import DatasetKind
from faceaudit.core.datasets.sources import Aside
from faceaudit.core.datasets.sources.forms import describe, name_plural, plural_of
from faceaudit.core.storage.store import Store

__all__ = ["NotRead", "Ledger", "record_ledger", "ledgers", "not_read_parts", "human_size", "ITEM_ERRORS",
           "LIST_ERRORS"]

#: The not-read group of items that could not be read, for photo datasets and lists of links.
ITEM_ERRORS = "item that could not be read"
LIST_ERRORS = "list file not read to the end"
name_plural(ITEM_ERRORS, "items that could not be read")
name_plural(LIST_ERRORS, "list files not read to the end")


@dataclass(frozen=True)
class NotRead:
    """One group of the not-read part: files of one form (or items refused), how many, how large."""

    form: str
    files: int
    size: int

    def words(self) -> str:
        return f"{plural_of(self.form)}: {self.files:,} file{'s' if self.files != 1 else ''}, {human_size(self.size)}"


@dataclass(frozen=True)
class Ledger:
    """Where a dataset's files went (companions and not-read groups; photos and rows are its items).

    Attributes:
        companions: files inspected and found to hold no photo and no identifier.
        companion_size: their bytes.
        not_read: the not-read part, by form, largest first.
    """

    companions: int = 0
    companion_size: int = 0
    not_read: tuple[NotRead, ...] = ()

    @property
    def whole(self) -> bool:
        """True when nothing of the dataset is left unread."""
        return not self.not_read

    @property
    def files_not_read(self) -> int:
        return sum(group.files for group in self.not_read)

    @property
    def size_not_read(self) -> int:
        return sum(group.size for group in self.not_read)

    def summary(self) -> str | None:
        """'partly read: 4 files / 1.2 GB not read (7-Zip volumes: 3 files, 1.2 GB; ...)', or None when whole."""
        if self.whole:
            return None
        files = self.files_not_read
        groups = "; ".join(group.words() for group in self.not_read)
        return (f"partly read: {files:,} file{'s' if files != 1 else ''} / {human_size(self.size_not_read)} "
                f"not read ({groups})")

    def found(self) -> str | None:
        """What the not-read files are, for a refusal: '3 7-Zip volumes and 1 Arrow file'."""
        if self.whole:
            return None
        return describe({group.form: group.files for group in self.not_read})


def human_size(size: int) -> str:
    """'1.2 GB', '30 KB', '512 bytes' (decimal units, as file managers show them)."""
    for unit, scale in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size:,} byte{'s' if size != 1 else ''}"


def record_ledger(store: Store, dataset_id: int, asides: Iterable[Aside]) -> None:
    """Replace a dataset's ledger with what its listing found beside its items."""
    with store.transaction():
        store.conn.execute("UPDATE datasets SET ledger_stale = 0 WHERE id = ?", [dataset_id])
        store.conn.execute("DELETE FROM ledger WHERE dataset_id = ?", [dataset_id])
        store.conn.executemany(
            "INSERT OR IGNORE INTO ledger (dataset_id, key, size, form, reason) VALUES (?, ?, ?, ?, ?)",
            ([dataset_id, aside.key, aside.size, aside.form, aside.reason] for aside in asides))


def ledgers(store: Store) -> dict[int, Ledger]:
    """Every dataset's ledger, by dataset id (a dataset with nothing aside and no item refused is absent)."""
    companions: dict[int, tuple[int, int]] = {}
    groups: dict[int, list[NotRead]] = defaultdict(list)
    for dataset_id, form, unread, files, size in store.conn.execute(
            "SELECT dataset_id, form, reason IS NOT NULL, COUNT(*), COALESCE(SUM(size), 0) FROM ledger"
            " GROUP BY dataset_id, form, reason IS NOT NULL"):
        if unread:
            groups[dataset_id].append(NotRead(form, files, size))
        else:
            old = companions.get(dataset_id, (0, 0))
            companions[dataset_id] = (old[0] + files, old[1] + size)
    for dataset_id, kind, files, size in store.conn.execute(
            "SELECT i.dataset_id, d.kind, COUNT(*), COALESCE(SUM(i.size), 0) FROM items i"
            " JOIN datasets d ON d.id = i.dataset_id WHERE i.status = 'error' GROUP BY i.dataset_id"):
        groups[dataset_id].append(NotRead(LIST_ERRORS if kind == DatasetKind.LINK_LIST else ITEM_ERRORS, files, size))
    out = {}
    for dataset_id in set(companions) | set(groups):
        files, size = companions.get(dataset_id, (0, 0))
        ordered = tuple(sorted(groups.get(dataset_id, ()), key=lambda g: (-g.size, -g.files, g.form)))
        out[dataset_id] = Ledger(files, size, ordered)
    return out


def not_read_parts(store: Store, dataset_id: int) -> list[dict]:
    """The not-read part of a dataset, file by file: key, size, form and reason, grouped by reason."""
    return store.query(
        "SELECT key, size, form, reason FROM ledger WHERE dataset_id = ? AND reason IS NOT NULL"
        " UNION ALL SELECT i.key, i.size, CASE WHEN d.kind = ? THEN ? ELSE ? END, i.reason FROM items i"
        " JOIN datasets d ON d.id = i.dataset_id WHERE i.dataset_id = ? AND i.status = 'error'"
        " ORDER BY reason, key", [dataset_id, DatasetKind.LINK_LIST, LIST_ERRORS, ITEM_ERRORS, dataset_id])
