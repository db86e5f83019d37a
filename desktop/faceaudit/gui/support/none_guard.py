"""Keep Python's None alive under a reference-count bug of PySide6 6.12 on Python 3.11.

With PySide6 6.12.0 on CPython 3.11, every call from Python to a Qt method that returns nothing
(`widget.update()`, `label.setText(...)`, `painter.drawRect(...)`) gives back None without taking a
reference to it, so None's reference count drops by one each time. After some 20,000 such calls
(a long review session, a window resized for a while) it reaches zero and the interpreter stops
with "Fatal Python error: none_dealloc: deallocating None". From Python 3.12 on None is immortal
(PEP 683) and the bug is harmless.

The guard does what 3.12 does: when a probe shows that a void Qt call drops a reference, it adds
2**40 references to None once (None is never freed anyway); at one lost reference a call, that
lasts longer than any session. Nothing happens where the bug is absent.
"""

from __future__ import annotations

import ctypes
import sys

__all__ = ["none_references_leak", "keep_none_alive"]

_EXTRA = 1 << 40
_done = False


def none_references_leak() -> bool:
    """True when a Qt call that returns nothing drops a reference to None (the bug is present)."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False  # None is immortal there
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(16):
        probe.setObjectName("probe")
    return sys.getrefcount(None) < before - 8


def keep_none_alive() -> bool:
    """Add the references the bug takes away, once per process, where the bug is present; True when added."""
    global _done
    if _done or not none_references_leak():
        return False
    # ob_refcnt is the first field of every CPython object (Include/object.h, 3.11).
    ctypes.c_ssize_t.from_address(id(None)).value += _EXTRA
    _done = True
    return True
