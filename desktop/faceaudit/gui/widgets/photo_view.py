"""A photo that fills its space, framed on a face, with zoom: the candidate shown large beside the grid.

Keys while it has the focus: + and - zoom in and out around the face, 0 shows the whole
photo, F frames the face again. Ctrl + mouse wheel zooms too.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QPainter, QPaintEvent, QPalette, QPen, QWheelEvent
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSizePolicy, QWidget

from faceaudit.core.faces.crops import FACE_MARGIN
from faceaudit.gui.widgets.pictures import BOX_COLOR

__all__ = ["PhotoView", "zoom_buttons"]

#: Zoom steps, as the share of the face's framed width shown: 1 frames the face, larger shows more.
_STEP = 1.4


class PhotoView(QWidget):
    """Paints a photo (or a message) scaled into the widget, with one face box.

    The view is a rectangle of the photo: `frame_face` puts the face with its margin in it,
    `show_whole` the whole photo, `zoom` grows or shrinks it around its centre.

    Signals:
        zoomed(): the part of the photo shown changed.
    """

    zoomed = Signal()

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName(name)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(QSize(120, 120))
        self._image = QImage()
        self._box: tuple[float, float, float, float] | None = None
        self._view = QRectF()
        self._message = ""

    # -- what to show ----------------------------------------------------------------------

    def show_message(self, text: str) -> None:
        """Show words instead of a photo."""
        self._image, self._box, self._message = QImage(), None, text
        self.setAccessibleDescription(text)
        self.update()

    def show_image(self, image: QImage, box: tuple[float, float, float, float] | None) -> None:
        """Show a photo with a face box (top, right, bottom, left, in the image's pixels), framed on the face."""
        self._image, self._box, self._message = image, box, ""
        self.setAccessibleDescription(f"photo {image.width()} × {image.height()} pixels"
                                      + (", the face boxed" if box else ""))
        self.frame_face()

    @property
    def has_image(self) -> bool:
        """True while a photo is shown."""
        return not self._image.isNull()

    def picture(self) -> tuple[QImage, tuple[float, float, float, float] | None]:
        """The photo shown and its face box."""
        return self._image, self._box

    def view(self) -> QRectF:
        """The part of the photo shown, in its pixels."""
        return QRectF(self._view)

    # -- zoom ------------------------------------------------------------------------------

    def frame_face(self) -> None:
        """Show the face with its margin (the whole photo when there is no face box)."""
        if self._box is None:
            self.show_whole()
            return
        top, right, bottom, left = self._box
        pad = (bottom - top) * FACE_MARGIN
        self._set_view(QRectF(left - pad, top - pad, right - left + 2 * pad, bottom - top + 2 * pad))

    def show_whole(self) -> None:
        """Show the whole photo."""
        self._set_view(QRectF(0, 0, self._image.width(), self._image.height()))

    def zoom(self, steps: int) -> None:
        """Zoom in (steps > 0) or out (steps < 0) around the middle of the view."""
        if not self.has_image:
            return
        factor = _STEP ** -steps
        centre = self._view.center()
        width, height = self._view.width() * factor, self._view.height() * factor
        self._set_view(QRectF(centre.x() - width / 2, centre.y() - height / 2, width, height))

    # -- events ----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(1)
        elif key == Qt.Key.Key_Minus:
            self.zoom(-1)
        elif key == Qt.Key.Key_0:
            self.show_whole()
        elif key == Qt.Key.Key_F:
            self.frame_face()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier and event.angleDelta().y():
            self.zoom(1 if event.angleDelta().y() > 0 else -1)
            event.accept()
        else:
            super().wheelEvent(event)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width

    def sizeHint(self) -> QSize:
        return QSize(320, 320)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        painter.fillRect(area, self.palette().color(QPalette.ColorRole.AlternateBase))
        if not self.has_image:
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(area.adjusted(8, 8, -8, -8), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self._message)
        else:
            target = self._target(area)
            scale = target.width() / max(1e-6, self._view.width())
            painter.save()
            painter.setClipRect(target)
            painter.drawImage(QRectF(target.left() - self._view.left() * scale, target.top() - self._view.top() * scale,
                                     self._image.width() * scale, self._image.height() * scale), self._image)
            painter.restore()
            if self._box is not None:
                top, right, bottom, left = self._box
                box = QRectF(target.left() + (left - self._view.left()) * scale,
                             target.top() + (top - self._view.top()) * scale,
                             (right - left) * scale, (bottom - top) * scale)
                painter.setPen(QPen(BOX_COLOR, 2))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(box)
        if self.hasFocus():
            painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(area)
        else:
            painter.setPen(QPen(QColor(0, 0, 0, 40), 1))
            painter.drawRect(area)
        painter.end()

    # -- helpers ---------------------------------------------------------------------------

    def _set_view(self, view: QRectF) -> None:
        """Show `view` (kept inside the photo where the photo is large enough)."""
        if self._image.isNull():
            self._view = QRectF()
            self.update()
            return
        width = min(max(8.0, view.width()), max(self._image.width(), self._image.height()) * 1.0)
        height = width * view.height() / max(1e-6, view.width())
        left = min(max(view.center().x() - width / 2, 0.0), max(0.0, self._image.width() - width))
        top = min(max(view.center().y() - height / 2, 0.0), max(0.0, self._image.height() - height))
        self._view = QRectF(left, top, width, height)
        self.update()
        self.zoomed.emit()

    def _target(self, area: QRectF) -> QRectF:
        """Where the view is painted: as large as fits, keeping its proportions, centred."""
        scale = min(area.width() / max(1e-6, self._view.width()), area.height() / max(1e-6, self._view.height()))
        width, height = self._view.width() * scale, self._view.height() * scale
        return QRectF(area.center().x() - width / 2, area.center().y() - height / 2, width, height)


def zoom_buttons(view: PhotoView) -> tuple[QHBoxLayout, dict[str, QPushButton]]:
    """A row of buttons that zoom `view`: out, in, frame the face, the whole photo (the keys say the same)."""
    row, buttons = QHBoxLayout(), {}
    for name, text, tip, slot in (("out", "−", "Zoom out (−)", lambda: view.zoom(-1)),
                                  ("in", "+", "Zoom in (+)", lambda: view.zoom(1)),
                                  ("face", "Face", "Frame the face (F)", view.frame_face),
                                  ("whole", "Whole photo", "Show the whole photo (0)", view.show_whole)):
        button = QPushButton(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.setAutoDefault(False)  # in a dialog, Enter must not zoom
        button.clicked.connect(lambda _checked=False, s=slot: s())
        buttons[name] = button
        row.addWidget(button)
    row.addStretch(1)
    return row, buttons
