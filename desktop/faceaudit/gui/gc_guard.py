"""Run Python's cyclic garbage collector on the GUI thread only.

The collector runs in whichever thread happens to allocate when a threshold is crossed. If
that is a background worker and the garbage holds Qt objects made on the GUI thread, Qt
destroys them from the wrong thread and the process crashes (seen here as a rare segfault
while a worker decoded a photo). So automatic collection is switched off and a timer on the
GUI thread collects instead, generation by generation, as the thresholds ask.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

__all__ = ["collect_on_gui_thread"]

_collector: "_Collector | None" = None


class _Collector(QObject):
    def __init__(self, parent: QObject, interval_ms: int):
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_tick)
        self._timer.start()

    def _on_tick(self) -> None:
        counts, thresholds = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return


def collect_on_gui_thread(interval_ms: int = 500) -> None:
    """Switch Python's automatic collection to a GUI-thread timer (once per application)."""
    global _collector
    app = QApplication.instance()
    if app is None or (_collector is not None and _collector.parent() is app):
        return
    gc.disable()
    _collector = _Collector(app, interval_ms)
