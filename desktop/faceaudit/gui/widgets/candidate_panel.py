"""The candidate beside the grid, shown large: its photo with zoom, all my reference faces, the facts, my decision."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage, QResizeEvent
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from faceaudit.core.matching.matches import needs_second_look
from faceaudit.gui.widgets.page_parts import decision_row
from faceaudit.gui.widgets.photo_view import PhotoView, zoom_buttons
from faceaudit.gui.widgets.reference_strip import ReferenceShown, ReferenceStrip
from faceaudit.gui.wording import BAND_TEXT_COLORS, BAND_WORDS, DECISION_WORDS, distance_sentence, lookalike_sentence

__all__ = ["CandidatePanel"]

_REFERENCES_TITLE = "Your reference faces (distance to this face; 0.6 or less: same person):"
#: A weak candidate's: closeness alone says nothing there, so no "same person".
_WEAK_REFERENCES_TITLE = ("Your reference faces (distance to this face; rated weak: strangers this close are common, "
                          "so a small distance alone does not make it you):")


class CandidatePanel(QWidget):
    """Shows one candidate: its face large (zoom with the buttons, + and -, or Ctrl+wheel), my reference
    faces with their distances, what the scan found, and the decision buttons. The decision stays in
    sight at the bottom; what is above it scrolls when the window is short.

    Signals:
        decided(str): "me", "not_me" or "unsure" was clicked.
    """

    decided = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.candidate = None
        self.title = _wrapped(rich=True)
        self.band = _wrapped()
        self.photo = PhotoView("The candidate's face, large")
        zoom_row, self.zoom_buttons = zoom_buttons(self.photo)
        self.photo_caption = _wrapped()
        self.references_title = QLabel(_REFERENCES_TITLE)
        self.references_title.setWordWrap(True)
        self.references = ReferenceStrip()
        self.details = _wrapped()
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.decision = _wrapped(rich=True)
        row, self.buttons = decision_row({"me": "Yes, this is my face (key Y)",
                                          "not_me": "No, this is someone else (key N)",
                                          "unsure": "I cannot tell (key U)"}, self.decided.emit)
        self.empty = _wrapped()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        top = QWidget()
        above = QVBoxLayout(top)
        above.setContentsMargins(0, 0, 0, 0)
        for part in (self.title, self.band, self.photo):
            above.addWidget(part)
        above.addLayout(zoom_row)
        for part in (self.photo_caption, self.references_title, self.references, self.details):
            above.addWidget(part)
        above.addStretch(1)
        self.scroll.setWidget(top)
        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.scroll, 1)
        body.addWidget(self.decision)
        body.addLayout(row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        layout.addWidget(self.empty)
        layout.addWidget(self.body)
        self.show_nothing("Select a candidate to compare it with your faces.")

    def show_nothing(self, text: str) -> None:
        """Show a message instead of a candidate."""
        self.candidate = None
        self.empty.setText(text)
        self.empty.setVisible(True)
        self.body.setVisible(False)

    def show_candidate(self, candidate, references: list[ReferenceShown], dataset_faces: int,
                       crop: QImage | None = None) -> None:
        """Show a candidate; its photo follows with `show_photo` (it is read in the background).

        Args:
            candidate: the candidate (from the core's matches).
            references: my reference faces with their distances to this face.
            dataset_faces: faces in the candidate's dataset, for the look-alike sentence.
            crop: the card's face crop, shown until the photo arrives.
        """
        self.candidate = candidate
        self.empty.setVisible(False)
        self.body.setVisible(True)
        also = getattr(candidate, "also_in", ())
        self.title.setText(f"<b>{_escape(candidate.dataset)}</b> / {_escape(candidate.key)}"
                           + (f"<br>The same photo is also in: {_escape(', '.join(also))}" if also else "")
                           + _ratings(getattr(candidate, "rated", ())))
        self.band.setText(BAND_WORDS.get(candidate.band, candidate.band))
        self.band.setStyleSheet(f"QLabel {{ color: {BAND_TEXT_COLORS.get(candidate.band, '')}; font-weight: bold; }}")
        if crop is not None and not crop.isNull():
            self.photo.show_image(crop, None)
        else:
            self.photo.show_message("Reading the photo…")
        self.photo_caption.setText(f"In the dataset: {candidate.label}" if candidate.label else "")
        self.photo_caption.setVisible(bool(candidate.label))
        weak = needs_second_look(candidate)
        self.references_title.setText(_WEAK_REFERENCES_TITLE if weak else _REFERENCES_TITLE)
        self.references.show_faces(references, weak=weak)
        facts = [distance_sentence(candidate.distance, candidate.agree, candidate.n_references,
                                   getattr(candidate, "model", None), weak=weak),
                 lookalike_sentence(candidate.expected_lookalikes, candidate.exact_photo, dataset_faces)]
        self.details.setText("\n".join(fact for fact in facts if fact))
        self.show_decision(candidate.decision)
        self._fit_photo()

    def show_photo(self, image: QImage, box: tuple[float, float, float, float] | None, size: tuple[int, int]) -> None:
        """Show the candidate's whole photo (framed on the face) once it has been read."""
        self.photo.show_image(image, box)
        label = self.candidate.label if self.candidate is not None else None
        self.photo_caption.setText(f"{size[0]} × {size[1]} pixels" + (f" · In the dataset: {label}" if label else ""))
        self.photo_caption.setVisible(True)
        self._fit_photo()

    def show_photo_problem(self, text: str) -> None:
        """Say why the photo cannot be shown (the crop, if any, stays)."""
        if not self.photo.has_image:
            self.photo.show_message(text)
        self.photo_caption.setText(f"The photo cannot be read: {text}")
        self.photo_caption.setVisible(True)

    def show_decision(self, decision: str) -> None:
        """Reflect the saved decision on the buttons."""
        for name, button in self.buttons.items():
            button.setChecked(name == decision)
        self.decision.setText(f"Your decision: <b>{DECISION_WORDS[decision]}</b>")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_photo()

    def minimumSizeHint(self) -> QSize:
        inner = self.scroll.widget().minimumSizeHint()
        return QSize(inner.width() + self.scroll.verticalScrollBar().sizeHint().width() + 12,
                     super().minimumSizeHint().height())

    def _fit_photo(self) -> None:
        """The face as large as the panel allows while my reference faces and their distances stay in sight
        below it (they are what the face is judged by); never smaller than 140 px (then the panel scrolls)."""
        viewport = self.scroll.viewport()
        width = viewport.width()
        spacing = self.scroll.widget().layout().spacing()
        shown = [part for part in (self.title, self.band, self.photo_caption, self.references_title, self.references)
                 if not part.isHidden()]
        others = sum(part.heightForWidth(width) if part.hasHeightForWidth() else part.sizeHint().height()
                     for part in shown)
        zoom = max((button.sizeHint().height() for button in self.zoom_buttons.values()), default=0)
        room = viewport.height() - others - zoom - spacing * (len(shown) + 2)
        self.photo.setFixedHeight(max(140, min(width, room)))


def _wrapped(rich: bool = False) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return label


def _escape(text: str) -> str:
    """Text for a rich-text label, allowed to wrap after / and _ (a long file path has no spaces)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("/", "/\u200b").replace("_", "_\u200b")


def _ratings(rated: tuple[tuple[str, str], ...]) -> str:
    """How each dataset rated a photo found in several, when they differ (the card shows the most convincing)."""
    if len({band for _, band in rated}) < 2:
        return ""
    each = ", ".join(f"{_escape(band)} in {_escape(dataset)}" for dataset, band in rated)
    return (f"<br>One photo, one rating: the strongest evidence of its copies ({each}; a larger dataset holds more "
            "look-alikes).")
