"""Functions that run inside a test's worker processes (importable by name, as spawn needs)."""

from __future__ import annotations

import struct
import sys
import time
from pathlib import Path


def half_a_result(written: str) -> None:
    """Write the start of a 1 MiB result message to the executor's result pipe, then hang.

    That is what a worker killed in the middle of sending its results leaves behind. The
    file `written` appears once the half message is in the pipe.
    """
    frame = sys._getframe()
    while frame is not None and "result_queue" not in frame.f_locals:
        frame = frame.f_back
    writer = frame.f_locals["result_queue"]._writer
    writer._send(struct.pack("!i", 1 << 20) + b"x" * 100)
    Path(written).touch()
    time.sleep(3600)


def nap(seconds: float) -> float:
    """Sleep, then return the time slept."""
    time.sleep(seconds)
    return seconds
