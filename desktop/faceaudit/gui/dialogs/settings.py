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

from faceaudit.core.faces.face_models import MODEL_SETTING, available_choice, chosen_model
from faceaudit.core.storage import paths
from faceaudit.core.storage.wipe import WipeError, wipe_plan
from faceaudit.gui.support.preferences import DETECTOR_LABELS, MODEL_LABELS, model_provenance_text
from faceaudit.gui.widgets.page_parts import breakable, keep_text_in_sight
from faceaudit.gui.wording import error_text

__all__ = ["SettingsDialog", "wipe_summary"]


def wipe_summary() -> str:
    """What "delete all my data" would delete, as a list for the confirmation.

    Raises:
        WipeError: the data folder holds something FaceAudit did not create (nothing can be deleted).
    """
    plan = wipe_plan()
    if not plan:
        return "There is no FaceAudit data to delete."
    home = paths.data_home(create=False)
    listed = "\n".join(f"  • {path.name}{'/' if path.is_dir() else ''}" for path in plan)
    where = (f"the folder {home} and everything in it" if paths.made_by_faceaudit(home) else
             f"what FaceAudit made in {home} (the folder itself stays: FaceAudit did not make it)")
    return (f"This deletes {where}:\n{listed}\n\n"
            "That is your reference faces, the dataset indexes, scans and your decisions, your details for letters, "
            "the requests you recorded with their deadlines, replies and notes, and your settings. "
            "Letters you saved elsewhere, your own photos and the dataset files are not touched. "
            "This cannot be undone.")


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
        folder = QLabel(breakable(str(paths.data_home())))
        folder.setWordWrap(True)
        folder.setAccessibleName("Data folder")
        folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        folder_help = QLabel("Everything FaceAudit keeps is in this folder, private to your user account. Nothing "
                             "is kept anywhere else, and nothing leaves this computer.")
        folder_help.setWordWrap(True)
        self.detector = QComboBox()
        for name, label in DETECTOR_LABELS.items():
            self.detector.addItem(label, name)
        self.detector.setCurrentIndex(max(0, self.detector.findData(preferences.detector)))
        self.detector.setToolTip("Fast finds most faces; thorough also finds small and turned faces, slowly without "
                                 "a graphics card. Changing it re-indexes a dataset the next time you index it")
        self.face_model = QComboBox()
        for choice, label in MODEL_LABELS.items():
            usable = available_choice(choice) == choice
            self.face_model.addItem(label if usable else f"{label} (not set up on this computer)", choice)
            if not usable:  # listed, so the person sees it exists, but not chosen
                self.face_model.model().item(self.face_model.count() - 1).setEnabled(False)
        self.face_model.setCurrentIndex(max(0, self.face_model.findData(chosen_model(store))))
        self.face_model.setAccessibleName("Face model")
        self.face_model.setToolTip("Which network compares faces. MobileFaceNet finds far more of your photos among "
                                   "millions of strangers than dlib; both, fused, keeps look-alikes out best. "
                                   "Indexing adds what a dataset lacks")
        provenance_text = QLabel(model_provenance_text())
        provenance_text.setWordWrap(True)
        provenance_text.setAccessibleName("Where the face models come from")
        provenance_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.provenance_text = provenance_text
        self.workers = QSpinBox()
        self.workers.setRange(1, 64)
        self.workers.setValue(preferences.workers)
        self.workers.setToolTip("Processes that index photos at once; one per CPU core is best")
        wipe = QPushButton("Delete all my data…")
        wipe.setToolTip("Delete everything FaceAudit keeps on this computer, requests and deadlines too; asks first")
        wipe.clicked.connect(self._on_wipe_clicked)
        form = QFormLayout()
        where = QVBoxLayout()
        where.addWidget(folder)
        where.addWidget(folder_help)
        form.addRow("Data folder:", where)
        form.addRow("Face finder:", self.detector)
        models = QVBoxLayout()
        models.addWidget(self.face_model)
        models.addWidget(provenance_text)
        form.addRow("Face model:", models)
        form.addRow("Indexing processes:", self.workers)
        form.addRow("", wipe)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
        keep_text_in_sight(self)

    def accept(self) -> None:
        """Save the preferences and close."""
        self.preferences.detector = self.detector.currentData()
        self.preferences.workers = self.workers.value()
        self.preferences.save(self.store)
        self.store.set_setting(MODEL_SETTING, self.face_model.currentData())
        super().accept()

    def ask_to_wipe(self) -> QMessageBox:
        """Ask before deleting all data, listing what goes (window-modal, not blocking); Cancel is the default."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Delete all FaceAudit data?", wipe_summary(),
                          QMessageBox.StandardButton.Cancel, self)
        self.wipe_button = box.addButton("Delete all my data", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _result: self._on_wipe_answered(box.clickedButton()))
        box.open()
        return box

    def _on_wipe_clicked(self) -> None:
        try:
            wipe_summary()
        except WipeError as exc:  # the folder holds something FaceAudit did not make: nothing may go
            QMessageBox.warning(self, "FaceAudit data not deleted", error_text(exc))
            return
        self.ask_to_wipe()

    def _on_wipe_answered(self, clicked) -> None:
        if clicked is self.wipe_button:
            self.reject()
            self.wipe_confirmed.emit()
