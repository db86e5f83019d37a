"""A group photo with numbered face boxes; the person clicks the face that is theirs."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from faceaudit.gui.widgets.pictures import draw_boxes

__all__ = ["FacePicker"]

_VIEW = QSize(560, 360)


class _ClickablePhoto(QLabel):
    """Shows the photo; a click inside a face box reports that face's number.

    Signals:
        clicked(int): the 1-based number of the face clicked.
    """

    clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._boxes: list[tuple[float, float, float, float]] = []
        self._scale = 1.0

    def show_photo(self, pixmap: QPixmap, boxes: list[tuple[int, int, int, int]]) -> None:
        """Show `pixmap` scaled to fit, with `boxes` (in its own pixels) numbered 1.."""
        scaled = pixmap.scaled(_VIEW, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
        self._scale = scaled.width() / max(1, pixmap.width())
        self._boxes = [tuple(v * self._scale for v in box) for box in boxes]
        self.setPixmap(draw_boxes(scaled, self._boxes, [str(n) for n in range(1, len(boxes) + 1)]))
        self.setFixedSize(scaled.size())

    def face_at(self, point: QPointF) -> int | None:
        """The number of the face box under `point` (widget coordinates), if any."""
        for number, (top, right, bottom, left) in enumerate(self._boxes, 1):
            if left <= point.x() <= right and top <= point.y() <= bottom:
                return number
        return None

    def box_center(self, number: int) -> QPointF:
        """The centre of face `number`'s box, in widget coordinates."""
        top, right, bottom, left = self._boxes[number - 1]
        return QPointF((left + right) / 2, (top + bottom) / 2)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        number = self.face_at(event.position())
        if number is not None:
            self.clicked.emit(number)


class FacePicker(QWidget):
    """Asks "which face is you?" about one group photo.

    Signals:
        chosen(str, int): the photo's path and the number of the face the person clicked.
        skipped(str): the person gave up on this photo.
    """

    chosen = Signal(str, int)
    skipped = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._path = ""
        self.question = QLabel()
        self.question.setWordWrap(True)
        self.photo = _ClickablePhoto()
        self.photo.clicked.connect(self._on_face_clicked)
        skip = QPushButton("Skip this photo")
        skip.setToolTip("Do not use this photo as a reference")
        skip.clicked.connect(self._on_skip_clicked)
        row = QHBoxLayout()
        row.addWidget(self.question, 1)
        row.addWidget(skip)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.photo, 0, Qt.AlignmentFlag.AlignHCenter)

    @property
    def path(self) -> str:
        """The photo being asked about."""
        return self._path

    def ask(self, path: str, pixmap: QPixmap, boxes: list[tuple[int, int, int, int]]) -> None:
        """Show a group photo and its faces."""
        from pathlib import Path

        self._path = path
        self.question.setText(f"<b>{Path(path).name}</b> shows {len(boxes)} faces. Click the face that is you.")
        self.photo.show_photo(pixmap, boxes)

    def _on_face_clicked(self, number: int) -> None:
        self.chosen.emit(self._path, number)

    def _on_skip_clicked(self) -> None:
        self.skipped.emit(self._path)
