"""OpenCV, imported so that it cannot break Qt in the same process.

opencv-python points QT_QPA_PLATFORM_PLUGIN_PATH at its own Qt plugins when imported, which
makes PySide6 load the wrong platform plugin; we put the environment back as it was.
"""

from __future__ import annotations

import os

_saved = {k: os.environ.get(k) for k in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR")}

import cv2  # noqa: E402

for _key, _value in _saved.items():
    if _value is None:
        os.environ.pop(_key, None)
    else:
        os.environ[_key] = _value

__all__ = ["cv2"]
