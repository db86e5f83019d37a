"""The first-run welcome: what FaceAudit does, and that nothing leaves the computer."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from faceaudit.gui.widgets.page_parts import breakable

__all__ = ["WelcomePage"]


class WelcomePage(QWidget):
    """Shown once, before anything else.

    Signals:
        started(): the person clicked "Get started".
    """

    started = Signal()

    def __init__(self, data_folder: str, parent: QWidget | None = None):
        super().__init__(parent)
        text = QLabel(
            "<h1>Welcome to FaceAudit</h1>"
            "<p>Many face datasets used to train face recognition were collected from the web without asking "
            "the people in them. FaceAudit helps you find out whether your face is in one, and ask for it to "
            "be deleted.</p>"
            "<ol><li><b>Me</b>: add a few photos of yourself, and your accounts and names.</li>"
            "<li><b>Datasets</b>: add a dataset you downloaded (or its list of links) and let FaceAudit "
            "index it.</li>"
            "<li><b>Scan &amp; Review</b>: look at the faces that resemble yours, and the rows that name you, "
            "and say which are you.</li>"
            "<li><b>Letters</b>: ask the publishers, the platform that gave your photos away or the AI "
            "company that trained on them to delete them.</li>"
            "<li><b>Requests</b>: keep track of the answers and the legal deadlines.</li></ol>"
            "<p><b>Nothing leaves this computer.</b> FaceAudit works offline; it never uploads photos or "
            "faces. What it keeps is in the folder below, and Settings can delete all of it.</p>"
            "<p>Everything works from the keyboard: Tab moves, Ctrl+1 to Ctrl+5 open the pages, and F1 "
            "(Help &gt; Keyboard shortcuts) lists the rest.</p>")
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        text.setFixedWidth(720)
        # A centred rich-text label is otherwise given its one-line height plus too little.
        text.setMinimumHeight(text.heightForWidth(720))
        folder = QLabel(breakable(data_folder))
        folder.setWordWrap(True)
        folder.setAccessibleName("Data folder")
        folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        folder.setFixedWidth(720)
        self.start_button = QPushButton("Get started")
        self.start_button.setDefault(True)
        self.start_button.setToolTip("Go to Me and add photos of yourself")
        self.start_button.clicked.connect(self.started)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(text, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(folder, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(12)
        layout.addWidget(self.start_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
