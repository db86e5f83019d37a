"""The Letters page (placeholder until the letters feature lands)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from .page_parts import PageHeader

__all__ = ["LettersPage"]


class LettersPage(QWidget):
    """Will write deletion requests (GDPR Art. 17 and similar) for the matches you confirmed."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        header = PageHeader("Letters", "Write a deletion request to a dataset's publisher for the photos you "
                            "confirmed as you.")
        coming = QLabel("Coming soon: for each dataset with confirmed matches, FaceAudit will fill in a letter "
                        "(the legal basis, the exact files, your contact details) and save it as a PDF to send.\n\n"
                        "Until then, confirm your matches on Scan & Review: they will be ready here.")
        coming.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addWidget(coming)
        layout.addStretch(1)
