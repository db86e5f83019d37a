"""One app window per data folder: a second `faceaudit-app` brings the first window to the front and exits.

The first instance holds a file lock in the data folder (released by the system however the app
ends). A second one asks it to come forward by writing a small request file there, which the first
one notices with a QFileSystemWatcher: no socket, no network, nothing but the data folder. The CLI
takes no part: commands keep working beside the window.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, Signal, Slot

from faceaudit.core.storage.file_lock import FileLock
from faceaudit.core.storage.private_files import write_private

__all__ = ["SingleInstance", "LOCK_NAME", "REQUEST_NAME"]

LOCK_NAME = "app-instance.lock"
REQUEST_NAME = "app-instance.raise"


class SingleInstance(QObject):
    """The claim of one app instance on a data folder.

    Signals:
        raise_requested(): another instance started on this data folder and asks this one to
            come to the front (it exits on its own).
    """

    raise_requested = Signal()

    def __init__(self, home: Path, parent: QObject | None = None):
        super().__init__(parent)
        self.home = Path(home)
        self._lock = FileLock(self.home / LOCK_NAME)
        self._watcher: QFileSystemWatcher | None = None

    def claim(self) -> bool:
        """Become the data folder's app instance; False when another one already is."""
        return self._lock.acquire()

    def ask_first_to_come_forward(self) -> None:
        """Ask the instance holding the claim to bring its window to the front."""
        write_private(self.home / REQUEST_NAME, f"{os.getpid()} {time.time()}\n", atomic=True)

    def watch(self) -> None:
        """Start listening for requests from later instances (call once the window exists)."""
        (self.home / REQUEST_NAME).unlink(missing_ok=True)  # a request left from before this start
        self._watcher = QFileSystemWatcher([str(self.home)], self)
        self._watcher.directoryChanged.connect(self._on_folder_changed)

    def release(self) -> None:
        """Give the claim up (when the app ends)."""
        if self._watcher is not None:
            self._watcher.removePaths(self._watcher.directories())
        self._lock.release()

    @Slot(str)
    def _on_folder_changed(self, _folder: str) -> None:
        request = self.home / REQUEST_NAME
        if request.exists():
            request.unlink(missing_ok=True)
            self.raise_requested.emit()
