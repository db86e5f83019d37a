"""Face crops for review, cut once from their dataset and kept in a small cache; a photo read for viewing.

A dataset may be a large archive read in place, where one photo can sit behind gigabytes of
others: reading it takes seconds. `face_crops` yields the cached crops at once, then cuts the
missing ones in one pass per dataset and keeps them (at most `limits.MAX_CACHED_CROPS`, the
least recently used go first). Both functions read files: call them off the window's thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image

from faceaudit.core import limits
from faceaudit.core.datasets.catalog import DatasetError, read_item_bytes
from faceaudit.core.datasets.sources import SourceError, open_source
from faceaudit.core.faces.crops import face_crop_jpeg
from faceaudit.core.faces.images import ImageError, decode_image
from faceaudit.core.storage.store import Store, now

__all__ = ["CROP_PX", "FaceRef", "Crop", "face_crops", "read_photo"]

#: Longest side of a cached crop, in pixels: enough for the largest card of the review grid.
CROP_PX = 256

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class FaceRef:
    """One face to show: an item and the face's number in it (-1: the whole photo), and its box."""

    item_id: int
    face_idx: int
    box: Box | None


@dataclass(frozen=True)
class Crop:
    """A face crop (JPEG, at most CROP_PX a side) or why there is none."""

    face: FaceRef
    jpeg: bytes | None
    problem: str | None = None


def face_crops(store: Store, faces: list[FaceRef]) -> Iterator[Crop]:
    """The crop of each face: cached ones first, then the others as they are cut (in file order).

    Faces of items that no longer exist are skipped. A file that cannot be read gives a Crop
    with a problem (not cached: the drive may only be unplugged).
    """
    items = _items(store, {face.item_id for face in faces})
    cached = _cached(store, items)
    missing: dict[int, list[FaceRef]] = {}
    for face in faces:
        if face.item_id not in items:
            continue
        jpeg = cached.get((face.item_id, face.face_idx))
        if jpeg is not None:
            yield Crop(face, jpeg)
        else:
            missing.setdefault(items[face.item_id]["dataset_id"], []).append(face)
    if cached:
        with store.transaction():
            store.conn.executemany("UPDATE face_crops SET used = ? WHERE item_id = ? AND face_idx = ?",
                                   [(now(), item_id, idx) for item_id, idx in cached])
    for wanted in missing.values():
        yield from _cut(store, items, wanted)


def read_photo(store: Store, dataset: str, key: str, max_side: int) -> tuple[np.ndarray, float]:
    """A dataset photo, upright (as faces were found in it), shrunk to at most `max_side` pixels a side.

    Returns:
        (RGB array, factor from the original's pixels to the returned ones: 1.0 or less).

    Raises:
        DatasetError: no such dataset, or the file cannot be read or decoded any more.
    """
    data = read_item_bytes(store, dataset, key)  # the catalog's one-item read (the fastest way it has)
    try:
        rgb = decode_image(data).rgb
    except ImageError as exc:
        raise DatasetError(f"{key}: {exc}") from None
    height, width = rgb.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        rgb = np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.LANCZOS))
    return rgb, scale


def _items(store: Store, item_ids: set[int]) -> dict[int, dict]:
    found: dict[int, dict] = {}
    ids = sorted(item_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = store.query(
            "SELECT i.id, i.key, i.fingerprint, i.dataset_id, d.path FROM items i"
            f" JOIN datasets d ON d.id = i.dataset_id WHERE i.id IN ({','.join('?' * len(chunk))})", chunk)
        found.update((row["id"], row) for row in rows)
    return found


def _cached(store: Store, items: dict[int, dict]) -> dict[tuple[int, int], bytes]:
    cached: dict[tuple[int, int], bytes] = {}
    ids = sorted(items)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = store.conn.execute(f"SELECT item_id, face_idx, fingerprint, jpeg FROM face_crops WHERE item_id IN"
                                  f" ({','.join('?' * len(chunk))})", chunk).fetchall()
        for item_id, idx, fingerprint, jpeg in rows:
            if fingerprint == items[item_id]["fingerprint"]:  # else the file changed: cut it again
                cached[(item_id, idx)] = jpeg
    return cached


def _cut(store: Store, items: dict[int, dict], wanted: list[FaceRef]) -> Iterator[Crop]:
    """Cut the crops of one dataset's faces, reading each of its files once."""
    by_key: dict[str, list[FaceRef]] = {}
    for face in wanted:
        by_key.setdefault(items[face.item_id]["key"], []).append(face)
    path = items[wanted[0].item_id]["path"]
    try:
        reading = open_source(path).read(list(by_key))
        for entry, data, problem in reading:
            for face in by_key.pop(entry.key, []):
                yield _crop(store, items[face.item_id], face, data, problem)
    except SourceError as exc:
        problem = str(exc)
    except OSError as exc:
        problem = f"cannot be read: {exc.strerror or exc}"
    else:
        problem = "no longer in the dataset"
    for faces in by_key.values():  # not found, or the dataset could not be read
        for face in faces:
            yield Crop(face, None, problem)


def _crop(store: Store, item: dict, face: FaceRef, data: bytes | None, problem: str | None) -> Crop:
    if data is None:
        return Crop(face, None, problem or "cannot be read")
    try:
        jpeg = face_crop_jpeg(decode_image(data).rgb, face.box, CROP_PX)
    except ImageError as exc:
        return Crop(face, None, str(exc))
    with store.transaction():
        store.conn.execute(
            "INSERT OR REPLACE INTO face_crops (item_id, face_idx, fingerprint, jpeg, used) VALUES (?, ?, ?, ?, ?)",
            [face.item_id, face.face_idx, item["fingerprint"], jpeg, now()])
        store.conn.execute(
            "DELETE FROM face_crops WHERE rowid IN (SELECT rowid FROM face_crops ORDER BY used DESC, rowid DESC"
            " LIMIT -1 OFFSET ?)", [limits.MAX_CACHED_CROPS])
    return Crop(face, jpeg)
