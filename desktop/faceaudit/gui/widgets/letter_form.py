"""What a letter is to be: about which dataset, which type, language and law, to whom, with which pictures."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
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

from faceaudit.core.letters.compose import Recipient, languages, letter_strings
from faceaudit.core.letters.pipeline import LetterChoice, confirmed_counts, default_recipient
from faceaudit.core.letters.registry import RegistryError, entry_for_dataset, link_dataset, list_entries
from faceaudit.core.letters.types import LETTER_TYPES, LetterKind, RecipientRole
from faceaudit.gui.wording import LAW_WORDS, LETTER_WORDS, error_text

__all__ = ["LetterForm"]


class LetterForm(QWidget):
    """The choices of one letter; `choice()` turns them into the core's LetterChoice.

    Choosing the dataset, type or law fills in the recipient from the registry (or the
    authority); the person may then change it. Choosing "Dataset is:" links the dataset to its
    registry entry for good.

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

        self.datasets = QListWidget()
        self.datasets.setAccessibleName("Datasets with confirmed matches")
        self.datasets.setMaximumHeight(90)
        self.datasets.currentRowChanged.connect(self._on_dataset_chosen)
        self.kind = QComboBox()
        self.kind.setAccessibleName("Letter type")
        for kind in LetterKind:
            self.kind.addItem(LETTER_WORDS.get(kind, kind), kind.value)
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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.addWidget(QLabel("Datasets with photos you confirmed:"))
        layout.addWidget(self.datasets)
        layout.addLayout(form)
        layout.addStretch(1)
        self._fill_registry()
        self._fill_laws()

    # -- public API ------------------------------------------------------------------------

    def refresh(self) -> int:
        """Reload the datasets with confirmed matches; returns how many there are."""
        current = self.dataset()
        self.datasets.blockSignals(True)
        self.datasets.clear()
        for name, count in confirmed_counts(self.store):
            item = QListWidgetItem(f"{name}: {count} photo{'s' if count != 1 else ''} confirmed as you")
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.datasets.addItem(item)
        self.datasets.blockSignals(False)
        names = [self.datasets.item(row).data(Qt.ItemDataRole.UserRole) for row in range(self.datasets.count())]
        if names:
            self.datasets.setCurrentRow(names.index(current) if current in names else 0)
            self._on_dataset_chosen(self.datasets.currentRow())
        return len(names)

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

    def choice(self) -> LetterChoice | None:
        """The letter as chosen now, None without a dataset."""
        dataset = self.dataset()
        if dataset is None:
            return None
        return LetterChoice(kind=self.kind.currentData(), dataset=dataset, lang=self.lang.currentData(),
                            law=self.law.currentData(), recipient=self._recipient(),
                            include_crops=self.crops.isChecked(), include_references=self.my_photos.isChecked())

    def show_contact_hint(self) -> None:
        """Say how the recipient can be reached, or that an address must be filled in."""
        known = self.recipient_email.text().strip() or self.recipient_address.toPlainText().strip()
        web_form = self._default_recipient.web_form if self._default_recipient else ""
        if known:
            self.contact_hint.setText(f"They also take requests by web form: {web_form}" if web_form else "")
        elif web_form:
            self.contact_hint.setText(f"No address is published; they take requests by web form: {web_form}")
        elif LETTER_TYPES[self.kind.currentData()].to is RecipientRole.AUTHORITY:
            self.contact_hint.setText("Fill in your data-protection authority (the one of the country you live in), "
                                      "or the letter says “please fill in”.")
        else:
            self.contact_hint.setText("No public contact is known: please fill in an address or e-mail, or the "
                                      "letter says “please fill in”.")
        self.contact_hint.setVisible(bool(self.contact_hint.text()))

    # -- slots -----------------------------------------------------------------------------

    def _on_dataset_chosen(self, _row: int) -> None:
        dataset = self.dataset()
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
        self._fill_recipient()

    def _on_choice_changed(self, *_args) -> None:
        if not self._filling:
            self.changed.emit()

    def _on_text_edited(self, *_args) -> None:
        if not self._filling:
            self.edited.emit()

    # -- helpers ---------------------------------------------------------------------------

    def _fill_registry(self) -> None:
        self.registry.blockSignals(True)
        self.registry.addItem("Choose the published dataset…", None)
        for entry in list_entries():
            self.registry.addItem(entry.name, entry.id)
            self.registry.setItemData(self.registry.count() - 1, f"Held by {entry.custodian}",
                                      Qt.ItemDataRole.ToolTipRole)
        self.registry.blockSignals(False)

    def _fill_laws(self) -> None:
        self._filling = True
        self.law.clear()
        for law in LETTER_TYPES[self.kind.currentData()].laws:
            self.law.addItem(LAW_WORDS.get(law, law), law.value)
        self.law.setEnabled(self.law.count() > 1)
        self._filling = False

    def _fill_recipient(self) -> None:
        """Put the registry's (or the authority's) contact into the recipient fields."""
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
        self.show_contact_hint()
        self.changed.emit()

    def _recipient(self) -> Recipient | None:
        name = self.recipient_name.text().strip()
        address = [line.strip() for line in self.recipient_address.toPlainText().splitlines() if line.strip()]
        web_form = self._default_recipient.web_form if self._default_recipient else ""
        if not (name or address or self.recipient_email.text().strip() or web_form):
            return None
        return Recipient(name=name, lines=tuple(([name] if name else []) + address),
                         email=self.recipient_email.text().strip(), web_form=web_form)
