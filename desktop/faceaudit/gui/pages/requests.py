"""The Requests page: the letters you sent, their deadlines and answers, and what to write next."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from faceaudit.core.errors import FaceAuditError
from faceaudit.core.letters.calendar_ics import write_deadlines_ics
from faceaudit.core.letters.pipeline import SavedLetter, follow_up_choice, save
from faceaudit.core.letters.requests import (
    RequestRecord,
    Status,
    add_reply,
    awaiting_answer,
    list_requests,
    refresh_overdue,
    update_request,
)
from faceaudit.gui.dialogs.erasure import ErasureDialog
from faceaudit.gui.support.operations import Job, run_call
from faceaudit.gui.widgets.page_parts import Notice, PageHeader, make_button, make_row_table
from faceaudit.gui.widgets.request_detail import RequestDetail
from faceaudit.gui.wording import LAW_WORDS, LETTER_WORDS, days_left_words, error_text, os_error_text

__all__ = ["RequestsPage"]

_COLUMNS = ("Recipient", "Dataset", "Letter", "Law", "Sent", "Deadline", "Status", "Days left")
_OVERDUE = QColor("#ffebee")


class RequestsPage(QWidget):
    """Lists every request, newest first; the selected one can be marked sent, answered or followed up.

    Overdue requests are flagged each time the page is shown (a sent request whose deadline passed).
    """

    def __init__(self, store, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self._records: list[RequestRecord] = []
        self._drafting: Job | None = None
        self.last_follow_up: SavedLetter | None = None

        header = PageHeader("Requests", "Every letter you saved, with the date you sent it and the legal deadline "
                            "for an answer. Mark a letter sent to start its deadline.")
        self.export_button = make_button("Export deadlines (.ics)…", "Put the deadlines of open requests into your "
                                         "calendar", self._on_export_ics)
        self.verify_button = make_button("Verify erasure…", "Check a dataset's new release for your confirmed "
                                         "photos", self.open_verify_erasure)
        self.summary = QLabel()
        tools = QHBoxLayout()
        tools.addWidget(self.export_button)
        tools.addWidget(self.verify_button)
        tools.addSpacing(16)
        tools.addWidget(self.summary, 1)
        self.notice = Notice()
        self.empty = QLabel("No requests yet: letters you save on the Letters page are listed here.")
        self.empty.setWordWrap(True)

        self.table = make_row_table(_COLUMNS, "Requests")
        self.table.itemSelectionChanged.connect(self._on_selection_changed)

        self.detail = RequestDetail(store)
        self.detail.sent_on.connect(self.mark_sent)
        self.detail.extension_toggled.connect(self.toggle_extension)
        self.detail.status_chosen.connect(self.set_status)
        self.detail.note_added.connect(self.add_note)
        self.detail.reply_added.connect(self.add_reply)
        self.detail.follow_up_requested.connect(self._on_follow_up)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)  # a tall window gives the detail room too, not only the table
        splitter.setSizes([340, 280])
        self.splitter = splitter

        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addLayout(tools)
        layout.addWidget(self.notice)
        layout.addWidget(self.empty)
        layout.addWidget(splitter, 1)
        self.refresh()

    # -- public API (also what the tests drive) --------------------------------------------

    def refresh(self) -> None:
        """Flag overdue requests, then reload the table (the selection is kept)."""
        current = self.selected()
        today = date.today()
        refresh_overdue(self.store, today)
        self._records = list_requests(self.store, today)
        self.table.blockSignals(True)
        self.table.setRowCount(len(self._records))
        for row, record in enumerate(self._records):
            self._fill_row(row, record, today)
        self.table.blockSignals(False)
        overdue = sum(record.overdue for record in self._records)
        self.summary.setText(f"{len(self._records)} request{'s' if len(self._records) != 1 else ''}"
                             + (f", {overdue} overdue" if overdue else ""))
        self.empty.setVisible(not self._records)
        self.splitter.setVisible(bool(self._records))
        ids = [record.id for record in self._records]
        if current and current.id in ids:
            self.select_request(current.id)
        elif ids:
            self.table.selectRow(0)
        self._on_selection_changed()

    def requests(self) -> list[RequestRecord]:
        """The requests listed now, in order."""
        return list(self._records)

    def select_request(self, request_id: int) -> None:
        """Select a request by id."""
        for row, record in enumerate(self._records):
            if record.id == request_id:
                self.table.selectRow(row)

    def selected(self) -> RequestRecord | None:
        """The selected request, None when none is."""
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self._records):
            return None
        return self._records[rows[0].row()]

    def cell(self, row: int, column: str) -> str:
        """The text shown in a cell (`column` is a heading, e.g. "Deadline")."""
        return self.table.item(row, _COLUMNS.index(column)).text()

    def mark_sent(self, day: date, channel: str | None = None) -> None:
        """Record the selected request as sent on `day` by `channel` ("sent by"); its deadline follows."""
        self._update(sent=day, channel=channel)

    def set_status(self, status: str) -> None:
        """Mark the selected request answered, complied or refused."""
        self._update(status=status)

    def toggle_extension(self) -> None:
        """Apply (or take back) the extension of the selected request's deadline."""
        record = self.selected()
        if record is not None:
            self._update(extended=not record.extended)

    def add_note(self, text: str) -> None:
        """Append a note to the selected request."""
        if text.strip():
            self._update(note=text)

    def add_reply(self, summary: str, path: str | None = None, status: str = Status.ANSWERED,
                  ground: str = "") -> None:
        """Record an answer to the selected request, what it said (its ground), and set its status."""
        record = self.selected()
        if record is None or not summary.strip():
            return
        try:
            add_reply(self.store, record.id, date.today(), summary.strip(), path, status, ground=ground)
        except FaceAuditError as exc:
            self.notice.show_error(error_text(exc))
            return
        self.notice.clear_message()
        self.refresh()

    def draft_follow_up(self, path: str | Path) -> Job | None:
        """Draft the next letter (reminder or complaint) for the selected request, in the background."""
        record = self.selected()
        if record is None or self._drafting is not None:
            return None
        request_id = record.id
        self._drafting = run_call(lambda store: save(store, follow_up_choice(store, request_id), pdf=path), self,
                                  done=self._on_follow_up_saved, failed=self._on_follow_up_failed)
        return self._drafting

    def export_ics(self, path: str | Path) -> Path | None:
        """Write the deadlines of open requests to an iCalendar file."""
        try:
            written = write_deadlines_ics(self._records, path)
        except OSError as exc:
            self.notice.show_error(f"The calendar was not saved. {os_error_text(exc)}")
            return None
        self.notice.show_info(f"Saved the deadlines to {written}; open it with your calendar program.")
        return written

    def open_verify_erasure(self) -> ErasureDialog:
        """Open the Verify erasure dialog (window-modal, not blocking)."""
        dialog = ErasureDialog(self.store, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def stop(self) -> None:
        """Wait for a follow-up being written (when the window closes)."""
        if self._drafting is not None:
            self._drafting.stop()

    # -- slots -----------------------------------------------------------------------------

    def _on_selection_changed(self) -> None:
        self.detail.show_request(self.selected())

    def _on_follow_up(self) -> None:
        record = self.selected()
        if record is None:
            return
        suggested = str(Path.home() / f"follow-up-{record.id}-{date.today().isoformat()}.pdf")
        path, _ = QFileDialog.getSaveFileName(self, "Save the follow-up letter as PDF", suggested, "PDF (*.pdf)")
        if path:
            self.draft_follow_up(path if path.lower().endswith(".pdf") else path + ".pdf")

    def _on_follow_up_saved(self, saved: SavedLetter) -> None:
        self._drafting = None
        self.last_follow_up = saved
        self.refresh()
        self.select_request(saved.request_id)
        self.notice.show_info(f"Drafted the {LETTER_WORDS.get(saved.letter.type, saved.letter.type).lower()} "
                              f"letter: {saved.pdf}. Mark it sent once you have sent it.")

    def _on_follow_up_failed(self, message: str) -> None:
        self._drafting = None
        self.notice.show_failure(message, before="No follow-up was drafted. ")

    def _on_export_ics(self) -> None:
        suggested = str(Path.home() / "faceaudit-deadlines.ics")
        path, _ = QFileDialog.getSaveFileName(self, "Export deadlines", suggested, "Calendar (*.ics)")
        if path:
            self.export_ics(path if path.lower().endswith(".ics") else path + ".ics")

    # -- helpers ---------------------------------------------------------------------------

    def _update(self, **changes) -> None:
        record = self.selected()
        if record is None:
            return
        try:
            update_request(self.store, record.id, **changes)
        except FaceAuditError as exc:
            self.notice.show_error(error_text(exc))
            return
        self.notice.clear_message()
        self.refresh()

    def _fill_row(self, row: int, record: RequestRecord, today: date) -> None:
        values = (record.recipient or "-", record.dataset_name or "-", LETTER_WORDS.get(record.type, record.type),
                  LAW_WORDS.get(record.law, record.law), str(record.sent_date or "-"),
                  str(record.deadline or "-") + (" (extended)" if record.extended else ""), record.status,
                  days_left_words(record.deadline, today) if awaiting_answer(record) else "-")
        for column, text in enumerate(values):
            item = QTableWidgetItem(text)
            if record.overdue:
                item.setBackground(QBrush(_OVERDUE))
                if _COLUMNS[column] in ("Status", "Days left"):
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                    item.setForeground(QBrush(QColor("#c62828")))
            self.table.setItem(row, column, item)
