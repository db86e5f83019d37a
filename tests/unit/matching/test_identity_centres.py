"""Identity centres do not depend on the order faces were stored in (issue 23, found by CI).

Two indexings of one labelled dataset store its faces in whatever order the workers finish; the
identity evidence a scan reports must be the same to the last bit (tests/e2e/test_offline.py compares
two whole runs). Checked here on generated families: random labels, sizes, multi-face photos and
unlabelled photos, each shuffled several ways.
"""

from __future__ import annotations

import numpy as np
import pytest

from faceaudit.core.matching.identities import centre_distances


def _case(seed: int):
    rng = np.random.default_rng(seed)
    labels = int(rng.integers(1, 40))
    photos = int(rng.integers(labels, 400))
    faces_per_photo = rng.integers(1, 4, photos)
    item_ids = np.repeat(np.arange(photos), faces_per_photo)
    label_of_photo = rng.integers(-1, labels, photos)  # -1: an unlabelled photo
    matrix = rng.normal(size=(len(item_ids), 128)).astype(rng.choice([np.float16, np.float32]))
    refs = rng.normal(size=(int(rng.integers(1, 5)), 128)).astype(np.float32)
    return matrix, item_ids, label_of_photo[item_ids], labels, refs


@pytest.mark.parametrize("seed", range(12))
def test_shuffled_storage_gives_bitwise_equal_centres(seed):
    matrix, item_ids, codes, labels, refs = _case(seed)
    distance, photos = centre_distances(matrix, item_ids, codes, labels, refs)
    rng = np.random.default_rng(1000 + seed)
    for _ in range(4):
        order = rng.permutation(len(item_ids))
        again, photos_again = centre_distances(matrix[order], item_ids[order], codes[order], labels, refs)
        assert np.array_equal(photos, photos_again)
        assert np.array_equal(distance, again)  # bitwise, not approximately


@pytest.mark.parametrize("seed", range(6))
def test_centre_distance_matches_the_float_definition(seed):
    """The fixed-point sum changes nothing a person could see: it agrees with the plain float mean."""
    matrix, item_ids, codes, labels, refs = _case(seed)
    distance, photos = centre_distances(matrix, item_ids, codes, labels, refs)
    rows = np.asarray(matrix, np.float64)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    centre = (refs / np.linalg.norm(refs, axis=1, keepdims=True)).mean(axis=0)
    centre /= np.linalg.norm(centre)
    cosine = rows @ centre
    for code in range(labels):
        chosen = []
        for item in np.unique(item_ids[codes == code]):
            faces = np.nonzero(item_ids == item)[0]
            chosen.append(faces[np.argmax(cosine[faces])])
        assert photos[code] == len(chosen)
        if not chosen:
            continue
        mean = rows[chosen].mean(axis=0)
        expected = np.sqrt(max(2.0 - 2.0 * float(mean @ centre / np.linalg.norm(mean)), 0.0))
        assert distance[code] == pytest.approx(expected, abs=1e-7)  # shown to 6 digits
