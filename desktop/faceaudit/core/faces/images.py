"""Decode photos of any common format into upright 8-bit RGB arrays, refusing hostile files."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from faceaudit.core import limits
from faceaudit.core.errors import FaceAuditError

__all__ = ["ImageError", "DecodedImage", "decode_image", "downscale_for_detection"]

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
        ImageError: empty, not an image, truncated, or over the pixel limit.
    """
    if not data:
        raise ImageError("empty file (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns on odd metadata; we judge the pixels.
            image = Image.open(io.BytesIO(data), formats=_FORMATS)
            source_format = image.format or "?"
            _check_pixels(image)
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


def _upright(image: Image.Image) -> Image.Image:
    try:
        exif = image.info.get("exif", b"")
        if exif and len(exif) > limits.MAX_EXIF_BYTES:
            return image  # an oversized EXIF block: keep the pixels, ignore the orientation
        return ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 - a broken EXIF block must not lose the photo
        return image


def _to_rgb(image: Image.Image) -> np.ndarray:
    mode = image.mode
    if mode.startswith("I;16"):
        # Keep the high byte; integer work, no float copy (a 100 Mpx float64 array is 800 MB).
        grey = (np.asarray(image).astype(np.uint16, copy=False) >> 8).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))
    if mode in ("I", "F"):
        array = np.nan_to_num(np.asarray(image, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
        top = 65535.0 if array.max(initial=0) > 255 else 255.0
        grey = np.clip(array * np.float32(255.0 / top) + np.float32(0.5), 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))
    if mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    if image.mode != "RGB":
        image = image.convert("RGB")
    return np.ascontiguousarray(np.asarray(image, dtype=np.uint8))


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
