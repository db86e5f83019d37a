"""Asked before earlier decisions are overwritten: each one that changes, and the sent requests citing it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QVBoxLayout, QWidget

from faceaudit.gui.wording import DECISION_DONE

__all__ = ["ChangeDecisionsDialog", "ChangeShown"]

#: (what the candidate is, its decision now, the requests that cite it, in words; "" when none)
ChangeShown = tuple[str, str, str]


class ChangeDecisionsDialog(QDialog):
    """"Change these earlier decisions?" — every one listed; "Keep them" is the default and Enter never changes one.

    `done(ONLY_OTHERS)` (the "Only the undecided ones" button, offered when the selection holds
    others) asks to apply the decision to the others and keep every decision listed.

    Args:
        changes: each earlier decision the new one would overwrite.
        decision: the new decision.
        others: how many selected candidates are not listed (not decided yet, or decided so already).
    """

    ONLY_OTHERS = 2

    def __init__(self, changes: list[ChangeShown], decision: str, others: int, parent: QWidget | None = None):
        super().__init__(parent)
        cited = [c for c in changes if c[2]]
        count = len(changes)
        self.setWindowTitle("Change a decision a sent request cites?" if cited else
                            f"Change {count} earlier decision{'s' if count != 1 else ''}?")
        words = [f"This changes {'this earlier decision' if count == 1 else f'these {count} earlier decisions'} "
                 f"to “{DECISION_DONE[decision]}”:"]
        if cited:
            words.append("A request you sent cites " + ("it" if len(cited) == 1 and count == 1 else
                                                         f"{len(cited)} of them")
                         + ": the letter said this is you. Change it only if that was wrong; the request's history "
                           "(its notes on the Requests page) records the change.")
        intro = QLabel(" ".join(words))
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setAccessibleName("Decisions that change")
        for what, before, citing in changes:
            self.list.addItem(f"{what}: {DECISION_DONE.get(before, before)} → {DECISION_DONE[decision]}"
                              + (f" — cited by {citing}" if citing else ""))
        buttons = QDialogButtonBox()
        self.change_button = buttons.addButton("Change them" if count > 1 else "Change it",
                                               QDialogButtonBox.ButtonRole.AcceptRole)
        self.others_button = None
        if others:
            self.others_button = buttons.addButton("Only the undecided ones" if others > 1 else "Only the other one",
                                                   QDialogButtonBox.ButtonRole.ActionRole)
            self.others_button.clicked.connect(lambda: self.done(self.ONLY_OTHERS))
        self.keep_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.keep_button.setText("Keep them" if count > 1 else "Keep it")
        self.change_button.setAutoDefault(False)  # Enter keeps them: a change takes a deliberate choice
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
        self.resize(680, min(520, 180 + 22 * count))

    def listed(self) -> list[str]:
        """The lines shown, one per decision that changes."""
        return [self.list.item(n).text() for n in range(self.list.count())]

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.keep_button.setDefault(True)
        self.keep_button.setFocus(Qt.FocusReason.OtherFocusReason)
