"""All my reference faces in a row, each with its distance to the candidate: is it close to every one of them?"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from faceaudit.core.matching.bands import MATCH_DISTANCE

__all__ = ["ReferenceStrip", "ReferenceShown"]

_GAP = 8
_SMALLEST, _LARGEST = 56, 120


@dataclass(frozen=True)
class ReferenceShown:
    """One of my reference faces as the strip shows it.

    Attributes:
        image: its thumbnail.
        name: its photo's file name.
        distance: its distance to the candidate (None when unknown).
        used: whether scans use it (a face that disagrees with my others is left out).
    """

    image: QImage
    name: str
    distance: float | None
    used: bool = True


class ReferenceStrip(QWidget):
    """Paints my reference faces, as many a row as fit, each with its distance to the candidate under it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("Your reference faces, with their distance to this face")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._faces: list[ReferenceShown] = []
        self._weak = False

    def show_faces(self, faces: list[ReferenceShown], weak: bool = False) -> None:
        """Show these faces (oldest first).

        Args:
            weak: the candidate is rated weak: a close face gets no green frame and no tick, which
                would read as "the same person".
        """
        self._faces = faces
        self._weak = weak
        close = sum(1 for face in faces if face.distance is not None and face.distance <= MATCH_DISTANCE)
        self.setAccessibleDescription(f"{close} of your {len(faces)} reference faces are within 0.6 of this face")
        self.updateGeometry()
        self.update()

    def faces(self) -> list[ReferenceShown]:
        """The faces shown."""
        return list(self._faces)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        if not self._faces:
            return 0
        side, columns = self._geometry(width)
        rows = -(-len(self._faces) // columns)
        return rows * (side + 2 * self.fontMetrics().lineSpacing() + _GAP)

    def sizeHint(self) -> QSize:
        return QSize(320, self.heightForWidth(320))

    def minimumSizeHint(self) -> QSize:
        return QSize(_SMALLEST + 2, self.heightForWidth(_SMALLEST + 2) if self._faces else 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._faces:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        side, columns = self._geometry(self.width())
        line = self.fontMetrics().lineSpacing()
        for number, face in enumerate(self._faces):
            row, column = divmod(number, columns)
            x, y = column * (side + _GAP), row * (side + 2 * line + _GAP)
            picture = QRect(x, y, side, side)
            painter.fillRect(picture, self.palette().color(QPalette.ColorRole.AlternateBase))
            if not face.image.isNull():
                size = face.image.size().scaled(picture.size(), Qt.AspectRatioMode.KeepAspectRatio)
                target = QRect(0, 0, size.width(), size.height())
                target.moveCenter(picture.center())
                if not face.used:
                    painter.setOpacity(0.45)
                painter.drawImage(target, face.image)
                painter.setOpacity(1.0)
            close = face.distance is not None and face.distance <= MATCH_DISTANCE and not self._weak
            painter.setPen(QPen(QColor("#2e7d32") if close else self.palette().color(QPalette.ColorRole.Mid),
                                3 if close else 1))
            painter.drawRect(QRectF(picture).adjusted(0.5, 0.5, -0.5, -0.5))
            painter.setPen(self.palette().color(QPalette.ColorRole.Text))
            first = "–" if face.distance is None else f"{face.distance:.2f}" + (" ✓" if close else "")
            second = face.name if face.used else "not used"
            metrics = self.fontMetrics()
            for offset, text in enumerate((first, second)):
                shown = metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, side)
                painter.drawText(QRect(x, y + side + offset * line, side, line), Qt.AlignmentFlag.AlignCenter, shown)
        painter.end()

    def _geometry(self, width: int) -> tuple[int, int]:
        """(thumbnail side, columns) for the width: every face in one row if they fit at the smallest size."""
        count = max(1, len(self._faces))
        side = (width - (count - 1) * _GAP) // count
        side = max(_SMALLEST, min(_LARGEST, side))
        columns = max(1, (width + _GAP) // (side + _GAP))
        return side, columns
