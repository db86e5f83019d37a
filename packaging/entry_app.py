"""Frozen entry point of the `faceaudit-app` desktop app (PyInstaller runs this file as __main__)."""

import multiprocessing
import os
import sys


def _probe_startup() -> None:
    """For packaging/smoke_test.py: say when the main window is up, then quit."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    qt = QApplication(sys.argv)  # app.main() reuses this instance

    def shown() -> None:
        visible = [w for w in qt.topLevelWidgets() if w.isVisible()]
        print("window shown" if visible else "no window", flush=True)
        qt.quit()

    QTimer.singleShot(0, shown)  # runs once the event loop starts, i.e. after window.show()


if __name__ == "__main__":
    # Indexing starts "spawn" worker processes, which re-run this executable: hand them over first.
    multiprocessing.freeze_support()
    if sys.argv[1:] == ["--version"]:
        # Answered before Qt loads, so packagers and scripts can ask without a display.
        from faceaudit import __version__

        print(f"faceaudit-app {__version__}")
        sys.exit(0)
    import faceaudit.gui.app as app

    if os.environ.get("FACEAUDIT_STARTUP_PROBE"):
        _probe_startup()
    sys.exit(app.main())
