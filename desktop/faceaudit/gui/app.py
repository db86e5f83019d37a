"""Start the desktop app: `faceaudit-app` or `python -m faceaudit`."""

from __future__ import annotations

import sys

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

__all__ = ["main", "app_icon"]

def app_icon() -> QIcon:
    """The app's icon (empty when the resources folder cannot be found)."""
    from faceaudit.core.storage.resources import resources_dir

    icon = resources_dir() / "icons" / "faceaudit.svg"
    return QIcon(str(icon)) if icon.is_file() else QIcon()


def create_window():
    """Open the database and build the main window (not shown yet)."""
    from faceaudit.core.storage.store import Store
    from faceaudit.gui.main_window import MainWindow

    return MainWindow(Store())


def main(argv: list[str] | None = None) -> int:
    """Run the app until its window closes; returns the exit status."""
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("FaceAudit")
    app.setOrganizationName("FaceAudit")
    app.setDesktopFileName("io.github.faceaudit.FaceAudit")  # matches packaging/linux/*.desktop
    app.setWindowIcon(app_icon())
    from faceaudit.core.storage.encryption import DataLocked

    try:
        window = create_window()
    except DataLocked as exc:  # the database is encrypted: say so plainly instead of a traceback
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(None, "FaceAudit", f"{exc}.\n\nIn a terminal: faceaudit unlock")
        return 2
    window.show()
    status = app.exec()
    from faceaudit.gui.support.workers import wait_for_jobs

    wait_for_jobs()  # work so far is saved; a thread must not outlive the app's objects
    window.store.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
