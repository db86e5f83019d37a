"""The Requests page (placeholder until request tracking lands)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from .page_parts import PageHeader

__all__ = ["RequestsPage"]


class RequestsPage(QWidget):
    """Will track the deletion requests you sent: when, to whom, and what came back."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        header = PageHeader("Requests", "Keep track of the deletion requests you sent.")
        coming = QLabel("Coming soon: every letter you send will be listed here with its date and the legal "
                        "deadline for an answer, so you can see which publishers replied and remind those who "
                        "did not.")
        coming.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addWidget(coming)
        layout.addStretch(1)
