"""The Linux system libraries Qt needs for an X11 window, and the Debian/Ubuntu package of each.

A plain Linux desktop may lack a few of them (often libxcb-cursor0, libxcb-icccm4 and
libxcb-keysyms1); Qt then stops with "Could not load the Qt platform plugin "xcb"", which names
at most one of them. This module finds every one that is missing by loading it, without Qt:
`run.py` reads it by path (before any environment exists) and the app asks it before Qt starts.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping

__all__ = ["LIBRARIES", "missing_packages", "may_use_x11", "install_hint", "is_platform_failure"]

#: Shared library -> the Debian/Ubuntu package that has it: what Qt's xcb platform plugin loads.
LIBRARIES = {
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libfontconfig.so.1": "libfontconfig1",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
}

#: What Qt prints when no platform plugin could start.
_FAILURE_WORDS = ("Could not load the Qt platform plugin", "no Qt platform plugin could be initialized")


def _loads(name: str) -> bool:
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def missing_packages(loads: Callable[[str], bool] = _loads) -> list[str]:
    """The packages whose library cannot be loaded here, in the order of LIBRARIES (empty off Linux)."""
    if not sys.platform.startswith("linux"):
        return []
    return [package for library, package in LIBRARIES.items() if not loads(library)]


def may_use_x11(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether Qt will try its X11 platform: on Linux, with an X display, unless told to use another one."""
    if not sys.platform.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(":")[0].split(";")[0] == "xcb"
    return bool(environ.get("DISPLAY")) and not environ.get("WAYLAND_DISPLAY")


def is_platform_failure(text: str) -> bool:
    """Whether `text` (what a failed start printed) is Qt saying it could not open a window at all."""
    return any(words in text for words in _FAILURE_WORDS)


def install_hint(missing: list[str], environ: Mapping[str, str] = os.environ) -> str:
    """What to tell a person whose FaceAudit could not open its window."""
    if missing:
        return ("FaceAudit cannot open its window: Qt needs system libraries that are missing here.\n"
                "On Debian or Ubuntu, install them with:\n"
                f"    sudo apt install {' '.join(missing)}\n"
                "(other distributions name the same libraries: see docs/linux.md).")
    if not environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY"):
        return ("FaceAudit cannot open its window: there is no desktop session here (neither DISPLAY nor "
                "WAYLAND_DISPLAY is set). Start it from a desktop, or use the faceaudit command line.")
    return ("FaceAudit cannot open its window: Qt could not start its platform plugin, though every library "
            "it usually needs is present. Qt's message above says more; docs/linux.md lists what to check.")
