"""The Datasets page: add face datasets, index them (pause, resume, cancel), see their errors."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from faceaudit.core.datasets.catalog import (
    DatasetInfo,
    DatasetState,
    RemovalImpact,
    add_dataset,
    dataset_errors,
    list_datasets,
    removal_impact,
    remove_dataset,
)
from faceaudit.core.datasets.indexing import IndexProgress, Phase
from faceaudit.core.errors import FaceAuditError
from faceaudit.gui.dialogs.add_dataset import DATASET_FILE_FILTER, AddDatasetDialog
from faceaudit.gui.widgets.indexing_panel import IndexingPanel
from faceaudit.gui.widgets.page_parts import Notice, PageHeader, dropped_paths, make_button, make_row_table
from faceaudit.gui.wording import STATE_WORDS, error_text

__all__ = ["DatasetsPage"]

_COLUMNS = ("Name", "Form", "Photos", "Faces", "Errors", "State")
#: States in which a scan that finds nothing says nothing about the dataset.
_NOT_CHECKED = (DatasetState.NOTHING_READABLE, DatasetState.NO_FACES, DatasetState.FEW_FACES,
                DatasetState.PARTLY_UNREADABLE)


class DatasetsPage(QWidget):
    """Lists datasets with their counts and errors; the indexing panel runs one indexing job at a time.

    Signals:
        indexing_done(str): a dataset finished indexing (its name).
    """

    indexing_done = Signal(str)

    def __init__(self, store, preferences, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.preferences = preferences
        self._datasets: list[DatasetInfo] = []
        self.setAcceptDrops(True)

        header = PageHeader("Datasets", "Add a face dataset you downloaded (a folder of photos, of archive parts or "
                            "volumes, of parquet shards, a Hugging Face save_to_disk folder, an LMDB or a RecordIO "
                            "pack; or one zip/tar/7z archive, .parquet, .arrow, .rec or .tsv file: it "
                            "is read in place, never copied), then index it: every face is found and described "
                            "once, so scans are fast afterwards.")
        self.add_folder_button = make_button(
            "Add folder…", "Add a dataset that is a folder: photos, archive parts, parquet shards or a RecordIO pack",
            self._on_add_folder)
        self.add_archive_button = make_button(
            "Add file…", "Add a dataset that is one file: a zip or tar archive, a parquet shard or a RecordIO pack",
            self._on_add_archive)
        self.index_button = make_button("Index", "Find and describe every face of the selected dataset", self._on_index)
        self.pause_button = make_button("Pause", "Pause indexing (resume any time)", self._on_pause)
        self.cancel_button = make_button("Stop", "Stop indexing; what is done is kept, and indexing again goes on "
                                     "from there", self._on_cancel)
        self.remove_button = make_button("Remove…", "Forget the selected dataset, its index and your decisions on "
                                         "it; asks first (its files stay) (Delete)", self._on_remove)
        buttons = QHBoxLayout()
        for button in (self.add_folder_button, self.add_archive_button):
            buttons.addWidget(button)
        buttons.addSpacing(16)
        for button in (self.index_button, self.pause_button, self.cancel_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)

        self.resume_banner = QWidget()
        self.resume_text = QLabel()
        self.resume_text.setWordWrap(True)
        self.resume_button = make_button("Resume indexing", "Go on indexing where it stopped", self._on_resume_banner)
        banner = QHBoxLayout(self.resume_banner)
        banner.setContentsMargins(0, 0, 0, 0)
        banner.addWidget(self.resume_text, 1)
        banner.addWidget(self.resume_button)

        self.panel = IndexingPanel()
        self.panel.progressed.connect(self._on_index_progress)
        self.panel.finished.connect(self._on_index_finished)
        self.panel.cancelled.connect(self._on_index_cancelled)
        self.panel.failed.connect(self._on_index_failed)
        self.notice = Notice()

        self.table = make_row_table(_COLUMNS, "Datasets")
        self.table.itemSelectionChanged.connect(self._on_selection_changed)
        QShortcut(QKeySequence.StandardKey.Delete, self.table, self._on_remove,
                  context=Qt.ShortcutContext.WidgetShortcut)
        self.empty = QLabel("No datasets yet.\nClick “Add folder…” or “Add file…”, or drop a dataset folder "
                            "or file here. Then click “Index” to find its faces.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)

        self.state_text = QLabel()
        self.state_text.setWordWrap(True)
        self.state_text.setStyleSheet("QLabel { color: #c62828; }")
        self.errors_title = QLabel()
        self.errors = QTableWidget(0, 2)
        self.errors.setHorizontalHeaderLabels(("File", "Why it could not be read"))
        self.errors.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.errors.verticalHeader().setVisible(False)
        self.errors.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.errors.horizontalHeader().setStretchLastSection(True)
        self.errors.setWordWrap(False)
        self.errors.setAccessibleName("Files that were not read")
        errors_box = QWidget()
        errors_layout = QVBoxLayout(errors_box)
        errors_layout.setContentsMargins(0, 0, 0, 0)
        errors_layout.addWidget(self.state_text)
        errors_layout.addWidget(self.errors_title)
        errors_layout.addWidget(self.errors)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(errors_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addLayout(buttons)
        layout.addWidget(self.resume_banner)
        layout.addWidget(self.notice)
        layout.addWidget(self.panel)
        layout.addWidget(self.empty, 1)
        layout.addWidget(splitter, 3)
        self._splitter = splitter
        self.refresh()

    # -- public API (also what the tests drive) --------------------------------------------

    def add_dataset(self, path: str | Path, name: str) -> bool:
        """Register a dataset; a problem is shown on the page. Returns True when added."""
        try:
            info = add_dataset(self.store, path, name)
        except FaceAuditError as exc:
            self.notice.show_error(error_text(exc))
            return False
        self.notice.show_info(f"Added {info.name}. Click “Index” to find its faces.")
        self.refresh()
        self.select(info.name)
        return True

    def open_add_dialog(self, path: str | Path | None = None) -> AddDatasetDialog:
        """Open the dialog that adds a dataset (window-modal, not blocking); `path` fills in its folder or file."""
        dialog = AddDatasetDialog(self.store, path, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._on_dataset_added(dialog.added))
        dialog.open()
        return dialog

    def ask_to_remove(self, name: str) -> QMessageBox | None:
        """Ask before removing a dataset, naming what goes with it; refused (with the reason) while a
        sent request depends on it. Returns the question (window-modal, not blocking), None when refused."""
        try:
            impact = removal_impact(self.store, name)
        except FaceAuditError as exc:
            self.notice.show_error(error_text(exc))
            return None
        if impact.refusal:
            self.notice.show_error(error_text(FaceAuditError(impact.refusal)))
            return None
        box = QMessageBox(QMessageBox.Icon.Warning, f"Remove {name}?", _removal_question(impact),
                          QMessageBox.StandardButton.Cancel, self)
        remove = box.addButton("Remove dataset", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _result: self._remove(name) if box.clickedButton() is remove else None)
        box.open()
        return box

    def select(self, name: str) -> None:
        """Select a dataset's row."""
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).text() == name:
                self.table.selectRow(row)

    def start_indexing(self, name: str) -> None:
        """Index (or go on indexing) a dataset in the background."""
        if self.panel.indexing is not None:
            self.notice.show_error(f"Already indexing {self.panel.indexing}; wait for it or stop it first.")
            return
        self.notice.clear_message()
        self.panel.start(name, self.preferences.detector, self.preferences.workers)
        self._update_buttons()

    def pause(self) -> None:
        """Pause the indexing job (the few batches already sent still finish)."""
        self.panel.pause()
        self._update_buttons()

    def resume(self) -> None:
        """Resume a paused indexing job."""
        self.panel.resume()
        self._update_buttons()

    @property
    def indexing(self) -> str | None:
        """The dataset being indexed, if any."""
        return self.panel.indexing

    @property
    def paused(self) -> bool:
        """True while indexing is paused."""
        return self.panel.paused

    def interrupted(self) -> list[DatasetInfo]:
        """Datasets whose indexing was started and not finished."""
        return [d for d in list_datasets(self.store) if d.pending and d.name != self.indexing]

    def refresh(self, select_first: bool = True) -> None:
        """Reload the datasets and their counts (the selection is kept; else the first is selected)."""
        selected = self._selected()
        datasets = self._datasets = list_datasets(self.store)
        self.table.setRowCount(len(datasets))
        for row, info in enumerate(datasets):
            values = (info.name, info.kind, f"{info.items:,}" if info.items else "–", f"{info.faces:,}",
                      f"{info.errors:,}", self._state(info))
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column in (2, 3, 4):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if column == 0:
                    item.setToolTip(info.path)
                if column == 5 and info.reason and info.name != self.indexing:
                    item.setToolTip(info.reason)
                    if info.state in _NOT_CHECKED:
                        item.setForeground(QColor("#c62828"))
                self.table.setItem(row, column, item)
        self.table.setVisible(bool(datasets))
        self._splitter.setVisible(bool(datasets))
        self.empty.setVisible(not datasets)
        if selected:
            self.select(selected)
        elif datasets and select_first:
            self.table.selectRow(0)
        self._update_resume_banner()
        self._on_selection_changed()

    def stop(self) -> None:
        """Stop indexing and wait until the work so far is saved (when the window closes)."""
        self.panel.stop()

    # -- drag and drop ---------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if len(dropped_paths(event)) == 1:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_paths(event)
        if len(paths) == 1:
            event.acceptProposedAction()
            self._ask_name_and_add(paths[0])

    # -- slots -----------------------------------------------------------------------------

    def _on_add_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Choose a dataset folder", str(Path.home()))
        if path:
            self._ask_name_and_add(Path(path))

    def _on_add_archive(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a dataset file", str(Path.home()), DATASET_FILE_FILTER)
        if path:
            self._ask_name_and_add(Path(path))

    def _on_index(self) -> None:
        name = self._selected()
        if name:
            self.start_indexing(name)

    def _on_pause(self) -> None:
        if self.paused:
            self.resume()
        else:
            self.pause()

    def _on_cancel(self) -> None:
        self.panel.cancel()

    def _on_remove(self) -> None:
        name = self._selected()
        if not name or name == self.indexing:
            return
        self.ask_to_remove(name)

    def _remove(self, name: str) -> None:
        try:
            removed = remove_dataset(self.store, name)
        except FaceAuditError as exc:
            self.notice.show_error(error_text(exc))
            return
        self.notice.show_info(f"Removed {name} from FaceAudit with its index, {removed.candidates} candidates and "
                              f"{sum(removed.decisions.values())} decisions (its files were not touched).")
        # Nothing selected afterwards: a second click on Remove must not remove the next dataset.
        self.table.clearSelection()
        self.refresh(select_first=False)

    def _on_resume_banner(self) -> None:
        waiting = self.interrupted()
        if waiting:
            self.start_indexing(waiting[0].name)

    def _on_selection_changed(self) -> None:
        name = self._selected()
        info = next((d for d in self._datasets if d.name == name), None)
        not_checked = info is not None and info.state in _NOT_CHECKED and name != self.indexing
        self.state_text.setText(f"{name} is not really checked: {info.reason}. A scan that finds nothing in it "
                                "says nothing about you." if not_checked else "")
        self.state_text.setVisible(not_checked)
        failed = dataset_errors(self.store, name) if name else []
        # Not readable this time (a folder, a disk, an archive cut short): kept, read again next time.
        away = dataset_errors(self.store, name, unavailable=True) if name else []
        rows = failed + [{**row, "reason": f"Not readable this time, kept: {row['reason']}"} for row in away]
        self.errors.setRowCount(len(rows))
        for row, error in enumerate(rows):
            self.errors.setItem(row, 0, QTableWidgetItem(error["key"]))
            self.errors.setItem(row, 1, QTableWidgetItem(error["reason"] or ""))
        # The ledger's not-read part: items that could not be indexed and files no reader takes.
        title = f"{name}: {len(failed)} file{'s' if len(failed) != 1 else ''} not read" if name else ""
        if away:
            title += (f"; {len(away):,} could not be read this time (they keep their faces and your decisions, and"
                      " are read again the next time you index)")
        self.errors_title.setText(title)
        self.errors.setVisible(bool(rows))
        self._update_buttons()

    def _on_index_progress(self, progress: IndexProgress) -> None:
        self._last_progress = progress
        if progress.phase != Phase.LISTING:
            self._update_row(progress)

    def _on_index_finished(self, name: str) -> None:
        self._after_indexing()
        last = getattr(self, "_last_progress", None)
        away = ""
        if last is not None and last.dataset == name and last.unavailable:
            reasons = "; ".join(last.gaps) or "see the list below"
            away = (f" {last.unavailable:,} file(s) could not be read this time ({reasons}). They keep their faces "
                    "and your decisions, and are read again the next time you index.")
        self.notice.show_info(f"Finished indexing {name}.{away}")
        self.indexing_done.emit(name)

    def _on_index_cancelled(self, name: str) -> None:
        self._after_indexing()
        self.notice.show_info(f"Stopped indexing {name}. What was done is kept; “Index” goes on from there.")

    def _on_index_failed(self, _name: str, message: str) -> None:
        self._after_indexing()
        self.notice.show_error(message)

    # -- helpers ---------------------------------------------------------------------------

    def _ask_name_and_add(self, path: Path) -> None:
        self.open_add_dialog(path)

    def _on_dataset_added(self, info: DatasetInfo | None) -> None:
        if info is None:
            return
        self.notice.show_info(f"Added {info.name}. Click “Index” to find its faces.")
        self.refresh()
        self.select(info.name)

    def _after_indexing(self) -> None:
        self.refresh()

    def _selected(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.table.item(rows[0].row(), 0).text() if rows else None

    def _state(self, info: DatasetInfo) -> str:
        if info.name == self.indexing:
            return "indexing"
        if info.state == DatasetState.INDEXING or (info.state == DatasetState.NEW and info.done):
            return f"interrupted ({info.pending:,} left)"
        words = STATE_WORDS[info.state]
        return f"{words}, {info.unavailable:,} not readable now" if info.unavailable else words

    def _update_row(self, progress) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).text() == progress.dataset:
                for column, value in ((2, f"{progress.total:,}"), (3, f"{progress.faces:,}"),
                                      (4, f"{progress.errors:,}"), (5, "paused" if self.paused else "indexing")):
                    self.table.item(row, column).setText(value)

    def _update_resume_banner(self) -> None:
        waiting = [] if self.indexing else self.interrupted()
        if waiting:
            left = sum(d.pending for d in waiting)
            names = ", ".join(d.name for d in waiting)
            self.resume_text.setText(f"Indexing of {names} did not finish ({left:,} photos left). "
                                     "It goes on where it stopped.")
        self.resume_banner.setVisible(bool(waiting))

    def _update_buttons(self) -> None:
        running = self.indexing is not None
        selected = self._selected()
        self.index_button.setEnabled(not running and selected is not None)
        self.remove_button.setEnabled(selected is not None and selected != self.indexing)
        self.pause_button.setEnabled(running)
        self.cancel_button.setEnabled(running)
        self.pause_button.setText("Resume" if self.paused else "Pause")
        self._update_resume_banner()



def _removal_question(impact: RemovalImpact) -> str:
    """What removing a dataset takes with it, in words, for the question asked first."""
    decided = sum(impact.decisions.values())
    words = {"me": "“this is me”", "not_me": "“not me”", "unsure": "“unsure”"}
    parts = ", ".join(f"{count} {words.get(decision, decision)}" for decision, count in impact.decisions.items())
    lines = [f"FaceAudit forgets {impact.name}: its index ({impact.faces:,} faces in {impact.items:,} photos), "
             f"{impact.candidates:,} scan candidate{'s' if impact.candidates != 1 else ''} and "
             f"{decided:,} decision{'s' if decided != 1 else ''} of yours" + (f" ({parts})." if parts else ".")]
    if impact.drafts:
        lines.append(f"{len(impact.drafts)} draft letter{'s' if len(impact.drafts) != 1 else ''} about it "
                     "stay on Requests.")
    lines.append("The dataset's own files are not touched. Removing cannot be undone: adding it again means "
                 "indexing it and deciding again.")
    return "\n\n".join(lines)
