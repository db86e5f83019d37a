"""The Settings dialog: where data lives, how faces are found, and deleting everything."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from faceaudit.core.storage import paths
from faceaudit.core.storage.wipe import wipe_plan
from faceaudit.gui.support.preferences import DETECTOR_LABELS

__all__ = ["SettingsDialog", "wipe_summary"]


def wipe_summary() -> str:
    """What "delete all my data" would delete, as a list for the confirmation."""
    plan = wipe_plan()
    if not plan:
        return "There is no FaceAudit data to delete."
    listed = "\n".join(f"  • {path.name}{'/' if path.is_dir() else ''}" for path in plan)
    return (f"This deletes the folder {paths.data_home(create=False)} and everything in it:\n{listed}\n\n"
            "That is your reference faces, the dataset indexes, scans and decisions, and settings. "
            "Your own photos and the dataset files are not touched. This cannot be undone.")


class SettingsDialog(QDialog):
    """Shows and changes the preferences; offers to delete all data.

    Signals:
        wipe_confirmed(): the person confirmed deleting all FaceAudit data.
    """

    wipe_confirmed = Signal()

    def __init__(self, preferences, store, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("FaceAudit settings")
        self.preferences = preferences
        self.store = store
        folder = QLabel(str(paths.data_home()))
        folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        folder_help = QLabel(f"Everything FaceAudit keeps is in this folder, private to your user account. To keep it "
                             f"elsewhere (an encrypted or portable drive), set the {paths.ENV_HOME} environment "
                             "variable to another folder before starting FaceAudit.")
        folder_help.setWordWrap(True)
        self.detector = QComboBox()
        for name, label in DETECTOR_LABELS.items():
            self.detector.addItem(label, name)
        self.detector.setCurrentIndex(max(0, self.detector.findData(preferences.detector)))
        self.detector.setToolTip("Changing it re-indexes a dataset the next time you index it")
        self.workers = QSpinBox()
        self.workers.setRange(1, 64)
        self.workers.setValue(preferences.workers)
        self.workers.setToolTip("Processes that index photos at once; one per CPU core is best")
        wipe = QPushButton("Delete all my data…")
        wipe.setToolTip("Delete every file FaceAudit created on this computer")
        wipe.clicked.connect(self._on_wipe_clicked)
        form = QFormLayout()
        where = QVBoxLayout()
        where.addWidget(folder)
        where.addWidget(folder_help)
        form.addRow("Data folder:", where)
        form.addRow("Face finder:", self.detector)
        form.addRow("Indexing processes:", self.workers)
        form.addRow("", wipe)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    def accept(self) -> None:
        """Save the preferences and close."""
        self.preferences.detector = self.detector.currentData()
        self.preferences.workers = self.workers.value()
        self.preferences.save(self.store)
        super().accept()

    def _on_wipe_clicked(self) -> None:
        answer = QMessageBox.warning(self, "Delete all FaceAudit data?", wipe_summary(),
                                     QMessageBox.StandardButton.Cancel | QMessageBox.StandardButton.Discard,
                                     QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Discard:
            self.reject()
            self.wipe_confirmed.emit()
