"""Face crops: one rule for the margin around a face, wherever a face is shown or printed.

Reference thumbnails, the crops in a letter's annex and the faces on screen all use this
margin, so a face box stored for one of them lands on the same face in the others.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

__all__ = ["FACE_MARGIN", "crop_rect", "face_crop_jpeg", "box_within_crop"]

#: The margin around a face box, as a share of the box's height on each side.
FACE_MARGIN = 0.3

Box = tuple[int, int, int, int]  # (top, right, bottom, left) pixels


def crop_rect(box: Box, width: int, height: int, margin: float = FACE_MARGIN) -> tuple[int, int, int, int]:
    """The crop around a face, clipped to the image: (x0, y0, x1, y1), x1 and y1 exclusive."""
    top, right, bottom, left = box
    pad = int((bottom - top) * margin)
    return max(0, left - pad), max(0, top - pad), min(width, right + pad), min(height, bottom + pad)


def box_within_crop(box: Box, width: int, height: int) -> tuple[float, float, float, float]:
    """Where the face lies inside its crop, as (top, right, bottom, left) fractions of the crop's size."""
    x0, y0, x1, y1 = crop_rect(box, width, height)
    crop_w, crop_h = max(1, x1 - x0), max(1, y1 - y0)
    top, right, bottom, left = box
    return (top - y0) / crop_h, (right - x0) / crop_w, (bottom - y0) / crop_h, (left - x0) / crop_w


def face_crop_jpeg(image: Image.Image | np.ndarray, box: Box | None, max_px: int, quality: int = 88) -> bytes:
    """A JPEG of the face with its margin (the whole image when there is no box), at most `max_px` a side."""
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    image = image.convert("RGB")
    if box:
        image = image.crop(crop_rect(box, image.width, image.height))
    image.thumbnail((max_px, max_px))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
