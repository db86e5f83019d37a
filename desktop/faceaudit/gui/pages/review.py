"""The Scan & Review page: scan the datasets for my face (and lists of links for my identifiers), then say which
candidates are me."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from faceaudit.core.datasets.catalog import list_datasets, read_item_bytes
from faceaudit.core.matching.bands import Band
from faceaudit.core.matching.matches import Candidate, Decision, RowCandidate, candidates, identifier_candidates, review
from faceaudit.core.matching.references import thumbnail_of
from faceaudit.core.matching.scan import ScanProgress, latest_scan
from faceaudit.gui.support import jobs
from faceaudit.gui.support.operations import Job, run_call, run_generator
from faceaudit.gui.widgets.match_view import MatchView
from faceaudit.gui.widgets.page_parts import Notice, PageHeader
from faceaudit.gui.widgets.row_view import RowView
from faceaudit.gui.wording import unchecked_sentence

__all__ = ["ReviewPage"]

_MARKS = {Decision.UNREVIEWED: "", Decision.ME: "  ✔ me", Decision.NOT_ME: "  ✘ not me", Decision.UNSURE: "  ? unsure"}
#: The band filter's entry for rows of lists of links (they have no band: they name me exactly).
_ROWS = "rows"


class ReviewPage(QWidget):
    """Runs a scan in the background and lists its candidates, most convincing first.

    Keys: Y (this is me), N (not me), U (unsure); the arrow keys move between candidates.
    Each decision is saved at once and can be changed any time.
    """

    def __init__(self, store, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self._job: Job | None = None
        self._reading: Job | None = None
        self._shown_id: int | None = None
        self._all: list[Candidate | RowCandidate] = []
        self._faces_per_dataset: dict[str, int] = {}
        self._unchecked: list[tuple[str, str]] = []
        # Datasets the last scan could not search at all (nothing of mine to look for in them), and why.
        self._not_searched: dict[str, str] = {}

        header = PageHeader("Scan & Review", "Compare your faces with every indexed dataset, and search the datasets "
                            "published as lists of links for your accounts and names. Look at each candidate and "
                            "say whether it is you; only what you confirm goes into letters.")
        self.scan_button = QPushButton("Scan now")
        self.scan_button.setToolTip("Compare your reference faces with every indexed dataset")
        self.scan_button.clicked.connect(self._on_scan_clicked)
        self.band_filter = QComboBox()
        self.band_filter.setToolTip("Show candidates of one confidence band")
        self.band_filter.setAccessibleName("Band")
        self.band_filter.currentIndexChanged.connect(self._on_filter_changed)
        self.dataset_filter = QComboBox()
        self.dataset_filter.setToolTip("Show candidates of one dataset")
        self.dataset_filter.setAccessibleName("Dataset")
        self.dataset_filter.currentIndexChanged.connect(self._on_filter_changed)
        self.status = QLabel()
        controls = QHBoxLayout()
        controls.addWidget(self.scan_button)
        controls.addSpacing(16)
        controls.addWidget(QLabel("Band:"))
        controls.addWidget(self.band_filter)
        controls.addWidget(QLabel("Dataset:"))
        controls.addWidget(self.dataset_filter)
        controls.addSpacing(16)
        controls.addWidget(self.status, 1)
        self.notice = Notice()

        self.list = QListWidget()
        self.list.setAccessibleName("Candidates")
        self.list.setMinimumWidth(260)
        self.list.currentRowChanged.connect(self._on_current_changed)
        self.match = MatchView()
        self.match.decided.connect(self._on_decided)
        self.row = RowView()
        self.row.decided.connect(self._on_decided)
        self.detail = QStackedWidget()
        self.detail.addWidget(self.match)
        self.detail.addWidget(self.row)
        splitter = QSplitter()
        splitter.addWidget(self.list)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([280, 900])

        for key, decision in (("Y", "me"), ("N", "not_me"), ("U", "unsure")):
            QShortcut(QKeySequence(key), self, lambda d=decision: self.decide(d),
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        for key, step in ((Qt.Key.Key_Left, -1), (Qt.Key.Key_Right, 1)):
            QShortcut(QKeySequence(key), self, lambda s=step: self.move(s),
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addLayout(controls)
        layout.addWidget(self.notice)
        layout.addWidget(splitter, 1)
        self.refresh()

    # -- public API (also what the tests drive) --------------------------------------------

    def start_scan(self) -> None:
        """Scan every dataset in the background."""
        if self._job:
            return
        self.notice.clear_message()
        self.status.setText("Scanning…")
        self.scan_button.setEnabled(False)
        self._job = run_generator(jobs.scan(), self, progress=self._on_scan_progress, finished=self._on_scan_finished,
                                  cancelled=self._on_scan_finished, failed=self._on_scan_failed)

    @property
    def scanning(self) -> bool:
        """True while a scan runs."""
        return self._job is not None

    def shown(self) -> list[Candidate | RowCandidate]:
        """The candidates listed now, in order."""
        return [self.list.item(row).data(Qt.ItemDataRole.UserRole) for row in range(self.list.count())]

    def decide(self, decision: str) -> None:
        """Save a decision on the selected candidate and move to the next one."""
        row = self.list.currentRow()
        if row < 0:
            return
        candidate = self.list.item(row).data(Qt.ItemDataRole.UserRole)
        review(self.store, candidate.ref if isinstance(candidate, RowCandidate) else candidate.id, decision)
        self._reload_candidates()
        self._fill_list(keep_row=row)
        self.move(1)

    def move(self, step: int) -> None:
        """Select the next (1) or previous (-1) candidate."""
        row = self.list.currentRow() + step
        if 0 <= row < self.list.count():
            self.list.setCurrentRow(row)

    def refresh(self) -> None:
        """Reload datasets and candidates from the database."""
        datasets = list_datasets(self.store)
        self._faces_per_dataset = {d.name: d.faces for d in datasets}
        # Every dataset not really checked, and why: not searched by the last scan, or not whole (its state).
        self._unchecked = [(d.name, self._not_searched[d.name]) if d.name in self._not_searched
                           else (d.name, d.reason or d.state.value) for d in datasets
                           if d.name in self._not_searched or not d.checked]
        chosen = self.dataset_filter.currentData()
        self.dataset_filter.blockSignals(True)
        self.dataset_filter.clear()
        self.dataset_filter.addItem("All datasets", None)
        for d in datasets:
            self.dataset_filter.addItem(d.name, d.name)
        index = self.dataset_filter.findData(chosen)
        self.dataset_filter.setCurrentIndex(max(0, index))
        self.dataset_filter.blockSignals(False)
        self._reload_candidates()
        self._fill_list(keep_row=self.list.currentRow())

    def stop(self) -> None:
        """Stop a running scan (when the window closes)."""
        if self._job:
            self._job.stop()
            self._job = None

    # -- slots -----------------------------------------------------------------------------

    def _on_scan_clicked(self) -> None:
        self.start_scan()

    def _on_scan_progress(self, progress: ScanProgress) -> None:
        if progress.finished:
            self._not_searched = {u.dataset: u.reason for u in progress.unchecked if u.state is None}
        else:
            self.status.setText(f"Scanned {progress.done} of {progress.total} datasets…")

    def _on_scan_finished(self) -> None:
        self._job = None
        self.scan_button.setEnabled(True)
        self.refresh()
        if self._unchecked:
            self.notice.show_error(unchecked_sentence(self._unchecked))
        if self.list.count():
            self.list.setCurrentRow(0)
            self.list.setFocus()

    def _on_scan_failed(self, message: str) -> None:
        self._job = None
        self.scan_button.setEnabled(True)
        self.status.setText("")
        self.notice.show_error(message[0].upper() + message[1:] if message else message)

    def _on_filter_changed(self, _index: int) -> None:
        self._fill_list(keep_row=0)

    def _on_current_changed(self, row: int) -> None:
        if row < 0:
            self._shown_id = None
            self.detail.setCurrentWidget(self.match)
            self.match.show_nothing(self._empty_text())
            return
        candidate = self.list.item(row).data(Qt.ItemDataRole.UserRole)
        if isinstance(candidate, RowCandidate):
            self._shown_id = candidate.ref
            self.row.show_row(candidate)
            self.detail.setCurrentWidget(self.row)
            return
        self.detail.setCurrentWidget(self.match)
        self._shown_id = candidate.id
        mine = thumbnail_of(self.store, candidate.reference_face_id) if candidate.reference_face_id else None
        faces = self._faces_per_dataset.get(candidate.dataset, 0)
        self.match.show_candidate(candidate, mine, None, faces, None, loading=True)
        # The photo may sit deep inside a large archive: read it off the GUI thread, and show it
        # only if the person is still looking at the same candidate when it arrives.
        self._reading = run_call(lambda store: read_item_bytes(store, candidate.dataset, candidate.key), self,
                                 done=lambda photo: self._on_photo_read(candidate, mine, faces, photo, None),
                                 failed=lambda problem: self._on_photo_read(candidate, mine, faces, None, problem))

    def _on_photo_read(self, candidate: Candidate, mine: bytes | None, faces: int, photo: bytes | None,
                       problem: str | None) -> None:
        if candidate.id == self._shown_id:
            self.match.show_candidate(candidate, mine, photo, faces, problem)

    def _on_decided(self, decision: str) -> None:
        self.decide(decision)

    # -- helpers ---------------------------------------------------------------------------

    def _reload_candidates(self) -> None:
        self._all = [*candidates(self.store), *identifier_candidates(self.store)]

    def _fill_list(self, keep_row: int) -> None:
        dataset = self.dataset_filter.currentData()
        in_dataset = [c for c in self._all if dataset is None or c.dataset == dataset]
        band = self._rebuild_band_filter(in_dataset)
        listed = [c for c in in_dataset if band is None or _band(c) == band]
        self.list.blockSignals(True)
        self.list.clear()
        for candidate in listed:
            if isinstance(candidate, RowCandidate):
                item = QListWidgetItem(f"{candidate.file.rsplit('/', 1)[-1]}, {candidate.locator}  ·  listed"
                                       f"{_MARKS[candidate.decision]}")
            else:
                item = QListWidgetItem(f"{candidate.key.rsplit('/', 1)[-1]}  ·  {candidate.band}"
                                       f"{_MARKS[candidate.decision]}")
            item.setData(Qt.ItemDataRole.UserRole, candidate)
            item.setToolTip(f"{candidate.dataset}/{candidate.key}")
            self.list.addItem(item)
        self.list.blockSignals(False)
        decided = sum(1 for c in in_dataset if c.decision != "unreviewed")
        if self._job is None:
            self.status.setText(f"{len(in_dataset)} candidates, {decided} decided" if in_dataset else "")
        if listed:
            self.list.setCurrentRow(min(max(keep_row, 0), len(listed) - 1))
        self._on_current_changed(self.list.currentRow())

    def _rebuild_band_filter(self, in_dataset: list[Candidate | RowCandidate]) -> str | None:
        chosen = self.band_filter.currentData()
        counts = {band: sum(1 for c in in_dataset if _band(c) == band) for band in (*Band, _ROWS)}
        self.band_filter.blockSignals(True)
        self.band_filter.clear()
        self.band_filter.addItem(f"All ({len(in_dataset)})", None)
        for band in Band:
            self.band_filter.addItem(f"{band.capitalize()} ({counts[band]})", band.value)
        if counts[_ROWS]:
            self.band_filter.addItem(f"Rows of lists ({counts[_ROWS]})", _ROWS)
        self.band_filter.setCurrentIndex(max(0, self.band_filter.findData(chosen)))
        self.band_filter.blockSignals(False)
        return self.band_filter.currentData()

    def _empty_text(self) -> str:
        if self._all:
            return "No candidates in this band or dataset."
        if latest_scan(self.store):
            if self._unchecked:
                return "No candidates among what was searched. " + unchecked_sentence(self._unchecked)
            return "No face in your datasets looks like yours, and no row of their lists names you. Nothing to review."
        return ("No scan yet. Add photos of yourself on Me, add and index a dataset on Datasets, "
                "then click “Scan now”.")


def _band(candidate: Candidate | RowCandidate) -> str:
    return _ROWS if isinstance(candidate, RowCandidate) else candidate.band
