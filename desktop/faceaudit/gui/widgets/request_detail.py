"""One request in detail: what it is, when it was sent and is due, notes, replies, and what can be done next."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from faceaudit.core.letters.compose import LetterError, letter_strings
from faceaudit.core.letters.requests import (
    ANSWER_GROUNDS,
    REFUSAL_GROUNDS,
    REPLY_STATUSES,
    Channel,
    RequestRecord,
    Status,
    may_follow_up,
    replies,
)
from faceaudit.core.letters.types import LetterKind
from faceaudit.gui.support import folders
from faceaudit.gui.widgets.page_parts import make_button
from faceaudit.gui.wording import CHANNEL_WORDS, GROUND_WORDS, LETTER_WORDS

__all__ = ["RequestDetail"]


class RequestDetail(QWidget):
    """Shows the selected request; its buttons say what the person wants done, the page does it.

    Signals:
        sent_on(object, str): mark sent on this date (a `datetime.date`) by this channel ("sent by").
        extension_toggled(): apply or take back the legal extension of the deadline.
        status_chosen(str): answered, complied or refused.
        note_added(str): a note to append.
        reply_added(str, object, str, str): summary, the file it was saved in (or None), the status it sets,
            and what it said (a ground: a refusal's reason, a partial answer, an ID demand; "" for none).
        follow_up_requested(): draft the next letter (reminder or complaint).
    """

    sent_on = Signal(object, str)
    extension_toggled = Signal()
    status_chosen = Signal(str)
    note_added = Signal(str)
    reply_added = Signal(str, object, str, str)
    follow_up_requested = Signal()

    def __init__(self, store, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self._reply_file: str | None = None
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
        self.sent_by = QComboBox()
        self.sent_by.setAccessibleName("Sent by")
        self.sent_by.setToolTip("How you sent it: a posted letter counts as received four days later, so its "
                                "deadline is later")
        for channel in Channel:
            self.sent_by.addItem(CHANNEL_WORDS.get(channel, channel), channel.value)
        self.mark_sent_button = make_button("Mark sent", "Record the day and the way you sent it; the deadline "
                                            "counts from when it arrives",
                                            lambda: self.sent_on.emit(self.sent_date.date().toPython(),
                                                                      self.sent_by.currentData()))
        self.extend_button = make_button("Extend deadline", "The recipient claimed the extension the law allows "
                                         "(GDPR: two more months; CCPA: 45 more days)", self.extension_toggled.emit)
        self.status_buttons = {status: make_button(label, tip, lambda s=status: self.status_chosen.emit(s))
                               for status, label, tip in (
                                   (Status.ANSWERED, "Answered", "They answered (record the reply on the right)"),
                                   (Status.COMPLIED, "Complied", "They did what you asked"),
                                   (Status.REFUSED, "Refused", "They refused"))}
        self.follow_up_button = make_button("Draft reminder / complaint…", "Write the next letter: a reminder after "
                                            "a missed deadline, then a complaint", self.follow_up_requested.emit)
        actions = QGridLayout()
        actions.addWidget(QLabel("Sent on:"), 0, 0)
        actions.addWidget(self.sent_date, 0, 1)
        actions.addWidget(self.sent_by, 0, 2)
        # Three columns: with the channel beside the date, four no longer fit a 900 px window.
        actions.addWidget(self.mark_sent_button, 1, 0, 1, 2)
        actions.addWidget(self.extend_button, 1, 2)
        for column, button in enumerate(self.status_buttons.values()):
            actions.addWidget(button, 2, column)
        actions.addWidget(self.follow_up_button, 3, 0, 1, 3)
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
        add_note = make_button("Add note", "Append the note with today's date", self._on_add_note)
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
        for status in REPLY_STATUSES:
            self.reply_status.addItem(status.capitalize(), status.value)
        self.reply_status.setAccessibleName("Status after the reply")
        self.reply_status.currentIndexChanged.connect(self._fill_grounds)
        self.reply_ground = QComboBox()
        self.reply_ground.setAccessibleName("What the reply said")
        self.reply_ground.setToolTip("The reminder or complaint answers exactly this")
        self.reply_file_button = make_button("Attach file…", "Where you saved their answer (it stays where it is)",
                                             self._on_pick_reply_file)
        add_reply = make_button("Add reply", "Record the answer and set the request's status", self._on_add_reply)
        self.add_reply_button = add_reply
        for button in (*self.status_buttons.values(), add_reply):
            button.setProperty("sent_tip", button.toolTip())
        reply_kind = QHBoxLayout()  # what it said on one row, the buttons on the next: both fit a 900 px window
        reply_kind.addWidget(self.reply_status)
        reply_kind.addWidget(self.reply_ground, 1)
        reply_row = QHBoxLayout()
        reply_row.addStretch(1)
        reply_row.addWidget(self.reply_file_button)
        reply_row.addWidget(add_reply)
        right = QVBoxLayout()
        right.addWidget(QLabel("Replies:"))
        right.addWidget(self.replies, 1)
        right.addWidget(self.reply_text)
        right.addLayout(reply_kind)
        right.addLayout(reply_row)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addLayout(left, 5)
        layout.addSpacing(8)
        written = QVBoxLayout()  # notes above replies: three columns side by side do not fit a 900 px window
        written.addLayout(middle, 1)
        written.addLayout(right, 1)
        layout.addLayout(written, 6)
        self._fill_grounds()

    def show_request(self, record: RequestRecord | None) -> None:
        """Show a request (None: nothing selected)."""
        self.setEnabled(record is not None)
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
        self.sent_by.setCurrentIndex(max(0, self.sent_by.findData(record.channel)))
        self.mark_sent_button.setText("Change sent date" if record.sent_date else "Mark sent")
        self.extend_button.setText("Undo extension" if record.extended else "Extend deadline")
        self.extend_button.setEnabled(record.deadline is not None and record.type != LetterKind.REMINDER)
        self.follow_up_button.setEnabled(may_follow_up(record))
        # An unsent draft has no answer yet: no "Answered", "Complied" or "Refused" before it is marked sent.
        sent = record.status != Status.DRAFT
        for button in (*self.status_buttons.values(), self.add_reply_button):
            button.setEnabled(sent)
            button.setToolTip(button.property("sent_tip") if sent else "Mark it sent first: a draft has no answer yet")

    def _on_add_note(self) -> None:
        text = self.note_text.text()
        self.note_text.clear()
        if text.strip():
            self.note_added.emit(text)

    def _on_pick_reply_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "The answer you received", folders.start("answers"))
        if path:
            folders.remember("answers", path)
            self._reply_file = path
            self.reply_file_button.setText(Path(path).name)
            self.reply_file_button.setToolTip(path)

    def _on_add_reply(self) -> None:
        summary, path = self.reply_text.text(), self._reply_file
        self.reply_text.clear()
        self._reply_file = None
        self.reply_file_button.setText("Attach file…")
        if summary.strip():
            self.reply_added.emit(summary, path, self.reply_status.currentData(), self.reply_ground.currentData() or "")

    def _fill_grounds(self, *_args) -> None:
        """The grounds that fit the chosen status: a refusal's reasons, or what was wrong with an answer."""
        status = self.reply_status.currentData()
        grounds = {Status.REFUSED: REFUSAL_GROUNDS, Status.ANSWERED: ("", *ANSWER_GROUNDS)}.get(status, ("",))
        self.reply_ground.clear()
        for ground in grounds:
            self.reply_ground.addItem(GROUND_WORDS.get(ground, ground), ground)
        self.reply_ground.setEnabled(len(grounds) > 1)


def _facts(record: RequestRecord) -> str:
    parts = [f"Written in {_language(record.lang)}, sent {CHANNEL_WORDS.get(record.channel, record.channel)}"
             + (f", received {record.received_date}." if record.received_date else ".") if record.sent_date else
             "A draft: mark it sent once you have sent it (and how), to start the deadline."]
    if record.deadline:
        parts.append(f"Answer due by {record.deadline}" + (" (extended)." if record.extended else "."))
    if record.overdue:
        parts.append("The deadline has passed: draft a reminder, or after a reminder, a complaint.")
    if record.letter_path:
        parts.append(f"Letter: {record.letter_path}")
    return " ".join(parts)


def _language(code: str) -> str:
    try:
        return letter_strings(code).get("language", code)
    except LetterError:
        return code
