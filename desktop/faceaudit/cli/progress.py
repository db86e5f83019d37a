"""A plain text progress bar for the terminal, with rate and time left."""

from __future__ import annotations

import sys
import time

from faceaudit.core.durations import format_duration

__all__ = ["ProgressBar"]


class ProgressBar:
    """Redraws one line on stderr (when it is a terminal; otherwise prints a line now and then)."""

    def __init__(self, label: str, stream=None, width: int = 30):
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = self.stream.isatty()
        self._last = 0.0

    def update(self, done: int, total: int, rate: float = 0.0, eta: float | None = None, extra: str = "") -> None:
        """Show `done` of `total`."""
        stamp = time.monotonic()
        if not self.tty and stamp - self._last < 5 and done < total:
            return
        self._last = stamp
        filled = int(self.width * done / total) if total else self.width
        bar = "#" * filled + "-" * (self.width - filled)
        line = f"{self.label} [{bar}] {done}/{total} {rate:.1f}/s ETA {format_duration(eta)} {extra}".rstrip()
        self.stream.write(("\r" + line + "\x1b[K") if self.tty else line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the line."""
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
