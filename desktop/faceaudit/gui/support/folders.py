"""Where file dialogs open: the folder last used for the same purpose (kept in the database), else the home folder."""

from __future__ import annotations

from pathlib import Path

__all__ = ["bind", "start", "remember"]

_state: dict[str, object] = {}


def bind(store) -> None:
    """Keep the folders in this Store (the window's, set once when the window opens)."""
    _state["store"] = store


def start(purpose: str, name: str = "") -> str:
    """The folder to open a dialog in for `purpose` ("photos", "dataset", "letter", ...), with `name` in it if given."""
    store = _state.get("store")
    folder = store.get_setting(f"gui.folder.{purpose}") if store is not None else None
    where = Path(folder) if folder and Path(folder).is_dir() else Path.home()
    return str(where / name) if name else str(where)


def remember(purpose: str, chosen: str | list[str] | None) -> None:
    """Keep the folder of what was chosen (a file's folder; a chosen folder's parent, where it was found)."""
    first = chosen[0] if isinstance(chosen, list) and chosen else chosen
    store = _state.get("store")
    if not first or store is None:
        return
    store.set_setting(f"gui.folder.{purpose}", str(Path(first).parent))
