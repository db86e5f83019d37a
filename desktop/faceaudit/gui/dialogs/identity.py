"""The small dialog that asks for the letter writer's details (name, address, e-mail, country and region)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from faceaudit.core.letters.identity import IdentityError, email_problem, load_identity, save_identity
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
        self.country = QLineEdit(who.country)
        self.country.setAccessibleName("Country (ISO code)")
        self.country.setPlaceholderText("for example DE, FR, GB, US: decides the laws and your authority")
        self.region = QLineEdit(who.region)
        self.region.setAccessibleName("Land or state (ISO code)")
        self.region.setPlaceholderText("for example DE-BE (Berlin), US-CA (California)")
        self.region.setToolTip("In Germany the Land's authority takes complaints; in the US, California (US-CA) "
                               "brings the CCPA and Illinois (US-IL) BIPA")
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

    def _on_save(self) -> None:
        try:
            save_identity(self.store, name=self.name.text(), address=self.address.toPlainText(),
                          email=self.email.text(), country=self.country.text(), region=self.region.text())
        except IdentityError as exc:
            self.notice.show_error(error_text(exc))
            return
        self.accept()
