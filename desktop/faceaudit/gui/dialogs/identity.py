"""The small dialog that asks for the letter writer's details (name, address, e-mail, country and region)."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from faceaudit.core.letters.identity import (
    IdentityError,
    country_choices,
    email_problem,
    load_identity,
    region_choices,
    region_code,
    save_identity,
)
from faceaudit.gui.widgets.page_parts import Notice, keep_text_in_sight
from faceaudit.gui.wording import error_text

__all__ = ["IdentityDialog"]


class IdentityDialog(QDialog):
    """Shows the stored details and saves them through the core when the person clicks Save.

    Args:
        store: the window thread's Store.
    """

    def __init__(self, store, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("Your details for letters")
        who = load_identity(store)
        intro = QLabel("Letters are signed with these details, and answers go to your address or e-mail. "
                       "They are kept only in FaceAudit's database on this computer.")
        intro.setWordWrap(True)
        self.name = QLineEdit(who.name)
        self.name.setAccessibleName("Name")
        self.name.setPlaceholderText("as the dataset's publisher may know you")
        self.address = QPlainTextEdit(who.address)
        self.address.setAccessibleName("Postal address")
        self.address.setPlaceholderText("Street and number\nPostcode and town")
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.email = QLineEdit(who.email)
        self.email.setAccessibleName("E-mail")
        self.email.setPlaceholderText("name@example.org")
        self.email.textChanged.connect(self._on_email_typed)
        self.email_problem = Notice()  # said as it is typed, not after Save
        # Chosen from lists of names (typing filters them); a typed name or code is taken too.
        self.country = _choice_box("Country", "type or choose: decides the laws and your authority")
        for name, code in country_choices():
            self.country.addItem(f"{name} ({code})", code)
        self.region = _choice_box("Land or state", "type or choose, e.g. Berlin, California")
        self.region.setToolTip("In Germany the Land's authority takes complaints; in the US, California "
                               "brings the CCPA and Illinois BIPA")
        self.country.currentTextChanged.connect(self._on_country_typed)
        self.country.setCurrentIndex(self.country.findData(who.country))
        if not who.country:
            self.country.setCurrentText("")
        self._on_country_typed(self.country.currentText())
        self.region.setCurrentIndex(self.region.findData(who.region))
        if not who.region:
            self.region.setCurrentText("")
        form = QFormLayout()
        form.addRow("Name:", self.name)
        form.addRow("Postal address:", self.address)
        form.addRow("E-mail:", self.email)
        form.addRow("", self.email_problem)
        form.addRow("Country:", self.country)
        form.addRow("Land / state:", self.region)
        self.notice = Notice()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self._on_email_typed(self.email.text())
        buttons.accepted.connect(self._on_save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.notice)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)
        keep_text_in_sight(self)

    def _on_email_typed(self, text: str) -> None:
        problem = email_problem(text)
        if problem:
            self.email_problem.show_error(problem[:1].upper() + problem[1:] + ".")
        else:
            self.email_problem.clear_message()
        self.save_button.setEnabled(problem is None)

    def country_code(self) -> str:
        """The country as chosen or typed: its code when it is one of the list's, else the text as typed."""
        return _chosen(self.country)

    def region_code(self) -> str:
        """The region as chosen or typed ("Berlin" -> DE-BE), else the text as typed (the core words what is wrong)."""
        text = _chosen(self.region)
        return region_code(self.country_code(), text) or text if text else ""

    def _on_country_typed(self, _text: str) -> None:
        code = self.country_code()
        if code == getattr(self, "_regions_of", None):
            return
        self._regions_of = code
        typed = self.region.currentText()
        self.region.clear()
        for name, region in region_choices(code) if len(code) == 2 else []:
            self.region.addItem(f"{name} ({region})", region)
        self.region.setCurrentText(typed if region_code(code, _chosen_text(typed)) else "")

    def _on_save(self) -> None:
        try:
            save_identity(self.store, name=self.name.text(), address=self.address.toPlainText(),
                          email=self.email.text(), country=self.country_code(), region=self.region_code())
        except IdentityError as exc:
            self.notice.show_error(error_text(exc))
            return
        self.accept()


def _choice_box(name: str, placeholder: str) -> QComboBox:
    box = QComboBox()
    box.setEditable(True)
    box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    box.setAccessibleName(name)
    box.lineEdit().setPlaceholderText(placeholder)
    box.completer().setFilterMode(Qt.MatchFlag.MatchContains)
    box.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    box.setMaxVisibleItems(15)
    return box


def _chosen(box: QComboBox) -> str:
    """The code of the item whose words are in the box, else the text as typed ("Germany (DE)" -> "DE")."""
    text = box.currentText().strip()
    index = box.findText(text)
    if index < 0 and text:  # a name typed whole: "germany" is "Germany (DE)"
        index = next((n for n in range(box.count()) if box.itemText(n).casefold().startswith(text.casefold() + " (")),
                     -1)
    if index >= 0 and box.itemData(index):
        return box.itemData(index)
    return _chosen_text(text)


def _chosen_text(text: str) -> str:
    """A list entry's code, when the text is one ("Berlin (DE-BE)" -> "DE-BE"); else the text."""
    match = re.fullmatch(r".*\(([A-Z0-9-]+)\)", text.strip())
    return match.group(1) if match else text.strip()
