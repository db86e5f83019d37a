"""A candidate's photo in a window of its own, as large as the screen allows, with zoom (Enter on a card)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from faceaudit.gui.widgets.photo_view import PhotoView, zoom_buttons

__all__ = ["PhotoDialog"]


class PhotoDialog(QDialog):
    """The photo, framed on the face: + and - zoom, 0 shows it whole, F frames the face, Escape closes.

    Args:
        title: what the photo is (dataset and file).
        image: the photo (or the face crop while the photo is still being read).
        box: the face box in the image's pixels, if any.
    """

    def __init__(self, title: str, image: QImage, box, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        caption = QLabel(title)
        caption.setWordWrap(True)
        self.photo = PhotoView("The candidate's photo")
        if image.isNull():
            self.photo.show_message("The photo is still being read, or cannot be read.")
        else:
            self.photo.show_image(image, box)
        zoom, _ = zoom_buttons(self.photo)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(caption)
        layout.addWidget(self.photo, 1)
        layout.addLayout(zoom)
        layout.addWidget(buttons)
        if parent is not None:
            window = parent.window().size()
            self.resize(int(window.width() * 0.8), int(window.height() * 0.85))
        self.photo.setFocus(Qt.FocusReason.OtherFocusReason)
