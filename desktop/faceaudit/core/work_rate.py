"""Items per second and time left, from working time only: start-up, pauses and stops are not work."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

__all__ = ["WorkRate"]

#: Items that arrive this soon after a resume were done while paused (the work already sent
#: finishes during a pause): counted as done, never as fast work.
_AFTER_RESUME_S = 1.0
#: No rate before this much work has been timed: a first batch says nothing about the pace.
_LEAST_SPAN_S = 2.0


class WorkRate:
    """The pace of one run of a long job, timed on a clock that runs only while it works.

    The clock starts at the first progress point (start-up is not work), stops at `pause` and
    starts again at `resume`. Items that arrive while paused or just after a resume were done
    untimed: they count as done but not towards the pace. A new run (after a stop) is a new
    WorkRate.

    Args:
        window_s: the pace is taken over this much recent working time.
        clock: seconds, monotonic (tests give their own).
    """

    def __init__(self, window_s: float = 30.0, clock: Callable[[], float] = time.monotonic):
        self._clock, self._window = clock, window_s
        self._worked = 0.0
        self._since: float | None = None
        self._paused = False
        self._resumed_at: float | None = None
        self._last: int | None = None
        self._untimed = 0
        self._samples: deque[tuple[float, int]] = deque()

    def pause(self) -> None:
        """Stop the clock."""
        self._worked = self.worked()
        self._since, self._paused = None, True

    def resume(self) -> None:
        """Start the clock again."""
        if self._paused:
            self._paused = False
            self._since = self._clock() if self._last is not None else None
            self._resumed_at = self._worked

    def worked(self) -> float:
        """Seconds of work timed so far."""
        return self._worked + (self._clock() - self._since if self._since is not None else 0.0)

    def note(self, done: int) -> None:
        """A progress point: `done` items finished in all (earlier runs included)."""
        if self._last is None:
            self._last = done
            if not self._paused:
                self._since = self._clock()
            self._samples.append((0.0, done))
            return
        step, self._last = done - self._last, done
        work = self.worked()
        if self._paused or (self._resumed_at is not None and work - self._resumed_at < _AFTER_RESUME_S):
            self._untimed += step
            return
        self._resumed_at = None
        self._samples.append((work, done - self._untimed))
        while len(self._samples) > 2 and work - self._samples[0][0] > self._window:
            self._samples.popleft()

    def rate(self) -> float:
        """Items per second of work; 0.0 while too little has been timed."""
        if len(self._samples) < 2:
            return 0.0
        (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
        return (d1 - d0) / (t1 - t0) if t1 - t0 >= _LEAST_SPAN_S and d1 > d0 else 0.0

    def seconds_left(self, left: int) -> float | None:
        """Seconds of work for `left` more items at this pace; None while the pace is unknown."""
        if left <= 0:
            return 0.0
        rate = self.rate()
        return left / rate if rate > 0 else None
