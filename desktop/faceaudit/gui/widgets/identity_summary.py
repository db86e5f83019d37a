"""The writer's details as a letter will print them, what a letter still needs, and the way to edit them."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from faceaudit.core.letters.identity import Identity, residence_name

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
        self.edit_button.setToolTip("Your name, address and e-mail, as letters print them, and where you live "
                                    "(it decides the laws and the authority)")
        self.edit_button.clicked.connect(self.edit_requested)
        text = QVBoxLayout()
        text.addWidget(self.summary)
        text.addWidget(self.needs)
        layout = QHBoxLayout(self)
        layout.addLayout(text, 1)
        layout.addWidget(self.edit_button, 0, Qt.AlignmentFlag.AlignTop)

    def show_identity(self, who: Identity, missing: list[str] | None, unfilled: list[str] = ()) -> None:
        """Show the writer's details and, when a letter is chosen, what it still lacks (None: no letter).

        Args:
            unfilled: what the letter would still print as "please fill in" (`letters.placeholders.unfilled`);
                "all the details" is said only when this and `missing` are both empty.
        """
        residence = residence_name(who.country, who.region)
        parts = [who.name or "no name yet", ", ".join(who.address_lines()) or "no address",
                 who.email or "no e-mail", f"residence: {residence}" if residence else "country not set"]
        self.summary.setText("; ".join(parts))
        if missing is None:
            self.needs.setText("")
        elif missing or unfilled:
            words = []
            if missing:
                words.append(f"This letter still needs {_listed(missing)}: Edit my details…")
            others = [item for item in unfilled if item not in missing]
            if others:
                words.append(f"It would print “please fill in” for {_listed(others)}.")
            self.needs.setText(" ".join(words))
        else:
            self.needs.setText("This letter has all the details it needs.")


def _listed(items: list[str]) -> str:
    return ", ".join(items[:-1]) + (" and " if len(items) > 1 else "") + items[-1]
