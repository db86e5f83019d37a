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

from faceaudit.core.datasets.lists import LINK_LIST, file_read, file_refused, list_source, sync_list_files
from faceaudit.core.datasets.sources.link_lists import FoundRow, ListError, Role
from faceaudit.core.matching.identifiers import Identifier, list_identifiers
from faceaudit.core.matching.row_match import RowMatcher
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

    Args:
        store: the database (written from the calling thread).
        scan_id: the scan the rows belong to (None outside a scan).
        datasets: rows with `id` and `name` (see `list_datasets_of`).
        identifiers: default: all of mine.

    Yields:
        Progress records, one or more per file, and a finishing one per dataset.
    """
    matcher = RowMatcher(identifiers if identifiers is not None else list_identifiers(store))
    for dataset in datasets:
        files = sync_list_files(store, dataset["id"])
        source = list_source(store, dataset["id"])
        total = sum(f.size for f in files)
        found = refused = before = 0
        for file in files:
            try:
                layout = source.layout(file.key)
            except (ListError, OSError) as exc:
                file_refused(store, file.item_id, str(exc))
                refused += 1
                before += file.size
                continue
            try:
                for step in source.search(file.key, layout, matcher.needles, matcher) if matcher else ():
                    found += _keep(store, dataset["id"], scan_id, step.rows, layout.roles)
                    if step.finished:
                        file_read(store, file.item_id, layout, step.count or 0, step.problems)
                    yield ListScanProgress(dataset["name"], file.key, before + step.done, total, found, refused)
            except (ListError, OSError) as exc:
                file_refused(store, file.item_id, str(exc))
                refused += 1
            before += file.size
        yield ListScanProgress(dataset["name"], None, total, total, found, refused, finished=True)


def _keep(store: Store, dataset_id: int, scan_id: int | None, rows: tuple[FoundRow, ...],
          roles: dict[str, Role]) -> int:
    if not rows:
        return 0
    stamp = now()
    with store.transaction():
        for row in rows:
            matched = [{"kind": i.kind.value, "value": i.value, "label": i.label} for i in row.verdict]
            store.conn.execute(
                "INSERT INTO identifier_matches (dataset_id, file, locator, position, url, matched, fields, scan_id,"
                " first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dataset_id, file, locator) DO UPDATE SET"
                " position = excluded.position, url = excluded.url, matched = excluded.matched,"
                " fields = excluded.fields, scan_id = excluded.scan_id",
                [dataset_id, row.file, row.locator, row.position, _url_of(row, roles), json.dumps(matched),
                 json.dumps(row.record, ensure_ascii=False), scan_id, stamp])
    return len(rows)


def _url_of(row: FoundRow, roles: dict[str, Role]) -> str | None:
    """The row's address: its first address column with a value (FFHQ's photo page comes first)."""
    return next((row.record[c] for c in row.record if roles.get(c) is Role.URL and row.record[c].strip()), None)
