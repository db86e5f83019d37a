"""Help > Keyboard shortcuts: every key the window answers to, in one list."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

__all__ = ["ShortcutsDialog", "SHORTCUTS"]

#: (where, keys, what they do), in the order shown.
SHORTCUTS: tuple[tuple[str, str, str], ...] = (
    ("Anywhere", "Ctrl+1 … Ctrl+5", "Go to Me, Datasets, Scan & Review, Letters, Requests"),
    ("Anywhere", "Tab, Shift+Tab", "Move between the parts of a page (the part with the focus is framed)"),
    ("Anywhere", "Ctrl+,", "Settings"),
    ("Anywhere", "F1", "This list"),
    ("Anywhere", "Ctrl+Q", "Quit (work in progress is kept)"),
    ("Me", "Delete", "Remove the selected reference face"),
    ("Me, group photo", "← → or 1 … 9, then Enter", "Choose which face in the photo is you; Escape skips the photo"),
    ("Datasets", "Delete", "Remove the selected dataset (asks first)"),
    ("Scan & Review", "Ctrl+R", "Scan now"),
    ("Scan & Review", "Arrow keys, Home, End", "Move between candidates"),
    ("Scan & Review", "Y, N, U", "This is me, not me, unsure (for every selected candidate), then go on"),
    ("Scan & Review", "Space, Shift+arrows, Ctrl+A", "Select more than one candidate; Escape selects one again"),
    ("Scan & Review", "Enter", "Show the candidate's photo large"),
    ("Scan & Review", "Ctrl+Z", "Undo the last decision (again for the one before)"),
    ("Photo", "+, −, 0, F", "Zoom in, zoom out, whole photo, frame the face"),
)


class ShortcutsDialog(QDialog):
    """A table of SHORTCUTS."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        intro = QLabel("Everything in FaceAudit can be done with the keyboard. Besides Tab and the arrow keys:")
        intro.setWordWrap(True)
        self.table = QTableWidget(len(SHORTCUTS), 3)
        self.table.setHorizontalHeaderLabels(("Where", "Keys", "What they do"))
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        for row, values in enumerate(SHORTCUTS):
            for column, text in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.resizeRowsToContents()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(760, 520)
