"""A dataset of small square face crops: its geometry learned once, from its first photos, then kept.

With `aligned` set to auto, before a dataset is first indexed its first photos (in key order)
are read and the detector is run on them; if they are small squares of one size whose faces sit
in one place (`faces.aligned.learn_square_crop`), that box is the dataset's crop geometry and
photos of that size skip detection from then on. The answer, yes or no, is stored with the
dataset, so indexing again, or going on after an interruption, uses the same geometry.
"""

from __future__ import annotations

import json

from faceaudit.core.datasets.sources import Entry, open_source
from faceaudit.core.faces.aligned import LEARN_PHOTOS, is_small_square, learn_square_crop
from faceaudit.core.faces.engine import FaceEngine
from faceaudit.core.faces.images import ImageError, decode_image
from faceaudit.core.storage.paths import cache_beside
from faceaudit.core.storage.store import Store

__all__ = ["stored_square_crop", "learn_square_crop_of"]


def stored_square_crop(store: Store, dataset_id: int) -> tuple[bool, list[int] | None]:
    """(whether the dataset was looked at yet, its square crop geometry or None)."""
    raw = store.scalar("SELECT square_crop FROM datasets WHERE id = ?", [dataset_id])
    if raw is None:
        return False, None
    value = json.loads(raw)
    return True, value or None


def learn_square_crop_of(store: Store, dataset_id: int, engine: FaceEngine) -> list[int] | None:
    """Look at the dataset's first photos once and store what they say (see the module's docstring)."""
    path = store.scalar("SELECT path FROM datasets WHERE id = ?", [dataset_id])
    keys = [row[0] for row in store.conn.execute(
        "SELECT key FROM items WHERE dataset_id = ? AND status != 'error' ORDER BY key LIMIT ?",
        [dataset_id, LEARN_PHOTOS])]
    sizes, boxes = [], []
    for entry, data, _problem in open_source(path, cache=cache_beside(store.path)).read(keys):
        if not isinstance(entry, Entry) or data is None:
            continue
        try:
            rgb = decode_image(data).rgb
        except ImageError:
            continue
        size = (rgb.shape[1], rgb.shape[0])
        if not is_small_square(*size) or (sizes and size != sizes[0]):
            sizes = []
            break  # not small squares of one size: nothing to learn, no need to look further
        sizes.append(size)
        boxes.append([box for box, _score in engine.detect(rgb)])
    square = learn_square_crop(sizes, boxes)
    with store.transaction():
        store.conn.execute("UPDATE datasets SET square_crop = ? WHERE id = ?", [json.dumps(square or []), dataset_id])
    return square
