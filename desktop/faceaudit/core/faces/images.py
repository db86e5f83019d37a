"""Decode photos of any common format into upright 8-bit RGB arrays, refusing hostile files."""

from __future__ import annotations

import io
import os
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from faceaudit.core import limits
from faceaudit.core.errors import FaceAuditError
from faceaudit.core.faces.jpeg_scans import count_scans

__all__ = ["ImageError", "DecodedImage", "decode_image", "downscale_for_detection", "read_photo_file"]

_FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "TIFF", "GIF")

# We check the pixel count ourselves, before decoding, with our own message.
Image.MAX_IMAGE_PIXELS = None


class ImageError(FaceAuditError, ValueError):
    """An image that cannot or must not be decoded; `str(error)` is the reason for the user."""


@dataclass(frozen=True)
class DecodedImage:
    """An upright RGB photo.

    Attributes:
        rgb: HxWx3 uint8 array, EXIF orientation applied.
        format: the container format Pillow found (JPEG, PNG, ...).
    """

    rgb: np.ndarray
    format: str

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])


def decode_image(data: bytes) -> DecodedImage:
    """Decode image bytes into an upright RGB array.

    Args:
        data: the file's bytes.

    Returns:
        The decoded image.

    Raises:
        ImageError: empty, not an image, truncated, over the pixel limit, or a JPEG with more
            scans than a photo has.
    """
    if not data:
        raise ImageError("empty file (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns on odd metadata; we judge the pixels.
            image = Image.open(io.BytesIO(data), formats=_FORMATS)
            source_format = image.format or "?"
            _check_pixels(image)
            if source_format == "JPEG":
                _check_scans(data)
            image.load()  # the first frame only, for GIF/TIFF/WebP
            image = _upright(image)
            rgb = _to_rgb(image)
    except ImageError:
        raise
    except UnidentifiedImageError:
        raise ImageError("not an image in a supported format (JPEG, PNG, WebP, BMP, TIFF, GIF)") from None
    except Image.DecompressionBombError as exc:  # pragma: no cover - we disable Pillow's check
        raise ImageError(f"decompression bomb: {exc}") from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        raise ImageError(f"damaged image: {_short(exc)}") from None
    return DecodedImage(rgb=rgb, format=source_format)


def read_photo_file(path: str | os.PathLike) -> bytes:
    """The bytes of a photo file a person chose, read only when it is a regular file within the size limit.

    Raises:
        ImageError: not a regular file (a pipe would never end, /dev/zero never stops), larger than
            limits.MAX_FILE_BYTES (checked before reading, and while reading), or unreadable.
    """
    name = Path(path).name or str(path)
    # O_NONBLOCK: opening a pipe with no writer does not wait for one.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ImageError(f"cannot read {name}: {exc.strerror or exc}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise ImageError(f"{name} is not a photo file (it is a folder, a pipe or a device)")
    with os.fdopen(fd, "rb") as handle:
        limit_mib = limits.MAX_FILE_BYTES // 2**20
        if info.st_size > limits.MAX_FILE_BYTES:
            raise ImageError(f"{name} is {info.st_size / 2**20:.0f} MiB, over the {limit_mib} MiB limit for one photo")
        try:
            data = handle.read(limits.MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise ImageError(f"cannot read {name}: {exc.strerror or exc}") from None
    if len(data) > limits.MAX_FILE_BYTES:
        raise ImageError(f"{name} grew past the {limit_mib} MiB limit for one photo while it was read")
    return data


def downscale_for_detection(rgb: np.ndarray, max_side: int = limits.DETECTION_MAX_SIDE) -> tuple[np.ndarray, float]:
    """Shrink a large photo for face detection.

    Args:
        rgb: the photo.
        max_side: longest side allowed.

    Returns:
        The (possibly) smaller photo and the factor that maps its coordinates back to the
        original (1.0 when unchanged).
    """
    height, width = rgb.shape[:2]
    longest = max(height, width)
    if longest <= max_side:
        return rgb, 1.0
    scale = max_side / longest
    small = Image.fromarray(rgb).resize(
        (max(1, round(width * scale)), max(1, round(height * scale))), Image.Resampling.LANCZOS
    )
    return np.asarray(small), longest / max_side


def _check_pixels(image: Image.Image) -> None:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ImageError("image declares no pixels")
    if width * height > limits.MAX_IMAGE_PIXELS:
        raise ImageError(
            f"decompression bomb refused: {width}x{height} = {width * height / 1e6:.0f} Mpx, "
            f"over the limit of {limits.MAX_IMAGE_PIXELS / 1e6:.0f} Mpx"
        )


def _check_scans(data: bytes) -> None:
    scans = count_scans(data, limits.MAX_JPEG_SCANS)
    if scans > limits.MAX_JPEG_SCANS:
        raise ImageError(f"refused: a progressive JPEG with over {limits.MAX_JPEG_SCANS} scans (a photo has 1 to"
                         " about 12); each scan is a pass over the whole image, so decoding it would take minutes")


def _upright(image: Image.Image) -> Image.Image:
    try:
        exif = image.info.get("exif", b"")
        if exif and len(exif) > limits.MAX_EXIF_BYTES:
            return image  # an oversized EXIF block: keep the pixels, ignore the orientation
        return ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 - a broken EXIF block must not lose the photo
        return image


def _to_rgb(image: Image.Image) -> np.ndarray:
    # Large photos are converted a band of rows at a time: whole-image conversions held several
    # full copies (a 100-Mpx float TIFF took 1.7 GB, an RGBA one 2.2 GB, in one worker).
    mode = image.mode
    if mode.startswith("I;16"):
        # Keep the high byte; integer work, no float copy (a 100 Mpx float64 array is 800 MB).
        return _grey_to_rgb(image, lambda band: (band.astype(np.uint16, copy=False) >> 8).astype(np.uint8))
    if mode in ("I", "F"):
        peak = max((float(np.nan_to_num(band.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0).max(initial=0))
                    for _, band in _bands(image)), default=0.0)
        scale = np.float32(255.0 / (65535.0 if peak > 255 else 255.0))

        def to_bytes(band: np.ndarray) -> np.ndarray:
            band = np.nan_to_num(band.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
            return np.clip(band * scale + np.float32(0.5), 0, 255).astype(np.uint8)

        return _grey_to_rgb(image, to_bytes)
    if mode == "L":
        return _grey_to_rgb(image, lambda band: band)
    if mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        return _on_white(image)
    if image.mode != "RGB":
        image = image.convert("RGB")
    return np.ascontiguousarray(np.asarray(image, dtype=np.uint8))


def _bands(image: Image.Image):
    """(first row, array) for each band of rows of about _BAND_PIXELS pixels."""
    width, height = image.size
    rows = max(1, _BAND_PIXELS // max(1, width))
    for top in range(0, height, rows):
        yield top, np.asarray(image.crop((0, top, width, min(height, top + rows))))


def _grey_to_rgb(image: Image.Image, to_bytes) -> np.ndarray:
    width, height = image.size
    rgb = np.empty((height, width, 3), np.uint8)
    for top, band in _bands(image):
        rgb[top:top + band.shape[0]] = to_bytes(band)[:, :, None]
    return rgb


def _on_white(image: Image.Image) -> np.ndarray:
    """A photo with transparency, laid on white, a band of rows at a time."""
    if image.mode != "RGBA":
        image = image.convert("RGBA")
    width, height = image.size
    rgb = np.empty((height, width, 3), np.uint8)
    for top, band in _bands(image):
        alpha = band[..., 3:4].astype(np.uint16)
        rgb[top:top + band.shape[0]] = (band[..., :3] * alpha + 255 * (255 - alpha) + 127) // 255
    return rgb


#: Pixels converted at a time (about 16 MB of temporaries).
_BAND_PIXELS = 1 << 20


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
