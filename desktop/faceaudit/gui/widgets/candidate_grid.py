"""The review grid: candidate cards grouped by band, sized to the window, driven by keyboard or mouse.

Keys (while the grid has the focus): arrows move; Shift+arrows select as they move; Ctrl+arrows
move without changing the selection; Home and End go to the first and last card; Space adds the
current card to the selection or takes it out; Ctrl+A selects every card; Escape selects only
the current card; Enter opens the current card larger; Y, N and U decide on the selected cards.
Clicks: a click selects one card, Ctrl+click adds or removes one, Shift+click selects a run.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QFocusEvent, QFont, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QWidget

from faceaudit.core.matching.bands import Band
from faceaudit.gui.widgets.candidate_cards import CandidateCard, card_for, kind_of

__all__ = ["CandidateGrid"]

_GAP = 8
_MARGIN = 6
#: A card's picture is never smaller or larger than this (pixels); between the two it follows
#: the window, so faces grow on a large screen instead of leaving it empty.
_MIN_SIDE, _MAX_SIDE = 96, 280
_DECISION_KEYS = {Qt.Key.Key_Y: "me", Qt.Key.Key_N: "not_me", Qt.Key.Key_U: "unsure"}
_GROUP_WORDS = {Band.STRONG: "Strong: very unlikely to be a stranger",
                Band.POSSIBLE: "Possible: could be you, could be a look-alike",
                Band.WEAK: "Weak: most likely look-alikes",
                "listed": "Rows of lists of links that name you (no face to compare)",
                "identities": "Identities whose photos, together, look like you (a decision covers all their photos)"}
#: Groups after the bands, in this order.
_LATER_GROUPS = ("listed", "identities")


def _group(candidate) -> str:
    """The group a candidate is listed in: its band, or its own (`group`) for kinds listed apart."""
    return getattr(candidate, "group", candidate.band)


def _group_rank(candidate) -> int:
    group, bands = _group(candidate), list(Band)
    if group in bands:
        return bands.index(group)
    return len(bands) + (_LATER_GROUPS.index(group) if group in _LATER_GROUPS else len(_LATER_GROUPS))


class CandidateGrid(QScrollArea):
    """Cards of candidates, grouped by band (strong first), with a current card and a selection.

    Signals:
        current_changed(object): the current candidate (None when the grid is empty).
        decide_requested(str): Y, N or U was pressed: decide on `selected()`.
        open_requested(object): Enter or a double click: show this candidate larger.
        selection_changed(): the selection changed.
    """

    current_changed = Signal(object)
    decide_requested = Signal(str)
    open_requested = Signal(object)
    selection_changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Always there: a scroll bar that comes and goes would change the columns, and back.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Candidates")
        self.setAccessibleDescription("Faces that may be you. Arrows move, Y: this is me, N: not me, U: unsure, "
                                      "Space: select more, Enter: open larger.")
        self._inner = QWidget()
        self._inner.installEventFilter(self)
        self.setWidget(self._inner)
        self._cards: list[CandidateCard] = []
        self._by_id: dict[int, CandidateCard] = {}
        self._headers: dict[str, QLabel] = {}
        self._rows: list[list[int]] = []  # card indexes by grid row, across groups
        self._current = -1
        self._anchor = -1
        self._selected: set[int] = set()
        self._side = 160
        self._laying_out = False
        self.empty = QLabel(self._inner)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

    # -- contents --------------------------------------------------------------------------

    def set_candidates(self, candidates: list, keep: int | str | None = None) -> None:
        """Show these candidates in this order, grouped by band; cards of known candidates are kept.

        Args:
            candidates: the candidates, most convincing first; each is told apart by its `ref` (the
                numbers of face matches and of rows overlap).
            keep: the `ref` of the candidate to keep current (a face match's number, a row's
                `L12`; default: the current one, if still listed).
        """
        keep = keep if keep is not None else (self.current().ref if self.current() is not None else None)
        chosen = {self._cards[n].candidate.ref for n in self._selected if n < len(self._cards)}
        order = sorted(candidates, key=_group_rank)
        cards = []
        for candidate in order:
            card = self._by_id.pop(candidate.ref, None)
            if card is not None and kind_of(card.candidate) == kind_of(candidate):
                card.set_candidate(candidate)
            else:
                if card is not None:
                    card.deleteLater()
                card = card_for(candidate, self._inner)
                card.pressed.connect(lambda modifiers, c=card: self._on_card_pressed(c, modifiers))
                card.activated.connect(lambda c=card: self.open_requested.emit(c.candidate))
                card.show()
            cards.append(card)
        for gone in self._by_id.values():
            gone.deleteLater()
        self._cards = cards
        self._by_id = {card.candidate.ref: card for card in cards}
        ids = [card.candidate.ref for card in cards]
        current = ids.index(keep) if keep in ids else (0 if cards else -1)
        self._selected = {n for n, i in enumerate(ids) if i in chosen} or ({current} if current >= 0 else set())
        self._current = self._anchor = current
        self._layout()
        self._mark_all()
        self.current_changed.emit(self.current())

    def show_empty(self, text: str) -> None:
        """The words shown while there is no card."""
        self.empty.setText(text)
        self._layout()

    def cards(self) -> list[CandidateCard]:
        """The cards, in the order shown."""
        return list(self._cards)

    def card(self, ref: int | str) -> CandidateCard | None:
        """The card of a candidate (by its `ref`), if shown."""
        return self._by_id.get(ref)

    def candidates(self) -> list:
        """The candidates, in the order shown."""
        return [card.candidate for card in self._cards]

    def current(self):
        """The current candidate, or None."""
        return self._cards[self._current].candidate if 0 <= self._current < len(self._cards) else None

    def selected(self) -> list:
        """The selected candidates in the order shown; the current one when none is selected."""
        chosen = sorted(self._selected or ({self._current} if self._current >= 0 else set()))
        return [self._cards[n].candidate for n in chosen if n < len(self._cards)]

    def set_current(self, index: int, extend: bool = False, toggle: bool = False, keep: bool = False) -> None:
        """Make card `index` current.

        Args:
            index: the card's position in `cards()`.
            extend: select every card from the anchor to it (Shift).
            toggle: keep the selection and add the card to it or take it out (Ctrl+click, Space).
            keep: leave the selection as it is (Ctrl+arrows).
        """
        if not self._cards:
            return
        index = max(0, min(index, len(self._cards) - 1))
        if keep:
            pass
        elif extend and self._anchor >= 0:
            low, high = sorted((self._anchor, index))
            self._selected = set(range(low, high + 1))
        elif toggle:
            self._selected ^= {index}
            self._anchor = index
        else:
            self._selected = {index}
            self._anchor = index
        changed = index != self._current
        self._current = index
        self._mark_all()
        self.ensureWidgetVisible(self._cards[index], _GAP, _GAP + self.fontMetrics().lineSpacing())
        self.selection_changed.emit()
        if changed:
            self.current_changed.emit(self.current())

    def select_all(self) -> None:
        """Select every card."""
        self._selected = set(range(len(self._cards)))
        self._mark_all()
        self.selection_changed.emit()

    def card_side(self) -> int:
        """The size of a card's picture now (it follows the window)."""
        return self._side

    # -- keys and focus --------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, modifiers = event.key(), event.modifiers()
        shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        ctrl = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
        moves = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Home: -len(self._cards),
                 Qt.Key.Key_End: len(self._cards)}
        if key in moves and self._cards:
            self.set_current(self._current + moves[key], extend=shift, keep=ctrl and not shift)
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self._cards:
            self.set_current(self._vertical(-1 if key == Qt.Key.Key_Up else 1), extend=shift, keep=ctrl and not shift)
        elif key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown) and self._cards:
            rows = max(1, self.viewport().height() // max(1, self._row_height()))
            target = self._current
            for _ in range(rows):
                target = self._vertical(-1 if key == Qt.Key.Key_PageUp else 1, target)
            self.set_current(target, extend=shift)
        elif key == Qt.Key.Key_Space and self._cards:
            self.set_current(self._current, toggle=True)
        elif key == Qt.Key.Key_A and ctrl:
            self.select_all()
        elif key == Qt.Key.Key_Escape and len(self._selected) > 1:
            self.set_current(self._current)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.current() is not None:
            self.open_requested.emit(self.current())
        elif key in _DECISION_KEYS and not ctrl and self._cards:
            self.decide_requested.emit(_DECISION_KEYS[key])
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self._mark_all()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self._mark_all()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._layout()
        if 0 <= self._current < len(self._cards):  # the current card stays in sight when the grid narrows
            self.ensureWidgetVisible(self._cards[self._current], _GAP, _GAP + self.fontMetrics().lineSpacing())

    def eventFilter(self, watched, event) -> bool:
        if watched is self._inner and event.type() == QEvent.Type.Resize:
            self._layout()
        return super().eventFilter(watched, event)

    def sizeHint(self) -> QSize:
        return QSize(2 * (_MIN_SIDE + 2 * _GAP) + 2 * _MARGIN + 20, 300)

    def minimumSizeHint(self) -> QSize:
        return QSize(_MIN_SIDE + 4 * _GAP + 2 * _MARGIN + 20, 200)

    # -- helpers ---------------------------------------------------------------------------

    def _on_card_pressed(self, card: CandidateCard, modifiers) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        index = self._cards.index(card)
        self.set_current(index, extend=bool(modifiers & Qt.KeyboardModifier.ShiftModifier),
                         toggle=bool(modifiers & Qt.KeyboardModifier.ControlModifier))

    def _mark_all(self) -> None:
        focused = self.hasFocus()
        for n, card in enumerate(self._cards):
            card.set_marks(n == self._current, n in self._selected, focused)

    def _vertical(self, step: int, start: int | None = None) -> int:
        """The card one row above (-1) or below (1), in the column nearest the current one."""
        start = self._current if start is None else start
        for row_number, row in enumerate(self._rows):
            if start in row:
                target = row_number + step
                if not 0 <= target < len(self._rows):
                    return start
                column = row.index(start)
                other = self._rows[target]
                return other[min(column, len(other) - 1)]
        return start

    def _row_height(self) -> int:
        return self._cards[0].height() + _GAP if self._cards else 1

    def _layout(self) -> None:
        """Place headers and cards: as many columns as fit, pictures as large as the window allows."""
        if self._laying_out:
            return
        self._laying_out = True
        try:
            self._place()
        finally:
            self._laying_out = False

    def _place(self) -> None:
        width = self.viewport().width() - 2 * _MARGIN
        line = self.fontMetrics().lineSpacing()
        if not self._cards:
            for header in self._headers.values():
                header.hide()
            self.empty.setVisible(bool(self.empty.text()))
            self.empty.setGeometry(_MARGIN, _MARGIN, max(10, width), max(10, self.viewport().height() - 2 * _MARGIN))
            self._inner.setMinimumHeight(0)
            return
        self.empty.hide()
        largest = max(_MIN_SIDE, min(_MAX_SIDE, self.viewport().height() // 3))
        extra = CandidateCard.card_size(0, line).width()
        columns = max(1, -(-(width + _GAP) // (largest + extra + _GAP)))
        side = max(_MIN_SIDE, min(largest, (width - (columns - 1) * _GAP) // columns - extra))
        columns = max(1, (width + _GAP) // (side + extra + _GAP))
        self._side = side
        y = _MARGIN
        self._rows = []
        groups: dict[str, list[int]] = {}
        for n, card in enumerate(self._cards):
            groups.setdefault(_group(card.candidate), []).append(n)
        for band in list(self._headers):
            if band not in groups:
                self._headers.pop(band).deleteLater()
        for band, members in groups.items():
            header = self._header(band, len(members))
            height = header.heightForWidth(max(10, width))
            header.setGeometry(_MARGIN, y, max(10, width), height)
            header.show()
            y += height + 4
            for start in range(0, len(members), columns):
                row = members[start:start + columns]
                self._rows.append(row)
                height = 0
                for column, n in enumerate(row):
                    card = self._cards[n]
                    card.set_side(side)
                    card.move(_MARGIN + column * (card.width() + _GAP), y)
                    height = max(height, card.height())
                y += height + _GAP
            y += _GAP
        self._inner.setMinimumHeight(y)

    def _header(self, band: str, count: int) -> QLabel:
        header = self._headers.get(band)
        if header is None:
            header = QLabel(self._inner)
            font = QFont(header.font())
            font.setBold(True)
            header.setFont(font)
            header.setWordWrap(True)
            header.setFrameShape(QFrame.Shape.NoFrame)
            self._headers[band] = header
        words = _GROUP_WORDS.get(band, str(band).capitalize())
        header.setText(f"{words} ({count})")
        header.setAccessibleName(header.text())
        return header
