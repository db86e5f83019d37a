"""Run Python's cyclic garbage collector on the GUI thread only.

The collector runs in whichever thread happens to allocate when a threshold is crossed. If
that is a background worker and the garbage holds Qt objects made on the GUI thread, Qt
destroys them from the wrong thread and the process crashes (seen here as a rare segfault
while a worker decoded a photo). So automatic collection is switched off and a timer on the
GUI thread collects instead, generation by generation, as CPython's own scheduler would.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

__all__ = ["collect_on_gui_thread"]

_collector: _Collector | None = None


def _generation_to_collect(counts: tuple[int, int, int], thresholds: tuple[int, int, int],
                           long_lived_pending: int, long_lived_total: int) -> int | None:
    """The generation CPython's automatic collector would collect now, or None.

    As in CPython (`gc_collect_generations`), a full collection also waits until the objects
    that reached the oldest generation since the last one are a quarter of those it kept.
    A full collection takes time in proportion to the whole heap, and the window is frozen
    meanwhile (89 ms at 160,000 objects in the test suite's process). Without this rule the
    timer ran one every ten generation-1 collections.
    """
    for generation in (2, 1, 0):
        if counts[generation] > thresholds[generation]:
            if generation == 2 and long_lived_pending < long_lived_total // 4:
                continue
            return generation
    return None


class _Collector(QObject):
    def __init__(self, parent: QObject, interval_ms: int):
        super().__init__(parent)
        self._long_lived = 0  # objects in the oldest generation after the last full collection
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_tick)
        self._timer.start()

    def _on_tick(self) -> None:
        counts, thresholds = gc.get_count(), gc.get_threshold()
        # Counting the oldest generation takes ~2.5 ms at 160,000 objects: only when it is due.
        pending = len(gc.get_objects(generation=2)) - self._long_lived if counts[2] > thresholds[2] else 0
        generation = _generation_to_collect(counts, thresholds, pending, self._long_lived)
        if generation is None:
            return
        gc.collect(generation)
        if generation == 2:
            self._long_lived = len(gc.get_objects(generation=2))


def collect_on_gui_thread(interval_ms: int = 500) -> None:
    """Switch Python's automatic collection to a GUI-thread timer (once per application)."""
    global _collector
    app = QApplication.instance()
    if app is None or (_collector is not None and _collector.parent() is app):
        return
    gc.disable()
    # What exists when the window opens (modules, classes, the window itself) lives as long as
    # the app: frozen, it is left out of every later collection, which then freezes the window
    # only for the time the newer objects take (a full collection took 89 ms at 160,000 objects).
    # The price: a garbage cycle that already exists at this moment is never freed.
    gc.freeze()
    _collector = _Collector(app, interval_ms)
