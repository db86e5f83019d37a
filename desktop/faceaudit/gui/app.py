"""Start the desktop app: `faceaudit-app` or `python -m faceaudit`."""

from __future__ import annotations

import sys

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit, QMainWindow, QMessageBox

from faceaudit.core.errors import FaceAuditError
from faceaudit.core.storage import paths
from faceaudit.core.storage.encryption import EncryptionError, is_locked, unlock
from faceaudit.core.storage.faults import sort_error
from faceaudit.core.storage.resources import resources_dir
from faceaudit.core.storage.store import Store
from faceaudit.gui.main_window import MainWindow
from faceaudit.gui.support.qt_libraries import install_hint, may_use_x11, missing_packages
from faceaudit.gui.support.single_instance import SingleInstance
from faceaudit.gui.support.workers import wait_for_jobs
from faceaudit.gui.wording import error_text

__all__ = ["main", "app_icon", "ask_to_unlock"]


def app_icon() -> QIcon:
    """The app's icon (empty when the resources folder cannot be found)."""
    icon = resources_dir() / "icons" / "faceaudit.svg"
    return QIcon(str(icon)) if icon.is_file() else QIcon()


def create_window():
    """Open the database and build the main window (not shown yet)."""
    return MainWindow(Store())


def main(argv: list[str] | None = None) -> int:
    """Run the app until its window closes; returns the exit status."""
    if QApplication.instance() is None and may_use_x11():
        missing = missing_packages()
        if missing:  # Qt would stop with a message naming one of them at most: name them all first
            print(install_hint(missing), file=sys.stderr)
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("FaceAudit")
    app.setOrganizationName("FaceAudit")
    app.setDesktopFileName("io.github.faceaudit.FaceAudit")  # matches packaging/linux/*.desktop
    app.setWindowIcon(app_icon())
    instance = SingleInstance(paths.data_home())
    if not instance.claim():  # a window is open on this data folder already: bring it forward instead
        instance.ask_first_to_come_forward()
        return 0
    try:
        return _run(app, instance)
    finally:
        instance.release()


def _run(app: QApplication, instance: SingleInstance) -> int:
    try:
        if is_locked() and not ask_to_unlock():
            QMessageBox.critical(None, "FaceAudit", "Your FaceAudit data is locked with a passphrase, and it was not "
                                 "unlocked. Start FaceAudit again to enter the passphrase.")
            return 2
        window = create_window()
    except Exception as exc:  # a damaged database, a full or read-only disk: said; anything else is a bug
        _fault, problem = sort_error(exc)
        if not isinstance(problem, FaceAuditError):
            raise
        QMessageBox.critical(None, "FaceAudit", error_text(problem))
        return 2
    instance.raise_requested.connect(lambda: _bring_forward(window))
    instance.watch()
    window.show()
    if window.store.recovered:  # a lock or unlock cut off earlier was finished or undone: say which copy is good
        QMessageBox.information(window, "FaceAudit", window.store.recovered[:1].upper() + window.store.recovered[1:]
                                + ".")
    status = app.exec()
    wait_for_jobs()  # work so far is saved; a thread must not outlive the app's objects
    window.store.close()
    return status


def _bring_forward(window: QMainWindow) -> None:
    """Show the window on top, as a second start of the app asked."""
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()


def ask_to_unlock(tries: int = 3) -> bool:
    """Ask for the passphrase of locked data and unlock it; False when the person gives up."""
    message = "Your FaceAudit data is locked (encrypted on disk). Enter its passphrase to unlock it:"
    for _ in range(tries):
        passphrase, ok = QInputDialog.getText(None, "Unlock FaceAudit", message, QLineEdit.EchoMode.Password)
        if not ok:
            return False
        try:
            unlock(passphrase)
            return True
        except EncryptionError as exc:
            message = f"{error_text(exc)}\n\nEnter the passphrase again:"
    return False


if __name__ == "__main__":
    sys.exit(main())
