"""The letter as it will be written, and the buttons that save it as PDF, text or an e-mail draft."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from faceaudit.gui.widgets.page_parts import make_button

__all__ = ["LetterPreview"]


class LetterPreview(QWidget):
    """A read-only preview of the letter's text and the save buttons under it.

    Signals:
        save_requested(str): "pdf", "text" or "eml": the person wants the letter saved in that form.
        open_mail_requested(): the person wants the saved e-mail draft opened in their mail program.
    """

    save_requested = Signal(str)
    open_mail_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Letter preview")
        self.save_pdf_button = make_button("Save PDF…", "The letter with its annex, ready to print or attach",
                                           lambda: self.save_requested.emit("pdf"))
        self.save_text_button = make_button("Save text…", "The letter as plain text, to paste into a web form",
                                            lambda: self.save_requested.emit("text"))
        self.save_eml_button = make_button("Save e-mail draft (.eml)…", "An unsent e-mail with the PDF attached; "
                                           "your mail program opens it as a draft",
                                           lambda: self.save_requested.emit("eml"))
        self.open_mail_button = make_button("Open in mail program", "Open the saved e-mail draft (a file on this "
                                            "computer) in your mail program", self.open_mail_requested.emit)
        self.open_mail_button.setEnabled(False)
        buttons = QGridLayout()  # two by two: four in a row do not fit beside the form in a 900 px window
        for number, button in enumerate((self.save_pdf_button, self.save_text_button, self.save_eml_button,
                                         self.open_mail_button)):
            buttons.addWidget(button, number // 2, number % 2)
        buttons.setColumnStretch(2, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Preview:"))
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)

    def show_text(self, text: str) -> None:
        """Show the letter's text; empty text means there is no letter to save."""
        self.text.setPlainText(text)
        self.enable_saving(bool(text))

    def enable_saving(self, enabled: bool) -> None:
        """Allow or stop saving (while the letter cannot be written, or while a save runs)."""
        for button in (self.save_pdf_button, self.save_text_button, self.save_eml_button):
            button.setEnabled(enabled)
        if not enabled:
            self.open_mail_button.setEnabled(False)
