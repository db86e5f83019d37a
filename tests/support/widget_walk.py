"""Walk the visible widgets of a window: the words they show, and the ones whose text does not fit."""

from __future__ import annotations

import re

from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSplitter,
    QStyle,
    QStyleOptionButton,
    QTableWidget,
    QWidget,
)

__all__ = ["visible_widgets", "clipped", "overlapping", "shown_words"]

#: A label may elide its text (a long path) only when it says so with this property.
ELIDED = "elided"


def visible_widgets(root: QWidget) -> list[QWidget]:
    """`root` and every widget under it that is shown now."""
    return [w for w in [root, *root.findChildren(QWidget)] if w.isVisible()]


def clipped(root: QWidget) -> list[str]:
    """Buttons and labels under `root` whose text does not fit the space they have, described."""
    found = []
    for widget in visible_widgets(root):
        problem = None
        if isinstance(widget, QPushButton):
            problem = _button_problem(widget)
        elif isinstance(widget, QCheckBox | QRadioButton):
            if widget.text() and widget.sizeHint().width() > widget.width() + 1:
                problem = f"needs {widget.sizeHint().width()} px, has {widget.width()}"
        elif isinstance(widget, QLabel) and widget.text() and widget.pixmap().isNull():
            problem = _label_problem(widget)
        if problem:
            found.append(f"{type(widget).__name__} {_text(widget)[:60]!r} in {_path(widget)}: {problem}")
    return found


def overlapping(root: QWidget) -> list[str]:
    """Panes of a splitter under `root` drawn over their neighbour (their minimum widths add up to more
    than the splitter has: the words fit, but one pane hides part of the next)."""
    found = []
    for splitter in (w for w in visible_widgets(root) if isinstance(w, QSplitter)):
        panes = [splitter.widget(n) for n in range(splitter.count()) if splitter.widget(n).isVisible()]
        horizontal = splitter.orientation() == Qt.Orientation.Horizontal
        for first, second in zip(panes, panes[1:], strict=False):
            end = first.geometry().right() if horizontal else first.geometry().bottom()
            start = second.geometry().left() if horizontal else second.geometry().top()
            if end >= start:
                found.append(f"{type(first).__name__} over {type(second).__name__} by {end - start + 1} px "
                             f"in {_path(splitter)}")
    return found


def shown_words(root: QWidget) -> list[str]:
    """Every text a person can read under `root`: labels, buttons, fields, lists, tables, tooltips, titles."""
    words = []
    for widget in [root, *root.findChildren(QWidget)]:
        words += [widget.toolTip(), widget.windowTitle(), widget.accessibleName(), widget.accessibleDescription()]
        if isinstance(widget, QLabel | QAbstractButton):
            words.append(widget.text())
        elif isinstance(widget, QLineEdit):
            words += [widget.text(), widget.placeholderText()]
        elif isinstance(widget, QGroupBox):
            words.append(widget.title())
        elif isinstance(widget, QComboBox):
            words += [widget.itemText(n) for n in range(widget.count())]
        elif isinstance(widget, QTableWidget):
            for row in range(widget.rowCount()):
                for column in range(widget.columnCount()):
                    item = widget.item(row, column)
                    if item is not None:
                        words += [item.text(), item.toolTip()]
            words += [widget.horizontalHeaderItem(c).text() for c in range(widget.columnCount())
                      if widget.horizontalHeaderItem(c) is not None]
        if hasattr(widget, "count") and hasattr(widget, "item") and not isinstance(widget, QTableWidget | QComboBox):
            for n in range(widget.count()):
                words += [widget.item(n).text(), widget.item(n).toolTip()]
        if hasattr(widget, "toPlainText"):
            words.append(widget.toPlainText())
    return [w for w in words if w]


def _button_problem(button: QPushButton) -> str | None:
    text = _text(button)
    if not text:
        return None
    option = QStyleOptionButton()
    button.initStyleOption(option)
    room = button.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option, button).width()
    needed = button.fontMetrics().horizontalAdvance(text)
    if not button.icon().isNull():
        needed += button.iconSize().width() + 4
    return f"needs {needed} px, has {room}" if needed > room else None


def _label_problem(label: QLabel) -> str | None:
    if label.property(ELIDED):
        return None
    room = label.contentsRect()
    if label.wordWrap():
        needed = label.heightForWidth(label.width())
        if needed > label.height() + 1:
            return f"needs {needed} px of height at {label.width()} px wide, has {label.height()}"
        rich = label.textFormat() == Qt.TextFormat.RichText or (
            label.textFormat() == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(label.text()))
        if rich:
            return None  # its words are tags and entities: the height above says it all
        words = re.split(r"[\s\u200b]+", _text(label))  # a zero-width space is a place to break, too
        longest = max((label.fontMetrics().horizontalAdvance(word) for word in words), default=0)
        return f"a word needs {longest} px, has {room.width()}" if longest > room.width() + 1 else None
    needed = label.sizeHint().width() - (label.width() - room.width())
    return f"needs {needed} px, has {room.width()}" if needed > room.width() + 1 else None


def _text(widget) -> str:
    text = widget.text() if hasattr(widget, "text") else ""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _path(widget: QWidget) -> str:
    names = []
    while widget is not None:
        names.append(type(widget).__name__)
        widget = widget.parentWidget()
    return " < ".join(names[1:4])
