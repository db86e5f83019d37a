"""The Requests page: the letters you sent, their deadlines and answers, and what to write next."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from faceaudit.gui.dialogs.erasure import ErasureDialog
from faceaudit.gui.widgets.page_parts import Notice, PageHeader
from faceaudit.gui.wording import LAW_WORDS, LETTER_WORDS, days_left_words, error_text

__all__ = ["RequestsPage"]

_COLUMNS = ("Recipient", "Dataset", "Letter", "Law", "Sent", "Deadline", "Status", "Days left")
_OVERDUE = QColor("#ffebee")
_FOLLOWS_UP = ("overdue", "answered", "refused")


class RequestsPage(QWidget):
    """Lists every request, newest first; the selected one can be marked sent, answered or followed up.

    Overdue requests are flagged each time the page is shown (a sent request whose deadline passed).
    """

    def __init__(self, store, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self._records: list = []
        self._reply_file: str | None = None

        header = PageHeader("Requests", "Every letter you saved, with the date you sent it and the legal deadline "
                            "for an answer. Mark a letter sent to start its deadline.")
        self.export_button = _button("Export deadlines (.ics)…", "Put the deadlines of open requests into your "
                                     "calendar", self._on_export_ics)
        self.verify_button = _button("Verify erasure…", "Check a dataset's new release for your confirmed photos",
                                     self._on_verify)
        self.summary = QLabel()
        tools = QHBoxLayout()
        tools.addWidget(self.export_button)
        tools.addWidget(self.verify_button)
        tools.addSpacing(16)
        tools.addWidget(self.summary, 1)
        self.notice = Notice()
        self.empty = QLabel("No requests yet: letters you save on the Letters page are listed here.")
        self.empty.setWordWrap(True)

        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setHorizontalHeaderLabels(_COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setAccessibleName("Requests")
        self.table.itemSelectionChanged.connect(self._on_selection_changed)

        self.detail = QWidget()
        self._build_detail()
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 1)
        splitter.setSizes([340, 280])
        self.splitter = splitter

        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addLayout(tools)
        layout.addWidget(self.notice)
        layout.addWidget(self.empty)
        layout.addWidget(splitter, 1)
        self.refresh()

    def _build_detail(self) -> None:
        self.title = QLabel()
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sent_date = QDateEdit(QDate.currentDate())
        self.sent_date.setCalendarPopup(True)
        self.sent_date.setDisplayFormat("yyyy-MM-dd")
        self.sent_date.setAccessibleName("Sent on")
        self.mark_sent_button = _button("Mark sent", "Record the day you sent it; the deadline counts from there",
                                        self._on_mark_sent)
        self.extend_button = _button("Extend deadline", "The recipient claimed the extension the law allows "
                                     "(GDPR: two more months; CCPA: 45 more days)", self._on_extend)
        self.status_buttons = {status: _button(label, tip, lambda _c=False, s=status: self._on_status(s))
                               for status, label, tip in (
                                   ("answered", "Answered", "They answered (record the reply on the right)"),
                                   ("complied", "Complied", "They did what you asked"),
                                   ("refused", "Refused", "They refused"))}
        self.follow_up_button = _button("Draft reminder / complaint…", "Write the next letter: a reminder after "
                                        "a missed deadline, then a complaint", self._on_follow_up)
        actions = QGridLayout()
        actions.addWidget(QLabel("Sent on:"), 0, 0)
        actions.addWidget(self.sent_date, 0, 1)
        actions.addWidget(self.mark_sent_button, 0, 2)
        actions.addWidget(self.extend_button, 0, 3)
        for column, button in enumerate(self.status_buttons.values()):
            actions.addWidget(button, 1, column)
        actions.addWidget(self.follow_up_button, 2, 0, 1, 3)
        left = QVBoxLayout()
        left.addWidget(self.title)
        left.addWidget(self.facts)
        left.addLayout(actions)
        left.addStretch(1)

        self.notes = QPlainTextEdit()
        self.notes.setReadOnly(True)
        self.notes.setAccessibleName("Notes")
        self.note_text = QLineEdit()
        self.note_text.setPlaceholderText("Add a note")
        self.note_text.setToolTip("For example: posted, with the tracking number")
        self.note_text.setAccessibleName("New note")
        self.note_text.returnPressed.connect(self._on_add_note)
        add_note = _button("Add note", "Append the note with today's date", self._on_add_note)
        note_row = QHBoxLayout()
        note_row.addWidget(self.note_text, 1)
        note_row.addWidget(add_note)
        middle = QVBoxLayout()
        middle.addWidget(QLabel("Notes:"))
        middle.addWidget(self.notes, 1)
        middle.addLayout(note_row)

        self.replies = QListWidget()
        self.replies.setAccessibleName("Replies")
        self.reply_text = QLineEdit()
        self.reply_text.setPlaceholderText("What they answered, in a few words")
        self.reply_text.setAccessibleName("Reply")
        self.reply_status = QComboBox()
        for status in ("answered", "complied", "refused"):
            self.reply_status.addItem(status.capitalize(), status)
        self.reply_status.setAccessibleName("Status after the reply")
        self.reply_file_button = _button("Attach file…", "Where you saved their answer (it stays where it is)",
                                         self._on_pick_reply_file)
        add_reply = _button("Add reply", "Record the answer and set the request's status", self._on_add_reply)
        reply_row = QHBoxLayout()
        reply_row.addWidget(self.reply_status)
        reply_row.addWidget(self.reply_file_button)
        reply_row.addWidget(add_reply)
        right = QVBoxLayout()
        right.addWidget(QLabel("Replies:"))
        right.addWidget(self.replies, 1)
        right.addWidget(self.reply_text)
        right.addLayout(reply_row)

        layout = QHBoxLayout(self.detail)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addLayout(left, 5)
        layout.addSpacing(8)
        layout.addLayout(middle, 3)
        layout.addSpacing(8)
        layout.addLayout(right, 4)

    # -- public API (also what the tests drive) --------------------------------------------

    def refresh(self) -> None:
        """Flag overdue requests, then reload the table (the selection is kept)."""
        from faceaudit.core.letters.requests import list_requests, refresh_overdue

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

    def requests(self) -> list:
        """The requests listed now (core RequestRecords), in order."""
        return list(self._records)

    def select_request(self, request_id: int) -> None:
        """Select a request by id."""
        for row, record in enumerate(self._records):
            if record.id == request_id:
                self.table.selectRow(row)

    def selected(self):
        """The selected request (a core RequestRecord), None when none is."""
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self._records):
            return None
        return self._records[rows[0].row()]

    def cell(self, row: int, column: str) -> str:
        """The text shown in a cell (`column` is a heading, e.g. "Deadline")."""
        return self.table.item(row, _COLUMNS.index(column)).text()

    def mark_sent(self, day: date) -> None:
        """Record the selected request as sent on `day`; its deadline follows."""
        self._update(sent=day)

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

    def add_reply(self, summary: str, path: str | None = None, status: str = "answered") -> None:
        """Record an answer to the selected request and set its status."""
        from faceaudit.core.errors import FaceAuditError
        from faceaudit.core.letters.requests import add_reply

        record = self.selected()
        if record is None or not summary.strip():
            return
        try:
            add_reply(self.store, record.id, date.today(), summary.strip(), path, status)
        except FaceAuditError as exc:
            self.notice.show_error(error_text(exc))
            return
        self.notice.clear_message()
        self.refresh()

    def draft_follow_up(self, path: str | Path):
        """Draft the next letter (reminder or complaint) for the selected request; returns the core SavedLetter."""
        from faceaudit.core.errors import FaceAuditError
        from faceaudit.core.letters.pipeline import follow_up_choice, save

        record = self.selected()
        if record is None:
            return None
        try:
            files = save(self.store, follow_up_choice(self.store, record.id), pdf=path)
        except (FaceAuditError, OSError) as exc:
            self.notice.show_error(f"No follow-up was drafted: {exc}")
            return None
        self.refresh()
        self.select_request(files.request_id)
        self.notice.show_info(f"Drafted the {LETTER_WORDS.get(files.letter.type, files.letter.type).lower()} "
                              f"letter: {files.pdf}. Mark it sent once you have sent it.")
        return files

    def export_ics(self, path: str | Path) -> Path | None:
        """Write the deadlines of open requests to an iCalendar file."""
        from faceaudit.core.letters.calendar_ics import write_deadlines_ics

        try:
            written = write_deadlines_ics(self._records, path)
        except OSError as exc:
            self.notice.show_error(f"The calendar was not saved: {exc}")
            return None
        self.notice.show_info(f"Saved the deadlines to {written}; open it with your calendar program.")
        return written

    def open_verify_erasure(self) -> ErasureDialog:
        """Open the Verify erasure dialog (window-modal, not blocking)."""
        dialog = ErasureDialog(self.store, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # -- slots -----------------------------------------------------------------------------

    def _on_selection_changed(self) -> None:
        from faceaudit.core.letters.requests import replies

        record = self.selected()
        self.detail.setEnabled(record is not None)
        self.replies.clear()
        if record is None:
            self.title.setText("")
            self.facts.setText("")
            self.notes.setPlainText("")
            return
        what = LETTER_WORDS.get(record.type, record.type)
        self.title.setText(f"#{record.id} {what} — to {record.recipient or 'recipient not known'}"
                           + (f", about {record.dataset_name}" if record.dataset_name else ""))
        self.facts.setText(_facts(record))
        self.notes.setPlainText(record.notes or "")
        for reply in replies(self.store, record.id):
            self.replies.addItem(f"{reply.received}: {reply.summary}" + (f"  [{reply.path}]" if reply.path else ""))
        if record.sent_date:
            self.sent_date.setDate(QDate(record.sent_date.year, record.sent_date.month, record.sent_date.day))
        self.mark_sent_button.setText("Change sent date" if record.sent_date else "Mark sent")
        self.extend_button.setText("Undo extension" if record.extended else "Extend deadline")
        self.extend_button.setEnabled(record.deadline is not None and record.type != "reminder")
        self.follow_up_button.setEnabled(record.status in _FOLLOWS_UP
                                         and record.type not in ("dpa-complaint", "ftc-complaint"))

    def _on_mark_sent(self) -> None:
        self.mark_sent(self.sent_date.date().toPython())

    def _on_extend(self) -> None:
        self.toggle_extension()

    def _on_status(self, status: str) -> None:
        self.set_status(status)

    def _on_add_note(self) -> None:
        self.add_note(self.note_text.text())
        self.note_text.clear()

    def _on_pick_reply_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "The answer you received", str(Path.home()))
        if path:
            self._reply_file = path
            self.reply_file_button.setText(Path(path).name)
            self.reply_file_button.setToolTip(path)

    def _on_add_reply(self) -> None:
        self.add_reply(self.reply_text.text(), self._reply_file, self.reply_status.currentData())
        self.reply_text.clear()
        self._reply_file = None
        self.reply_file_button.setText("Attach file…")

    def _on_follow_up(self) -> None:
        record = self.selected()
        if record is None:
            return
        suggested = str(Path.home() / f"follow-up-{record.id}-{date.today().isoformat()}.pdf")
        path, _ = QFileDialog.getSaveFileName(self, "Save the follow-up letter as PDF", suggested, "PDF (*.pdf)")
        if path:
            self.draft_follow_up(path if path.lower().endswith(".pdf") else path + ".pdf")

    def _on_export_ics(self) -> None:
        suggested = str(Path.home() / "faceaudit-deadlines.ics")
        path, _ = QFileDialog.getSaveFileName(self, "Export deadlines", suggested, "Calendar (*.ics)")
        if path:
            self.export_ics(path if path.lower().endswith(".ics") else path + ".ics")

    def _on_verify(self) -> None:
        self.open_verify_erasure()

    # -- helpers ---------------------------------------------------------------------------

    def _update(self, **changes) -> None:
        from faceaudit.core.errors import FaceAuditError
        from faceaudit.core.letters.requests import update_request

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

    def _fill_row(self, row: int, record, today: date) -> None:
        open_request = record.status in ("sent", "overdue")
        values = (record.recipient or "-", record.dataset_name or "-", LETTER_WORDS.get(record.type, record.type),
                  LAW_WORDS.get(record.law, record.law), str(record.sent_date or "-"),
                  str(record.deadline or "-") + (" (extended)" if record.extended else ""), record.status,
                  days_left_words(record.deadline, today) if open_request else "-")
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


def _facts(record) -> str:
    parts = [f"Written in {_language(record.lang)}, sent by {record.channel}." if record.sent_date else
             "A draft: mark it sent once you have sent it, to start the deadline."]
    if record.deadline:
        parts.append(f"Answer due by {record.deadline}" + (" (extended)." if record.extended else "."))
    if record.overdue:
        parts.append("The deadline has passed: draft a reminder, or after a reminder, a complaint.")
    if record.letter_path:
        parts.append(f"Letter: {record.letter_path}")
    return " ".join(parts)


def _language(code: str) -> str:
    from faceaudit.core.letters.compose import LetterError, letter_strings

    try:
        return letter_strings(code).get("language", code)
    except LetterError:
        return code


def _button(text: str, tip: str, slot) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    button.clicked.connect(slot)
    return button
