"""Candidates of a dataset too large for exact search, from an approximate index, and what the scan records of it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from faceaudit.core.matching import vectors
from faceaudit.core.storage.store import Store

__all__ = ["Search", "Searched", "approximate_rows", "record_search", "scan_searches", "approximate_reason"]


class Search(StrEnum):
    """How a scan searched a dataset's faces."""

    EXACT = "exact"  # every face compared
    IVF_PQ = "ivf-pq"  # faiss IVF-PQ index (needs faiss: the cluster extra or the dev tools)
    HNSW = "hnsw"  # usearch graph: where faiss is not installed


@dataclass(frozen=True)
class Searched:
    """One dataset's search in one scan.

    Attributes:
        search: how.
        recall: for an approximate search, the share of the faces within the match distance of a
            dataset face that the index returned, measured on this dataset
            (`large_index.exact_neighbours`); None for exact, or when no face had such a neighbour.
        per_reference: candidates asked of the index per reference face (None for exact).
    """

    search: Search
    recall: float | None = None
    per_reference: int | None = None

    @property
    def approximate(self) -> bool:
        return self.search != Search.EXACT


def approximate_rows(stored: vectors.DatasetVectors, refs: np.ndarray, radius: float) -> tuple[np.ndarray, Searched]:
    """Rows worth an exact look: the union of each reference's nearest faces by the approximate index.

    The faiss IVF-PQ index shipped with the dataset's parts is used where one was brought home and
    covers every face (`shipped_index`); else one is built on first use from the cached matrix (next
    to it in the cache, `.ivfpq`), its recall measured then; where faiss is not installed, the usearch graph
    (`vectors.approx_search`) is used and its recall measured the same way on first use. The
    caller re-ranks these rows exactly from the stored embeddings. `radius` (the model's match
    distance) says which faces the recall is measured on: those a scan must see.
    """
    from faceaudit.core.matching import large_index, shipped_index

    k = large_index.PER_REFERENCE
    try:
        import faiss  # noqa: F401  (only its presence matters here)
    except ImportError:
        rows, _ = vectors.approx_search(stored, refs, k=k)
        return np.unique(rows[rows >= 0]), Searched(Search.HNSW, _hnsw_recall(stored, k, radius), k)
    shipped = shipped_index.rows(stored, refs, radius, k)
    if shipped is not None:  # the index made with the dataset's parts, where it covers every face
        return shipped[0], Searched(Search.IVF_PQ, shipped[1], k)
    index = large_index.local_index(stored.matrix, stored.path.with_name(
        stored.path.name.replace(".f16.npy", ".ivfpq")), radius)
    rows = index.nearest(refs, k)
    return np.unique(rows[rows >= 0]), Searched(Search.IVF_PQ, index.recall, k)


def _hnsw_recall(stored: vectors.DatasetVectors, k: int, radius: float) -> float | None:
    from faceaudit.core.matching import large_index

    about = stored.path.with_name(stored.path.name.replace(".f16.npy", ".usearch.json"))
    if about.exists():
        return json.loads(about.read_text(encoding="utf-8"))["recall"]
    recall = large_index.measure_recall(stored.matrix, lambda asked, n: vectors.approx_search(stored, asked, n)[0],
                                        radius, k=k)
    large_index.write_private(about, lambda target: target.write_text(json.dumps({"recall": recall}),
                                                                       encoding="utf-8"))
    return recall


def record_search(store: Store, scan_id: int, dataset_id: int, searched: Searched) -> None:
    """Keep how the scan searched a dataset (the review and its "not really checked" wording read it)."""
    with store.transaction():
        store.conn.execute("INSERT OR REPLACE INTO scan_searches (scan_id, dataset_id, search, recall, per_reference)"
                           " VALUES (?, ?, ?, ?, ?)", [scan_id, dataset_id, searched.search.value, searched.recall,
                                                       searched.per_reference])


def scan_searches(store: Store, scan_id: int) -> dict[str, Searched]:
    """How a scan searched each face dataset, by dataset name."""
    rows = store.conn.execute("SELECT d.name, s.search, s.recall, s.per_reference FROM scan_searches s"
                              " JOIN datasets d ON d.id = s.dataset_id WHERE s.scan_id = ?", [scan_id]).fetchall()
    return {name: Searched(Search(search), recall, per) for name, search, recall, per in rows}


def approximate_reason(searched: Searched) -> str:
    """Why an approximately searched dataset is not wholly checked, in plain words."""
    measured = (f"it found {searched.recall:.1%} of the faces within the match distance of a face when "
                "measured on this dataset"
                if searched.recall is not None else "its recall on this dataset was not measured")
    return (f"too large to compare every face, so searched with an approximate index ({measured}): a face "
            "of yours it missed is not listed")
