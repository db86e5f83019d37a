"""Pieces every page uses: a title with a line of help, an inline notice, buttons, dropped paths."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
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

from faceaudit.gui.wording import ACTION_PAGES

__all__ = ["PageHeader", "Notice", "dropped_paths", "make_button", "make_row_table", "decision_row", "breakable",
           "keep_text_in_sight"]


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
    """A one-line message inside a page (errors in plain words, never a traceback).

    Signals:
        page_wanted(str): the person clicked the link a failure's Action names (the page's title).
    """

    page_wanted = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setVisible(False)
        #: The title of the page this notice is on (set by the window): no link leads back to it.
        self.here = ""
        self.linkActivated.connect(self.page_wanted)

    def show_failure(self, failure: str, before: str = "") -> None:
        """Show a failure (from a background job); when its Action is done on a page, with a link to that page."""
        page = ACTION_PAGES.get(getattr(failure, "action", None))
        if page is None or page == self.here:
            self.show_error(before + failure)
            return
        self.show_error(f"{html.escape(before + failure)} <a href=\"{html.escape(page)}\">Open {html.escape(page)}</a>")
        self.setTextFormat(Qt.TextFormat.RichText)

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
        self.setTextFormat(Qt.TextFormat.AutoText)
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
    """A read-only table whose rows are picked one at a time.

    Columns are as wide as their contents while the table is wide enough, the first taking the
    spare width; in a narrow window the widest columns give up width first (their texts wrap or
    end in "…"), so short ones such as dates stay whole.
    """
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(False)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setAccessibleName(name)
    fitter = _ColumnFitter(table)
    table.viewport().installEventFilter(fitter)
    table.model().rowsInserted.connect(fitter.schedule)
    table.model().dataChanged.connect(fitter.schedule)
    return table


def decision_row(tips: dict[str, str], decided: Callable[[str], None],
                 status: QLabel | None = None) -> tuple[QHBoxLayout, dict[str, QPushButton]]:
    """The three decision buttons of a candidate (me, not me, unsure; keys Y, N, U) and a status label.

    Args:
        tips: each decision's tooltip ("me", "not_me", "unsure").
        decided: called with the decision clicked.
        status: shown at the row's right (the decision made), if given.
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
    if status is not None:
        row.addWidget(status)
    return row, buttons


class _ColumnFitter(QObject):
    """Shares a table's width among its columns (see make_row_table)."""

    def __init__(self, table: QTableWidget):
        super().__init__(table)
        self._table = table
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.fit)

    def schedule(self, *_args) -> None:
        self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.schedule()
        return False

    def fit(self) -> None:
        table, header = self._table, self._table.horizontalHeader()
        count = table.columnCount()
        available = table.viewport().width()
        wanted = [max(header.sectionSizeHint(c), table.sizeHintForColumn(c)) for c in range(count)]
        widths = list(wanted)
        if sum(wanted) <= available:
            widths[0] += available - sum(wanted)
        else:  # the widest columns give up width first, down to a common cap; narrow ones stay whole
            cap, left = available, available
            for number, width in enumerate(sorted(wanted)):
                share = left // (count - number)
                if width > share:
                    cap = share
                    break
                left -= width
            widths = [max(header.minimumSectionSize(), min(width, cap)) for width in wanted]
        for column, width in enumerate(widths):
            header.resizeSection(column, width)


def breakable(text: str) -> str:
    """Text with a long path in it that a word-wrapped label may break after each / or \\ (zero-width spaces)."""
    return text.replace("/", "/\u200b").replace("\\", "\\\u200b")


class _HeightKeeper(QObject):
    """Keeps a window at least as tall as its wrapped texts need at its present width."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.Show, QEvent.Type.Resize):
            layout = watched.layout()
            if layout is not None and layout.hasHeightForWidth():
                needed = layout.totalHeightForWidth(watched.width())
                if needed != watched.minimumHeight():
                    watched.setMinimumHeight(needed)
        return False


def keep_text_in_sight(window: QWidget) -> None:
    """Let a dialog grow (and not shrink) to the height its word-wrapped texts need.

    A window is first sized without height-for-width: a wrapped label that gets a longer text
    later (an inline problem) would be squeezed to one line.
    """
    window.installEventFilter(_HeightKeeper(window))
