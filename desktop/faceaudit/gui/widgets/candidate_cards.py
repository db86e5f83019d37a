"""The cards of the review grid: one small widget per candidate, its class chosen by the candidate's kind.

A card shows what the candidate is (a face crop, or something else for other kinds), its
dataset, and a mark for my decision. The grid places cards, moves the focus and keeps the
selection; a card only paints itself and reports clicks.

Faces (`FaceCard`) and rows of published link lists (`RowCard`) are built in. To show a new kind
of candidate, write a subclass of `CandidateCard` that paints it, and register it once:

    register_card("kind", KindCard)

The grid picks the class by `candidate.kind` ("face" when the candidate has no `kind`).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QFrame, QWidget

from faceaudit.core.datasets.crops_cache import FaceRef
from faceaudit.gui.wording import BAND_COLORS, DECISION_MARKS, DECISION_WORDS

__all__ = ["CandidateCard", "FaceCard", "RowCard", "IdentityCard", "CARD_KINDS", "register_card", "card_for", "kind_of"]

_PAD = 6


class CandidateCard(QFrame):
    """One candidate in the grid: its picture area, a caption, and my decision as a mark.

    Subclasses paint the picture area (`paint_picture`) and may say which face picture they
    need loaded (`picture_wanted`).

    Signals:
        pressed(object): the card was clicked; the keyboard modifiers held (Ctrl, Shift).
        activated(): the card was double-clicked (open it larger).
    """

    pressed = Signal(object)
    activated = Signal()

    def __init__(self, candidate, parent: QWidget | None = None):
        super().__init__(parent)
        self.candidate = candidate
        self.current = False
        self.selected = False
        self.grid_has_focus = False
        self._side = 160
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the grid holds the focus and moves it between cards
        self._describe()

    # -- what the grid calls ---------------------------------------------------------------

    @staticmethod
    def caption_lines() -> int:
        """Lines of text under the picture."""
        return 2

    def set_side(self, side: int) -> None:
        """Make the picture area `side` pixels square; the card grows around it."""
        self._side = side
        self.setFixedSize(self.card_size(side, self.fontMetrics().lineSpacing()))

    @classmethod
    def card_size(cls, side: int, line: int) -> QSize:
        """The card's size for a picture of `side` pixels and text lines `line` pixels high."""
        return QSize(side + 2 * _PAD, side + 2 * _PAD + cls.caption_lines() * line + 4)

    def set_candidate(self, candidate) -> None:
        """Show a newer state of the same candidate (a decision changed)."""
        self.candidate = candidate
        self._describe()
        self.update()

    def set_marks(self, current: bool, selected: bool, grid_has_focus: bool) -> None:
        """Show whether the card is the current one, is selected, and whether the grid has the focus."""
        if (current, selected, grid_has_focus) != (self.current, self.selected, self.grid_has_focus):
            self.current, self.selected, self.grid_has_focus = current, selected, grid_has_focus
            self.update()

    def picture_wanted(self) -> FaceRef | None:
        """The face picture this card needs loaded, if any."""
        return None

    # -- painting --------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        palette = self.palette()
        frame = QRectF(self.rect()).adjusted(1.5, 1.5, -1.5, -1.5)
        if self.selected:
            painter.setBrush(palette.color(QPalette.ColorRole.Highlight).lighter(175)
                             if palette.color(QPalette.ColorRole.Window).lightness() > 128
                             else palette.color(QPalette.ColorRole.Highlight).darker(160))
        else:
            painter.setBrush(palette.color(QPalette.ColorRole.Base))
        border = palette.color(QPalette.ColorRole.Highlight) if self.current or self.selected \
            else palette.color(QPalette.ColorRole.Mid)
        pen = QPen(border, 3 if self.current and self.grid_has_focus else 1.5)
        if self.current and not self.grid_has_focus:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawRoundedRect(frame, 6, 6)
        picture = QRect(_PAD, _PAD, self._side, self._side)
        self.paint_picture(painter, picture)
        self._paint_band(painter, picture)
        self._paint_mark(painter, picture)
        self._paint_caption(painter, QRect(_PAD, picture.bottom() + 3, self._side, self.height() - picture.bottom()))
        painter.end()

    def paint_picture(self, painter: QPainter, area: QRect) -> None:
        """Paint what the candidate is into `area` (subclasses)."""

    def caption(self) -> list[str]:
        """The text lines under the picture."""
        candidate = self.candidate
        datasets = candidate.dataset + (f" +{len(candidate.also_in)}" if getattr(candidate, "also_in", ()) else "")
        return [datasets, candidate.key.rsplit("/", 1)[-1]]

    def _paint_caption(self, painter: QPainter, area: QRect) -> None:
        metrics = self.fontMetrics()
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        y = area.top()
        for number, line in enumerate(self.caption()[:self.caption_lines()]):
            font = QFont(self.font())
            font.setBold(number == 0)
            painter.setFont(font)
            text = painter.fontMetrics().elidedText(line, Qt.TextElideMode.ElideMiddle, area.width())
            painter.drawText(QRect(area.left(), y, area.width(), metrics.lineSpacing()),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
            y += metrics.lineSpacing()

    def _paint_band(self, painter: QPainter, picture: QRect) -> None:
        """A coloured strip along the picture's bottom edge: the candidate's band."""
        colour = QColor(BAND_COLORS.get(self.candidate.band, "#888888"))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRect(QRect(picture.left(), picture.bottom() - 4, picture.width(), 5))

    def _paint_mark(self, painter: QPainter, picture: QRect) -> None:
        """My decision as a round badge in the picture's top right corner (nothing while undecided)."""
        mark = DECISION_MARKS.get(self.candidate.decision)
        if not mark:
            return
        symbol, colour = mark
        size = max(22, self._side // 6)
        badge = QRectF(picture.right() - size - 3, picture.top() + 3, size, size)
        painter.setPen(QPen(QColor("white"), 2))
        painter.setBrush(QColor(colour))
        painter.drawEllipse(badge)
        font = QFont(self.font())
        font.setBold(True)
        font.setPixelSize(int(size * 0.6))
        painter.setFont(font)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, symbol)

    # -- events ----------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.pressed.emit(event.modifiers())
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.activated.emit()
            event.accept()

    def _describe(self) -> None:
        candidate = self.candidate
        self.setAccessibleName(f"{candidate.dataset}: {candidate.key}")
        self.setAccessibleDescription(f"{candidate.band} candidate, {DECISION_WORDS.get(candidate.decision, '')}")
        self.setToolTip(f"{candidate.dataset}/{candidate.key}"
                        + (f"\nAlso in: {', '.join(candidate.also_in)}" if getattr(candidate, "also_in", ()) else "")
                        + f"\nYour decision: {DECISION_WORDS.get(candidate.decision, candidate.decision)}")


class FaceCard(CandidateCard):
    """A face from a dataset photo: its crop (cut in the background), or why it cannot be shown."""

    def __init__(self, candidate, parent: QWidget | None = None):
        self.image: QImage | None = None
        self.problem: str | None = None
        super().__init__(candidate, parent)

    def picture_wanted(self) -> FaceRef | None:
        if self.image is not None or self.problem is not None:
            return None
        candidate = self.candidate
        return FaceRef(candidate.item_id, candidate.face_idx, candidate.box)

    def set_picture(self, image: QImage | None, problem: str | None = None) -> None:
        """Show the face crop (or, when None, why there is none)."""
        self.image, self.problem = image, problem
        self.update()

    def paint_picture(self, painter: QPainter, area: QRect) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.palette().color(QPalette.ColorRole.AlternateBase))
        painter.drawRect(area)
        if self.image is None or self.image.isNull():
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            text = "Cannot be shown" if self.problem else "Loading…"
            painter.drawText(area.adjusted(4, 4, -4, -4), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)
            return
        size = self.image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, size.width(), size.height())
        target.moveCenter(area.center())
        painter.drawImage(target, self.image)


class RowCard(CandidateCard):
    """A row of a list of links that names one of my identifiers: no face to show, so the card shows
    where the row is and which of my identifiers it names (FaceAudit never fetches the photo)."""

    def caption(self) -> list[str]:
        candidate = self.candidate
        return [candidate.dataset, f"{candidate.locator}, {candidate.file.rsplit('/', 1)[-1]}"]

    def paint_picture(self, painter: QPainter, area: QRect) -> None:
        palette = self.palette()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.AlternateBase))
        painter.drawRect(area)
        inner = area.adjusted(8, 8, -8, -12)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        bold = QFont(self.font())
        bold.setBold(True)
        line = self.fontMetrics().lineSpacing()
        y = inner.top()
        # One line each, shortened in the middle when too long (an address keeps its start and end).
        for number, text in enumerate(["Names you by:", *self.candidate.matched]):
            if y + line > inner.bottom():
                break
            painter.setFont(bold if number == 0 else self.font())
            shown = painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideMiddle, inner.width())
            painter.drawText(QRect(inner.left(), y, inner.width(), line),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, shown)
            y += line + (4 if number == 0 else 0)

    def _describe(self) -> None:
        candidate = self.candidate
        self.setAccessibleName(f"{candidate.dataset}: {candidate.key}")
        self.setAccessibleDescription(f"a row of a list naming {', '.join(candidate.matched)}, "
                                      f"{DECISION_WORDS.get(candidate.decision, '')}")
        self.setToolTip(f"{candidate.dataset}/{candidate.key}\nNames you by: {', '.join(candidate.matched)}"
                        f"\nYour decision: {DECISION_WORDS.get(candidate.decision, candidate.decision)}")


class IdentityCard(CandidateCard):
    """An identity of a labelled dataset whose photos, together, are close to mine: how many of its
    photos, and how many stranger identities would be this close. Deciding on it decides on all of
    its close photos (they are on the grid too)."""

    def caption(self) -> list[str]:
        return [self.candidate.dataset, self.candidate.label]

    def paint_picture(self, painter: QPainter, area: QRect) -> None:
        palette = self.palette()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.AlternateBase))
        painter.drawRect(area)
        candidate = self.candidate
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        lines = [("Identity", bold), (candidate.label, self.font()),
                 (f"{candidate.close} of its {candidate.photos} photos", self.font()), ("close to yours", self.font()),
                 (f"strangers: {candidate.expected:.2g}", self.font())]
        inner, line, y = area.adjusted(8, 8, -8, -12), self.fontMetrics().lineSpacing(), area.top() + 8
        for text, font in lines:
            if y + line > inner.bottom():
                break
            painter.setFont(font)
            shown = painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideMiddle, inner.width())
            painter.drawText(QRect(inner.left(), y, inner.width(), line),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, shown)
            y += line

    def _describe(self) -> None:
        from faceaudit.core.matching.identities import identity_text

        candidate = self.candidate
        self.setAccessibleName(f"{candidate.dataset}: identity {candidate.label}")
        self.setAccessibleDescription(f"{candidate.band} identity, {DECISION_WORDS.get(candidate.decision, '')}")
        self.setToolTip(f"{candidate.dataset}, identity {identity_text(candidate)}"
                        f"\nA decision here applies to all {candidate.close} of its close photos.")


#: Candidate kind -> card class.
CARD_KINDS: dict[str, type[CandidateCard]] = {"face": FaceCard, "identifier": RowCard, "identity": IdentityCard}


def register_card(kind: str, card: type[CandidateCard]) -> None:
    """Show candidates of `kind` with `card` (a CandidateCard subclass)."""
    CARD_KINDS[kind] = card


def kind_of(candidate) -> str:
    """The candidate's kind ("face" unless it says otherwise)."""
    return getattr(candidate, "kind", "face")


def card_for(candidate, parent: QWidget | None = None) -> CandidateCard:
    """A new card of the class registered for the candidate's kind."""
    return CARD_KINDS[kind_of(candidate)](candidate, parent)
