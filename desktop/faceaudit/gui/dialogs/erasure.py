"""The "Verify erasure" dialog: pick the old dataset and its newer release, read the core's check in words."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from faceaudit.core.datasets.catalog import list_datasets
from faceaudit.core.matching.erasure_check import ErasureReport, verify_erasure
from faceaudit.gui.support.operations import Job, run_call
from faceaudit.gui.widgets.page_parts import keep_text_in_sight

__all__ = ["ErasureDialog", "erasure_words"]

_FOUND = {"identical_file": "the very same file is still there",
          "same_photo": "the same photo is still there (re-saved or resized)",
          "similar_face": "a face close enough to be you is there: look at it on Scan & Review"}


def erasure_words(report: ErasureReport) -> str:
    """A core ErasureReport as a few plain sentences."""
    total = len(report.findings)
    if not total:
        return f"No photo in {report.old_dataset} is confirmed as you, so there is nothing to look for."
    lines = []
    if report.erased:
        lines.append(f"Erased: none of your {total} confirmed photo{'s' if total != 1 else ''} from "
                     f"{report.old_dataset} is in {report.new_dataset}.")
    else:
        lines.append(f"{len(report.still_present)} of your {total} confirmed photo{'s' if total != 1 else ''} "
                     f"{'is' if len(report.still_present) == 1 else 'are'} still in {report.new_dataset}; "
                     f"{len(report.to_review)} more to look at.")
    for finding in report.findings:
        if finding.status in _FOUND:
            lines.append(f"• {finding.key}: {_FOUND[finding.status]} ({finding.new_key}).")
    if not report.new_fully_indexed:
        lines.append(f"{report.new_dataset} is not fully indexed yet: index it on Datasets, then check again.")
    return "\n".join(lines)


class ErasureDialog(QDialog):
    """Compares the confirmed matches of one dataset with a newer, indexed release of it.

    The check reads every face of the new release, so it runs in the background.

    Args:
        store: the window thread's Store.

    Signals:
        checked(str): the check's result in words.
    """

    checked = Signal(str)

    def __init__(self, store, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self._job: Job | None = None
        self.setWindowTitle("Verify erasure")
        intro = QLabel("After a publisher says it deleted your photos: add and index its new release on Datasets, "
                       "then check whether your confirmed photos are gone from it.")
        intro.setWordWrap(True)
        names = [info.name for info in list_datasets(store)]
        self.old = QComboBox()
        self.old.setAccessibleName("Old dataset")
        self.new = QComboBox()
        self.new.setAccessibleName("New release")
        self.old.addItems(names)
        self.new.addItems(names)
        if len(names) > 1:
            self.new.setCurrentIndex(1)
        form = QFormLayout()
        form.addRow("Where you confirmed photos:", self.old)
        form.addRow("Its newer release:", self.new)
        self.check_button = check = QPushButton("Check")
        check.setToolTip("Look for each confirmed photo in the new release, by file and by face")
        check.clicked.connect(self._on_check)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(check, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.result)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
        keep_text_in_sight(self)

    def check(self, old: str, new: str) -> Job | None:
        """Run the core's check in the background; its result is shown and sent as `checked`."""
        if self._job is not None:
            return None
        self.check_button.setEnabled(False)
        self.result.setText("Checking…")
        self._job = run_call(lambda store: verify_erasure(store, old, new), self, done=self._on_report,
                             failed=self._on_failed)
        return self._job

    def _on_check(self) -> None:
        self.check(self.old.currentText(), self.new.currentText())

    def _on_report(self, report: ErasureReport) -> None:
        self._show(erasure_words(report))

    def _on_failed(self, message: str) -> None:
        self._show(message)

    def _show(self, text: str) -> None:
        self._job = None
        self.check_button.setEnabled(True)
        self.result.setText(text)
        self.checked.emit(text)

    def reject(self) -> None:
        if self._job is not None:
            self._job.stop()
        super().reject()
