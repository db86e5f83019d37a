"""One row of a list of links that names me, shown as the row itself, with the decision buttons."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QTableWidgetItem, QVBoxLayout, QWidget

from faceaudit.core.matching.matches import RowCandidate
from faceaudit.gui.widgets.page_parts import decision_row, make_row_table
from faceaudit.gui.wording import DECISION_WORDS

__all__ = ["RowView"]


class RowView(QWidget):
    """Shows a row of a published list (where it is, which of my identifiers it names, every field) and
    asks whether it is me. The photo's address is shown as text: FaceAudit never opens it.

    Signals:
        decided(str): "me", "not_me" or "unsure" was clicked.
    """

    decided = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.where = QLabel()
        self.where.setWordWrap(True)
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A confirmed row is cited as "a photograph of me": letters say so, so "me" must mean the photo shows me
        # (a photo I took that shows only others is someone else's personal data, not mine).
        self.explain = QLabel("The dataset was published as a list of links, so there is no face to compare: this row "
                              "names one of your identifiers exactly. Say “This is me” only if the photo it lists "
                              "shows you (open its address in your own browser if you need to see it); letters cite "
                              "the rows you confirm as photographs of you.")
        self.explain.setWordWrap(True)
        self.fields = make_row_table(("Field", "Value"), "The row's fields")
        self.fields.horizontalHeader().setStretchLastSection(True)
        self.decision = QLabel()
        row, self.buttons = decision_row({"me": "Yes, the photo this row lists shows me (key Y)",
                                          "not_me": "No, the photo does not show me (key N)",
                                          "unsure": "I cannot tell (key U)"}, self.decided.emit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.where)
        layout.addWidget(self.explain)
        layout.addWidget(self.fields, 1)
        layout.addWidget(self.decision)  # above the buttons, as for a face: the row view stays narrow
        layout.addLayout(row)

    def show_row(self, candidate: RowCandidate) -> None:
        """Show one row candidate and its decision."""
        matched = ", ".join(escape(m) for m in candidate.matched)
        self.title.setText(f"<b>A row of “{escape(candidate.dataset)}” names you</b> — by {matched}")
        place = candidate.file if candidate.locator == "whole file" else f"{candidate.file}, {candidate.locator}"
        self.where.setText(f"Where: {place}" + (f"\nPhoto address: {candidate.url}" if candidate.url else ""))
        self.fields.setRowCount(0)
        for name, value in candidate.fields.items():
            at = self.fields.rowCount()
            self.fields.insertRow(at)
            self.fields.setItem(at, 0, QTableWidgetItem(name))
            item = QTableWidgetItem(value)
            item.setToolTip(value)
            self.fields.setItem(at, 1, item)
        for decision, button in self.buttons.items():
            button.setChecked(candidate.decision == decision)
        words = DECISION_WORDS.get(candidate.decision, candidate.decision)
        self.decision.setText(f"Your decision: {words}")
