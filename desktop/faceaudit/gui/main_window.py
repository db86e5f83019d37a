"""The main window: a sidebar of five pages, the first-run welcome, settings, and a clean close."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import QSize, Qt
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

from faceaudit.core.errors import FaceAuditError
from faceaudit.core.storage import paths
from faceaudit.core.storage.wipe import WipeError, wipe_all
from faceaudit.gui.dialogs.settings import SettingsDialog
from faceaudit.gui.dialogs.shortcuts import ShortcutsDialog
from faceaudit.gui.pages.datasets import DatasetsPage
from faceaudit.gui.pages.letters import LettersPage
from faceaudit.gui.pages.me import MePage
from faceaudit.gui.pages.requests import RequestsPage
from faceaudit.gui.pages.review import ReviewPage
from faceaudit.gui.pages.welcome import WelcomePage
from faceaudit.gui.support import folders
from faceaudit.gui.support.gc_guard import collect_on_gui_thread
from faceaudit.gui.support.none_guard import keep_none_alive
from faceaudit.gui.support.preferences import Preferences
from faceaudit.gui.wording import error_text

__all__ = ["MainWindow", "PAGES"]

#: Sidebar entries, in order.
PAGES = ("Me", "Datasets", "Scan & Review", "Letters", "Requests")


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
    """

    def __init__(self, store, parent: QWidget | None = None):
        super().__init__(parent)
        collect_on_gui_thread()
        keep_none_alive()  # PySide6 6.12 on Python 3.11 drops a reference to None at each void Qt call

        self.store = store
        self.preferences = Preferences.load(store)
        self.setWindowTitle("FaceAudit")
        folders.bind(store)  # file dialogs open where the last one of their kind was used
        self.setMinimumSize(QSize(900, 600))
        self._restore_size()

        self.me_page = MePage(store)
        self.datasets_page = DatasetsPage(store, self.preferences)
        self.review_page = ReviewPage(store)
        self.letters_page = LettersPage(store, self.preferences)
        self.requests_page = RequestsPage(store)
        self.welcome_page = WelcomePage(str(paths.data_home()))
        self.welcome_page.started.connect(self._on_welcome_done)
        self.datasets_page.indexing_done.connect(self._on_indexing_done)
        self.letters_page.letter_saved.connect(self._on_letter_saved)

        self.pages = QStackedWidget()
        for page in (self.me_page, self.datasets_page, self.review_page, self.letters_page, self.requests_page,
                     self.welcome_page):
            self.pages.addWidget(page)
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
        self.settings_button = settings
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
        """Stop every background job; what they did so far is saved."""
        for page in (self.me_page, self.datasets_page, self.review_page):
            page.stop()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop_work()
        self._remember_size()
        super().closeEvent(event)

    def _restore_size(self) -> None:
        """The size the window had when last closed (on the screen it opens on), else 1200 x 800."""
        prefs = self.preferences
        size = QSize(prefs.window_width, prefs.window_height) if prefs.window_width else QSize(1200, 800)
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        if screen is not None and screen.width() >= self.minimumWidth() and screen.height() >= self.minimumHeight():
            size = size.boundedTo(screen.size())  # remembered on a larger screen: it still fits this one
        self.resize(size.expandedTo(self.minimumSize()))
        if prefs.window_maximized:
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)

    def _remember_size(self) -> None:
        prefs = self.preferences
        prefs.window_maximized = self.isMaximized()
        if not self.isMaximized() and not self.isFullScreen():
            prefs.window_width, prefs.window_height = self.width(), self.height()
        try:
            prefs.save(self.store)
        except (sqlite3.Error, OSError, FaceAuditError):  # closing never fails for a window size (a wiped store)
            pass

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
        page = self.pages.widget(row)
        if hasattr(page, "refresh"):
            page.refresh()
        self.pages.setCurrentIndex(row)

    def _on_welcome_done(self) -> None:
        self.preferences.welcome_shown = True
        self.preferences.save(self.store)
        self._side.setVisible(True)
        self.go_menu.setEnabled(True)
        self.show_page(0)
        self.me_page.add_button.setFocus()

    def _on_indexing_done(self, _name: str) -> None:
        self.review_page.refresh()

    def _on_letter_saved(self, _request_id: int) -> None:
        self.requests_page.refresh()

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
