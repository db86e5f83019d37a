"""Perceptual hashes: recognise a copy of the same photo after resizing, re-encoding or a light crop."""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["PhotoHash", "photo_hash", "hamming", "same_photo", "sha256_hex", "md5_hex"]

#: Two hashes within these many differing bits (of 64 each) are taken as one photo. Measured:
#: a quarter-size JPEG copy differs by 0-4 bits; a 3% crop by up to 12 (the gradient hash of
#: grace_hopper.jpg cut 3% at the right and bottom), so 10 missed such copies; different
#: unaligned photos by 20-41. Aligned face crops (LFW) sit closer: 0 of 44,850 pairs of
#: different people were within 12 bits in both hashes, 1 within 14. A face embedding, where
#: there is one, must agree as well (see search.py).
SAME_PHOTO_BITS = 12

#: (DCT hash, gradient hash), each a signed 64-bit integer so SQLite can store it.
PhotoHash = tuple[int, int]


def photo_hash(rgb: np.ndarray) -> PhotoHash:
    """Two 64-bit hashes of the photo's coarse brightness pattern.

    The photo is trimmed by 4% on each side first, so that a lightly cropped copy keeps
    nearly the same hashes. Two independent hashes must both agree, which halves the
    chance that two different photos pass for one.
    """
    from faceaudit.core.faces._cv import cv2

    height, width = rgb.shape[:2]
    dy, dx = int(height * 0.04), int(width * 0.04)
    core = np.ascontiguousarray(rgb[dy:height - dy or None, dx:width - dx or None])
    grey = cv2.cvtColor(core, cv2.COLOR_RGB2GRAY)
    small = cv2.resize(grey, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
    low = cv2.dct(small)[:8, :8].flatten()
    dct_bits = low > np.median(low[1:])
    tiny = cv2.resize(grey, (9, 8), interpolation=cv2.INTER_AREA).astype(np.int16)
    gradient_bits = (tiny[:, 1:] > tiny[:, :-1]).flatten()
    return _to_int64(dct_bits), _to_int64(gradient_bits)


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit hashes."""
    return ((a ^ b) & 0xFFFFFFFFFFFFFFFF).bit_count()


def same_photo(a: PhotoHash, b: PhotoHash) -> bool:
    """True when both hashes of two photos are within SAME_PHOTO_BITS."""
    return hamming(a[0], b[0]) <= SAME_PHOTO_BITS and hamming(a[1], b[1]) <= SAME_PHOTO_BITS


def _to_int64(bits: np.ndarray) -> int:
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return value - (1 << 64) if value >= 1 << 63 else value


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of a file's bytes, in hex (names the exact file in letters and finds copies)."""
    return hashlib.sha256(data).hexdigest()


def md5_hex(data: bytes) -> str:
    """The MD5 of a file's bytes, in hex (FFHQ lists its originals by MD5; never used to protect anything)."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()
