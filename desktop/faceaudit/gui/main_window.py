"""The main window: a sidebar of five pages, the first-run welcome, settings, and a clean close."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QFocusEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from faceaudit.core.storage import paths
from faceaudit.core.storage.wipe import WipeError, wipe_all
from faceaudit.gui.dialogs.settings import SettingsDialog
from faceaudit.gui.dialogs.shortcuts import ShortcutsDialog
from faceaudit.gui.pages.datasets import DatasetsPage
from faceaudit.gui.pages.letters import LettersPage
from faceaudit.gui.pages.me import MePage
from faceaudit.gui.pages.protocol import Change, Page
from faceaudit.gui.pages.requests import RequestsPage
from faceaudit.gui.pages.review import ReviewPage
from faceaudit.gui.pages.welcome import WelcomePage
from faceaudit.gui.support.gc_guard import collect_on_gui_thread
from faceaudit.gui.support.none_guard import keep_none_alive
from faceaudit.gui.support.preferences import Preferences
from faceaudit.gui.widgets.page_parts import Notice
from faceaudit.gui.wording import error_text

__all__ = ["MainWindow", "PAGES"]


@dataclass(frozen=True)
class _PageEntry:
    """A page of the sidebar: the window's attribute for it, its title, how it is made, what it shows
    (it refreshes when work changed that), and which of its signals say that its own work changed something."""

    attribute: str
    title: str
    make: Callable[[MainWindow], Page]
    shows: Change = Change.NONE
    announces: tuple[tuple[str, Change], ...] = ()


#: The sidebar's pages, in order. Adding a page is one module in gui/pages/ and one line here.
_PAGES = (
    _PageEntry("me_page", "Me", lambda w: MePage(w.store)),
    _PageEntry("datasets_page", "Datasets", lambda w: DatasetsPage(w.store, w.preferences),
               announces=(("indexing_done", Change.DATASETS | Change.FACES),)),
    _PageEntry("review_page", "Scan & Review", lambda w: ReviewPage(w.store), shows=Change.DATASETS | Change.FACES),
    _PageEntry("letters_page", "Letters", lambda w: LettersPage(w.store, w.preferences),
               announces=(("letter_saved", Change.REQUESTS),)),
    _PageEntry("requests_page", "Requests", lambda w: RequestsPage(w.store), shows=Change.REQUESTS),
)

#: Sidebar entries, in order.
PAGES = tuple(entry.title for entry in _PAGES)


class _Sidebar(QListWidget):
    """The list of pages, framed thick in the highlight colour while it has the keyboard focus.

    Fusion's own focus hint on a list is a faint line; a `:focus` style-sheet rule was not
    repainted on a real X display when the focus came by key, so the frame is set on focus events.
    """

    _FRAMES = {False: "QListWidget { border: 1px solid palette(mid); border-radius: 3px; }",
               True: "QListWidget { border: 3px solid palette(highlight); border-radius: 3px; }"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setStyleSheet(self._FRAMES[False])

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.setStyleSheet(self._FRAMES[True])

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.setStyleSheet(self._FRAMES[False])


class MainWindow(QMainWindow):
    """FaceAudit's window. It owns the window thread's Store; workers open their own.

    Args:
        store: the database, opened in the window's thread.

    Signals:
        changed(Change): some page's work changed what other pages show; those that show it refresh.
    """

    changed = Signal(object)

    def __init__(self, store, parent: QWidget | None = None):
        super().__init__(parent)
        collect_on_gui_thread()
        keep_none_alive()  # PySide6 6.12 on Python 3.11 drops a reference to None at each void Qt call

        self.store = store
        self.preferences = Preferences.load(store)
        self.setWindowTitle("FaceAudit")
        self.resize(1200, 800)
        self.setMinimumSize(QSize(900, 600))

        self.pages = QStackedWidget()
        #: The sidebar's pages, in its order.
        self.page_list: list[Page] = []
        for entry in _PAGES:
            page = entry.make(self)
            setattr(self, entry.attribute, page)
            self.page_list.append(page)
            self.pages.addWidget(page)
            for signal_name, change in entry.announces:
                getattr(page, signal_name).connect(lambda *_args, change=change: self.changed.emit(change))
        self.changed.connect(self._on_changed)
        self.welcome_page = WelcomePage(str(paths.data_home()))
        self.welcome_page.started.connect(self._on_welcome_done)
        self.pages.addWidget(self.welcome_page)
        self.sidebar = _Sidebar()
        self.sidebar.addItems(PAGES)
        self.sidebar.setAccessibleName("Pages")
        self.sidebar.setFixedWidth(160)
        self.sidebar.setSpacing(3)
        for row in range(len(PAGES)):
            self.sidebar.item(row).setToolTip(f"{PAGES[row]} (Ctrl+{row + 1})")
        self.sidebar.currentRowChanged.connect(self._on_page_chosen)
        settings = QPushButton("Settings…")
        settings.setToolTip("Data folder, face finder, indexing processes, delete all data (Ctrl+,)")
        settings.clicked.connect(self.open_settings)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.sidebar, 1)
        side_layout.addWidget(settings)
        self._side = side

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.addWidget(side)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.statusBar().addWidget(QLabel(f"Offline: nothing leaves this computer. Data folder: {paths.data_home()}"))

        self._build_menus()
        for entry, page in zip(_PAGES, self.page_list):  # a failure's link to the page where its Action is done
            for notice in page.findChildren(Notice):
                notice.here = entry.title
                notice.page_wanted.connect(self._on_page_wanted)

        if not self.preferences.welcome_shown:
            self._side.setVisible(False)
            self.go_menu.setEnabled(False)
            self.pages.setCurrentWidget(self.welcome_page)
            self.welcome_page.start_button.setFocus()
        elif self.datasets_page.interrupted():
            self.show_page(1)
        else:
            self.show_page(0)

    def show_page(self, row: int) -> None:
        """Show one of the sidebar's pages (0 = Me ... 4 = Requests)."""
        self.sidebar.setCurrentRow(row)
        self._on_page_chosen(row)

    def open_settings(self) -> SettingsDialog:
        """Open the settings dialog (window-modal, not blocking)."""
        dialog = SettingsDialog(self.preferences, self.store, self)
        dialog.wipe_confirmed.connect(self._on_wipe_confirmed)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_shortcuts(self) -> ShortcutsDialog:
        """Show the list of keyboard shortcuts (not blocking)."""
        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def stop_work(self) -> None:
        """Stop every page's background work and wait for it; what it did so far is saved.

        Before a wipe this is what keeps a letter being saved, or a follow-up being drafted, from
        writing into the data folder after it is deleted.
        """
        for page in self.page_list:
            page.stop()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop_work()
        super().closeEvent(event)

    def _build_menus(self) -> None:
        """FaceAudit (settings, quit), Go (the pages, Ctrl+1..5) and Help (shortcuts): every command has a key."""
        bar = self.menuBar()
        app_menu = bar.addMenu("&FaceAudit")
        settings = QAction("&Settings…", self)
        settings.setShortcuts([QKeySequence("Ctrl+,")] + [key for key in QKeySequence.keyBindings(
            QKeySequence.StandardKey.Preferences) if key != QKeySequence("Ctrl+,")])
        settings.triggered.connect(self.open_settings)
        app_menu.addAction(settings)
        app_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        app_menu.addAction(quit_action)
        self.go_menu = bar.addMenu("&Go")
        for row, name in enumerate(PAGES):
            action = QAction(name.replace("&", "&&"), self)
            action.setShortcut(QKeySequence(f"Ctrl+{row + 1}"))
            action.triggered.connect(lambda _checked=False, r=row: self._go_to(r))
            self.go_menu.addAction(action)
        help_menu = bar.addMenu("&Help")
        shortcuts = QAction("&Keyboard shortcuts", self)
        shortcuts.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
        shortcuts.triggered.connect(self.open_shortcuts)
        help_menu.addAction(shortcuts)

    def _go_to(self, row: int) -> None:
        """A page chosen by key or menu: show it and put the keyboard focus in it."""
        if not self._side.isVisible():
            return
        self.show_page(row)
        page = self.pages.widget(row)
        page.setFocus(Qt.FocusReason.ShortcutFocusReason)
        page.focusNextChild()

    def _on_page_chosen(self, row: int) -> None:
        if row < 0:
            return
        self.page_list[row].refresh()
        self.pages.setCurrentIndex(row)

    def _on_welcome_done(self) -> None:
        self.preferences.welcome_shown = True
        self.preferences.save(self.store)
        self._side.setVisible(True)
        self.go_menu.setEnabled(True)
        self.show_page(0)
        self.me_page.add_button.setFocus()

    def _on_page_wanted(self, title: str) -> None:
        if title in PAGES:
            self._go_to(PAGES.index(title))

    def _on_changed(self, change: Change) -> None:
        for entry, page in zip(_PAGES, self.page_list):
            if entry.shows & change:
                page.refresh()

    def _on_wipe_confirmed(self) -> None:
        self.stop_work()
        self.store.close()
        try:
            wipe_all()
        except WipeError as exc:  # something not FaceAudit's appeared since the confirmation: nothing went
            QMessageBox.warning(self, "FaceAudit data not deleted", f"{error_text(exc)} FaceAudit will now close.")
        else:
            QMessageBox.information(self, "FaceAudit data deleted",
                                    "All FaceAudit data was deleted. FaceAudit will now close.")
        self.close()
