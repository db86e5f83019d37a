"""The Letters page: choose a dataset and a letter, check the preview, save it as PDF, text or e-mail draft."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QFrame, QLabel, QScrollArea, QSplitter, QVBoxLayout, QWidget

from faceaudit.core.errors import FaceAuditError
from faceaudit.core.letters.export import letter_text
from faceaudit.core.letters.identity import load_identity
from faceaudit.core.letters.pipeline import LetterChoice, SavedLetter, compose, missing_details, save
from faceaudit.core.letters.registry import RegistryError
from faceaudit.gui.dialogs.identity import IdentityDialog
from faceaudit.gui.support.operations import Job, run_call
from faceaudit.gui.widgets.identity_summary import IdentitySummary
from faceaudit.gui.widgets.letter_form import LetterForm
from faceaudit.gui.widgets.letter_preview import LetterPreview
from faceaudit.gui.widgets.page_parts import Notice, PageHeader
from faceaudit.gui.wording import error_text

__all__ = ["LettersPage"]

_EMPTY = ("No dataset has photos you confirmed yet: confirm matches on Scan & Review first to write about a "
          "dataset. You can still write to a platform where you had an account, or to an AI developer, below.")
_SAVE_FORMS = {"pdf": ("Save the letter as PDF", "PDF (*.pdf)", ".pdf"),
               "text": ("Save the letter as text", "Text (*.txt)", ".txt"),
               "eml": ("Save an e-mail draft", "E-mail draft (*.eml)", ".eml")}


class LettersPage(QWidget):
    """Writes a data-protection letter about one dataset's confirmed matches.

    The form says what the letter is, the preview shows it as it will be written, and saving
    runs in the background (face crops are read from the dataset). One letter is one draft
    request, however many forms of it are saved.

    Signals:
        letter_saved(int): a letter was saved; the id of the request that tracks it.
    """

    letter_saved = Signal(int)

    def __init__(self, store, preferences, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.preferences = preferences
        self.request_id: int | None = None
        self.eml_path: Path | None = None
        self.last_saved: SavedLetter | None = None
        self._saving: Job | None = None
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(200)
        self._preview_timer.timeout.connect(self._on_preview_due)

        header = PageHeader("Letters", "Write to a dataset's publisher about the photos you confirmed as you, or to a "
                            "platform or AI developer that got your photos. Nothing is sent: you get a PDF, a text "
                            "copy or an e-mail draft to send yourself.")
        self.notice = Notice()
        self.empty = QLabel(_EMPTY)
        self.empty.setWordWrap(True)
        self.form = LetterForm(store)
        self.form.changed.connect(self._on_choice_changed)
        self.form.edited.connect(self._on_text_edited)
        self.form.problem.connect(self.notice.show_error)
        self.identity = IdentitySummary()
        self.identity.edit_requested.connect(self.edit_identity)
        self.preview = LetterPreview()
        self.preview.save_requested.connect(self._on_save_requested)
        self.preview.open_mail_requested.connect(self._on_open_mail)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 0, 0, 0)
        right_layout.addWidget(self.identity)
        right_layout.addWidget(self.preview, 1)

        form_area = QScrollArea()  # the form scrolls in a short window rather than squeeze its words
        form_area.setWidget(self.form)
        form_area.setWidgetResizable(True)
        form_area.setFrameShape(QFrame.Shape.NoFrame)
        form_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll_bar = form_area.verticalScrollBar().sizeHint().width()
        form_area.setMinimumWidth(self.form.minimumSizeHint().width() + scroll_bar)
        self.body = QSplitter()
        self.body.setChildrenCollapsible(False)
        self.body.addWidget(form_area)
        self.body.addWidget(right)
        self.body.setStretchFactor(1, 1)
        self.body.setSizes([400, 600])
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addWidget(self.notice)
        layout.addWidget(self.empty)
        layout.addWidget(self.body, 1)
        self.refresh()

    # -- public API (also what the tests drive) --------------------------------------------

    def refresh(self) -> None:
        """Reload the datasets with confirmed matches, the organisations and the writer's details."""
        has_any = self.form.refresh() > 0
        self.empty.setVisible(not has_any)
        self.update_preview()

    def choice(self) -> LetterChoice | None:
        """The letter as chosen now, None without a dataset or organisation."""
        return self.form.choice()

    def update_preview(self) -> None:
        """Render the letter as chosen into the preview (nothing is written)."""
        self._preview_timer.stop()
        choice = self.choice()
        who = load_identity(self.store)
        self.identity.show_identity(who, missing_details(who, choice.kind) if choice else None)
        if choice is None:
            self.preview.show_text("")
            return
        try:
            letter = compose(self.store, choice)
        except RegistryError as exc:
            self.preview.show_text("")
            self.notice.show_error(error_text(exc) if choice.organisation else
                                   f"Choose which published dataset “{choice.dataset}” is (Dataset is:), or fill "
                                   "in the recipient, so FaceAudit knows whom to write to.")
            return
        except FaceAuditError as exc:
            self.preview.show_text("")
            self.notice.show_error(error_text(exc))
            return
        self.notice.clear_message()
        placeholders = (letter.strings["placeholder_address"], letter.strings["placeholder_recipient"],
                        letter.strings.get("placeholder_authority", ""))
        if any(line in placeholders for line in letter.recipient_lines):
            # Never "all the details" while the letter would print "[address: please fill in]".
            self.identity.show_identity(who, [*missing_details(who, choice.kind), "the recipient's address or e-mail"])
        self.preview.show_text(letter_text(letter))
        self.preview.enable_saving(self._saving is None)

    def save_to(self, form: str, path: str | Path) -> Job | None:
        """Save the letter as "pdf", "text" or "eml" in the background; `letter_saved` follows, or a notice."""
        choice = self.choice()
        if choice is None or self._saving is not None:
            return None
        self.preview.enable_saving(False)
        self.notice.show_info("Saving the letter…")
        request_id = self.request_id
        self._saving = run_call(lambda store: save(store, choice, request_id=request_id, **{form: path}), self,
                                done=lambda saved: self._on_saved(form, saved), failed=self._on_save_failed)
        return self._saving

    def open_in_mail(self) -> bool:
        """Open the saved e-mail draft (a local file) in the mail program; False when there is none."""
        if self.eml_path is None or not self.eml_path.is_file():
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.eml_path)))

    def edit_identity(self) -> IdentityDialog:
        """Open the dialog for the writer's details (window-modal, not blocking)."""
        dialog = IdentityDialog(self.store, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self.update_preview)
        self.preferences.identity_asked = True
        self.preferences.save(self.store)
        dialog.open()
        return dialog

    def stop(self) -> None:
        """Wait for a save in progress (when the window closes): a letter is written whole or not at all."""
        self._preview_timer.stop()  # a preview due later would read a store that may be closed by then
        if self._saving is not None:
            self._saving.stop()
        self.form.stop()

    # -- slots -----------------------------------------------------------------------------

    def _on_choice_changed(self) -> None:
        self._new_draft()
        self.update_preview()

    def _on_text_edited(self) -> None:
        self._new_draft()
        self._preview_timer.start()

    def _on_preview_due(self) -> None:
        self.form.show_contact_hint()
        self.update_preview()

    def _on_save_requested(self, form: str) -> None:
        kind = self.form.kind.currentData()
        if not self.preferences.identity_asked and missing_details(load_identity(self.store), kind):
            dialog = self.edit_identity()
            dialog.finished.connect(lambda _result: self._on_save_requested(form))
            return
        title, filters, suffix = _SAVE_FORMS[form]
        suggested = str(Path.home() / (_file_stem(self.choice()) + suffix))
        path, _ = QFileDialog.getSaveFileName(self, title, suggested, filters)
        if path:
            self.save_to(form, path if path.lower().endswith(suffix) else path + suffix)

    def _on_saved(self, form: str, saved: SavedLetter) -> None:
        self._saving = None
        self.last_saved = saved
        self.request_id = saved.request_id
        if form == "eml":
            self.eml_path = saved.eml
        self.preview.enable_saving(True)
        self.preview.open_mail_button.setEnabled(self.eml_path is not None)
        where = ", ".join(str(path) for path in saved.paths)
        self.notice.show_info(f"Saved {where}. It is listed on Requests as a draft: mark it sent there once you "
                              "have sent it, to start the deadline.")
        self.letter_saved.emit(saved.request_id)

    def _on_save_failed(self, message: str) -> None:
        self._saving = None
        self.preview.enable_saving(True)
        self.notice.show_failure(message, before="The letter was not saved. ")

    def _on_open_mail(self) -> None:
        if not self.open_in_mail():
            self.notice.show_error("Save the e-mail draft first; FaceAudit opens that file, it never sends anything.")

    # -- helpers ---------------------------------------------------------------------------

    def _new_draft(self) -> None:
        """Changed choices make a new letter: its first save records a new request."""
        self.request_id, self.eml_path = None, None
        self.preview.open_mail_button.setEnabled(False)


def _file_stem(choice: LetterChoice | None) -> str:
    if choice is None:
        return "letter"
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in (choice.organisation or choice.dataset))
    return f"{choice.kind}-{safe}-{date.today().isoformat()}"
