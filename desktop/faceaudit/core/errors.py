"""The errors a person can fix: each carries a message meant for them, not a traceback."""

from __future__ import annotations

__all__ = ["UserError"]

# Every module's own error derives from ValueError or OSError; this tuple is what the CLI and
# the GUI show as a plain message.
from .datasets import DatasetError
from .encryption import EncryptionError
from .fonts import FontError
from .identity import IdentityError
from .images import ImageError
from .indexing import WorkerStartError
from .letters import LetterError
from .references import ReferenceError
from .registry import RegistryError
from .requests import RequestError
from .search import ScanError
from .sources import SourceError
from .wipe import WipeError

UserError = (DatasetError, EncryptionError, FontError, IdentityError, ImageError, LetterError, ReferenceError,
             RegistryError, RequestError, ScanError, SourceError, WipeError, WorkerStartError)
