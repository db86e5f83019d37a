"""How long the window's event loop stalls: a 10 ms timer on its thread notes the gap between ticks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from PySide6.QtCore import QTimer

__all__ = ["Stalls", "measure_stalls"]


@dataclass
class Stalls:
    """The gaps (seconds) between the timer's ticks; a gap well over 10 ms is a stall."""

    gaps: list[float] = field(default_factory=list)

    @property
    def longest(self) -> float:
        return max(self.gaps)


@contextmanager
def measure_stalls() -> Iterator[Stalls]:
    """Tick every 10 ms on this thread's event loop while the block runs (it must let the loop run)."""
    stalls, last = Stalls(), [time.monotonic()]

    def tick():
        moment = time.monotonic()
        stalls.gaps.append(moment - last[0])
        last[0] = moment

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    try:
        yield stalls
    finally:
        timer.stop()
