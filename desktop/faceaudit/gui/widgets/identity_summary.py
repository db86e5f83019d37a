"""The writer's details as a letter will print them, what a letter still needs, and the way to edit them."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from faceaudit.core.letters.identity import Identity

__all__ = ["IdentitySummary"]


class IdentitySummary(QGroupBox):
    """A "Your details" box: one line of who writes, one line of what is missing, an Edit button.

    Signals:
        edit_requested(): the person clicked "Edit my details…".
    """

    edit_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Your details", parent)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.needs = QLabel()
        self.needs.setWordWrap(True)
        self.edit_button = QPushButton("Edit my details…")
        self.edit_button.setToolTip("Your name, address, e-mail and country, as letters print them")
        self.edit_button.clicked.connect(self.edit_requested)
        text = QVBoxLayout()
        text.addWidget(self.summary)
        text.addWidget(self.needs)
        layout = QHBoxLayout(self)
        layout.addLayout(text, 1)
        layout.addWidget(self.edit_button, 0, Qt.AlignmentFlag.AlignTop)

    def show_identity(self, who: Identity, missing: list[str] | None) -> None:
        """Show the writer's details and, when a letter is chosen, what it still lacks (None: no letter)."""
        parts = [who.name or "no name yet", ", ".join(who.address_lines()) or "no address",
                 who.email or "no e-mail"] + ([who.country] if who.country else [])
        self.summary.setText("; ".join(parts))
        if missing is None:
            self.needs.setText("")
        elif missing:
            listed = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1]
            self.needs.setText(f"This letter still needs {listed}: Edit my details…")
        else:
            self.needs.setText("This letter has all the details it needs.")
