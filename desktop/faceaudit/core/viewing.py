"""Small reads for showing things on screen: a dataset photo's bytes, a reference thumbnail's box."""

from __future__ import annotations

from .datasets import DatasetError
from .sources import open_source
from .store import Store

__all__ = ["read_item_bytes", "reference_thumbnail", "latest_scan"]

# Must agree with references._thumbnail: the face crop is padded by this share of its height.
_THUMB_PAD = 0.3


def read_item_bytes(store: Store, dataset: str | int, key: str) -> bytes:
    """The file bytes of one dataset item, read from the dataset in place.

    Args:
        store: the database.
        dataset: the dataset's name or id.
        key: the item's key inside the dataset.

    Raises:
        DatasetError: no such dataset, or the file cannot be read any more.
    """
    column = "id" if isinstance(dataset, int) else "name"
    path = store.scalar(f"SELECT path FROM datasets WHERE {column} = ?", [dataset])
    if path is None:
        raise DatasetError(f"no dataset {dataset!r}")
    for _, data, problem in open_source(path).read([key]):
        if data is None:
            raise DatasetError(f"{key}: {problem}")
        return data
    raise DatasetError(f"{key} is no longer in the dataset")


def reference_thumbnail(store: Store, face_id: int) -> tuple[bytes, tuple[float, float, float, float]] | None:
    """A reference face's JPEG thumbnail and where the face lies in it.

    Returns:
        (jpeg bytes, (top, right, bottom, left) as fractions of the thumbnail's height and
        width), or None for an unknown face.
    """
    row = store.conn.execute(
        "SELECT f.thumbnail, f.top, f.right, f.bottom, f.left, p.width, p.height FROM reference_faces f"
        " JOIN reference_photos p ON p.id = f.photo_id WHERE f.id = ?", [face_id]).fetchone()
    if row is None or row[0] is None:
        return None
    thumbnail, top, right, bottom, left, width, height = row
    pad = int((bottom - top) * _THUMB_PAD)
    x0, y0 = max(0, left - pad), max(0, top - pad)
    x1, y1 = min(width, right + pad), min(height, bottom + pad)
    crop_w, crop_h = max(1, x1 - x0), max(1, y1 - y0)
    return thumbnail, ((top - y0) / crop_h, (right - x0) / crop_w, (bottom - y0) / crop_h, (left - x0) / crop_w)


def latest_scan(store: Store) -> dict | None:
    """The last finished scan: its id, finish time, faces compared and candidates found."""
    rows = store.query("SELECT id, finished, n_faces, n_candidates FROM scans WHERE finished IS NOT NULL"
                       " ORDER BY id DESC LIMIT 1")
    return rows[0] if rows else None
