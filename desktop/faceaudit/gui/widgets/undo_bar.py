"""A bar that says what was just done and offers to undo it, for a few seconds (Ctrl+Z works longer)."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

__all__ = ["UndoBar"]


class UndoBar(QFrame):
    """"Marked 3 photos as not me. [Undo]" — hidden again after `timeout_ms`.

    Signals:
        undo_requested(): the Undo button was clicked.
    """

    undo_requested = Signal()

    def __init__(self, timeout_ms: int = 10_000, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Undo")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.undo_button = QPushButton("Undo  (Ctrl+Z)")
        self.undo_button.setToolTip("Put back what was there before (Ctrl+Z)")
        self.undo_button.clicked.connect(self.undo_requested)
        close = QPushButton("Dismiss")
        close.setToolTip("Hide this bar (Ctrl+Z still undoes)")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.undo_button)
        layout.addWidget(close)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(timeout_ms)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def offer(self, text: str) -> None:
        """Show `text` with the Undo button, and start the countdown again."""
        self.message.setText(text)
        self.show()
        self._timer.start()
