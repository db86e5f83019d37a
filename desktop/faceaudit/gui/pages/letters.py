"""The Letters page: choose a dataset and a letter, check the preview, save it as PDF, text or e-mail draft."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from faceaudit.gui.dialogs.identity import IdentityDialog
from faceaudit.gui.widgets.page_parts import Notice, PageHeader
from faceaudit.gui.wording import LAW_WORDS, LETTER_WORDS, error_text

__all__ = ["LettersPage"]

_EMPTY = ("Confirm matches on Scan & Review first: a letter lists the photos you confirmed as you, "
          "so there is nothing to write about yet.")


class LettersPage(QWidget):
    """Writes a data-protection letter about one dataset's confirmed matches.

    Saving a letter records it as a draft request (one per letter, however many formats are saved).

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
        self._default_recipient = None
        self._filling = False
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(200)
        self._preview_timer.timeout.connect(self._on_preview_due)

        header = PageHeader("Letters", "Write to a dataset's publisher about the photos you confirmed as you. "
                            "Nothing is sent: you get a PDF, a text copy or an e-mail draft to send yourself.")
        self.notice = Notice()
        self.empty = QLabel(_EMPTY)
        self.empty.setWordWrap(True)

        self.datasets = QListWidget()
        self.datasets.setAccessibleName("Datasets with confirmed matches")
        self.datasets.setMaximumHeight(90)
        self.datasets.currentRowChanged.connect(self._on_dataset_chosen)
        self.kind = QComboBox()
        self.kind.setAccessibleName("Letter type")
        for kind in _letter_types():
            self.kind.addItem(LETTER_WORDS.get(kind, kind), kind)
        self.kind.currentIndexChanged.connect(self._on_kind_chosen)
        self.lang = QComboBox()
        self.lang.setAccessibleName("Language")
        for code in _languages():
            self.lang.addItem(_language_name(code), code)
        self.lang.setCurrentIndex(max(0, self.lang.findData("en")))
        self.lang.currentIndexChanged.connect(self._on_choice_changed)
        self.law = QComboBox()
        self.law.setAccessibleName("Law")
        self.law.currentIndexChanged.connect(self._on_law_chosen)
        self.registry = QComboBox()
        self.registry.setAccessibleName("Registry entry")
        self.registry.setToolTip("Which published dataset this is: it decides whom the letter goes to")
        self.registry.currentIndexChanged.connect(self._on_registry_chosen)
        for combo in (self.kind, self.registry):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(16)
        self.recipient_name = QLineEdit()
        self.recipient_name.setAccessibleName("Recipient")
        self.recipient_address = QPlainTextEdit()
        self.recipient_address.setAccessibleName("Recipient's postal address")
        self.recipient_address.setTabChangesFocus(True)
        self.recipient_address.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 12)
        self.recipient_email = QLineEdit()
        self.recipient_email.setAccessibleName("Recipient's e-mail")
        for edit in (self.recipient_name, self.recipient_email):
            edit.textChanged.connect(self._on_choice_changed)
        self.recipient_address.textChanged.connect(self._on_choice_changed)
        self.contact_hint = QLabel()
        self.contact_hint.setWordWrap(True)
        self.contact_hint.setStyleSheet("QLabel { color: #b26a00; }")
        self.crops = QCheckBox("Show my faces from the dataset")
        self.crops.setToolTip("Crops of the confirmed faces, read from the dataset, printed in the annex")
        self.my_photos = QCheckBox("Also show my own reference photos")
        self.my_photos.setToolTip("Your reference faces next to them; they reveal photos of you the publisher "
                                  "may not have")
        for box in (self.crops, self.my_photos):
            box.toggled.connect(self._on_choice_changed)
        opt_in_help = QLabel("Off by default: the annex already names each file by path and SHA-256.")
        opt_in_help.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Letter:", self.kind)
        form.addRow("Language:", self.lang)
        form.addRow("Law:", self.law)
        form.addRow("Dataset is:", self.registry)
        form.addRow("To:", self.recipient_name)
        form.addRow("Address:", self.recipient_address)
        form.addRow("E-mail:", self.recipient_email)
        form.addRow("", self.contact_hint)
        form.addRow("Annex:", self.crops)
        form.addRow("", self.my_photos)
        form.addRow("", opt_in_help)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 6, 0)
        left_layout.addWidget(QLabel("Datasets with photos you confirmed:"))
        left_layout.addWidget(self.datasets)
        left_layout.addLayout(form)
        left_layout.addStretch(1)

        self.identity_summary = QLabel()
        self.identity_summary.setWordWrap(True)
        self.identity_needs = QLabel()
        self.identity_needs.setWordWrap(True)
        edit_identity = QPushButton("Edit my details…")
        edit_identity.setToolTip("Your name, address, e-mail and country, as letters print them")
        edit_identity.clicked.connect(self._on_edit_identity)
        details_box = QGroupBox("Your details")
        details_layout = QHBoxLayout(details_box)
        details_text = QVBoxLayout()
        details_text.addWidget(self.identity_summary)
        details_text.addWidget(self.identity_needs)
        details_layout.addLayout(details_text, 1)
        details_layout.addWidget(edit_identity, 0, Qt.AlignmentFlag.AlignTop)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setAccessibleName("Letter preview")
        self.save_pdf_button = _button("Save PDF…", "The letter with its annex, ready to print or attach",
                                       self._on_save_pdf)
        self.save_text_button = _button("Save text…", "The letter as plain text, to paste into a web form",
                                        self._on_save_text)
        self.save_eml_button = _button("Save e-mail draft (.eml)…", "An unsent e-mail with the PDF attached; "
                                       "your mail program opens it as a draft", self._on_save_eml)
        self.open_mail_button = _button("Open in mail program", "Open the saved e-mail draft (a file on this "
                                        "computer) in your mail program", self._on_open_mail)
        buttons = QHBoxLayout()
        for button in (self.save_pdf_button, self.save_text_button, self.save_eml_button, self.open_mail_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 0, 0, 0)
        right_layout.addWidget(details_box)
        right_layout.addWidget(QLabel("Preview:"))
        right_layout.addWidget(self.preview, 1)
        right_layout.addLayout(buttons)

        self.body = QSplitter()
        self.body.setChildrenCollapsible(False)
        self.body.addWidget(left)
        self.body.addWidget(right)
        self.body.setStretchFactor(1, 1)
        self.body.setSizes([400, 600])
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addWidget(self.notice)
        layout.addWidget(self.empty)
        layout.addWidget(self.body, 1)
        self._fill_registry()
        self._fill_laws()
        self.refresh()

    # -- public API (also what the tests drive) --------------------------------------------

    def refresh(self) -> None:
        """Reload the datasets with confirmed matches and the writer's details."""
        from faceaudit.core.letters.pipeline import confirmed_counts

        current = self.dataset()
        self.datasets.blockSignals(True)
        self.datasets.clear()
        for name, count in confirmed_counts(self.store):
            item = QListWidgetItem(f"{name}: {count} photo{'s' if count != 1 else ''} confirmed as you")
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.datasets.addItem(item)
        self.datasets.blockSignals(False)
        has_any = self.datasets.count() > 0
        self.empty.setVisible(not has_any)
        self.body.setVisible(has_any)
        if has_any:
            names = [self.datasets.item(row).data(Qt.ItemDataRole.UserRole) for row in range(self.datasets.count())]
            self.datasets.setCurrentRow(names.index(current) if current in names else 0)
            self._on_dataset_chosen(self.datasets.currentRow())

    def dataset(self) -> str | None:
        """The chosen dataset, None when there is none."""
        item = self.datasets.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def select_dataset(self, name: str) -> None:
        """Choose a dataset by name."""
        for row in range(self.datasets.count()):
            if self.datasets.item(row).data(Qt.ItemDataRole.UserRole) == name:
                self.datasets.setCurrentRow(row)

    def set_letter(self, kind: str, lang: str | None = None, law: str | None = None) -> None:
        """Choose the letter type and, optionally, its language and law."""
        self.kind.setCurrentIndex(self.kind.findData(kind))
        if lang:
            self.lang.setCurrentIndex(self.lang.findData(lang))
        if law:
            self.law.setCurrentIndex(self.law.findData(law))
        self.update_preview()

    def choice(self):
        """The letter as chosen now (a core LetterChoice), None without a dataset."""
        from faceaudit.core.letters.pipeline import LetterChoice

        dataset = self.dataset()
        if dataset is None:
            return None
        return LetterChoice(kind=self.kind.currentData(), dataset=dataset, lang=self.lang.currentData(),
                            law=self.law.currentData(), recipient=self._recipient(),
                            include_crops=self.crops.isChecked(), include_references=self.my_photos.isChecked())

    def update_preview(self) -> None:
        """Render the letter as chosen into the preview (nothing is written)."""
        from faceaudit.core.errors import FaceAuditError
        from faceaudit.core.letters.export import letter_text
        from faceaudit.core.letters.pipeline import compose, missing_details
        from faceaudit.core.letters.registry import RegistryError

        self._preview_timer.stop()
        self._show_identity()
        choice = self.choice()
        if choice is None:
            self.preview.clear()
            return
        try:
            letter = compose(self.store, choice)
        except RegistryError:
            self.preview.setPlainText("")
            self.notice.show_error(f"Choose which published dataset “{choice.dataset}” is (Dataset is:) so "
                                   "FaceAudit knows whom to write to.")
            self._enable_saving(False)
            return
        except FaceAuditError as exc:
            self.notice.show_error(error_text(exc))
            self._enable_saving(False)
            return
        self.notice.clear_message()
        self.preview.setPlainText(letter_text(letter))
        self._enable_saving(True)
        needs = missing_details(_identity(self.store), choice.kind)
        listed = ", ".join(needs[:-1]) + (" and " if len(needs) > 1 else "") + (needs[-1] if needs else "")
        self.identity_needs.setText(f"This letter still needs {listed}: Edit my details…" if needs else
                                    "This letter has all the details it needs.")

    def save_pdf(self, path: str | Path):
        """Save the letter as a PDF (face crops and photos only when opted in); returns a core SavedLetter."""
        return self._save(pdf=path)

    def save_text(self, path: str | Path):
        """Save the letter as plain text; returns a core SavedLetter."""
        return self._save(text=path)

    def save_eml(self, path: str | Path):
        """Save an unsent e-mail draft with the PDF attached; returns a core SavedLetter."""
        saved = self._save(eml=path)
        if saved is not None:
            self.eml_path = Path(path)
            self.open_mail_button.setEnabled(True)
        return saved

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

    # -- slots -----------------------------------------------------------------------------

    def _on_dataset_chosen(self, _row: int) -> None:
        from faceaudit.core.letters.registry import RegistryError, entry_for_dataset

        dataset = self.dataset()
        self.request_id, self.eml_path = None, None
        self.open_mail_button.setEnabled(False)
        if dataset is None:
            return
        try:
            entry_id = entry_for_dataset(self.store, dataset).id
        except RegistryError:
            entry_id = None
        self.registry.blockSignals(True)
        self.registry.setCurrentIndex(max(0, self.registry.findData(entry_id)))
        self.registry.blockSignals(False)
        self._fill_recipient()

    def _on_kind_chosen(self, _index: int) -> None:
        self._fill_laws()
        self._new_draft()
        self._fill_recipient()

    def _on_law_chosen(self, _index: int) -> None:
        if not self._filling:
            self._new_draft()
            self._fill_recipient()

    def _on_registry_chosen(self, _index: int) -> None:
        from faceaudit.core.letters.registry import RegistryError, link_dataset

        entry_id, dataset = self.registry.currentData(), self.dataset()
        if not entry_id or not dataset:
            return
        try:
            link_dataset(self.store, dataset, entry_id)
        except RegistryError as exc:
            self.notice.show_error(error_text(exc))
            return
        self._new_draft()
        self._fill_recipient()

    def _on_choice_changed(self, *_args) -> None:
        if not self._filling:
            self._new_draft()
            self._preview_timer.start()

    def _on_preview_due(self) -> None:
        self._show_contact_hint()
        self.update_preview()

    def _on_edit_identity(self) -> None:
        self.edit_identity()

    def _on_save_pdf(self) -> None:
        self._ask_path_then("Save the letter as PDF", "PDF (*.pdf)", ".pdf", self.save_pdf)

    def _on_save_text(self) -> None:
        self._ask_path_then("Save the letter as text", "Text (*.txt)", ".txt", self.save_text)

    def _on_save_eml(self) -> None:
        self._ask_path_then("Save an e-mail draft", "E-mail draft (*.eml)", ".eml", self.save_eml)

    def _on_open_mail(self) -> None:
        if not self.open_in_mail():
            self.notice.show_error("Save the e-mail draft first; FaceAudit opens that file, it never sends anything.")

    # -- helpers ---------------------------------------------------------------------------

    def _ask_path_then(self, title: str, filters: str, suffix: str, save) -> None:
        if not self.preferences.identity_asked and _missing_identity(self.store, self.kind.currentData()):
            dialog = self.edit_identity()
            dialog.finished.connect(lambda _result: self._ask_path_then(title, filters, suffix, save))
            return
        suggested = str(Path.home() / (_file_stem(self.choice()) + suffix))
        path, _ = QFileDialog.getSaveFileName(self, title, suggested, filters)
        if path:
            save(path if path.lower().endswith(suffix) else path + suffix)

    def _save(self, **paths):
        from faceaudit.core.errors import FaceAuditError
        from faceaudit.core.letters.pipeline import save

        choice = self.choice()
        if choice is None:
            return None
        try:
            saved = save(self.store, choice, request_id=self.request_id, **paths)
        except (FaceAuditError, OSError) as exc:
            self.notice.show_error(f"The letter was not saved: {exc}")
            return None
        self.request_id = saved.request_id
        where = ", ".join(str(path) for path in saved.paths)
        self.notice.show_info(f"Saved {where}. It is listed on Requests as a draft: mark it sent there once you "
                              "have sent it, to start the deadline.")
        self.letter_saved.emit(saved.request_id)
        return saved

    def _new_draft(self) -> None:
        """Changed choices make a new letter: its first save records a new request."""
        self.request_id, self.eml_path = None, None
        self.open_mail_button.setEnabled(False)

    def _fill_registry(self) -> None:
        from faceaudit.core.letters.registry import list_entries

        self.registry.blockSignals(True)
        self.registry.addItem("Choose the published dataset…", None)
        for entry in list_entries():
            self.registry.addItem(entry.name, entry.id)
            self.registry.setItemData(self.registry.count() - 1, f"Held by {entry.custodian}",
                                      Qt.ItemDataRole.ToolTipRole)
        self.registry.blockSignals(False)

    def _fill_laws(self) -> None:
        from faceaudit.core.letters.types import LETTER_TYPES

        self._filling = True
        self.law.clear()
        for law in LETTER_TYPES[self.kind.currentData()].laws:
            self.law.addItem(LAW_WORDS.get(law, law), law)
        self.law.setEnabled(self.law.count() > 1)
        self._filling = False

    def _fill_recipient(self) -> None:
        """Put the registry's (or the authority's) contact into the recipient fields."""
        from faceaudit.core.letters.pipeline import default_recipient
        from faceaudit.core.letters.registry import RegistryError

        dataset = self.dataset()
        recipient = None
        if dataset:
            try:
                recipient = default_recipient(self.store, self.kind.currentData(), self.law.currentData(), dataset)
            except RegistryError:
                recipient = None
        self._default_recipient = recipient
        lines = list(recipient.lines) if recipient else []
        if lines and recipient and lines[0] == recipient.name:
            lines = lines[1:]
        self._filling = True
        self.recipient_name.setText(recipient.name if recipient else "")
        self.recipient_name.setCursorPosition(0)
        self.recipient_address.setPlainText("\n".join(lines))
        self.recipient_email.setText(recipient.email if recipient else "")
        self._filling = False
        self._show_contact_hint()
        self.update_preview()

    def _recipient(self):
        from faceaudit.core.letters.compose import Recipient

        name = self.recipient_name.text().strip()
        address = [line.strip() for line in self.recipient_address.toPlainText().splitlines() if line.strip()]
        web_form = self._default_recipient.web_form if self._default_recipient else ""
        if not (name or address or self.recipient_email.text().strip() or web_form):
            return None
        return Recipient(name=name, lines=tuple(([name] if name else []) + address),
                         email=self.recipient_email.text().strip(), web_form=web_form)

    def _show_contact_hint(self) -> None:
        known = self.recipient_email.text().strip() or self.recipient_address.toPlainText().strip()
        web_form = self._default_recipient.web_form if self._default_recipient else ""
        if known:
            self.contact_hint.setText(f"They also take requests by web form: {web_form}" if web_form else "")
        elif web_form:
            self.contact_hint.setText(f"No address is published; they take requests by web form: {web_form}")
        elif self._to_authority():
            self.contact_hint.setText("Fill in your data-protection authority (the one of the country you live in), "
                                      "or the letter says “please fill in”.")
        else:
            self.contact_hint.setText("No public contact is known: please fill in an address or e-mail, or the "
                                      "letter says “please fill in”.")
        self.contact_hint.setVisible(bool(self.contact_hint.text()))

    def _to_authority(self) -> bool:
        from faceaudit.core.letters.types import LETTER_TYPES

        return LETTER_TYPES[self.kind.currentData()].to == "authority"

    def _show_identity(self) -> None:
        who = _identity(self.store)
        parts = [who.name or "no name yet", ", ".join(who.address_lines()) or "no address",
                 who.email or "no e-mail"] + ([who.country] if who.country else [])
        self.identity_summary.setText("; ".join(parts))

    def _enable_saving(self, enabled: bool) -> None:
        for button in (self.save_pdf_button, self.save_text_button, self.save_eml_button):
            button.setEnabled(enabled)
        if not enabled:
            self.open_mail_button.setEnabled(False)


def _missing_identity(store, kind: str) -> list[str]:
    """The writer's details a letter of this type lacks (core's words)."""
    from faceaudit.core.letters.pipeline import missing_details

    return missing_details(_identity(store), kind)


def _identity(store):
    from faceaudit.core.letters.identity import load_identity

    return load_identity(store)


def _letter_types() -> list[str]:
    from faceaudit.core.letters.types import LETTER_TYPES

    return list(LETTER_TYPES)


def _languages() -> list[str]:
    from faceaudit.core.letters.compose import languages

    return languages()


def _language_name(code: str) -> str:
    from faceaudit.core.letters.compose import letter_strings

    return f"{letter_strings(code).get('language', code)} ({code})"


def _file_stem(choice) -> str:
    from datetime import date

    if choice is None:
        return "letter"
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in choice.dataset)
    return f"{choice.kind}-{safe}-{date.today().isoformat()}"


def _button(text: str, tip: str, slot) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    button.clicked.connect(slot)
    return button
