"""The question asked once more before a weak candidate is confirmed as me, with the reasons it is weak."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

__all__ = ["SecondLookDialog"]

_FACE = QSize(112, 112)
#: Candidates shown with their reasons; the rest are counted.
_SHOWN = 4


class SecondLookDialog(QDialog):
    """"These faces are most likely look-alikes. Confirm them as you anyway?" Cancel is the default.

    Args:
        weak: (candidate, its face crop or None, my reference face nearest to it or None, the reasons
            it is weak) for each weak candidate.
        total: how many candidates the decision was for (weak ones included).
    """

    def __init__(self, weak: list[tuple[object, QImage | None, QImage | None, list[str]]], total: int,
                 parent: QWidget | None = None):
        super().__init__(parent)
        count = len(weak)
        self.setWindowTitle("Confirm a look-alike?" if count == 1 else f"Confirm {count} look-alikes?")
        intro = QLabel(
            ("This face is" if count == 1 else f"{count} of these faces are")
            + " most likely someone who looks like you: the scan rated "
            + ("it" if count == 1 else "them") + " weak. A letter cites every face you confirm, so confirm "
            "only a face you recognise as yours." + (f" The other {total - count} will be confirmed too."
                                                      if total > count else ""))
        intro.setWordWrap(True)
        grid = QGridLayout()
        grid.setColumnStretch(2, 1)
        for row, (candidate, crop, mine, reasons) in enumerate(weak[:_SHOWN]):
            grid.addWidget(_face(crop, f"Face from {candidate.dataset}: {candidate.key}", "In the dataset"), row, 0,
                           Qt.AlignmentFlag.AlignTop)
            grid.addWidget(_face(mine, "Your nearest reference face", "Yours, nearest"), row, 1,
                           Qt.AlignmentFlag.AlignTop)
            words = QLabel(f"<b>{candidate.dataset}</b> / {candidate.key.replace('/', '/&#8203;')}<ul>"
                           + "".join(f"<li>{reason}</li>" for reason in reasons) + "</ul>")
            words.setWordWrap(True)
            words.setTextFormat(Qt.TextFormat.RichText)
            grid.addWidget(words, row, 2, Qt.AlignmentFlag.AlignTop)
        box = QWidget()
        box.setLayout(grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(box)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        more = QLabel(f"… and {count - _SHOWN} more rated weak." if count > _SHOWN else "")
        more.setVisible(count > _SHOWN)
        buttons = QDialogButtonBox()
        self.confirm_button = buttons.addButton("Yes, this is me" if count == 1 else "Yes, they are all me",
                                                QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setText("No, go back")
        self.confirm_button.setAutoDefault(False)  # Enter must never confirm a look-alike
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(more)
        layout.addWidget(buttons)
        self.setMinimumWidth(600)
        self.resize(680, min(600, 200 + 150 * min(count, _SHOWN)))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # After the button box has chosen its own default on showing: "No, go back" is the default.
        self.cancel_button.setDefault(True)
        self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)


def _face(image: QImage | None, name: str, caption: str) -> QWidget:
    """A face, small, with a caption under it."""
    picture = QLabel()
    picture.setFixedSize(_FACE)
    picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
    picture.setAccessibleName(name)
    if image is not None and not image.isNull():
        picture.setPixmap(QPixmap.fromImage(image).scaled(_FACE, Qt.AspectRatioMode.KeepAspectRatio,
                                                          Qt.TransformationMode.SmoothTransformation))
    else:
        picture.setText("(no picture)")
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(picture)
    words = QLabel(caption)
    words.setAlignment(Qt.AlignmentFlag.AlignCenter)
    layout.addWidget(words)
    return box
