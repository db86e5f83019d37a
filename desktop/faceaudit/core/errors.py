"""The errors a person can fix: each carries a message meant for them, not a traceback."""

from __future__ import annotations

__all__ = ["UserError"]

# Every module's own error derives from ValueError or OSError; this tuple is what the CLI and
# the GUI show as a plain message.
from .datasets import DatasetError
from .images import ImageError
from .references import ReferenceError
from .search import ScanError
from .sources import SourceError
from .wipe import WipeError

UserError = (DatasetError, ImageError, ReferenceError, ScanError, SourceError, WipeError)
