"""Turn image bytes into pixmaps, with face boxes drawn on them."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPixmap

__all__ = ["pixmap_from_bytes", "draw_boxes", "BOX_COLOR"]

BOX_COLOR = QColor(0, 200, 120)


def pixmap_from_bytes(data: bytes | None) -> QPixmap:
    """A pixmap of encoded image bytes (a null pixmap when they cannot be decoded)."""
    image = QImage()
    if data:
        image.loadFromData(data)
    return QPixmap.fromImage(image)


def draw_boxes(pixmap: QPixmap, boxes: list[tuple[float, float, float, float]], labels: list[str] | None = None,
               highlight: int | None = None) -> QPixmap:
    """A copy of `pixmap` with face boxes drawn on it.

    Args:
        pixmap: the picture.
        boxes: (top, right, bottom, left) in the pixmap's pixels.
        labels: a short text per box (e.g. its number), drawn above it.
        highlight: index of a box drawn thicker.
    """
    result = QPixmap(pixmap)
    if result.isNull():
        return result
    painter = QPainter(result)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    width = max(2.0, min(result.width(), result.height()) / 120)
    font = QFont()
    font.setPixelSize(int(max(12, min(result.width(), result.height()) / 18)))
    font.setBold(True)
    painter.setFont(font)
    for index, (top, right, bottom, left) in enumerate(boxes):
        pen = QPen(BOX_COLOR, width * (2 if index == highlight else 1))
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(left, top, right - left, bottom - top))
        if labels:
            painter.drawText(QRectF(left, max(0.0, top - font.pixelSize() * 1.4), right - left, font.pixelSize() * 1.3),
                             Qt.AlignmentFlag.AlignCenter, labels[index])
    painter.end()
    return result
