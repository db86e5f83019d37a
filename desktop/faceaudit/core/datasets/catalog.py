"""Datasets the user has added: check, register, list with their state, inspect errors, remove, read one item."""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from faceaudit.core.datasets.ledger import Ledger, ledgers, not_read_parts
from faceaudit.core.datasets.listing import GONE_BUT_DECIDED
from faceaudit.core.datasets.lists import forget_indexes, open_list
from faceaudit.core.datasets.sources import Aside, Entry, SourceError, form_of, open_source, read_labels_csv
from faceaudit.core.datasets.sources.forms import describe
from faceaudit.core.datasets.sources.link_lists import LinkListSource
from faceaudit.core.datasets.sources.parquet_shards import ParquetSource, has_image_column
from faceaudit.core.datasets.states import Aligned, DatasetState, state_of
from faceaudit.core.errors import FaceAuditError
from faceaudit.core.storage.paths import cache_beside
from faceaudit.core.storage.store import Store, now

__all__ = ["DatasetInfo", "DatasetError", "DatasetProblem", "DatasetState", "Aligned", "RemovalImpact",
           "check_new_dataset", "add_dataset", "removal_impact", "list_datasets", "get_dataset", "dataset_errors",
           "remove_dataset", "read_item_bytes"]


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
    unavailable: int = 0
    aligned: str = Aligned.NONE
    gaps: tuple[tuple[str, str], ...] = ()
    state: DatasetState = DatasetState.NEW
    reason: str | None = None
    ledger: Ledger = Ledger()
    ledger_listed: bool = True

    @property
    def indexed(self) -> bool:
        """True when every item has been looked at."""
        return self.items > 0 and self.pending == 0

    @property
    def checked(self) -> bool:
        """True when a scan of this dataset really looked at its photos (see `DatasetState`)."""
        return self.state == DatasetState.READY

@dataclass(frozen=True)
class DatasetProblem:
    """Why a dataset cannot be added as chosen.

    Attributes:
        field: what to change: "path" (the folder or file) or "name".
        message: what is wrong, in plain words.
    """

    field: str
    message: str


@dataclass(frozen=True)
class RemovalImpact:
    """What removing a dataset takes with it, and what forbids removing it.

    Attributes:
        name: the dataset.
        items: its photos known to FaceAudit (the files themselves are never touched).
        faces: faces found in them.
        candidates: scan candidates in it.
        decisions: my decisions on those candidates, by decision ("me", "not_me", "unsure").
        drafts: ids of draft letters (requests not sent yet) about it.
        sent: ids of requests sent about it: while there is one, it cannot be removed.
    """

    name: str
    items: int
    faces: int
    candidates: int
    decisions: dict[str, int]
    drafts: list[int]
    sent: list[int]

    @property
    def refusal(self) -> str | None:
        """Why the dataset cannot be removed now, or None when it can."""
        if not self.sent:
            return None
        numbers = ", ".join(f"#{n}" for n in self.sent)
        return (f"{self.name!r} cannot be removed: you sent {len(self.sent)} request"
                f"{'s' if len(self.sent) != 1 else ''} about it ({numbers}), and following "
                f"{'it' if len(self.sent) == 1 else 'them'} up (a reminder, verifying the erasure) needs the "
                "photos you confirmed in it")


def check_new_dataset(store: Store, path: str | os.PathLike, name: str,
                      columns: str | None = None) -> list[DatasetProblem]:
    """Everything wrong with adding `path` as a dataset called `name`, before anything is written.

    Looks at the name (empty, taken) and the path (missing, unreadable, not a form FaceAudit
    reads, already added under another name, holding no photo). Reading stops at the first
    photo found, but a large folder or archive with none is read to its end: call it off the
    window's thread. `columns` is a list of links' column choice, as `add_dataset` takes it.
    """
    problems = []
    name = (name or "").strip()
    if not name:
        problems.append(DatasetProblem("name", "a dataset needs a name"))
    elif store.scalar("SELECT id FROM datasets WHERE name = ?", [name]) is not None:
        problems.append(DatasetProblem("name", f"a dataset named {name!r} already exists: choose another name"))
    problem = _path_problem(store, path, columns)
    if problem:
        problems.append(DatasetProblem("path", problem))
    return problems


def add_dataset(store: Store, path: str | os.PathLike, name: str, labels_csv: str | os.PathLike | None = None,
                aligned: str = Aligned.AUTO, columns: str | None = None) -> DatasetInfo:
    """Register a folder, archive, shard or pack, or a list of links, as a dataset (nothing is read yet but
    its form).

    Args:
        store: the database.
        path: the dataset's folder or file.
        name: a short name for it.
        labels_csv: a CSV of key,label giving each photo's identity.
        aligned: whether its photos are pre-aligned face crops: "auto" (crops of a known
            geometry skip detection), "arcface" (every photo is an ArcFace 112x112 crop), "none".
        columns: for a list of links, which columns hold identifiers ("url=URL,name=person"),
            instead of finding them from the header and values.

    Raises:
        DatasetError: the name is taken or empty, the labels file is missing, or `aligned` is unknown.
        SourceError: the path is missing, unreadable, already a dataset, holds no photo (nor list file), or
            is not a form FaceAudit reads (or not a list of links with the columns named).
    """
    for problem in check_new_dataset(store, path, name, columns):
        raise (DatasetError if problem.field == "name" else SourceError)(problem.message)
    name = name.strip()
    if aligned not in tuple(Aligned):
        raise DatasetError(f"unknown aligned setting {aligned!r}; choose one of {', '.join(Aligned)}")
    source, list_columns = open_list(path, columns) if columns else (open_source(path), None)
    _check_recognised(source)
    if labels_csv is not None and not Path(labels_csv).is_file():
        raise DatasetError(f"labels file {labels_csv} not found")
    if labels_csv is not None:
        read_labels_csv(labels_csv)  # refused now (not UTF-8, say) rather than at every index
    try:
        form = form_of(source)
    except (SourceError, OSError) as exc:
        raise SourceError(f"{Path(path).name} cannot be read: {exc}") from None
    store.db["datasets"].insert({
        "name": name, "path": str(source.path), "kind": form,
        "labels_csv": str(Path(labels_csv).resolve()) if labels_csv else None, "added": now(), "aligned": aligned,
        "list_columns": list_columns,
    })
    return get_dataset(store, name)


def _check_recognised(source) -> None:
    """A parquet file whose schema cannot be read is refused when it is added: image shards and lists
    of links are both parquet, and which this one is cannot be told. (Once added, a shard damaged
    since lists as refused, with the reason.)"""
    if isinstance(source, ParquetSource) and has_image_column(source.path) is None:
        raise SourceError(f"{source.path.name} cannot be read as parquet shards of images, and is not a list "
                          f"FaceAudit reads: {LinkListSource.refusal(source.path)}")


def list_datasets(store: Store) -> list[DatasetInfo]:
    """Every dataset with its counts, in the order added."""
    rows = store.query(
        """
        SELECT d.*, COUNT(i.id) AS items,
               COALESCE(SUM(i.status = 'done'), 0) AS done,
               COALESCE(SUM(i.status = 'pending'), 0) AS pending,
               COALESCE(SUM(i.status = 'error'), 0) AS errors,
               COALESCE(SUM(i.status = 'unavailable'), 0) AS unavailable,
               COALESCE(SUM(i.status = 'unavailable' AND i.reason IS NOT ?), 0) AS unread,
               (SELECT COUNT(*) FROM faces f WHERE f.dataset_id = d.id) AS faces,
               COALESCE(SUM(i.status = 'done' AND i.n_faces > 0), 0) AS photos_with_faces,
               (SELECT reason FROM items e WHERE e.dataset_id = d.id AND e.status = 'error'
                GROUP BY reason ORDER BY COUNT(*) DESC, reason LIMIT 1) AS top_error
        FROM datasets d LEFT JOIN items i ON i.dataset_id = d.id
        GROUP BY d.id ORDER BY d.id
        """, [GONE_BUT_DECIDED]
    )
    coverage = ledgers(store)
    return [_info(row, coverage.get(row["id"], Ledger())) for row in rows]


def get_dataset(store: Store, name: str) -> DatasetInfo:
    """One dataset by name.

    Raises:
        DatasetError: no such dataset.
    """
    for info in list_datasets(store):
        if info.name == name:
            return info
    raise DatasetError(f"no dataset named {name!r}")


def dataset_errors(store: Store, name: str, unavailable: bool = False) -> list[dict]:
    """The not-read part of a dataset's ledger, file by file (key, size, form, reason), ordered by reason:
    the files no reader took that are not companions, and the items that could not be read.

    Args:
        unavailable: the items that could not be read this time instead (kept, read again next index).
    """
    dataset = get_dataset(store, name)
    if unavailable:
        return store.query("SELECT key, size, reason FROM items WHERE dataset_id = ? AND status = 'unavailable'"
                           " ORDER BY key", [dataset.id])
    return not_read_parts(store, dataset.id)


def removal_impact(store: Store, name: str) -> RemovalImpact:
    """What removing a dataset would take with it (to ask first), and the requests that depend on it.

    Raises:
        DatasetError: no such dataset.
    """
    dataset = get_dataset(store, name)
    decisions: dict[str, int] = {}
    candidates = 0
    for table in ("matches", "identifier_matches"):  # faces, and rows of lists of links
        for decision, count in store.conn.execute(
                f"SELECT decision, COUNT(*) FROM {table} WHERE dataset_id = ? AND decision != 'unreviewed'"
                " GROUP BY decision", [dataset.id]).fetchall():
            decisions[decision] = decisions.get(decision, 0) + count
        candidates += store.scalar(f"SELECT COUNT(*) FROM {table} WHERE dataset_id = ?", [dataset.id])
    # The requests table belongs to the letters, above this layer; only its two columns are read.
    requests = store.conn.execute("SELECT id, status FROM requests WHERE dataset_name = ? ORDER BY id",
                                  [name]).fetchall()
    return RemovalImpact(name=name, items=dataset.items, faces=dataset.faces, candidates=candidates,
                         decisions=decisions, drafts=[i for i, status in requests if status == "draft"],
                         sent=[i for i, status in requests if status != "draft"])


def remove_dataset(store: Store, name: str) -> RemovalImpact:
    """Forget a dataset, its index, its candidates and my decisions on them (its own files are not touched).

    Refused while a request sent about the dataset is on record: its confirmed photos are what
    a reminder cites and what "verify erasure" looks for in the next release.

    Returns:
        What was removed.

    Raises:
        DatasetError: no such dataset, or a sent request depends on it.
    """
    with store.transaction():
        impact = removal_impact(store, name)
        if impact.refusal:
            raise DatasetError(impact.refusal, subject=name)
        dataset_id = get_dataset(store, name).id
        forget_indexes(store, dataset_id)
        store.conn.execute("DELETE FROM datasets WHERE id = ?", [dataset_id])
    return impact


def _info(row: dict, ledger: Ledger) -> DatasetInfo:
    gaps = tuple((prefix, reason) for prefix, reason in json.loads(row["listing_gaps"] or "[]"))
    info = DatasetInfo(
        id=row["id"], name=row["name"], path=row["path"], kind=row["kind"], items=row["items"],
        done=row["done"], pending=row["pending"], errors=row["errors"], faces=row["faces"],
        model=row["model"], last_indexed=row["last_indexed"], unavailable=row["unavailable"],
        aligned=row["aligned"] or Aligned.NONE, gaps=gaps, ledger=ledger, ledger_listed=not row["ledger_stale"],
    )
    state, reason = state_of(info, row["top_error"], row["photos_with_faces"], row["unread"])
    return replace(info, state=state, reason=reason)


def _path_problem(store: Store, path: str | os.PathLike, columns: str | None = None) -> str | None:
    if not str(path).strip():
        return "choose a folder or an archive"
    chosen = Path(path).expanduser()
    if not chosen.exists():
        return f"{chosen} does not exist"
    resolved = chosen.resolve()
    readable = os.R_OK | (os.X_OK if resolved.is_dir() else 0)
    if not os.access(resolved, readable):
        return f"{resolved.name} cannot be read: permission denied"
    for other in store.query("SELECT name, path FROM datasets ORDER BY id"):
        if _same_path(other["path"], resolved):
            return f"this {'folder' if resolved.is_dir() else 'file'} is already the dataset {other['name']!r}"
    gap = None
    found: Counter[str] = Counter()
    companions = 0
    try:
        source = open_list(resolved, columns)[0] if columns else open_source(resolved)
        for record in source.entries():
            if isinstance(record, Entry):
                return None  # one photo is enough to know it is not empty
            if isinstance(record, Aside):
                if record.reason is None:
                    companions += 1
                else:
                    found[record.form] += 1
                continue
            gap = gap or record  # a part of it that could not be listed
    except SourceError as exc:
        return str(exc)
    except OSError as exc:
        return f"{resolved.name} cannot be read: {exc.strerror or exc}"
    kind = "folder" if resolved.is_dir() else "archive"
    if found:
        return f"the {kind} {resolved.name} holds {describe(dict(found.most_common()))}, which FaceAudit cannot read"
    if gap is not None:
        return f"{resolved.name} cannot be read: {getattr(gap, 'reason', gap)}"
    files = f"{companions:,} file{'s' if companions != 1 else ''}"
    beside = f" (only companion metadata: {files} with no photo in it)" if companions else \
        " (no image file in it, or in its sub-folders)"
    return f"the {kind} {resolved.name} holds no photos{beside}"


def _same_path(stored: str, resolved: Path) -> bool:
    if Path(stored) == resolved:
        return True
    try:
        return os.path.samefile(stored, resolved)
    except OSError:
        return False


def read_item_bytes(store: Store, dataset: str | int, key: str) -> bytes:
    """The file bytes of one dataset item, read from the dataset in place, straight from where its
    listing found it (an offset, a row group and row) rather than from the dataset's start.

    Runs in the caller's thread: a front end calls it from a background task, never its window's.

    Args:
        store: the database.
        dataset: the dataset's name or id.
        key: the item's key inside the dataset.

    Raises:
        DatasetError: no such dataset, or the item cannot be read any more.
    """
    column = "id" if isinstance(dataset, int) else "name"
    rows = store.query("SELECT d.path, i.locator FROM datasets d"
                       f" LEFT JOIN items i ON i.dataset_id = d.id AND i.key = ? WHERE d.{column} = ?", [key, dataset])
    if not rows:
        raise DatasetError(f"no dataset {dataset!r}")
    try:
        return open_source(rows[0]["path"], cache=cache_beside(store.path)).read_one(key, rows[0]["locator"])
    except (SourceError, OSError) as exc:
        message = str(exc)
        raise DatasetError(message if message.startswith(key) else f"{key}: {message}") from None
