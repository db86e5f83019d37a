"""Pre-aligned face crops: where the face is in a crop of known geometry, so detection is skipped.

The largest training sets (MS1M-ArcFace, Glint360K, CASIA-WebFace, VGGFace2 as `faces_*_112x112`)
hold crops already aligned to the ArcFace 5-point template on 112x112 pixels (112x96 in some
CASIA/UMD variants, whose x is 8 px less). Face detection on such tight crops is slow and misses
turned faces (HOG finds a face in 12 of 67 crops made from LFW photos where it fails), but the
face is where the template says: dlib's 5-point landmarks are found on the box that the
template gives, then the 150x150 chip and the embedding are made as for any face.

The box is where dlib's HOG detector puts a face aligned this way, measured once on LFW (see
`TEMPLATE_BOX`); `tests/unit/faces/test_aligned.py` measures it again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ARCFACE_112", "TEMPLATE_BOX", "CropGeometry", "geometry_of", "is_small_square", "learn_square_crop",
           "similarity", "align_to_template", "SQUARE_MAX_PX", "LEARN_PHOTOS"]

#: The ArcFace template: left eye, right eye, nose tip, left and right mouth corners (image left
#: first), in pixels of a 112x112 crop.
ARCFACE_112 = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                        [41.5493, 92.3655], [70.7299, 92.2041]], np.float64)

#: Where dlib's HOG detector (upsample 1) puts the face of an ArcFace-aligned 112x112 crop:
#: (top, right, bottom, left). Measured on 400 LFW photos: their HOG boxes mapped through the
#: similarity that aligns each photo's landmarks to the template; the spread (one standard
#: deviation) is about 5 px on each side. The box reaches below the crop, as the chin does.
TEMPLATE_BOX = (24.4, 98.4, 113.7, 8.6)

#: Crop sizes (width, height) that are ArcFace-aligned as published, and the x shift of the template.
_ARCFACE_SIZES = {(112, 112): 0.0, (96, 112): -8.0}

#: Small square crops of one size (thumbnails cut around each face by the dataset's own aligner)
#: have a geometry too, learned from the dataset: the box the detector finds in its first
#: LEARN_PHOTOS photos, when they are all squares of one size up to SQUARE_MAX_PX, at least
#: LEARN_SHARE of them hold exactly one face filling at least LEARN_FILL of the side, and those
#: boxes agree to within LEARN_SPREAD of the side (one standard deviation). LFW's 250x250 photos,
#: whose backgrounds hold other people's faces, are not crops: they are detected as usual.
SQUARE_MAX_PX = 200
LEARN_PHOTOS = 24
LEARN_SHARE = 0.75
LEARN_SPREAD = 0.06
LEARN_FILL = 0.45


@dataclass(frozen=True)
class CropGeometry:
    """Where the face is in a pre-aligned crop.

    Attributes:
        name: what the crop is ("arcface 112x112").
        box: the face box (top, right, bottom, left) in the crop's pixels, as a detector would give it.
    """

    name: str
    box: tuple[int, int, int, int]


def geometry_of(width: int, height: int, mode: str, square: list[int] | None = None) -> CropGeometry | None:
    """The geometry of a crop of this size under a dataset's `aligned` setting, or None (detect faces).

    Args:
        width: the photo's width in pixels.
        height: its height.
        mode: "auto" (ArcFace sizes, and the dataset's learned square size, are aligned crops),
            "arcface" (every photo is an ArcFace crop, scaled to its size), or "none".
        square: the dataset's learned square crop, [side, top, right, bottom, left], if any.
    """
    if mode == "none":
        return None
    shift = _ARCFACE_SIZES.get((width, height))
    if shift is not None:
        return CropGeometry(f"arcface {width}x{height}", _box(shift, 1.0, 1.0))
    if mode == "arcface" and width > 0 and height > 0:
        return CropGeometry(f"arcface scaled to {width}x{height}", _box(0.0, width / 112, height / 112))
    if mode == "auto" and square and width == height == square[0]:
        return CropGeometry(f"square {width}x{height} (learned)", tuple(square[1:]))
    return None


def is_small_square(width: int, height: int) -> bool:
    """True for a photo size that may be a dataset's square face crop (ArcFace sizes have their own geometry)."""
    return width == height and 0 < width <= SQUARE_MAX_PX and (width, height) not in _ARCFACE_SIZES


def learn_square_crop(sizes: list[tuple[int, int]], boxes: list[list[tuple[int, int, int, int]]]) -> list[int] | None:
    """The geometry of a dataset of small square crops, from the first photos and the faces detected in them.

    Args:
        sizes: (width, height) of each sample photo.
        boxes: the face boxes the detector found in each.

    Returns:
        [side, top, right, bottom, left] (the mean box), or None when the photos are not small
        squares of one size whose faces sit in one place.
    """
    if len(sizes) < LEARN_PHOTOS // 3 or len(set(sizes)) != 1:
        return None
    width, height = sizes[0]
    if not is_small_square(width, height):
        return None
    singles = np.array([found[0] for found in boxes
                        if len(found) == 1 and found[0][1] - found[0][3] >= LEARN_FILL * width], np.float64)
    if len(singles) < LEARN_SHARE * len(sizes) or (singles.std(axis=0) / width).max() > LEARN_SPREAD:
        return None
    return [width, *(round(v) for v in singles.mean(axis=0))]


def _box(shift: float, sx: float, sy: float) -> tuple[int, int, int, int]:
    top, right, bottom, left = TEMPLATE_BOX
    return round(top * sy), round((right + shift) * sx), round(bottom * sy), round((left + shift) * sx)


def similarity(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The 2x3 similarity transform (rotation, uniform scale, shift) that best maps `source`
    points onto `target` points in the least-squares sense (Umeyama's method)."""
    source, target = np.asarray(source, np.float64), np.asarray(target, np.float64)
    mean_s, mean_t = source.mean(axis=0), target.mean(axis=0)
    centred_s, centred_t = source - mean_s, target - mean_t
    covariance = centred_t.T @ centred_s / len(source)
    u, singular, vt = np.linalg.svd(covariance)
    sign = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[1, 1] = -1
    rotation = u @ sign @ vt
    scale = np.trace(np.diag(singular) @ sign) / centred_s.var(axis=0).sum()
    matrix = np.zeros((2, 3))
    matrix[:, :2] = scale * rotation
    matrix[:, 2] = mean_t - scale * rotation @ mean_s
    return matrix


def align_to_template(rgb: np.ndarray, points: np.ndarray, size: tuple[int, int] = (112, 112)) -> np.ndarray:
    """A crop aligned to the ArcFace template, as InsightFace makes its packs (from 5 landmarks).

    Args:
        rgb: the photo.
        points: its 5 landmarks in the template's order (eyes, nose tip, mouth corners).
        size: (width, height): (112, 112), or (96, 112) for the narrow variant.
    """
    from faceaudit.core.faces._cv import cv2

    template = ARCFACE_112 + np.array([_ARCFACE_SIZES.get(size, 0.0), 0.0])
    matrix = similarity(points, template)
    return cv2.warpAffine(rgb, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
