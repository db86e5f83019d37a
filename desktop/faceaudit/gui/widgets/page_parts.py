"""Pieces every page uses: a title with a line of help, an inline notice, buttons, dropped paths."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QDropEvent, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

__all__ = ["PageHeader", "Notice", "dropped_paths", "make_button", "make_row_table", "decision_row"]


class PageHeader(QWidget):
    """A page's title and one or two sentences saying what the page is for."""

    def __init__(self, title: str, help_text: str, parent: QWidget | None = None):
        super().__init__(parent)
        heading = QLabel(title)
        font = QFont(heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        heading.setFont(font)
        heading.setAccessibleName(title)
        self.help = QLabel(help_text)
        self.help.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.addWidget(heading)
        layout.addWidget(self.help)


class Notice(QLabel):
    """A one-line message inside a page (errors in plain words, never a traceback)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setVisible(False)

    def show_error(self, text: str) -> None:
        """Show a problem the person can act on."""
        self.setStyleSheet("QLabel { color: #c62828; font-weight: bold; }")
        self._show(text)

    def show_info(self, text: str) -> None:
        """Show a neutral message."""
        self.setStyleSheet("")
        self._show(text)

    def clear_message(self) -> None:
        """Hide the message."""
        self.setText("")
        self.setVisible(False)

    def _show(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))


def dropped_paths(event: QDropEvent) -> list[Path]:
    """The local files and folders in a drop."""
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


def make_button(text: str, tip: str, slot: Callable[[], None]) -> QPushButton:
    """A push button with a tooltip that calls `slot` when clicked."""
    button = QPushButton(text)
    button.setToolTip(tip)
    button.clicked.connect(lambda _checked=False: slot())
    return button


def make_row_table(columns: tuple[str, ...], name: str) -> QTableWidget:
    """A read-only table whose rows are picked one at a time; the first column takes the spare width."""
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    table.setAccessibleName(name)
    return table


def decision_row(tips: dict[str, str], decided: Callable[[str], None],
                 status: QLabel) -> tuple[QHBoxLayout, dict[str, QPushButton]]:
    """The three decision buttons of a candidate (me, not me, unsure; keys Y, N, U) and a status label.

    Args:
        tips: each decision's tooltip ("me", "not_me", "unsure").
        decided: called with the decision clicked.
        status: shown at the row's right (the decision made).
    """
    row = QHBoxLayout()
    buttons = {}
    for decision, text in (("me", "This is me  (Y)"), ("not_me", "Not me  (N)"), ("unsure", "Unsure  (U)")):
        button = QPushButton(text)
        button.setToolTip(tips[decision])
        button.setCheckable(True)
        button.clicked.connect(lambda _checked=False, d=decision: decided(d))
        buttons[decision] = button
        row.addWidget(button)
    row.addStretch(1)
    row.addWidget(status)
    return row, buttons
