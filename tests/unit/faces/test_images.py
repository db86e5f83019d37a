"""decode_image: every common format becomes upright 8-bit RGB; hostile files give a reason."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from faceaudit.core import limits
from faceaudit.core.faces.images import ImageError, decode_image, downscale_for_detection
from tests.support.hostile_files import (
    HEIGHT,
    WIDTH,
    encode,
    gif_bomb,
    huge_exif_png,
    marked_rgb,
    png_bomb,
    text_as_jpeg,
    truncated_jpeg,
)


def _assert_rgb(decoded, width=WIDTH, height=HEIGHT):
    assert decoded.rgb.dtype == np.uint8
    assert decoded.rgb.shape == (height, width, 3)
    assert decoded.rgb.flags.c_contiguous


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "BMP", "TIFF", "GIF"])
def test_common_formats_become_rgb(fmt):
    decoded = decode_image(encode(Image.fromarray(marked_rgb()), fmt))
    _assert_rgb(decoded)
    assert decoded.format == fmt
    red = decoded.rgb[4, 4].astype(int)
    assert red[0] > 200 and red[1] < 60 and red[2] < 60


def test_animated_gif_gives_its_first_frame():
    frames = [Image.new("RGB", (WIDTH, HEIGHT), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(__import__("io").BytesIO(data)).n_frames == 3
    decoded = decode_image(data)
    _assert_rgb(decoded)
    assert tuple(decoded.rgb[HEIGHT // 2, WIDTH // 2]) == (255, 0, 0)


def test_exif_orientation_is_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned: shown after a quarter turn clockwise
    data = encode(Image.fromarray(marked_rgb()), "JPEG", exif=exif.tobytes(), quality=95)
    decoded = decode_image(data)
    _assert_rgb(decoded, width=HEIGHT, height=WIDTH)
    # A quarter turn clockwise takes the top-left corner to the top-right.
    assert decoded.rgb[4, HEIGHT - 5, 0] > 200 and decoded.rgb[4, HEIGHT - 5, 1] < 60
    assert decoded.rgb[4, 4, 0] < 180


def test_cmyk_jpeg():
    data = encode(Image.fromarray(marked_rgb()).convert("CMYK"), "JPEG", quality=95)
    decoded = decode_image(data)
    _assert_rgb(decoded)
    assert decoded.rgb[4, 4, 0] > 200 and decoded.rgb[4, 4, 1] < 60


def test_palette_with_transparency_lies_on_white():
    image = Image.new("P", (WIDTH, HEIGHT), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.paste(0, (0, 0, 10, 10))  # index 0 is transparent
    decoded = decode_image(encode(image, "PNG", transparency=0))
    _assert_rgb(decoded)
    assert tuple(decoded.rgb[2, 2]) == (255, 255, 255)
    assert tuple(decoded.rgb[HEIGHT - 2, WIDTH - 2]) == (255, 0, 0)


@pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
def test_16_bit_grey(fmt):
    grey = np.zeros((HEIGHT, WIDTH), np.uint16)
    grey[:, WIDTH // 2:] = 65535
    grey[0, 0] = 32768
    image = Image.fromarray(grey)
    assert image.mode.startswith("I;16")
    decoded = decode_image(encode(image, fmt))
    _assert_rgb(decoded)
    assert tuple(decoded.rgb[5, 5]) == (0, 0, 0)
    assert tuple(decoded.rgb[5, WIDTH - 5]) == (255, 255, 255)
    assert decoded.rgb[0, 0, 0] == 128


def test_16_bit_rgb_tiff():
    tifffile = pytest.importorskip("tifffile")
    import io

    rgb16 = marked_rgb().astype(np.uint16) * 257
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, rgb16, photometric="rgb")
    decoded = decode_image(buffer.getvalue())
    _assert_rgb(decoded)
    assert decoded.rgb[4, 4, 0] > 200 and decoded.rgb[4, 4, 1] < 60


def test_16_bit_rgb_png():
    # Pillow reads 48-bit PNGs as 8-bit RGB; build one by hand so the path is exercised.
    import struct
    import zlib

    rgb16 = (marked_rgb().astype(">u2") * 257)
    raw = b"".join(b"\0" + row.tobytes() for row in rgb16)
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", WIDTH, HEIGHT, 16, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    decoded = decode_image(data)
    _assert_rgb(decoded)
    assert decoded.rgb[4, 4, 0] > 200 and decoded.rgb[4, 4, 1] < 60


@pytest.mark.parametrize("mode", ["L", "LA", "RGBA", "1", "I", "F"])
def test_other_modes_become_rgb(mode):
    image = Image.fromarray(marked_rgb()).convert("RGBA" if mode == "RGBA" else mode)
    fmt = "TIFF" if mode in ("I", "F") else "PNG"
    _assert_rgb(decode_image(encode(image, fmt)))


def test_transparent_rgba_lies_on_white():
    rgba = np.zeros((HEIGHT, WIDTH, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:, : WIDTH // 2, 3] = 255
    decoded = decode_image(encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert tuple(decoded.rgb[5, 5]) == (255, 0, 0)
    assert tuple(decoded.rgb[5, WIDTH - 5]) == (255, 255, 255)


def test_float_tiff_with_nan():
    values = np.full((HEIGHT, WIDTH), np.nan, np.float32)
    values[:, :10] = 200.0
    decoded = decode_image(encode(Image.fromarray(values), "TIFF"))
    _assert_rgb(decoded)
    assert decoded.rgb[0, 0, 0] == 200 and decoded.rgb[0, WIDTH - 1, 0] == 0


@pytest.mark.parametrize("bomb", [png_bomb, gif_bomb], ids=["png", "gif"])
def test_decompression_bomb_is_refused_before_decoding(bomb):
    data = bomb()
    assert len(data) < 200
    with pytest.raises(ImageError) as caught:
        decode_image(data)
    reason = str(caught.value)
    assert "decompression bomb" in reason
    assert f"limit of {limits.MAX_IMAGE_PIXELS / 1e6:.0f} Mpx" in reason


def test_just_under_the_pixel_limit_is_not_a_bomb(monkeypatch):
    monkeypatch.setattr(limits, "MAX_IMAGE_PIXELS", WIDTH * HEIGHT)
    _assert_rgb(decode_image(encode(Image.fromarray(marked_rgb()), "PNG")))
    monkeypatch.setattr(limits, "MAX_IMAGE_PIXELS", WIDTH * HEIGHT - 1)
    with pytest.raises(ImageError, match="decompression bomb"):
        decode_image(encode(Image.fromarray(marked_rgb()), "PNG"))


@pytest.mark.parametrize(("data", "words"), [
    (truncated_jpeg(), "damaged image"),
    (b"", "empty file"),
    (text_as_jpeg(), "not an image"),
    (b"\xff\xd8\xff\xe0" + b"\0" * 64, "not an image"),  # a JPEG signature and nothing after it
], ids=["truncated-jpeg", "zero-bytes", "text", "jpeg-header-only"])
def test_broken_files_give_a_reason(data, words):
    with pytest.raises(ImageError) as caught:
        decode_image(data)
    assert words in str(caught.value)


def test_huge_exif_block_keeps_the_pixels_and_ignores_the_orientation():
    data = huge_exif_png(orientation=6, size=2 * limits.MAX_EXIF_BYTES)
    assert len(data) > limits.MAX_EXIF_BYTES
    decoded = decode_image(data)
    _assert_rgb(decoded)  # not turned: an oversized block is not trusted
    assert decoded.rgb[4, 4, 0] > 200


def test_exif_under_the_limit_is_honoured():
    decoded = decode_image(huge_exif_png(orientation=6, size=50_000))
    _assert_rgb(decoded, width=HEIGHT, height=WIDTH)


def test_broken_exif_block_keeps_the_photo():
    data = encode(Image.fromarray(marked_rgb()), "JPEG", exif=b"Exif\0\0MM\0*\0\0\0\x08\xff\xff" + b"\0" * 20)
    _assert_rgb(decode_image(data))


def test_downscale_for_detection():
    big = np.zeros((1000, 3200, 3), np.uint8)
    small, factor = downscale_for_detection(big, max_side=1600)
    assert small.shape == (500, 1600, 3) and factor == 2.0
    same, one = downscale_for_detection(small, max_side=1600)
    assert same is small and one == 1.0


def test_a_progressive_jpeg_scan_bomb_is_refused_before_decoding():
    # Issue 13: 2,006 scans in 88 KB; Pillow takes seconds (minutes at a few MB), we refuse in a blink.
    import time

    from tests.support.hostile_files import progressive_scan_bomb

    bomb = progressive_scan_bomb()
    began = time.monotonic()
    with pytest.raises(ImageError, match="progressive JPEG with over 100 scans"):
        decode_image(bomb)
    assert time.monotonic() - began < 0.5


def test_ordinary_progressive_jpegs_and_thumbnails_still_decode():
    from faceaudit.core.faces.jpeg_scans import count_scans
    from tests.support.hostile_files import progressive_scan_bomb

    rgb = np.random.default_rng(3).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    progressive = encode(Image.fromarray(rgb), "JPEG", progressive=True, optimize=True)
    assert 2 <= count_scans(progressive, 100) <= 12
    assert decode_image(progressive).rgb.shape == (120, 160, 3)
    # A scan bomb hidden as the EXIF thumbnail is not the image's own scans.
    exif = Image.Exif()
    exif[0x010E] = "x"
    block = bytearray(exif.tobytes()) + progressive_scan_bomb(side=64, repeats=300)
    with_thumbnail = encode(Image.fromarray(rgb), "JPEG", exif=bytes(block))
    assert count_scans(with_thumbnail, 100) == 1
    assert decode_image(with_thumbnail).rgb.shape == (120, 160, 3)
