"""The Me page: my reference photos, the faces FaceAudit looks for, and my other identifiers (accounts, names)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QIcon, QKeySequence, QPainter, QPen, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from faceaudit.core.datasets.sources import IMAGE_SUFFIXES
from faceaudit.core.matching.references import (
    ReferenceFace,
    confirm_reference,
    list_references,
    reference_thumbnail,
    remove_reference,
)
from faceaudit.gui.support import jobs
from faceaudit.gui.support.operations import Job, run_generator
from faceaudit.gui.widgets.face_picker import FacePicker
from faceaudit.gui.widgets.identifiers_panel import IdentifiersPanel
from faceaudit.gui.widgets.page_parts import Notice, PageHeader, dropped_paths
from faceaudit.gui.widgets.pictures import draw_boxes, pixmap_from_bytes

__all__ = ["MePage"]

_THUMB = QSize(160, 160)
_PHOTO_FILTER = "Photos (*.jpg *.jpeg *.png *.webp *.bmp *.tif *.tiff *.gif);;All files (*)"


class MePage(QWidget):
    """Add, see and remove the photos of me that every scan compares against.

    Photos are added by the button or by dropping files or folders. Face detection runs in a
    background worker; a group photo asks which face is mine.
    """

    def __init__(self, store, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self._job: Job | None = None
        self._queue: list = []  # job factories waiting for the one running
        self._choices: list[jobs.PhotoNeedsChoice] = []
        self._references: dict[int, ReferenceFace] = {}
        self.setAcceptDrops(True)

        header = PageHeader("Me", "Add a few clear photos of yourself: different days, angles and light. "
                            "Only the numbers that describe your face and a small thumbnail are kept; "
                            "the photos themselves stay where they are.")
        self.add_button = QPushButton("Add photos…")
        self.add_button.setToolTip("Choose photos of yourself (you can also drop files or folders here)")
        self.add_button.clicked.connect(self._on_add_clicked)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected reference face (Delete)")
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.confirm_button = QPushButton("Yes, this is me")
        self.confirm_button.setToolTip("The selected face does not look like your other reference faces, so scans "
                                       "leave it out: say it is you to use it")
        self.confirm_button.clicked.connect(self._on_confirm_clicked)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.busy = QLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.confirm_button)
        buttons.addSpacing(12)
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.busy)

        self.notice = Notice()
        self.flagged = Notice()
        self.picker = FacePicker()
        self.picker.setVisible(False)
        self.picker.chosen.connect(self._on_face_chosen)
        self.picker.skipped.connect(self._on_face_skipped)

        self.faces = QListWidget()
        self.faces.setViewMode(QListWidget.ViewMode.IconMode)
        self.faces.setIconSize(_THUMB)
        self.faces.setGridSize(QSize(_THUMB.width() + 40, _THUMB.height() + 64))
        self.faces.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.faces.setMovement(QListWidget.Movement.Static)
        self.faces.setWordWrap(True)
        self.faces.setAccessibleName("Reference faces")
        self.faces.currentItemChanged.connect(self._on_selection_changed)
        self.empty = QLabel("No photos of you yet.\nClick “Add photos…” or drop photos or folders here: three or "
                            "more clear photos of your face, from different days.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        QShortcut(QKeySequence.StandardKey.Delete, self.faces, self._on_remove_clicked)

        self.identifiers = IdentifiersPanel(store)

        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addLayout(buttons)
        layout.addWidget(self.notice)
        layout.addWidget(self.flagged)
        layout.addWidget(self.picker)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.faces, 3)
        layout.addWidget(self.identifiers, 2)
        self.refresh()

    # -- public API (also what the tests drive) --------------------------------------------

    def add_photos(self, paths: list[str | Path]) -> None:
        """Add photos (folders are searched for photos); detection runs in the background."""
        files: list[str] = []
        for path in map(Path, paths):
            if path.is_dir():
                files += sorted(str(p) for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
            else:
                files.append(str(path))
        if files:
            self._queue.append(jobs.add_photos(files))
            self._start_next()

    def choose_face(self, path: str, number: int) -> None:
        """Say which face of a group photo is mine (1-based, as the picker numbers them)."""
        self._hide_picker_for(path)
        self._queue.append(jobs.add_photos([path], number))
        self._start_next()

    @property
    def busy_now(self) -> bool:
        """True while photos are being looked at."""
        return self._job is not None

    def refresh(self) -> None:
        """Reload the reference faces from the database."""
        current = self.faces.currentItem()
        keep = current.data(Qt.ItemDataRole.UserRole) if current else None
        self.faces.clear()
        references = list_references(self.store)
        self._references = {face.id: face for face in references}
        for face in references:
            item = QListWidgetItem(self._face_icon(face), _caption(face))
            item.setData(Qt.ItemDataRole.UserRole, face.id)
            item.setToolTip(f"{face.name}: face {face.size} px wide, added {face.added[:10]}"
                            + (f"\n{face.hint}" if face.hint else "\nSharp and large enough for matching")
                            + ("" if face.matching else "\nDoes not look like your other reference faces: scans leave "
                               "it out until you say it is you"))
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{face.name}, {_caption(face).splitlines()[1]}")
            self.faces.addItem(item)
            if face.id == keep:
                self.faces.setCurrentItem(item)
        usable = sum(1 for f in references if f.hint is None and f.matching)
        left_out = [f for f in references if not f.matching]
        if references:
            self.summary.setText(f"{len(references)} reference face{'s' if len(references) != 1 else ''}, "
                                 f"{usable} good for matching" + ("" if usable >= 3 else " (3 or more is best)")
                                 + (f", {len(left_out)} left out" if left_out else ""))
        else:
            self.summary.setText("")
        if left_out:
            names = ", ".join(f.name for f in left_out)
            self.flagged.show_error(f"{names} {'does' if len(left_out) == 1 else 'do'} not look like your other "
                                    "reference faces, so scans leave "
                                    f"{'it' if len(left_out) == 1 else 'them'} out. If it is you, select it and "
                                    "click “Yes, this is me”; if not, remove it.")
        else:
            self.flagged.clear_message()
        self.faces.setVisible(bool(references))
        self.empty.setVisible(not references)
        self._update_buttons()
        self.identifiers.refresh()  # my reference photos' hashes are identifiers too

    def stop(self) -> None:
        """Stop background work (when the window closes)."""
        self.identifiers.stop()
        self._queue.clear()
        if self._job:
            self._job.stop()
            self._job = None

    # -- drag and drop ---------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_paths(event)
        if paths:
            event.acceptProposedAction()
            self.add_photos(paths)

    # -- slots -----------------------------------------------------------------------------

    def _on_add_clicked(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Add photos of yourself", str(Path.home()), _PHOTO_FILTER)
        if paths:
            self.add_photos(paths)

    def _on_remove_clicked(self) -> None:
        item = self.faces.currentItem()
        if item is None:
            return
        remove_reference(self.store, item.data(Qt.ItemDataRole.UserRole))
        self.notice.show_info(f"Removed {item.text().splitlines()[0]}.")
        self.refresh()

    def _on_confirm_clicked(self) -> None:
        face = self._selected_face()
        if face is None or face.matching:
            return
        confirm_reference(self.store, face.id)
        self.notice.show_info(f"{face.name} is used in scans from now on. Scan again to look for it.")
        self.refresh()

    def _on_selection_changed(self, _current, _previous) -> None:
        self._update_buttons()

    def _on_photo_result(self, result) -> None:
        if isinstance(result, jobs.PhotoAdded):
            name = Path(result.path).name
            if not result.matching:
                self.notice.show_error(f"Added {name}, but its face does not look like your other reference faces: "
                                       "scans leave it out until you say it is you.")
            else:
                self.notice.show_info(f"Added {name}." + (f" Note: {result.hint}." if result.hint else ""))
            self.refresh()
        elif isinstance(result, jobs.PhotoRejected):
            self.notice.show_error(result.message)
        elif isinstance(result, jobs.PhotoNeedsChoice):
            self._choices.append(result)
            if not self.picker.isVisible():
                self._show_next_choice()

    def _on_job_finished(self) -> None:
        self._job = None
        self.busy.setText("")
        self._start_next()

    def _on_job_failed(self, message: str) -> None:
        self.notice.show_failure(message)
        self._on_job_finished()

    def _on_face_chosen(self, path: str, number: int) -> None:
        self.choose_face(path, number)

    def _on_face_skipped(self, path: str) -> None:
        self._hide_picker_for(path)

    # -- helpers ---------------------------------------------------------------------------

    def _start_next(self) -> None:
        if self._job is not None or not self._queue:
            return
        self.busy.setText("Looking for faces…")
        self._job = run_generator(self._queue.pop(0), self, progress=self._on_photo_result,
                                  finished=self._on_job_finished, cancelled=self._on_job_finished,
                                  failed=self._on_job_failed)

    def _show_next_choice(self) -> None:
        if not self._choices:
            self.picker.setVisible(False)
            return
        choice = self._choices[0]
        picture = QPixmap.fromImage(choice.image) if choice.image is not None else QPixmap(choice.path)
        self.picker.ask(choice.path, picture, choice.boxes)
        self.picker.setVisible(True)

    def _hide_picker_for(self, path: str) -> None:
        self._choices = [c for c in self._choices if c.path != path]
        self._show_next_choice()

    def _selected_face(self) -> ReferenceFace | None:
        item = self.faces.currentItem()
        return self._references.get(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def _update_buttons(self) -> None:
        face = self._selected_face()
        self.remove_button.setEnabled(face is not None)
        self.confirm_button.setEnabled(face is not None and not face.matching)

    def _face_icon(self, face: ReferenceFace) -> QIcon:
        found = reference_thumbnail(self.store, face.id)
        if found is None:
            return QIcon()
        data, (top, right, bottom, left) = found
        pixmap = pixmap_from_bytes(data)
        w, h = pixmap.width(), pixmap.height()
        boxed = draw_boxes(pixmap, [(top * h, right * w, bottom * h, left * w)])
        if not face.matching:  # left out of matching: a wide orange frame
            painter = QPainter(boxed)
            width = max(6, min(w, h) // 25)
            painter.setPen(QPen(QColor("#ef6c00"), width))
            painter.drawRect(width // 2, width // 2, w - width, h - width)
            painter.end()
        return QIcon(boxed)


def _caption(face: ReferenceFace) -> str:
    if not face.matching:
        return f"{face.name}\n⚠ not like your others: left out"
    return f"{face.name}\n{'⚠ ' + face.problem if face.problem else 'good'}"
