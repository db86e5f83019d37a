"""A group photo with numbered face boxes; the person clicks the face that is theirs, or picks it by key.

Keys while the photo has the focus: the arrow keys (or 1 to 9) move the highlight from face to
face, Enter chooses the highlighted face, Escape skips the photo.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from faceaudit.gui.widgets.pictures import draw_boxes

__all__ = ["FacePicker"]

_VIEW = QSize(560, 360)


class _ClickablePhoto(QLabel):
    """Shows the photo; a click inside a face box, or Enter on the highlighted one, reports that face's number.

    Signals:
        clicked(int): the 1-based number of the face chosen.
        skipped(): Escape was pressed.
    """

    clicked = Signal(int)
    skipped = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._boxes: list[tuple[float, float, float, float]] = []
        self._scale = 1.0
        self._scaled = QPixmap()
        self.highlighted = 1

    def show_photo(self, pixmap: QPixmap, boxes: list[tuple[int, int, int, int]]) -> None:
        """Show `pixmap` scaled to fit, with `boxes` (in its own pixels) numbered 1..; face 1 highlighted."""
        self._scaled = pixmap.scaled(_VIEW, Qt.AspectRatioMode.KeepAspectRatio,
                                     Qt.TransformationMode.SmoothTransformation)
        self._scale = self._scaled.width() / max(1, pixmap.width())
        self._boxes = [tuple(v * self._scale for v in box) for box in boxes]
        self.setFixedSize(self._scaled.size())
        self.highlight(1)

    def highlight(self, number: int) -> None:
        """Draw face `number` (1-based) thicker: Enter chooses it."""
        if not self._boxes:
            return
        self.highlighted = max(1, min(number, len(self._boxes)))
        self.setPixmap(draw_boxes(self._scaled, self._boxes, [str(n) for n in range(1, len(self._boxes) + 1)],
                                  highlight=self.highlighted - 1))
        self.setAccessibleDescription(f"face {self.highlighted} of {len(self._boxes)} highlighted; "
                                      "arrow keys move, Enter chooses it")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        order = self._reading_order()
        if key in (Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_Left, Qt.Key.Key_Up) and order:
            step = 1 if key in (Qt.Key.Key_Right, Qt.Key.Key_Down) else -1
            position = (order.index(self.highlighted) + step) % len(order)
            self.highlight(order[position])
        elif Qt.Key.Key_1 <= key <= Qt.Key.Key_9 and key - Qt.Key.Key_0 <= len(self._boxes):
            self.highlight(key - Qt.Key.Key_0)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and self._boxes:
            self.clicked.emit(self.highlighted)
        elif key == Qt.Key.Key_Escape:
            self.skipped.emit()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.hasFocus():  # the photo takes keys: say so with a frame
            painter = QPainter(self)
            painter.setPen(QPen(self.palette().color(self.palette().ColorRole.Highlight), 3))
            painter.drawRect(self.rect().adjusted(1, 1, -2, -2))
            painter.end()

    def _reading_order(self) -> list[int]:
        """Face numbers left to right (then top to bottom), the order the arrow keys follow."""
        return [n for n, _ in sorted(enumerate(self._boxes, 1), key=lambda item: (item[1][3], item[1][0]))]

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
        self.photo.setAccessibleName("Group photo: choose your face")
        self.photo.clicked.connect(self._on_face_clicked)
        self.photo.skipped.connect(self._on_skip_clicked)
        self.choose_button = QPushButton("This face is me")
        self.choose_button.setToolTip("Choose the highlighted face (Enter); the arrow keys or 1 to 9 move the "
                                      "highlight")
        self.choose_button.clicked.connect(lambda _checked=False: self._on_face_clicked(self.photo.highlighted))
        skip = QPushButton("Skip this photo")
        skip.setToolTip("Do not use this photo as a reference")
        skip.clicked.connect(self._on_skip_clicked)
        row = QHBoxLayout()
        row.addWidget(self.question, 1)
        row.addWidget(self.choose_button)
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
        """Show a group photo and its faces; the photo takes the keyboard focus."""
        self._path = path
        self.question.setText(f"<b>{Path(path).name}</b> shows {len(boxes)} faces. Click the face that is you "
                              "(or move with the arrow keys and press Enter).")
        self.photo.show_photo(pixmap, boxes)
        self.photo.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_face_clicked(self, number: int) -> None:
        self.chosen.emit(self._path, number)

    def _on_skip_clicked(self) -> None:
        self.skipped.emit(self._path)
