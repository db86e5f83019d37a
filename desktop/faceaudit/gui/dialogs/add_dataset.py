"""Add a dataset: where it is and what to call it, each checked as it is typed, before anything is written.

The checks are the core's (`check_new_dataset`, the same the command line makes): a missing,
unreadable or empty folder or archive, a file that is no dataset form, a source added before
under another name, a name already taken. They read the source as far as its first photo, so
they run in the background; "Add" adds only once the current choice passed them (pressed
while a check runs, it adds when the check passes).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from faceaudit.core.datasets.catalog import DatasetInfo, DatasetProblem, add_dataset, check_new_dataset
from faceaudit.gui.support.operations import Job, run_call
from faceaudit.gui.widgets.page_parts import Notice, breakable, keep_text_in_sight

__all__ = ["AddDatasetDialog", "DATASET_FILE_FILTER"]

#: The one-file forms a dataset is published in: archives (split and multi-volume too), parquet shards,
#: Arrow files, RecordIO packs, tables of photos and lists of links (compressed too).
DATASET_FILE_FILTER = ("Datasets (*.zip *.z01 *.7z *.7z.001 *.tar *.tgz *.tar.gz *.tar.bz2 *.tbz2 *.tar.xz *.txz "
                       "*.tar.zst *.tzst *.parquet *.arrow *.rec *.mdb *.csv *.tsv *.txt *.json *.jsonl *.gz *.bz2 "
                       "*.zst);;All files (*)")
#: Wait this long after the last key press before checking (a path is typed a letter at a time).
_CHECK_DELAY_MS = 250


class AddDatasetDialog(QDialog):
    """Asks for a dataset's folder or file and a name; adds it when both pass the checks.

    Args:
        store: the window thread's Store (read for nothing here: checks and the add run in the
            background, each with the worker's own Store).
        path: a folder or file already chosen (a drop, or the file chooser), if any.

    Attributes:
        added: the dataset once added (the dialog then closes with accept()).
    """

    def __init__(self, store, path: str | Path | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.added: DatasetInfo | None = None
        self._job: Job | None = None
        self._checked: tuple[str, str] | None = None  # the inputs the last finished check was about
        self._problems: list[DatasetProblem] = []
        self._name_typed = False
        self._add_when_checked = False
        self._adding = False
        self.setWindowTitle("Add a dataset")
        intro = QLabel("A dataset you downloaded: a folder (of photos, archive parts, parquet shards, WebDataset "
                       "shards or lists of links), or one archive, parquet shard, RecordIO pack or list of links. "
                       "It is read where it is, "
                       "never copied or changed.")
        intro.setWordWrap(True)
        self.path = QLineEdit(str(path) if path else "")
        self.path.setAccessibleName("Folder or file")
        self.path.setPlaceholderText("the dataset's folder or file")
        self.path.textChanged.connect(self._on_path_typed)
        folder = QPushButton("Folder…")
        folder.setToolTip("Choose a folder of photos")
        folder.clicked.connect(self._on_choose_folder)
        archive = QPushButton("File…")
        archive.setToolTip("Choose one file: a zip or tar archive, a parquet shard, a RecordIO pack or a list of links")
        archive.clicked.connect(self._on_choose_file)
        for browse in (folder, archive):
            browse.setAutoDefault(False)  # Enter in the fields adds; it never opens a file chooser
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(folder)
        where.addWidget(archive)
        self.path_problem = Notice()
        self.name = QLineEdit()
        self.name.setAccessibleName("Name")
        self.name.setPlaceholderText("a short name, only for you")
        self.name.textEdited.connect(self._on_name_typed)
        self.name_problem = Notice()
        self.status = QLabel()
        where_label, name_label = QLabel("&Where:"), QLabel("&Name:")  # Alt+W, Alt+N
        where_label.setBuddy(self.path)
        name_label.setBuddy(self.name)
        form = QFormLayout()
        form.addRow(where_label, where)
        form.addRow("", self.path_problem)
        form.addRow(name_label, self.name)
        form.addRow("", self.name_problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.add_button = buttons.addButton("Add", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAutoDefault(False)
        self.add_button.setDefault(True)
        buttons.accepted.connect(self._on_add)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
        keep_text_in_sight(self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(_CHECK_DELAY_MS)
        self._timer.timeout.connect(self._check)
        if path:
            self._suggest_name()
            self.name.setFocus()
            self._check()
        else:
            self.path.setFocus()
        self._update()

    # -- what the tests (and the page) use ----------------------------------------------------

    @property
    def checking(self) -> bool:
        """True while a check (or the add) runs or is due."""
        return self._job is not None or self._timer.isActive()

    def problems(self) -> list[DatasetProblem]:
        """What the last check found wrong with the current choice."""
        return list(self._problems)

    # -- slots -----------------------------------------------------------------------------

    def _on_path_typed(self, _text: str) -> None:
        if not self._name_typed:
            self._suggest_name()
        self._schedule()

    def _on_name_typed(self, _text: str) -> None:
        self._name_typed = True
        self._schedule()

    def _on_choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Choose a dataset folder", self._start_folder())
        if chosen:
            self.path.setText(chosen)

    def _on_choose_file(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Choose a dataset file", self._start_folder(),
                                                DATASET_FILE_FILTER)
        if chosen:
            self.path.setText(chosen)

    def _on_add(self) -> None:
        if not self._ready():
            if self._checked != self._inputs():  # not checked yet: add once the check passes
                self._add_when_checked = True
                if self._job is None:
                    self._check()
            return
        path, name = self._inputs()
        self._adding = True
        self._job = run_call(lambda store: add_dataset(store, path, name), self, done=self._on_added,
                             failed=self._on_add_failed)
        self._update()

    def _on_added(self, info: DatasetInfo) -> None:
        self._job, self._adding = None, False
        self.added = info
        self.accept()

    def _on_add_failed(self, message: str) -> None:
        # Something changed between the check and the add (the folder emptied, the name taken by the CLI).
        self._job, self._adding = None, False
        self._checked, self._problems = self._inputs(), [DatasetProblem("path", message)]
        self._update()

    def _on_checked(self, inputs: tuple[str, str], problems: list[DatasetProblem]) -> None:
        self._job = None
        if inputs != self._inputs():  # typed on meanwhile: check what is there now
            self._check()
            return
        self._checked, self._problems = inputs, problems
        self._update()
        if self._add_when_checked:
            self._add_when_checked = False
            if not problems:
                self._on_add()

    def _on_check_failed(self, inputs: tuple[str, str], message: str) -> None:
        self._on_checked(inputs, [DatasetProblem("path", message)])

    # -- helpers ---------------------------------------------------------------------------

    def _inputs(self) -> tuple[str, str]:
        return self.path.text().strip(), self.name.text().strip()

    def _ready(self) -> bool:
        return self._checked == self._inputs() and not self._problems and self._job is None

    def _schedule(self) -> None:
        self._checked = None
        self._add_when_checked = False
        self._timer.start()
        self._update()

    def _check(self) -> None:
        self._timer.stop()
        if self._job is not None:
            return  # _on_checked looks again when this one ends
        inputs = self._inputs()
        path, name = inputs
        self._job = run_call(lambda store: check_new_dataset(store, path, name), self,
                             done=lambda problems: self._on_checked(inputs, problems),
                             failed=lambda message: self._on_check_failed(inputs, message))
        self._update()

    def _update(self) -> None:
        for field, notice in (("path", self.path_problem), ("name", self.name_problem)):
            found = [p.message for p in self._problems if p.field == field] if self._checked else []
            if found:
                text = found[0]
                if text.split(" ", 1)[0].isalpha():  # a sentence, not a file name: it gets a capital
                    text = text[:1].upper() + text[1:]
                notice.show_error(breakable(text + ("" if text.endswith(".") else ".")))
            else:
                notice.clear_message()
        checking = not self._adding and (self._job is not None or self._timer.isActive())
        self.status.setText("Adding…" if self._adding else "Checking…" if checking else "")
        known_bad = self._checked == self._inputs() and bool(self._problems)
        self.add_button.setEnabled(not self._adding and not known_bad)

    def _suggest_name(self) -> None:
        text = self.path.text().strip().rstrip("/\\")
        self.name.setText(Path(text).name.split(".")[0] if text else "")

    def _start_folder(self) -> str:
        text = self.path.text().strip()
        return str(Path(text).expanduser().parent) if text else str(Path.home())
