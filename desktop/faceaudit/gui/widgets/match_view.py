"""One candidate match shown large: my face, the dataset face, the whole photo, and the decision."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from faceaudit.core.faces.crops import crop_rect
from faceaudit.core.matching.matches import Candidate
from faceaudit.gui.widgets.page_parts import decision_row
from faceaudit.gui.widgets.pictures import draw_boxes, pixmap_from_bytes
from faceaudit.gui.wording import BAND_WORDS, DECISION_WORDS, lookalike_sentence

__all__ = ["MatchView"]

_FACE = QSize(220, 220)
_PHOTO = QSize(280, 280)


class MatchView(QWidget):
    """Shows one candidate side by side with my reference face, and the three decision buttons.

    Signals:
        decided(str): "me", "not_me" or "unsure" was clicked.
    """

    decided = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.mine = _picture("Your reference face")
        self.theirs = _picture("The face in the dataset")
        self.photo = _picture("The whole dataset photo, the face boxed")
        self.mine_caption, self.theirs_caption, self.photo_caption = QLabel("You"), QLabel(), QLabel()
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        for column, (picture, caption) in enumerate(((self.mine, self.mine_caption), (self.theirs, self.theirs_caption),
                                                     (self.photo, self.photo_caption))):
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            caption.setWordWrap(True)
            grid.addWidget(picture, 0, column, Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(caption, 1, column)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.decision = QLabel()
        row, self.buttons = decision_row({"me": "Yes, this is my face (key Y)",
                                          "not_me": "No, this is someone else (key N)",
                                          "unsure": "I cannot tell (key U)"}, self.decided.emit, self.decision)
        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.title)
        body.addLayout(grid)
        body.addWidget(self.details)
        body.addLayout(row)
        body.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.body)
        self.show_nothing("Select a candidate to compare it with your face.")

    def show_nothing(self, text: str) -> None:
        """Show a message instead of a candidate."""
        self.empty.setText(text)
        self.empty.setVisible(True)
        self.body.setVisible(False)

    def show_candidate(self, candidate: Candidate, my_face: bytes | None, photo: bytes | None, dataset_faces: int,
                       problem: str | None = None, loading: bool = False) -> None:
        """Show a candidate.

        Args:
            candidate: the candidate (from the core's matches).
            my_face: JPEG of the reference face it is closest to.
            photo: the dataset photo's file bytes (None when it cannot be read).
            dataset_faces: faces in the candidate's dataset, for the look-alike sentence.
            problem: why the photo cannot be shown, if it cannot.
            loading: the photo is still being read (in the background).
        """
        self.empty.setVisible(False)
        self.body.setVisible(True)
        name = candidate.label or candidate.key.rsplit("/", 1)[-1]
        self.title.setText(f"<b>{candidate.dataset}</b> / {candidate.key}<br>{BAND_WORDS[candidate.band]}")
        self.mine.setPixmap(_fit(pixmap_from_bytes(my_face), _FACE))
        full = pixmap_from_bytes(photo)
        if full.isNull():
            self.theirs.setText("Reading the photo…" if loading else problem or "The photo cannot be read.")
            self.photo.setText("")
        else:
            box = candidate.box
            self.theirs.setPixmap(_fit(_crop_face(full, box), _FACE))
            boxed = draw_boxes(full, [box]) if box else full
            self.photo.setPixmap(_fit(boxed, _PHOTO))
        self.theirs_caption.setText(f"In the dataset{': ' + name if candidate.label else ''}")
        self.photo_caption.setText(f"{full.width()} × {full.height()} px" if not full.isNull() else "")
        facts = []
        if candidate.distance is not None:
            facts.append(f"Distance {candidate.distance:.3f} (0.6 or less: the model calls it the same person); "
                         f"{candidate.agree} of your {candidate.n_references} reference faces agree.")
        facts.append(lookalike_sentence(candidate.expected_lookalikes, candidate.exact_photo, dataset_faces))
        self.details.setText("\n".join(facts))
        self.show_decision(candidate.decision)

    def show_decision(self, decision: str) -> None:
        """Reflect the saved decision on the buttons."""
        for name, button in self.buttons.items():
            button.setChecked(name == decision)
        self.decision.setText(f"Your decision: <b>{DECISION_WORDS[decision]}</b>")


def _picture(tip: str) -> QLabel:
    label = QLabel()
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setMinimumSize(_FACE)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
    label.setToolTip(tip)
    label.setAccessibleName(tip)
    return label


def _fit(pixmap: QPixmap, size: QSize) -> QPixmap:
    if pixmap.isNull():
        return pixmap
    return pixmap.scaled(size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)


def _crop_face(pixmap: QPixmap, box) -> QPixmap:
    """The face with a margin around it (the whole photo when there is no box)."""
    if not box:
        return pixmap
    x0, y0, x1, y1 = crop_rect(box, pixmap.width(), pixmap.height())
    return pixmap.copy(QRect(x0, y0, x1 - x0, y1 - y0))
