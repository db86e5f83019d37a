"""Cached embedding matrices: built from a real store, rebuilt when faces change, exact where it matters."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from faceaudit.core.matching import vectors
from faceaudit.core.storage import paths
from faceaudit.core.storage.store import Store, now, to_blob

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def _embeddings(rng, count: int) -> np.ndarray:
    # Shaped like dlib's: coordinates ~0.07 apart, so strangers lie about 0.8 apart.
    return (rng.standard_normal((count, 128)) * 0.07).astype(np.float32)


def _add_dataset(store: Store, name: str, embeddings: np.ndarray, faces_per_item: int = 2) -> int:
    dataset_id = (
        store.db["datasets"].insert({"name": name, "path": "/nowhere", "kind": "folder", "added": now()}).last_pk
    )
    _add_faces(store, dataset_id, embeddings, faces_per_item)
    return dataset_id


def _add_faces(store: Store, dataset_id: int, embeddings: np.ndarray, faces_per_item: int = 2) -> None:
    with store.transaction() as conn:
        start = conn.execute("SELECT COALESCE(MAX(id), 0) FROM items").fetchone()[0]
        for n in range(0, len(embeddings), faces_per_item):
            item_id = conn.execute("INSERT INTO items (dataset_id, key, status) VALUES (?, ?, 'done')",
                                   [dataset_id, f"img-{start}-{n}.jpg"]).lastrowid
            conn.executemany("INSERT INTO faces (item_id, dataset_id, idx, embedding) VALUES (?, ?, ?, ?)",
                             [(item_id, dataset_id, idx, to_blob(e))
                              for idx, e in enumerate(embeddings[n:n + faces_per_item])])


def _exact(matrix: np.ndarray, refs: np.ndarray) -> np.ndarray:
    return np.sqrt(((matrix[:, None, :] - refs[None, :, :]) ** 2).sum(2))


def test_matrix_matches_the_faces_table(data_home):
    rng = np.random.default_rng(1)
    with Store() as store:
        other = _add_dataset(store, "other", _embeddings(rng, 10))
        wanted = _embeddings(rng, 501)
        dataset_id = _add_dataset(store, "lfw", wanted, faces_per_item=3)
        v = vectors.load_matrix(store, dataset_id)
        assert len(v) == 501 and v.matrix.dtype == np.float16 and v.path.parent == paths.cache_dir()
        np.testing.assert_allclose(v.matrix, wanted, atol=1e-3)
        rows = store.conn.execute("SELECT id, item_id, idx FROM faces WHERE dataset_id = ? ORDER BY id",
                                  [dataset_id]).fetchall()
        assert [tuple(r) for r in zip(v.face_ids.tolist(), v.item_ids.tolist(), v.idxs.tolist())] == rows
        again = vectors.load_matrix(store, dataset_id)  # cached: same file, not rebuilt
        assert again.path == v.path and again.path.stat().st_mtime_ns == v.path.stat().st_mtime_ns
        assert len(vectors.load_matrix(store, other)) == 10


def test_rebuilt_when_faces_change(data_home):
    rng = np.random.default_rng(2)
    with Store() as store:
        dataset_id = _add_dataset(store, "d", _embeddings(rng, 100))
        first = vectors.load_matrix(store, dataset_id)
        _add_faces(store, dataset_id, _embeddings(rng, 20))
        grown = vectors.load_matrix(store, dataset_id)
        assert len(grown) == 120 and grown.key != first.key
        assert not first.path.exists()  # the old file is removed
        # A re-index deletes and re-inserts: same count, same ids, new embeddings.
        ids = [r[0] for r in store.conn.execute("SELECT id FROM faces WHERE dataset_id = ?", [dataset_id])]
        store.conn.execute("DELETE FROM faces WHERE dataset_id = ?", [dataset_id])
        store.conn.execute("DELETE FROM items WHERE dataset_id = ?", [dataset_id])
        fresh = _embeddings(rng, 120)
        _add_faces(store, dataset_id, fresh)
        assert [r[0] for r in store.conn.execute("SELECT id FROM faces WHERE dataset_id = ?", [dataset_id])] == ids
        reindexed = vectors.load_matrix(store, dataset_id)
        assert reindexed.key != grown.key
        np.testing.assert_allclose(reindexed.matrix, fresh, atol=1e-3)
        store.conn.execute("DELETE FROM faces WHERE dataset_id = ?", [dataset_id])
        assert len(vectors.load_matrix(store, dataset_id)) == 0


def test_float16_ranking_refined_equals_float32(data_home):
    rng = np.random.default_rng(3)
    embeddings = _embeddings(rng, 5000)
    refs = _embeddings(rng, 4)
    # My faces in the dataset: close to the references, at distances 0.3 .. 0.6.
    for n, ref in enumerate(refs):
        for j in range(5):
            noise = rng.standard_normal(128).astype(np.float32)
            embeddings[100 * n + j] = ref + noise / np.linalg.norm(noise) * (0.3 + 0.07 * j)
    with Store() as store:
        dataset_id = _add_dataset(store, "d", embeddings)
        v = vectors.load_matrix(store, dataset_id)
        truth = _exact(embeddings, refs)
        approx16 = vectors.exact_distances(v, refs, chunk=1000)
        assert approx16.shape == (5000, 4) and np.abs(approx16 - truth).max() < 1e-3
        assert np.array_equal(vectors._as_float32(v.matrix[:777]), v.matrix[:777].astype(np.float32))
        rows = vectors.nearest(approx16, 50)  # float16 shortlist, wider than what is reported
        for r in range(len(refs)):
            refined = vectors.refine(store, v, rows[r], refs)[:, r]
            order = np.argsort(refined, kind="stable")[:10]
            expected = np.argsort(truth[:, r], kind="stable")[:10]
            assert rows[r][order].tolist() == expected.tolist()
            np.testing.assert_allclose(refined[order], truth[expected, r], atol=1e-6)


@posix_only
def test_cache_files_are_private(data_home):
    old = os.umask(0o022)
    try:
        with Store() as store:
            dataset_id = _add_dataset(store, "d", _embeddings(np.random.default_rng(4), 300))
            v = vectors.load_matrix(store, dataset_id)
            vectors.approx_search(v, np.asarray(v.matrix[:2], np.float32), 5)
    finally:
        os.umask(old)
    files = sorted(paths.cache_dir().glob("vectors-*"))
    assert {f.name.split(".", 1)[1] for f in files} == {"ids.npy", "norms.npy", "f16.npy", "usearch"}
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert not list(paths.cache_dir().glob(".*tmp"))


def _people(rng, count: int, photos: int = 4) -> np.ndarray:
    """Faces shaped like dlib's: ~40 effective dimensions, strangers 0.82 +- 0.09 apart, one person's photos ~0.45."""
    spread = np.sqrt(np.exp(-np.arange(128) / 20.0))
    spread *= 0.82 / np.sqrt(2 * (spread**2).sum())
    rotation = np.linalg.qr(rng.standard_normal((128, 128)))[0]
    centres = rng.standard_normal((count // photos, 128)) * spread * np.sqrt(0.7)
    faces = np.repeat(centres, photos, axis=0) + rng.standard_normal((count, 128)) * spread * np.sqrt(0.3)
    return (faces @ rotation).astype(np.float32)


def test_approximate_recall(data_home):
    rng = np.random.default_rng(5)
    people = _people(rng, 50_040)
    embeddings, held_out = people[:50_000], people[50_000::4]
    mine = rng.choice(50_000, 10, replace=False)
    other = rng.choice(50_000, (2, 10), replace=False)
    # My other photos of people in the dataset (near them, not on them), and 10 strangers.
    refs = np.concatenate([embeddings[mine] + 0.4 * (embeddings[other[0]] - embeddings[other[1]]), held_out])
    with Store() as store:
        dataset_id = _add_dataset(store, "big", embeddings, faces_per_item=50)
        v = vectors.load_matrix(store, dataset_id)
        truth = vectors.nearest(vectors.exact_distances(v, refs), 10)
        rows, distances = vectors.approx_search(v, refs, 10)
        recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(rows.tolist(), truth.tolist())])
        assert recall >= 0.99 - 1e-9
        assert np.all(np.diff(distances, axis=1) >= 0)
        reloaded, _ = vectors.approx_search(v, refs, 10)  # from the saved file
        assert reloaded.tolist() == rows.tolist()
        sample = vectors.stranger_sample(v, refs, size=10_000)
        assert sample.shape == (10_000, 20)
        assert abs(np.median(sample) - np.median(vectors.exact_distances(v, refs))) < 0.01


def _preselect_reference(rough: np.ndarray) -> np.ndarray:
    """What search._preselect chose before it skipped faces: every face's combined score."""
    from faceaudit.core.matching.bands import MATCH_DISTANCE
    from faceaudit.core.matching.confidence import combine, fit_stranger_model

    null = fit_stranger_model(rough)
    z_limit = null.combined_loc - 1.5 * null.combined_scale
    combined = combine((rough - null.loc) / null.scale)
    return np.nonzero((combined < z_limit + 0.01) | (rough.min(axis=1) <= MATCH_DISTANCE + 1e-3))[0]


def test_preselect_skips_only_faces_that_cannot_pass(data_home):
    from faceaudit.core.matching import scan

    rng = np.random.default_rng(6)
    embeddings = _people(rng, 20_000)
    refs = np.concatenate([embeddings[:3] + 0.05, _people(rng, 8)[::4]])
    with Store() as store:
        v = vectors.load_matrix(store, _add_dataset(store, "d", embeddings))
        rows, _ = scan._preselect(v, refs)
        expected = _preselect_reference(vectors.exact_distances(v, refs))
        assert 50 < len(rows) < len(embeddings) and rows.tolist() == expected.tolist()


def test_stranger_model_from_a_sample_agrees_with_all_faces():
    from faceaudit.core.matching.confidence import fit_stranger_model

    rng = np.random.default_rng(7)
    faces = _people(rng, 300_000)
    refs = _people(rng, 12)[::4]
    distances = np.sqrt(((faces[:, None, :] - refs[None, :, :]) ** 2).sum(2))
    full = fit_stranger_model(distances)
    item_ids, idxs = np.arange(len(distances)) // 2, np.arange(len(distances)) % 2  # two faces a photo
    rows = vectors.sample_rows(item_ids, idxs)
    sampled = fit_stranger_model(distances[rows])
    assert len(rows) == len(set(rows.tolist())) == vectors.SAMPLE_SIZE
    # The same faces stored in another order (as another indexing's workers would): the same faces sampled.
    order = rng.permutation(len(distances))
    again = vectors.sample_rows(item_ids[order], idxs[order])
    assert sorted(zip(item_ids[order][again], idxs[order][again])) == sorted(zip(item_ids[rows], idxs[rows]))
    np.testing.assert_allclose(sampled.loc, full.loc, atol=2e-3)
    np.testing.assert_allclose(sampled.scale, full.scale, rtol=0.03)
    assert abs(sampled.combined_loc - full.combined_loc) < 0.03
    assert abs(sampled.combined_scale / full.combined_scale - 1) < 0.03


def test_exact_candidates_keep_a_bounded_top_per_chunk(data_home):
    rng = np.random.default_rng(8)
    embeddings = _people(rng, 6_000)
    refs = embeddings[:2] + 0.01
    with Store() as store:
        v = vectors.load_matrix(store, _add_dataset(store, "d", embeddings))
        full = vectors.exact_distances(v, refs)

        def keep(block):
            return block.min(axis=1) < 0.7, block.mean(axis=1)

        rows, distances = vectors.exact_candidates(v, refs, keep, chunk=1000, top=5000)
        expected = np.nonzero(full.min(axis=1) < 0.7)[0]
        assert rows.tolist() == expected.tolist() and np.allclose(distances, full[expected], atol=1e-4)
        # At most `top` rows from each chunk of 1,000: the best by the score, never the whole matrix.
        rows, distances = vectors.exact_candidates(v, refs, keep, chunk=1000, top=3)
        assert len(rows) <= 6 * 3 and distances.shape == (len(rows), 2)
        for start in range(0, 6000, 1000):
            chunk_rows = expected[(expected >= start) & (expected < start + 1000)]
            best = chunk_rows[np.argsort(full[chunk_rows].mean(axis=1), kind="stable")[:3]]
            assert sorted(rows[(rows >= start) & (rows < start + 1000)].tolist()) == sorted(best.tolist())
