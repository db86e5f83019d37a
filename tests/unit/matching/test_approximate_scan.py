"""Above the exact limit a scan asks an IVF-PQ index for candidates, re-ranks them exactly, and says so."""

from __future__ import annotations

import numpy as np
import pytest

from faceaudit.core.matching.approximate import Search, scan_searches
from faceaudit.core.matching.scan import scan
from faceaudit.core.storage.store import Store, now, to_blob
from tests.unit.matching.test_vectors import _add_dataset, _people

pytest.importorskip("faiss", reason="the IVF-PQ index needs faiss (the cluster extra; installed with the dev tools)")


def _candidates(store: Store, scan_id: int) -> dict[tuple[int, int], tuple[str, float]]:
    rows = store.conn.execute("SELECT item_id, face_idx, band, distance FROM matches WHERE scan_id = ?"
                              " AND exact_photo = 0", [scan_id]).fetchall()
    return {(item, idx): (band, distance) for item, idx, band, distance in rows}


def test_approximate_scan_finds_what_the_exact_one_finds_and_says_it_was_approximate(data_home):
    rng = np.random.default_rng(27)
    faces = _people(rng, 20_008, photos=8)  # 2,501 people; the last one is me
    mine = faces[20_000:]
    with Store() as store:
        dataset_id = _add_dataset(store, "big", np.concatenate([faces[:20_000], mine[3:]]), faces_per_item=1)
        with store.transaction():  # each item a photo with one face, as indexing leaves it
            store.conn.execute("UPDATE items SET n_faces = 1 WHERE dataset_id = ?", [dataset_id])
        planted = {(item, 0) for (item,) in store.conn.execute(
            "SELECT id FROM items WHERE dataset_id = ? ORDER BY id DESC LIMIT 5", [dataset_id]).fetchall()}
        photo = store.db["reference_photos"].insert({"name": "me.jpg", "sha256": "0" * 64, "added": now()}).last_pk
        for embedding in mine[:3]:
            store.db["reference_faces"].insert({"photo_id": photo, "model": "dlib", "embedding": to_blob(embedding)})

        exact = list(scan(store, model="dlib"))[-1]
        exact_found = _candidates(store, exact.scan_id)
        approximate = list(scan(store, model="dlib", exact_limit=10_000))[-1]
        approximate_found = _candidates(store, approximate.scan_id)

        # My planted faces are found both ways, in the same bands at the same (exact) distances.
        assert planted <= set(exact_found)
        assert {key: exact_found[key] for key in planted} == {key: approximate_found[key] for key in planted}
        assert all(exact_found[key][0] in ("strong", "possible") for key in planted)
        # So is every other listed candidate: re-ranked from the stored embeddings, not the index's codes.
        assert approximate_found == exact_found

        assert scan_searches(store, exact.scan_id)["big"].search == Search.EXACT
        assert exact.all_checked
        searched = scan_searches(store, approximate.scan_id)["big"]
        assert searched.search == Search.IVF_PQ and searched.per_reference == 1000
        assert 0.9 <= searched.recall <= 1.0
        [unchecked] = approximate.unchecked
        assert unchecked.dataset == "big" and "approximate index" in unchecked.reason
        assert f"{searched.recall:.1%}" in unchecked.reason
        again = list(scan(store, model="dlib", exact_limit=10_000))[-1]  # the saved index, opened again
        assert _candidates(store, again.scan_id) == approximate_found
        assert scan_searches(store, again.scan_id)["big"].recall == searched.recall


def test_index_of_a_192_number_model_and_its_reopened_copy(tmp_path):
    from faceaudit.core.matching import large_index

    rng = np.random.default_rng(3)
    faces = np.concatenate([_people(rng, 2_000), _people(rng, 2_000)], axis=1)[:, :192].astype(np.float16)
    built = large_index.local_index(faces, tmp_path / "m.ivfpq", radius=0.6)
    assert built.index.d == 192 and 0 < built.probe <= built.index.nlist and 0.0 <= built.recall <= 1.0
    rows = built.nearest(faces[:3].astype(np.float32), 50)
    assert rows.shape == (3, 50) and rows[:, 0].tolist() == [0, 1, 2]  # each face finds itself first
    again = large_index.local_index(faces, tmp_path / "m.ivfpq", radius=0.6)
    assert (again.recall, again.probe) == (built.recall, built.probe)
    assert again.nearest(faces[:3].astype(np.float32), 50).tolist() == rows.tolist()


def test_without_faiss_the_graph_is_used_and_its_recall_measured(data_home, monkeypatch):
    import sys

    from faceaudit.core.matching import vectors
    from faceaudit.core.matching.approximate import approximate_rows

    rng = np.random.default_rng(4)
    faces = _people(rng, 4_000)
    monkeypatch.setitem(sys.modules, "faiss", None)  # as in the desktop bundle: `import faiss` fails
    with Store() as store:
        stored = vectors.load_matrix(store, _add_dataset(store, "d", faces))
        rows, searched = approximate_rows(stored, faces[:2], radius=0.6)
    assert searched.search == Search.HNSW and searched.per_reference == 1000
    assert 0.9 <= searched.recall <= 1.0
    assert {0, 1} <= set(rows.tolist()) and len(rows) > 1000
