"""What every page offers the window (refresh, stop), and what a page's work changed (`Change`)."""

from __future__ import annotations

from enum import Flag, auto
from typing import Protocol, runtime_checkable

__all__ = ["Change", "Page"]


class Change(Flag):
    """What some work changed, so that the pages showing it refresh (the window's `changed` signal carries it)."""

    NONE = 0
    DATASETS = auto()
    FACES = auto()
    DECISIONS = auto()
    REQUESTS = auto()


@runtime_checkable
class Page(Protocol):
    """A page of the window's sidebar."""

    def refresh(self) -> None:
        """Show the store as it is now (the page was chosen, or something it shows changed)."""

    def stop(self) -> None:
        """Stop the page's background work and wait for it (the window closes, or the data is wiped)."""
