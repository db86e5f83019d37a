"""dlib's image pyramids in numpy: the tiled pyramid_down<6> layout, bilinear resizing, 2x up."""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "Rect",
    "build_tiled_pyramid",
    "pyramid_up2",
    "rect_down2",
    "resize_bilinear",
    "tiled_to_image",
    "tiled_layout",
]

# An inclusive dlib rectangle: (left, top, right, bottom).
Rect = tuple[int, int, int, int]

_MIN_LEVEL_HEIGHT = 5


def tiled_layout(rows: int, cols: int, padding: int, outer_padding: int,
                 n: int = 6) -> tuple[list[Rect], int, int]:
    """Where each level of a pyramid_down<n> pyramid sits in dlib's tiled image.

    The first column stacks the largest levels top to bottom; the rest go up a second
    column from the bottom right, as in ``compute_tiled_image_pyramid_details``.

    Args:
        rows: Image height.
        cols: Image width.
        padding: Gap between tiles.
        outer_padding: Border around the whole tiled image.
        n: Pyramid rate is (n - 1) / n.

    Returns:
        (rects, tiled_rows, tiled_cols), one rect per level, largest first.
    """
    if rows * cols == 0:
        return [], 0, 0
    rate = (n - 1.0) / n
    sizes = [(cols, rows)]
    while True:
        rows, cols = math.floor(rate * rows), math.floor(rate * cols)
        if rows * cols == 0 or rows < _MIN_LEVEL_HEIGHT:
            break
        sizes.append((cols, rows))

    width0, height0 = sizes[0]
    total_height = sum(h + padding for _, h in sizes) - 2 * padding
    height, prev_width = 0, 0
    for w, h in sizes:
        # Stop the first column once the next level fits beside the previous one.
        if w <= width0 - prev_width - padding and (height - height0) * 2 >= total_height - height0:
            break
        height += h + padding
        prev_width = w
    height -= padding

    rects: list[Rect] = []
    y = outer_padding
    i = 0
    while y < height + outer_padding and i < len(sizes):
        w, h = sizes[i]
        rects.append((outer_padding, y, outer_padding + w - 1, y + h - 1))
        y += h + padding
        i += 1
    y -= padding
    first = rects[0]
    while i < len(sizes):
        w, h = sizes[i]
        right, bottom = outer_padding + width0 - 1, y - 1
        rect = (right - (w - 1), bottom - (h - 1), right, bottom)
        if _intersects(first, rect):
            break
        rects.append(rect)
        y -= h + padding
        i += 1
    return rects, height + 2 * outer_padding, width0 + 2 * outer_padding


def _intersects(a: Rect, b: Rect) -> bool:
    return max(a[0], b[0]) <= min(a[2], b[2]) and max(a[1], b[1]) <= min(a[3], b[3])


def _axis(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    scale = (n_in - 1) / max(n_out - 1, 1)
    pos = np.arange(n_out, dtype=np.float64) * scale
    low = np.floor(pos).astype(np.intp)
    high = np.minimum(low + 1, n_in - 1)
    return low, high, (pos - low).astype(np.float32)


def resize_bilinear(src: np.ndarray, out_rows: int, out_cols: int) -> np.ndarray:
    """dlib's ``resize_image`` with bilinear interpolation (corners map onto corners).

    Args:
        src: (..., rows, cols) float32 array.
        out_rows: Output height.
        out_cols: Output width.

    Returns:
        (..., out_rows, out_cols) float32 array.
    """
    top, bottom, fy = _axis(src.shape[-2], out_rows)
    left, right, fx = _axis(src.shape[-1], out_cols)
    upper, lower = src[..., top, :], src[..., bottom, :]
    fy = fy[:, None]
    row_top = upper[..., left] * (1 - fx) + upper[..., right] * fx
    row_bottom = lower[..., left] * (1 - fx) + lower[..., right] * fx
    return (row_top * (1 - fy) + row_bottom * fy).astype(np.float32, copy=False)


def build_tiled_pyramid(images: np.ndarray, rects: list[Rect], rows: int, cols: int) -> np.ndarray:
    """Tile a pyramid of already normalised images, as dlib's ``input_rgb_image_pyramid``.

    Each level is resized from the previous level (not from the original), in float, and
    everything outside the tiles stays 0.

    Args:
        images: (N, 3, H, W) float32, mean-subtracted and scaled.
        rects: Tile rectangles from :func:`tiled_layout`.
        rows: Tiled image height.
        cols: Tiled image width.

    Returns:
        (N, 3, rows, cols) float32.
    """
    out = np.zeros((images.shape[0], images.shape[1], rows, cols), np.float32)
    prev = images
    for index, (left, top, right, bottom) in enumerate(rects):
        if index:
            prev = resize_bilinear(prev, bottom - top + 1, right - left + 1)
        out[:, :, top : bottom + 1, left : right + 1] = prev
    return out


def _nearest_rect(rects: list[Rect], x: float, y: float) -> int:
    best, best_dist = 0, math.inf
    for index, (left, top, right, bottom) in enumerate(rects):
        dx = max(left - x, 0.0, x - right)
        dy = max(top - y, 0.0, y - bottom)
        dist = math.hypot(dx, dy)
        if dist < best_dist:
            best, best_dist = index, dist
    return best


def tiled_to_image(rects: list[Rect], box: tuple[float, float, float, float],
                   n: int = 6) -> tuple[float, float, float, float]:
    """Map a box in tiled-pyramid space to original image space (``tiled_pyramid_to_image``).

    Args:
        rects: Tile rectangles.
        box: (left, top, right, bottom) in tiled space.
        n: Pyramid rate is (n - 1) / n.

    Returns:
        The box in image coordinates, as floats.
    """
    left, top, right, bottom = box
    level = _nearest_rect(rects, (left + right) / 2, (top + bottom) / 2)
    ox, oy = rects[level][0], rects[level][1]
    coords = [left - ox, top - oy, right - ox, bottom - oy]
    ratio = n / (n - 1.0)
    for _ in range(level):
        coords = [c * ratio + 0.3 for c in coords]
    return tuple(coords)


def pyramid_up2(rgb: np.ndarray) -> np.ndarray:
    """dlib's ``pyramid_up`` with ``pyramid_down<2>``: a (2h+1) x (2w+2) bilinear upsample.

    Args:
        rgb: (H, W, 3) uint8 image.

    Returns:
        The upsampled uint8 image (values truncated, like dlib's SIMD path).
    """
    rows, cols = rgb.shape[:2]
    # rect_up maps (0, 0, w-1, h-1) to (2.5, 1.5, 2w+0.5, 2h-0.5), rounded to integers.
    out_rows = _round(2 * (rows - 1 + 0.75)) + 1
    out_cols = _round(2 * (cols - 1 + 1.25)) + 1
    planes = np.moveaxis(rgb, -1, 0).astype(np.float32)
    up = resize_bilinear(planes, out_rows, out_cols)
    return np.moveaxis(np.clip(up, 0, 255).astype(np.uint8), 0, -1)


def _round(value: float) -> int:
    return math.floor(value + 0.5)


def rect_down2(box: Rect, levels: int) -> Rect:
    """Map a rectangle from a ``levels`` times 2x-upsampled image back (``rect_down``)."""
    coords = [float(c) for c in box]
    for _ in range(levels):
        coords = [coords[0] / 2 - 1.25, coords[1] / 2 - 0.75,
                  coords[2] / 2 - 1.25, coords[3] / 2 - 0.75]
    return tuple(_round(c) for c in coords)
