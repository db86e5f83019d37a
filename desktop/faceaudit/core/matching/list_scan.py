"""Search datasets published as lists of links for my identifiers; the rows found become candidates.

Each list file is searched in one pass (or only where its token index says a row could match,
see `datasets.list_index`); rows found are stored in `identifier_matches`, keeping my earlier
decisions. A file that cannot be read is recorded with the reason, and the rows it gave before
are kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from faceaudit.core.datasets import list_index
from faceaudit.core.datasets.list_index import ListIndex, token_hash
from faceaudit.core.datasets.lists import (
    LINK_LIST,
    file_read,
    file_refused,
    file_searched,
    index_of,
    list_source,
    sync_list_files,
)
from faceaudit.core.datasets.sources.link_lists import FoundRow, ListError, Role, SearchStep
from faceaudit.core.matching.identifiers import Identifier, list_identifiers
from faceaudit.core.matching.row_match import RowMatcher, index_words
from faceaudit.core.storage.store import Store, now

__all__ = ["ListScanProgress", "search_lists", "list_datasets_of"]


@dataclass(frozen=True)
class ListScanProgress:
    """A point of a search through link lists.

    Attributes:
        dataset: the dataset being searched.
        file: the list file being read (None on a dataset's last record).
        done: bytes of this dataset's files read so far.
        total: bytes of this dataset's files.
        found: rows found in this dataset so far.
        refused: list files of this dataset that could not be read so far.
        finished: the dataset has been searched to the end.
    """

    dataset: str
    file: str | None
    done: int
    total: int
    found: int
    refused: int = 0
    finished: bool = False


def list_datasets_of(store: Store, names: list[str] | None = None) -> list[dict]:
    """The link-list datasets among `names` (all of them for None), as rows with id and name."""
    rows = store.query("SELECT id, name FROM datasets WHERE kind = ? ORDER BY id", [LINK_LIST])
    return [r for r in rows if names is None or r["name"] in names]


def search_lists(store: Store, scan_id: int | None, datasets: list[dict],
                 identifiers: list[Identifier] | None = None) -> Iterator[ListScanProgress]:
    """Search each link-list dataset for my identifiers and store the rows found.

    A file already searched for some of the identifiers (in its present version) is searched
    only for the others, through its token index when it has one: its rows found before are
    carried into this scan.

    Args:
        store: the database (written from the calling thread).
        scan_id: the scan the rows belong to (None outside a scan).
        datasets: rows with `id` and `name` (see `list_datasets_of`).
        identifiers: default: all of mine.

    Yields:
        Progress records, one or more per file, and a finishing one per dataset.
    """
    identifiers = identifiers if identifiers is not None else list_identifiers(store)
    keys = {_key(i) for i in identifiers}
    for dataset in datasets:
        files = sync_list_files(store, dataset["id"])
        source = list_source(store, dataset["id"])
        total = sum(f.size for f in files)
        found = refused = before = 0
        for file in files:
            if file.status == "unavailable":  # not readable this time: the dataset's state says so
                before += file.size
                continue
            try:
                layout = source.layout(file.key)
            except (ListError, OSError) as exc:
                file_refused(store, file.item_id, str(exc))
                refused += 1
                before += file.size
                continue
            done = file.searched & keys if file.status == "done" else set()
            carried = _carry(store, dataset["id"], file.key, scan_id, keys) if done else set()
            found += len(carried)
            matcher = RowMatcher([i for i in identifiers if _key(i) not in done])
            index = index_of(store, file, layout) if matcher else None
            blocks = _blocks_to_read(index, matcher)
            try:
                if not matcher:
                    steps = [SearchStep(file.size, file.size, finished=True, count=file.rows)]
                elif blocks is None:
                    steps = source.search(file.key, layout, matcher.needles, matcher)
                else:
                    read = partial(_read_block, source.file_path(file.key), index.gzip_index())
                    steps = source.search_blocks(file.key, layout, blocks, read, matcher.needles, matcher)
                for step in steps:
                    found += _keep(store, dataset["id"], scan_id, step.rows, layout.roles, carried)
                    if step.finished:
                        rows = index.rows if blocks is not None else step.count or 0
                        file_read(store, file.item_id, layout, rows, step.problems)
                        searched = done | {_key(i) for i in matcher.identifiers}
                        file_searched(store, file.item_id, file.fingerprint, searched)
                    part = step.done / step.total if step.total else 1.0
                    yield ListScanProgress(dataset["name"], file.key, before + int(file.size * part), total, found,
                                           refused)
            except (ListError, OSError) as exc:
                file_refused(store, file.item_id, str(exc))
                refused += 1
            before += file.size
        yield ListScanProgress(dataset["name"], None, total, total, found, refused, finished=True)


def _key(identifier: Identifier) -> str:
    return f"{identifier.kind}:{identifier.value}"


def _carry(store: Store, dataset_id: int, file: str, scan_id: int | None, keys: set[str]) -> set[str]:
    """Bring a file's rows found earlier into this scan, naming only identifiers I still have; their locators."""
    carried: set[str] = set()
    with store.transaction():
        for row_id, locator, matched in store.conn.execute(
                "SELECT id, locator, matched FROM identifier_matches WHERE dataset_id = ? AND file = ?",
                [dataset_id, file]).fetchall():
            still = [m for m in json.loads(matched) if f"{m['kind']}:{m['value']}" in keys]
            if still:
                store.conn.execute("UPDATE identifier_matches SET matched = ?, scan_id = ? WHERE id = ?",
                                   [json.dumps(still), scan_id, row_id])
                carried.add(locator)
    return carried


def _blocks_to_read(index: ListIndex | None, matcher: RowMatcher) -> list | None:
    """The blocks of a file its token index says my identifiers could be in; None to read the whole file."""
    if index is None:
        return None
    wanted = []
    for identifier in matcher.identifiers:
        words = index_words(identifier)
        if words is None:
            return None
        wanted.append([[token_hash(w.encode()) for w in alternative] for alternative in words])
    return [index.blocks[n] for n in index.blocks_for(wanted)]


def _keep(store: Store, dataset_id: int, scan_id: int | None, rows: tuple[FoundRow, ...], roles: dict[str, Role],
          carried: set[str]) -> int:
    """Store rows found (a row found again keeps my decision; a row carried into this scan keeps the identifiers
    it was found by before); returns how many rows are new to this scan."""
    if not rows:
        return 0
    stamp = now()
    new = 0
    with store.transaction():
        for row in rows:
            matched = [{"kind": i.kind.value, "value": i.value, "label": i.label} for i in row.verdict]
            if row.locator in carried:  # found earlier by other identifiers: add the new ones
                before = store.conn.execute(
                    "SELECT matched FROM identifier_matches WHERE dataset_id = ? AND file = ? AND locator = ?",
                    [dataset_id, row.file, row.locator]).fetchone()
                seen = {(m["kind"], m["value"]) for m in matched}
                matched = [m for m in json.loads(before[0]) if (m["kind"], m["value"]) not in seen] + matched
            else:
                new += 1
            store.conn.execute(
                "INSERT INTO identifier_matches (dataset_id, file, locator, position, url, matched, fields, scan_id,"
                " first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dataset_id, file, locator) DO UPDATE SET"
                " position = excluded.position, url = excluded.url, matched = excluded.matched,"
                " fields = excluded.fields, scan_id = excluded.scan_id",
                [dataset_id, row.file, row.locator, row.position, _url_of(row, roles), json.dumps(matched),
                 json.dumps(row.record, ensure_ascii=False), scan_id, stamp])
    return new


def _url_of(row: FoundRow, roles: dict[str, Role]) -> str | None:
    """The row's address: its first address column with a value (FFHQ's photo page comes first)."""
    return next((row.record[c] for c in row.record if roles.get(c) is Role.URL and row.record[c].strip()), None)


def _read_block(path, gzip_index, block) -> bytes:
    return list_index.read_block(path, block, gzip_index)
