"""Perceptual hashes: a resized, re-encoded, lightly cropped copy is the same photo; another photo is not."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from faceaudit.core.faces.images import decode_image
from faceaudit.core.faces.photo_hashes import hamming, photo_hash, same_photo


@pytest.fixture(scope="module")
def grace_hopper() -> Path:
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    if not path.is_file():
        pytest.skip(f"matplotlib's sample photo is missing: {path}")
    return path


def _copy(path: Path, scale: float, crop: tuple[float, float], quality: int) -> np.ndarray:
    """A copy cropped by (left and top, right and bottom) fractions, resized and re-encoded as JPEG."""
    image = Image.open(path).convert("RGB")
    width, height = image.size
    first, last = crop
    image = image.crop((round(width * first), round(height * first), width - round(width * last),
                        height - round(height * last)))
    image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return decode_image(buffer.getvalue()).rgb


def _original(path: Path) -> np.ndarray:
    return decode_image(path.read_bytes()).rgb


@pytest.mark.parametrize("photo", ["astronaut_png", "grace_hopper"])
# A 3% crop: 3% of the width and of the height gone, from one corner or split between the sides.
@pytest.mark.parametrize(("scale", "crop", "quality"), [
    (0.5, (0, 0), 75), (0.25, (0, 0), 60), (0.5, (0.015, 0.015), 70), (0.7, (0.03, 0), 70), (1.0, (0, 0.03), 90),
])
def test_a_copy_is_the_same_photo(request, photo, scale, crop, quality):
    path = request.getfixturevalue(photo)
    original, copy = photo_hash(_original(path)), photo_hash(_copy(path, scale, crop, quality))
    assert same_photo(original, copy), (hamming(original[0], copy[0]), hamming(original[1], copy[1]))


def test_different_photos_are_not_the_same(astronaut_png, grace_hopper):
    a, b = photo_hash(_original(astronaut_png)), photo_hash(_original(grace_hopper))
    assert not same_photo(a, b)
    assert not same_photo(a, photo_hash(_original(astronaut_png)[:, ::-1].copy()))  # a mirror image differs


def test_hashes_fit_sqlite_integers(astronaut_png):
    for value in photo_hash(_original(astronaut_png)):
        assert -(2**63) <= value < 2**63
    assert hamming(-1, 0) == 64 and hamming(5, 5) == 0


def test_tiny_and_flat_images_hash_without_error(astronaut_png):
    photo = photo_hash(_original(astronaut_png))
    for rgb in (np.zeros((1, 1, 3), np.uint8), np.full((3, 700, 3), 200, np.uint8)):
        hashes = photo_hash(rgb)
        assert len(hashes) == 2 and all(-(2**63) <= int(value) < 2**63 for value in hashes)
        assert tuple(hashes) == tuple(photo_hash(rgb.copy()))  # the same pixels, the same hashes
        assert not same_photo(hashes, photo)  # a blank picture is never taken for a real photo
