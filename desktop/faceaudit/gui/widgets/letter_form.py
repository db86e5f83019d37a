"""What a letter is to be: about which dataset or organisation, which type, language and law, to whom, citing what."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from faceaudit.core.errors import FaceAuditError
from faceaudit.core.letters.annex import add_face_crops
from faceaudit.core.letters.compose import Recipient, languages, letter_strings
from faceaudit.core.letters.pipeline import (
    LetterChoice,
    citable_matches,
    confirmed_counts,
    default_recipient,
    laws_for,
)
from faceaudit.core.letters.registry import (
    RegistryError,
    entry_for_dataset,
    find_organisation,
    link_dataset,
    list_entries,
    list_organisations,
)
from faceaudit.core.letters.types import LETTER_TYPES, EntryKind, LetterKind, RecipientRole, Subject
from faceaudit.gui.support.operations import Job, run_call
from faceaudit.gui.widgets.pictures import pixmap_from_bytes
from faceaudit.gui.wording import LAW_WORDS, LETTER_WORDS, error_text

__all__ = ["LetterForm"]

_NAME, _SUBJECT = Qt.ItemDataRole.UserRole, Qt.ItemDataRole.UserRole + 1
_MATCH = Qt.ItemDataRole.UserRole
_THUMB = 56


class LetterForm(QWidget):
    """The choices of one letter; `choice()` turns them into the core's LetterChoice.

    The list holds the datasets with confirmed matches and the organisations (platforms,
    developers) of the registry. Choosing one offers the letter types that fit it and, for the
    writer's residence and the recipient, the laws that reach them (the others are named with the
    reason). Before a letter about a dataset is saved, "Cites:" shows each face or row it will
    cite, with the face itself; unticking one leaves it out. Choosing "Dataset is:" links the
    dataset to its registry entry for good.

    Signals:
        changed(): a choice changed; a new letter (and, when saved, a new request) follows.
        edited(): free text changed (recipient fields, check boxes): preview again after a pause.
        problem(str): something the person must fix, in words.
    """

    changed = Signal()
    edited = Signal()
    problem = Signal(str)

    def __init__(self, store, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self._default_recipient: Recipient | None = None
        self._filling = False
        self._crops_job: Job | None = None

        self.datasets = QListWidget()
        self.datasets.setAccessibleName("What the letter is about: datasets with confirmed matches, organisations")
        self.datasets.setMaximumHeight(130)
        self.datasets.currentRowChanged.connect(self._on_subject_chosen)
        self.kind = QComboBox()
        self.kind.setAccessibleName("Letter type")
        self.kind.currentIndexChanged.connect(self._on_kind_chosen)
        self.lang = QComboBox()
        self.lang.setAccessibleName("Language")
        for code in languages():
            self.lang.addItem(f"{letter_strings(code).get('language', code)} ({code})", code)
        self.lang.setCurrentIndex(max(0, self.lang.findData("en")))
        self.lang.currentIndexChanged.connect(self._on_choice_changed)
        self.law = QComboBox()
        self.law.setAccessibleName("Law")
        self.law.currentIndexChanged.connect(self._on_law_chosen)
        self.law_note = QLabel()
        self.law_note.setWordWrap(True)
        self.law_note.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # subdued, legible on a dark theme too
        self.registry = QComboBox()
        self.registry.setAccessibleName("Registry entry")
        self.registry.setToolTip("Which published dataset this is: it decides whom the letter goes to")
        self.registry.currentIndexChanged.connect(self._on_registry_chosen)
        self.account = QLineEdit()
        self.account.setAccessibleName("Your account ID")
        self.account.setPlaceholderText("your user name or account ID there")
        self.account.textChanged.connect(self._on_text_edited)
        self.collected = QLineEdit()
        self.collected.setAccessibleName("When they got your photos")
        self.collected.setPlaceholderText("year they got your photos, e.g. 2014 (optional)")
        self.collected.setToolTip("YYYY, YYYY-MM or YYYY-MM-DD: duties that did not exist then are not claimed "
                                  "(Art. 13/14 GDPR before 25 May 2018; the CCPA's look-back)")
        self.collected.textChanged.connect(self._on_text_edited)
        self.via = QComboBox()
        self.via.setAccessibleName("Platform where you had the account")
        self.via.setToolTip("Where you had the account whose photos the developer got")
        self.via.currentIndexChanged.connect(self._on_choice_changed)
        for combo in (self.kind, self.registry, self.via):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(16)
        self.cited = QListWidget()
        self.cited.setAccessibleName("Faces and rows the letter cites; untick any to leave it out")
        self.cited.setIconSize(QSize(_THUMB, _THUMB))
        self.cited.setMaximumHeight(_THUMB * 2 + 24)
        self.cited.itemChanged.connect(self._on_cited_changed)
        self.cited_note = QLabel()
        self.cited_note.setWordWrap(True)
        self.recipient_name = QLineEdit()
        self.recipient_name.setAccessibleName("Recipient")
        self.recipient_address = QPlainTextEdit()
        self.recipient_address.setAccessibleName("Recipient's postal address")
        self.recipient_address.setTabChangesFocus(True)
        self.recipient_address.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 12)
        self.recipient_email = QLineEdit()
        self.recipient_email.setAccessibleName("Recipient's e-mail")
        for edit in (self.recipient_name, self.recipient_email):
            edit.textChanged.connect(self._on_text_edited)
        self.recipient_address.textChanged.connect(self._on_text_edited)
        self.contact_hint = QLabel()
        self.contact_hint.setWordWrap(True)
        self.contact_hint.setStyleSheet("QLabel { color: #b26a00; }")
        self.crops = QCheckBox("Show my faces from the dataset")
        self.crops.setToolTip("Crops of the confirmed faces, read from the dataset, printed in the annex")
        self.my_photos = QCheckBox("Also show my own reference photos")
        self.my_photos.setToolTip("Your reference faces next to them; they reveal photos of you the publisher "
                                  "may not have")
        for box in (self.crops, self.my_photos):
            box.toggled.connect(self._on_text_edited)
        self.opt_in_help = QLabel("Off by default: the annex already names each file by path and SHA-256.")
        self.opt_in_help.setWordWrap(True)
        self.fields = QFormLayout()
        self.fields.addRow("Letter:", self.kind)
        self.fields.addRow("Language:", self.lang)
        self.fields.addRow("Law:", self.law)
        self.fields.addRow("", self.law_note)
        self.fields.addRow("Dataset is:", self.registry)
        self.fields.addRow("Your account:", self.account)
        self.fields.addRow("Account at:", self.via)
        self.fields.addRow("Photos received:", self.collected)
        self.fields.addRow("Cites:", self.cited)
        self.fields.addRow("", self.cited_note)
        self.fields.addRow("To:", self.recipient_name)
        self.fields.addRow("Address:", self.recipient_address)
        self.fields.addRow("E-mail:", self.recipient_email)
        self.fields.addRow("", self.contact_hint)
        self.fields.addRow("Annex:", self.crops)
        self.fields.addRow("", self.my_photos)
        self.fields.addRow("", self.opt_in_help)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        about = QLabel("About (datasets with photos you confirmed, then organisations):")
        about.setWordWrap(True)  # unwrapped, this one line made the form too wide for a 900 px window
        layout.addWidget(about)
        layout.addWidget(self.datasets)
        layout.addLayout(self.fields)
        layout.addStretch(1)
        self._fill_registry()
        self._fill_platforms()
        self._fill_kinds()

    # -- public API ------------------------------------------------------------------------

    def refresh(self) -> int:
        """Reload the datasets with confirmed matches and the organisations; returns how many datasets."""
        current = (self.dataset(), self.organisation())
        self.datasets.blockSignals(True)
        self.datasets.clear()
        datasets = confirmed_counts(self.store)
        for name, count in datasets:
            self._add_subject(f"{name}: {count} photo{'s' if count != 1 else ''} confirmed as you", name, "dataset")
        for entry in list_organisations():
            role = "platform" if entry.entry_kind == EntryKind.PLATFORM else "AI developer"
            self._add_subject(f"{entry.name} ({role}, {entry.custodian})", entry.id, "organisation")
        self.datasets.blockSignals(False)
        # Keep the choice; but new confirmed matches bring their dataset to the front.
        keep = current[0] if current[0] else (current[1] if not datasets else None)
        row = next((r for r in range(self.datasets.count()) if keep and self.datasets.item(r).data(_NAME) == keep), 0)
        if self.datasets.count():
            self.datasets.setCurrentRow(row)
            self._on_subject_chosen(self.datasets.currentRow())
        return len(datasets)

    def dataset(self) -> str | None:
        """The chosen dataset, None when none (or an organisation) is chosen."""
        item = self.datasets.currentItem()
        return item.data(_NAME) if item and item.data(_SUBJECT) == "dataset" else None

    def organisation(self) -> str | None:
        """The chosen organisation's registry id, None when a dataset (or nothing) is chosen."""
        item = self.datasets.currentItem()
        return item.data(_NAME) if item and item.data(_SUBJECT) == "organisation" else None

    def select_dataset(self, name: str) -> None:
        """Choose a dataset (or an organisation, by registry id) by name."""
        for row in range(self.datasets.count()):
            if self.datasets.item(row).data(_NAME) == name:
                self.datasets.setCurrentRow(row)

    def select_organisation(self, name: str) -> None:
        """Choose an organisation by id, name or alias."""
        self.select_dataset(find_organisation(name).id)

    def set_letter(self, kind: str, lang: str | None = None, law: str | None = None) -> None:
        """Choose the letter type and, optionally, its language and law (a law not offered for the
        sender's case leaves the law as it is: the list holds only laws that reach sender and recipient)."""
        self.kind.setCurrentIndex(self.kind.findData(kind))
        if lang:
            self.lang.setCurrentIndex(self.lang.findData(lang))
        if law and self.law.findData(law) >= 0:
            self.law.setCurrentIndex(self.law.findData(law))

    def cited_ids(self) -> tuple[str, ...]:
        """The matches ticked to be cited, as `AnnexEntry.ref` gives them ("12" a face, "L12" a row)."""
        return tuple(self.cited.item(row).data(_MATCH) for row in range(self.cited.count())
                     if self.cited.item(row).checkState() == Qt.CheckState.Checked)

    def choice(self) -> LetterChoice | None:
        """The letter as chosen now, None without a dataset or organisation (or without a law that reaches it)."""
        dataset, organisation = self.dataset(), self.organisation()
        if (dataset is None and organisation is None) or self.kind.currentData() is None:
            return None
        if self.law.currentData() is None:
            return None
        return LetterChoice(kind=self.kind.currentData(), dataset=dataset or "", organisation=organisation,
                            account=self.account.text().strip(), via=self.via.currentData() if organisation else None,
                            lang=self.lang.currentData(), law=self.law.currentData(), recipient=self._recipient(),
                            include_crops=self.crops.isChecked(), include_references=self.my_photos.isChecked(),
                            match_ids=self.cited_ids() if dataset else None, collected=self.collected.text().strip())

    def show_contact_hint(self) -> None:
        """Say how the recipient can be reached, or that an address must be filled in."""
        known = self.recipient_email.text().strip() or self.recipient_address.toPlainText().strip()
        web_form = self._default_recipient.web_form if self._default_recipient else ""
        kind = self.kind.currentData()
        if known:
            self.contact_hint.setText(f"They also take requests by web form: {web_form}" if web_form else "")
        elif web_form:
            self.contact_hint.setText(f"No address is published; they take requests by web form: {web_form}")
        elif kind and LETTER_TYPES[kind].to is RecipientRole.AUTHORITY:
            self.contact_hint.setText("No authority was chosen: fill in your country (and Land) with “Edit my "
                                      "details…”, or the letter says “please fill in”.")
        else:
            self.contact_hint.setText("No public contact is known: please fill in an address or e-mail, or the "
                                      "letter says “please fill in”.")
        self.contact_hint.setVisible(bool(self.contact_hint.text()))

    def stop(self) -> None:
        """Wait for face crops being read (when the window closes)."""
        if self._crops_job is not None:
            self._crops_job.stop()

    # -- slots -----------------------------------------------------------------------------

    def _on_subject_chosen(self, _row: int) -> None:
        dataset, organisation = self.dataset(), self.organisation()
        if dataset is None and organisation is None:
            return
        is_org = organisation is not None
        for widget in (self.registry, self.cited, self.cited_note, self.crops, self.my_photos, self.opt_in_help):
            self.fields.setRowVisible(widget, not is_org)
        self.fields.setRowVisible(self.account, is_org)
        developer = is_org and find_organisation(organisation).entry_kind == EntryKind.DEVELOPER
        self.fields.setRowVisible(self.via, developer)
        if developer:  # an account is stated only when the person names the platform: nothing is assumed
            self.via.blockSignals(True)
            self.via.setCurrentIndex(0)
            self.via.blockSignals(False)
        if dataset is not None:
            try:
                entry_id = entry_for_dataset(self.store, dataset).id
            except RegistryError:
                entry_id = None
            self.registry.blockSignals(True)
            self.registry.setCurrentIndex(max(0, self.registry.findData(entry_id)))
            self.registry.blockSignals(False)
            self._fill_cited(dataset)
        self._fill_kinds()

    def _on_kind_chosen(self, _index: int) -> None:
        if not self._filling:
            self._fill_laws()
            self._fill_recipient()

    def _on_law_chosen(self, _index: int) -> None:
        if not self._filling:
            self._fill_recipient()

    def _on_registry_chosen(self, _index: int) -> None:
        entry_id, dataset = self.registry.currentData(), self.dataset()
        if not entry_id or not dataset:
            return
        try:
            link_dataset(self.store, dataset, entry_id)
        except RegistryError as exc:
            self.problem.emit(error_text(exc))
            return
        self._fill_laws()
        self._fill_recipient()

    def _on_cited_changed(self, _item: QListWidgetItem) -> None:
        if not self._filling:
            self._show_cited_note()
            self.changed.emit()

    def _on_choice_changed(self, *_args) -> None:
        if not self._filling:
            self.changed.emit()

    def _on_text_edited(self, *_args) -> None:
        if not self._filling:
            self.edited.emit()

    def _on_crops_read(self, entries) -> None:
        self._crops_job = None
        by_id = {entry.ref: entry for entry in entries}
        for row in range(self.cited.count()):
            item = self.cited.item(row)
            entry = by_id.get(item.data(_MATCH))
            if entry is not None and entry.crop:
                item.setIcon(QIcon(pixmap_from_bytes(entry.crop)))

    # -- helpers ---------------------------------------------------------------------------

    def _add_subject(self, text: str, name: str, subject: str) -> None:
        item = QListWidgetItem(text)
        item.setData(_NAME, name)
        item.setData(_SUBJECT, subject)
        self.datasets.addItem(item)

    def _fill_registry(self) -> None:
        self.registry.blockSignals(True)
        self.registry.addItem("Choose the published dataset…", None)
        for entry in list_entries():
            if entry.is_organisation:
                continue
            self.registry.addItem(entry.name, entry.id)
            self.registry.setItemData(self.registry.count() - 1, f"Held by {entry.custodian}",
                                      Qt.ItemDataRole.ToolTipRole)
        self.registry.blockSignals(False)

    def _fill_platforms(self) -> None:
        self.via.blockSignals(True)
        self.via.addItem("(not named)", None)
        for entry in list_organisations():
            if entry.entry_kind == EntryKind.PLATFORM:
                self.via.addItem(entry.name, entry.id)
        self.via.blockSignals(False)

    def _fill_kinds(self) -> None:
        """The letter types that fit what the letter is about (datasets or organisations)."""
        wanted = (Subject.ORGANISATION, Subject.EITHER) if self.organisation() else (Subject.DATASET, Subject.EITHER)
        current = self.kind.currentData()
        self._filling = True
        self.kind.clear()
        for kind in LetterKind:
            if LETTER_TYPES[kind].subject in wanted:
                self.kind.addItem(LETTER_WORDS.get(kind, kind), kind.value)
        self.kind.setCurrentIndex(max(0, self.kind.findData(current)))
        self._filling = False
        self._fill_laws()
        self._fill_recipient()

    def _fill_laws(self) -> None:
        """The laws that reach this writer and recipient; the others are named with the reason."""
        choice = self._probe()
        current = self.law.currentData()
        self._filling = True
        self.law.clear()
        refused = []
        if choice is not None:
            try:
                options = laws_for(self.store, choice)
            except FaceAuditError:
                options = []
            for option in options:
                if option.offered:
                    self.law.addItem(LAW_WORDS.get(option.law, option.law), option.law)
                else:
                    refused.append(f"{LAW_WORDS.get(option.law, option.law)}: {option.reason}.")
        self.law.setCurrentIndex(max(0, self.law.findData(current)))
        self.law.setEnabled(self.law.count() > 1)
        if self.law.count() == 0:
            refused.insert(0, "No law FaceAudit writes under reaches this letter for you.")
        self.law_note.setText(" ".join(refused) and "Not offered: " + " ".join(refused))
        self.fields.setRowVisible(self.law_note, bool(refused))
        self._filling = False

    def _fill_cited(self, dataset: str) -> None:
        """One ticked row per confirmed match; the faces are read from the dataset in the background."""
        entries = citable_matches(self.store, dataset)
        self._filling = True
        self.cited.clear()
        for entry in entries:
            detail = entry.label or ""
            if getattr(entry, "kind", "face") == "face":
                distance = "-" if entry.distance is None else f"{entry.distance:.3f}"
                text = f"{entry.key}\n{detail + ', ' if detail else ''}{entry.band}, distance {distance}"
            else:
                text = f"{entry.key}\n{detail}"
            item = QListWidgetItem(text)
            item.setData(_MATCH, entry.ref)  # face matches and rows are numbered apart: "12" or "L12"
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            item.setToolTip(f"SHA-256 {entry.sha256}; untick to leave it out of the letter")
            self.cited.addItem(item)
        self._filling = False
        self._show_cited_note()
        if self._crops_job is not None:
            self._crops_job.stop()
        faces = [entry for entry in entries if getattr(entry, "kind", "face") == "face"]
        if faces:
            self._crops_job = run_call(lambda store: add_face_crops(store, faces), self, done=self._on_crops_read,
                                       failed=lambda _message: None)

    def _show_cited_note(self) -> None:
        total, ticked = self.cited.count(), len(self.cited_ids())
        if total == 0:
            text = "Nothing is confirmed: the letter asks whether they hold data about you, and claims nothing more."
        elif ticked == 0:
            text = "Nothing ticked: the letter asks whether they hold data about you, and claims nothing more."
        else:
            text = f"The letter cites {ticked} of {total}; check each one is you."
        self.cited_note.setText(text)

    def _probe(self) -> LetterChoice | None:
        """The chosen subject and type, without a law: enough to ask which laws reach it."""
        dataset, organisation, kind = self.dataset(), self.organisation(), self.kind.currentData()
        if kind is None or (dataset is None and organisation is None):
            return None
        return LetterChoice(kind=kind, dataset=dataset or "", organisation=organisation, recipient=self._recipient())

    def _fill_recipient(self) -> None:
        """Put the registry's (or the authority's) contact into the recipient fields."""
        dataset, organisation, kind = self.dataset(), self.organisation(), self.kind.currentData()
        recipient = None
        if (dataset or organisation) and kind:
            try:
                recipient = default_recipient(self.store, kind, self.law.currentData(), dataset or "",
                                              organisation=organisation)
            except FaceAuditError:
                recipient = None
        self._default_recipient = recipient
        lines = list(recipient.lines) if recipient else []
        if lines and recipient and lines[0] == recipient.name:
            lines = lines[1:]
        self._filling = True
        self.recipient_name.setText(recipient.name if recipient and recipient.name != "unknown" else "")
        self.recipient_name.setCursorPosition(0)
        self.recipient_address.setPlainText("\n".join(lines))
        self.recipient_email.setText(recipient.email if recipient else "")
        self._filling = False
        self.show_contact_hint()
        self.changed.emit()

    def _recipient(self) -> Recipient | None:
        name = self.recipient_name.text().strip()
        address = [line.strip() for line in self.recipient_address.toPlainText().splitlines() if line.strip()]
        web_form = self._default_recipient.web_form if self._default_recipient else ""
        if not (name or address or self.recipient_email.text().strip() or web_form):
            return None
        recipient = Recipient(name=name, lines=tuple(([name] if name else []) + address),
                              email=self.recipient_email.text().strip(), web_form=web_form)
        default = self._default_recipient
        if default is not None and (recipient.name, recipient.email) == (default.name, default.email) and \
                [line for line in recipient.lines if line != name] == [line for line in default.lines
                                                                       if line != default.name]:
            return None  # unchanged: the core's own recipient (for a complaint, the authority of residence)
        return recipient
