"""A module imported when it is first used, so that opening the window does not pay for it.

    pa = LazyModule("pyarrow")   # nothing imported yet
    pa.array([1, 2])             # imports pyarrow now

Used for heavy libraries that only some work needs (pyarrow for lists of links).
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["LazyModule"]


class LazyModule:
    """Stands for the module `name`; its first attribute read imports it."""

    def __init__(self, name: str):
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str):
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)
