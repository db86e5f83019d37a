"""The peak memory of what a test itself does, not of every test the process ran before it.

`getrusage`'s maxrss is the process's peak since it started: in the full suite, a hostile-input
test that runs after the cluster and large-index tests would be charged for their peak. On Linux,
writing 5 to /proc/self/clear_refs resets the peak (VmHWM) to the resident size now, so the growth
from there is the test's own. Elsewhere the process's whole peak is used, as before.
"""

from __future__ import annotations

import resource
from pathlib import Path

__all__ = ["PeakMeter"]


def _status_bytes(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024  # kB
    except (OSError, ValueError, IndexError):
        return None
    return None


class PeakMeter:
    """Started where the test's work starts; `grown()` is the peak resident memory added since."""

    def __init__(self) -> None:
        try:
            Path("/proc/self/clear_refs").write_text("5")
            self.base = _status_bytes("VmRSS")
        except OSError:
            self.base = None

    def grown(self) -> int:
        """Bytes: the peak since the start less the resident size then (the whole peak where unknown)."""
        peak = _status_bytes("VmHWM")
        if self.base is None or peak is None:
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
        return peak - self.base
