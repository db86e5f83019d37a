"""The Scan & Review page: scan the datasets for my face (and lists of links for my identifiers), then say which
candidates are me, on a grid of faces and rows."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from faceaudit.core.datasets.catalog import list_datasets
from faceaudit.core.datasets.crops_cache import FaceRef
from faceaudit.core.matching.identifiers import list_identifiers
from faceaudit.core.matching.identities import IdentityCandidate, identity_candidates, identity_text
from faceaudit.core.matching.matches import (
    Candidate,
    Decision,
    RowCandidate,
    candidates,
    decide,
    distances_to_references,
    identifier_candidates,
    needs_second_look,
    one_per_photo,
    restore_decisions,
)
from faceaudit.core.matching.references import list_references, thumbnail_of
from faceaudit.core.matching.scan import ScanProgress, latest_scan, partly_indexed, unchecked_of
from faceaudit.gui.dialogs.photo import PhotoDialog
from faceaudit.gui.dialogs.second_look import SecondLookDialog
from faceaudit.gui.support import jobs
from faceaudit.gui.support.operations import Job, run_call, run_generator
from faceaudit.gui.widgets.candidate_cards import FaceCard, kind_of
from faceaudit.gui.widgets.candidate_grid import CandidateGrid
from faceaudit.gui.widgets.candidate_panel import CandidatePanel
from faceaudit.gui.widgets.page_parts import Notice, PageHeader
from faceaudit.gui.widgets.reference_strip import ReferenceShown
from faceaudit.gui.widgets.row_view import RowView
from faceaudit.gui.widgets.undo_bar import UndoBar
from faceaudit.gui.wording import DECISION_DONE, second_look_reasons, unchecked_sentence

__all__ = ["ReviewPage"]

#: "Show:" filter -> the decisions it lists.
_SHOW = {"All candidates": None, "Not decided yet": ("unreviewed",), "This is me": ("me",), "Not me": ("not_me",),
         "Unsure": ("unsure",)}
#: Decisions kept for Ctrl+Z.
_UNDO_DEPTH = 50
#: Wait this long after the current candidate last changed before reading its photo (arrow keys held).
_PHOTO_DELAY_MS = 120


class ReviewPage(QWidget):
    """Runs a scan in the background and shows its candidates as a grid of faces, grouped by band, and
    of rows of lists of links that name one of my identifiers (a group of their own).

    Keys: arrows move; Y (this is me), N (not me), U (unsure) decide on the selected faces and
    move on; Space and Shift+arrows select more than one; Enter opens a face larger; Ctrl+Z
    undoes the last decision. Decisions are saved at once; a copy of the same photo in another
    dataset takes the same decision. Confirming a weak candidate asks once more.
    """

    def __init__(self, store, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self._job: Job | None = None
        self._crops_job: Job | None = None
        self._crops_waiting: dict[tuple[int, int], FaceRef] = {}
        self._cards_by_face: dict[tuple[int, int], list[FaceCard]] = {}
        self._photo_job: Job | None = None
        self._undo: list[tuple[dict[int, str], str, int]] = []
        self._faces_per_dataset: dict[str, int] = {}
        self._references: list[tuple[object, QImage]] = []
        self._has_identifiers = False
        # Every dataset not really checked, and why (name, reason); and those the last scan could
        # not search at all (nothing of mine to look for in them).
        self._unchecked: list[tuple[str, str]] = []
        self._not_searched: dict[str, str] = {}
        self.last_dialog = None
        self._photo_timer = QTimer(self)
        self._photo_timer.setSingleShot(True)
        self._photo_timer.setInterval(_PHOTO_DELAY_MS)
        self._photo_timer.timeout.connect(self._read_photo)

        header = PageHeader("Scan & Review", "Compare your faces with every indexed dataset, and search the datasets "
                            "published as lists of links for your accounts and names. Look at each candidate and "
                            "say whether it is you; only what you confirm goes into letters.")
        self.scan_button = QPushButton("Scan now")
        self.scan_button.setToolTip("Compare your reference faces with every indexed dataset (Ctrl+R)")
        self.scan_button.clicked.connect(self._on_scan_clicked)
        self.dataset_filter = QComboBox()
        self.dataset_filter.setToolTip("Show candidates of one dataset")
        self.dataset_filter.setAccessibleName("Dataset")
        self.dataset_filter.currentIndexChanged.connect(self._on_filter_changed)
        self.show_filter = QComboBox()
        self.show_filter.setToolTip("Show candidates by your decision")
        self.show_filter.setAccessibleName("Show")
        self.show_filter.addItems(list(_SHOW))
        self.show_filter.currentIndexChanged.connect(self._on_filter_changed)
        dataset_label, show_label = QLabel("&Dataset:"), QLabel("S&how:")
        dataset_label.setBuddy(self.dataset_filter)
        show_label.setBuddy(self.show_filter)
        self.status = QLabel()
        self.status.setWordWrap(True)
        controls = QHBoxLayout()
        controls.addWidget(self.scan_button)
        controls.addSpacing(12)
        controls.addWidget(dataset_label)
        controls.addWidget(self.dataset_filter)
        controls.addWidget(show_label)
        controls.addWidget(self.show_filter)
        controls.addSpacing(12)
        controls.addWidget(self.status, 1)
        self.coverage = Notice()
        self.notice = Notice()
        self.undo_bar = UndoBar()
        self.undo_bar.undo_requested.connect(self.undo)

        self.grid = CandidateGrid()
        self.grid.current_changed.connect(self._on_current_changed)
        self.grid.decide_requested.connect(self.decide)
        self.grid.open_requested.connect(self.open_large)
        self.panel = CandidatePanel()
        self.panel.decided.connect(self.decide)
        self.row = RowView()  # a row of a list of links: shown as the row itself
        self.row.decided.connect(self.decide)
        self.detail = QStackedWidget()
        self.detail.addWidget(self.panel)
        self.detail.addWidget(self.row)
        splitter = QSplitter()
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.grid)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([600, 400])
        self.splitter = splitter

        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for key, decision in (("Y", "me"), ("N", "not_me"), ("U", "unsure")):
            QShortcut(QKeySequence(key), self, lambda d=decision: self.decide(d), context=context)
        QShortcut(QKeySequence.StandardKey.Undo, self, self.undo, context=context)
        QShortcut(QKeySequence("Ctrl+R"), self, self._on_scan_clicked, context=context)

        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addLayout(controls)
        layout.addWidget(self.coverage)
        layout.addWidget(self.notice)
        layout.addWidget(self.undo_bar)
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

    @property
    def loading_pictures(self) -> bool:
        """True while face crops or the large photo are being read."""
        return self._crops_job is not None or self._photo_job is not None or self._photo_timer.isActive()

    def shown(self) -> list[Candidate | RowCandidate]:
        """The candidates on the grid, in order (copies of one photo are one candidate)."""
        return self.grid.candidates()

    def select(self, ref: int | str) -> None:
        """Make a candidate the current one (by its `ref`: a face match's number, a row's `L12`)."""
        refs = [c.ref for c in self.shown()]
        if ref in refs:
            self.grid.set_current(refs.index(ref))

    def decide(self, decision: str) -> None:
        """Save a decision on the selected candidates (and copies of their photos), then move on.

        Confirming a weak candidate as me asks once more (window-modal); the decision is saved
        when the person says yes.
        """
        chosen = self.grid.selected()
        if not chosen:
            return
        weak = [c for c in chosen if decision == Decision.ME and c.decision != Decision.ME and needs_second_look(c)]
        if weak:
            self._ask_second_look(weak, chosen)
            return
        self._apply(chosen, decision)

    def undo(self) -> bool:
        """Put back the decisions of the last change; False when there is nothing to undo."""
        if not self._undo:
            return False
        previous, decision, count = self._undo.pop()
        restore_decisions(self.store, previous)
        self._reload()
        first = next((c for c in self.shown() if {c.ref, *c.copies} & set(previous)), None)
        if first is not None:
            self.select(first.ref)
        self.undo_bar.offer(f"Undid “{DECISION_DONE[decision]}” on {_photos(count)}."
                            + (" Ctrl+Z undoes the one before." if self._undo else ""))
        self.undo_bar.undo_button.setEnabled(bool(self._undo))
        return True

    def open_large(self, candidate: Candidate | None = None) -> PhotoDialog | None:
        """Show the current candidate's photo in a window of its own (window-modal, not blocking)."""
        candidate = candidate or self.grid.current()
        if candidate is None or kind_of(candidate) == "identity":  # no photo of its own: its photos are on the grid
            return None
        image, box = self.panel.photo.picture()
        dialog = PhotoDialog(f"{candidate.dataset} / {candidate.key}", image, box, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self.grid.setFocus())
        dialog.open()
        self.last_dialog = dialog
        return dialog

    def refresh(self) -> None:
        """Reload datasets, my reference faces and the candidates from the database."""
        datasets = list_datasets(self.store)
        self._faces_per_dataset = {d.name: d.faces for d in datasets}
        self._unchecked = [(u.dataset, u.reason) for u in unchecked_of(datasets, self._not_searched)]
        self._has_identifiers = bool(list_identifiers(self.store))
        chosen = self.dataset_filter.currentData()
        self.dataset_filter.blockSignals(True)
        self.dataset_filter.clear()
        self.dataset_filter.addItem("All datasets", None)
        for d in datasets:
            self.dataset_filter.addItem(d.name, d.name)
        self.dataset_filter.setCurrentIndex(max(0, self.dataset_filter.findData(chosen)))
        self.dataset_filter.blockSignals(False)
        self._references = [(face, _image(thumbnail_of(self.store, face.id))) for face in list_references(self.store)]
        self._show_coverage()
        self._reload()

    def stop(self) -> None:
        """Stop a running scan and picture reads (when the window closes)."""
        self._photo_timer.stop()
        self._crops_waiting.clear()
        for job in (self._job, self._crops_job, self._photo_job):
            if job is not None:
                job.stop()
        self._job = self._crops_job = self._photo_job = None

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
        if self.shown():
            self.grid.set_current(0)
            self.grid.setFocus()

    def _on_scan_failed(self, message: str) -> None:
        self._job = None
        self.scan_button.setEnabled(True)
        self.status.setText("")
        self.notice.show_error(message[0].upper() + message[1:] if message else message)

    def _on_filter_changed(self, _index: int) -> None:
        self._reload()

    def _on_current_changed(self, candidate: Candidate | RowCandidate | None) -> None:
        if candidate is None:
            self.detail.setCurrentWidget(self.panel)
            self.panel.show_nothing(self._empty_text())
            return
        if kind_of(candidate) == "identity":
            self.detail.setCurrentWidget(self.panel)
            self.panel.show_nothing(f"{candidate.dataset}, identity {identity_text(candidate)}.\n\n"
                                    f"Its {candidate.close} close photos are on the grid too; a decision here "
                                    "applies to all of them together.")
            return
        if kind_of(candidate) != "face":
            self.row.show_row(candidate)
            self.detail.setCurrentWidget(self.row)
            return
        self.detail.setCurrentWidget(self.panel)
        distances = distances_to_references(self.store, candidate.id)
        shown = [ReferenceShown(image, face.name, distances.get(face.id), face.matching)
                 for face, image in self._references]
        card = self.grid.card(candidate.ref)
        crop = card.image if isinstance(card, FaceCard) else None
        self.panel.show_candidate(candidate, shown, self._faces_per_dataset.get(candidate.dataset, 0), crop)
        self._photo_timer.start()

    def _on_crop(self, shown: jobs.CropShown) -> None:
        current = self.grid.current()
        for card in self._cards_by_face.get((shown.face.item_id, shown.face.face_idx), []):
            card.set_picture(shown.image, shown.problem)
            if current is not None and current.ref == card.candidate.ref and not self.panel.photo.has_image \
                    and shown.image is not None:
                self.panel.photo.show_image(shown.image, None)

    def _on_crops_ended(self) -> None:
        self._crops_job = None
        self._load_crops()

    def _on_photo(self, candidate_id: int, shown: jobs.PhotoShown) -> None:
        self._photo_job = None
        current = self.grid.current()
        if current is not None and current.ref == candidate_id:
            box = tuple(v * shown.scale for v in current.box) if current.box else None
            self.panel.show_photo(shown.image, box, shown.size)
        elif current is not None:
            self._photo_timer.start()

    def _on_photo_failed(self, candidate_id: int, problem: str) -> None:
        self._photo_job = None
        current = self.grid.current()
        if current is not None and current.ref == candidate_id:
            self.panel.show_photo_problem(problem)
        elif current is not None:
            self._photo_timer.start()

    # -- helpers ---------------------------------------------------------------------------

    def _apply(self, chosen: list[Candidate | RowCandidate], decision: str) -> None:
        # An identity is decided through its close photos (its `copies`).
        ids = [c.ref for c in chosen if kind_of(c) != "identity"] + [copy for c in chosen for copy in c.copies]
        previous = decide(self.store, ids, decision)
        if previous:
            self._undo = (self._undo + [(previous, decision, len(chosen))])[-_UNDO_DEPTH:]
            self.undo_bar.offer(f"Marked {_photos(len(chosen))} as “{DECISION_DONE[decision]}”.")
            self.undo_bar.undo_button.setEnabled(True)
        order = [c.ref for c in self.shown()]
        last = max(order.index(c.ref) for c in chosen)
        self._reload()
        listed = [c.ref for c in self.shown()]
        # Move on: to the candidate after the last one decided (or the last one left, when the
        # filter took the decided ones off the grid).
        following = [i for i in order[last + 1:] if i in listed]
        if following:
            self.select(following[0])
        elif listed:
            self.grid.set_current(len(listed) - 1)
        self.grid.setFocus()

    def _ask_second_look(self, weak: list[Candidate], chosen: list[Candidate]) -> None:
        shown = []
        for candidate in weak:
            card = self.grid.card(candidate.ref)
            crop = card.image if isinstance(card, FaceCard) else None
            mine = next((image for face, image in self._references if face.id == candidate.reference_face_id), None)
            reasons = second_look_reasons(candidate, self._faces_per_dataset.get(candidate.dataset, 0))
            shown.append((candidate, crop, mine, reasons))
        dialog = SecondLookDialog(shown, len(chosen), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._apply(chosen, Decision.ME))
        dialog.rejected.connect(lambda: self.grid.setFocus())
        dialog.open()
        self.last_dialog = dialog

    def _reload(self, keep: int | str | None = None) -> None:
        dataset = self.dataset_filter.currentData()
        decisions = _SHOW[self.show_filter.currentText()]
        listed: list[Candidate | RowCandidate | IdentityCandidate] = identity_candidates(self.store, dataset=dataset)
        listed += one_per_photo([c for c in candidates(self.store) if dataset is None or c.dataset == dataset])
        listed += identifier_candidates(self.store, dataset=dataset)
        everything = len(listed)
        decided = sum(1 for c in listed if c.decision != Decision.UNREVIEWED)
        if decisions is not None:
            listed = [c for c in listed if c.decision in decisions]
        self.grid.show_empty(self._empty_text() if everything == 0 else "No candidate with this decision here.")
        self.grid.set_candidates(listed, keep=keep)
        if self._job is None:
            self.status.setText(f"{everything} candidates, {decided} decided" if everything else "")
        self._load_crops()

    def _load_crops(self) -> None:
        """Read the face crops the cards still lack, one background job at a time."""
        self._cards_by_face = {}
        for card in self.grid.cards():
            wanted = card.picture_wanted()
            if wanted is not None:
                self._crops_waiting[(wanted.item_id, wanted.face_idx)] = wanted
                self._cards_by_face.setdefault((wanted.item_id, wanted.face_idx), []).append(card)
        if self._crops_job is not None or not self._crops_waiting:
            return
        faces = list(self._crops_waiting.values())
        self._crops_waiting.clear()
        self._crops_job = run_generator(jobs.crops(faces), self, progress=self._on_crop, ended=self._on_crops_ended)

    def _read_photo(self) -> None:
        """Read the current candidate's photo in the background (one read at a time)."""
        candidate = self.grid.current()
        if candidate is None or kind_of(candidate) != "face" or self._photo_job is not None:
            return
        self._photo_job = run_call(jobs.photo(candidate.dataset, candidate.key), self,
                                   done=lambda shown, i=candidate.ref: self._on_photo(i, shown),
                                   failed=lambda problem, i=candidate.ref: self._on_photo_failed(i, problem))

    def _show_coverage(self) -> None:
        """Say which datasets a scan covers only in part, before anything is scanned."""
        waiting = partly_indexed(self.store)
        partial = [d for d in waiting if d.items]
        never = [d for d in waiting if not d.items]
        lines = []
        for d in partial:
            share = 100 * d.done / d.items if d.items else 0
            lines.append(f"{d.name} is {share:.0f}% indexed ({d.done:,} of {d.items:,} photos): a scan compares "
                         "only those.")
        if never:
            lines.append(f"Not indexed yet, so not scanned: {', '.join(d.name for d in never)}.")
        if lines:
            lines.append("Index on the Datasets page (Ctrl+2) to cover every photo.")
        self.coverage.show_info(" ".join(lines))

    def _empty_text(self) -> str:
        if not self._references and not self._has_identifiers:
            return ("Add photos of yourself on the Me page first (Ctrl+1): the scan looks for your face (and for "
                    "your accounts and names, which you can add there too, in lists of links).")
        if not self._faces_per_dataset:
            return "Add a dataset on the Datasets page (Ctrl+2) and index it; then click “Scan now” here."
        if latest_scan(self.store):
            if self._unchecked:
                return "No candidates among what was searched. " + unchecked_sentence(self._unchecked)
            return ("The last scan found no face that looks like yours, and no row of a list that names you. After "
                    "you add photos of yourself or index more, click “Scan now” again.")
        return "Click “Scan now” (Ctrl+R) to compare your faces with your datasets."


def _image(data: bytes | None) -> QImage:
    return QImage.fromData(data) if data else QImage()


def _photos(count: int) -> str:
    return f"{count} photo{'s' if count != 1 else ''}"
