"""Hostile and unusual files, built in memory by the tests (nothing is downloaded)."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image

#: Mid-grey with a red block in the top-left corner: shows which way an image was turned.
WIDTH, HEIGHT = 60, 40


def marked_rgb() -> np.ndarray:
    """A WIDTHxHEIGHT RGB array with a red top-left block (orientation is visible)."""
    rgb = np.full((HEIGHT, WIDTH, 3), 128, np.uint8)
    rgb[:16, :16] = (255, 0, 0)
    return rgb


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    """The image saved in `fmt`, as bytes."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A valid-looking PNG of a few dozen bytes that declares width x height pixels."""
    data = bytearray(encode(Image.new("RGB", (1, 1)), "PNG"))
    assert data[12:16] == b"IHDR"
    struct.pack_into(">II", data, 16, width, height)
    struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def gif_bomb() -> bytes:
    """A GIF whose logical screen and first frame declare 65535x65535 pixels."""
    data = bytearray(encode(Image.new("P", (1, 1)), "GIF"))
    struct.pack_into("<HH", data, 6, 65535, 65535)  # logical screen
    descriptor = data.index(b"\x2c")  # image descriptor: 0x2C, left, top, width, height
    struct.pack_into("<HH", data, descriptor + 5, 65535, 65535)
    return bytes(data)


def truncated_jpeg() -> bytes:
    """The first half of a real JPEG."""
    rng = np.random.default_rng(1)
    data = encode(Image.fromarray(rng.integers(0, 255, (200, 200, 3), dtype=np.uint8)), "JPEG", quality=95)
    return data[: len(data) // 2]


def text_as_jpeg() -> bytes:
    """Plain text, as found in a file named .jpg."""
    return b"<html><body>404 Not Found</body></html>\n"


def huge_exif_png(orientation: int = 6, size: int = 2 * 1024 * 1024) -> bytes:
    """A PNG whose eXIf chunk is `size` bytes, with an orientation tag."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010E] = "x" * size  # ImageDescription, padding the block
    return encode(Image.fromarray(marked_rgb()), "PNG", exif=exif.tobytes())


def progressive_scan_bomb(side: int = 2000, repeats: int = 2000) -> bytes:
    """A progressive JPEG (a flat grey square) whose last scan is repeated `repeats` times.

    Each repeat is a few dozen bytes (a Huffman table and a scan of end-of-block runs), yet the
    decoder passes over every block of the image for it: the kind of file that took 14 minutes
    for 9.75 MB (issue 13).
    """
    data = encode(Image.new("L", (side, side), 128), "JPEG", progressive=True, optimize=True, quality=90)
    segments, at = [], 2
    while data[at + 1] != 0xD9:
        end = at + 2 + struct.unpack(">H", data[at + 2:at + 4])[0]
        if data[at + 1] == 0xDA:  # its entropy-coded data runs to the next marker
            while data[end] != 0xFF or data[end + 1] == 0 or 0xD0 <= data[end + 1] <= 0xD7:
                end += 1
        segments.append(data[at:end])
        at = end
    last_scan = segments[-1] if segments[-2][1] != 0xC4 else segments[-2] + segments[-1]
    return data[:2] + b"".join(segments) + last_scan * repeats + b"\xff\xd9"
