"""What every command module shares: the store, dates and multi-line options, the vocabularies' choices."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING

from faceaudit.cli.hints import Step, command, hint_for_action
from faceaudit.core.datasets.states import DatasetState
from faceaudit.core.errors import Action
from faceaudit.core.letters.types import Law, LetterKind
from faceaudit.core.storage.store import Store  # here: `faceaudit --help` needs no database library

if TYPE_CHECKING:
    from faceaudit.core.storage.store import Store

__all__ = ["open_store", "parse_date", "lines", "print_saved", "shown", "see_hint", "LETTER_TYPES", "LAWS"]

#: The letter types and laws as the CLI offers them (declared once, in core/letters/types.py).
LETTER_TYPES = [kind.value for kind in LetterKind]
LAWS = [law.value for law in Law]


def open_store() -> Store:
    """The database of the data folder (FACEAUDIT_HOME or the platform's user data folder)."""
    return Store()


def shown(text) -> str:
    """Text from outside (a file name, a label, a reason naming a file) as the terminal may print it.

    Control characters are written out (`\\x1b`, `\\u2028`), never sent: a file name holding an
    escape sequence could otherwise rewrite the screen (a fake "0 file(s) could not be indexed"
    line), and a line separator or a bidi control could hide where a name ends.
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escaped(char) for char in text)


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else (f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")


def parse_date(text: str) -> date:
    """An argparse type: an ISO date (2026-01-31)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-31") from None


def lines(text: str | None) -> str:
    """An option's text with `\\n` written out turned into real line breaks."""
    return (text or "").replace("\\n", "\n")


def print_saved(saved) -> None:
    """Say what a saved letter wrote, what it tracks, and what is still missing (with the command for it)."""
    for path in saved.paths:
        print(shown(f"wrote {path}"))
    letter = saved.letter
    print(f"written under {letter.strings['laws'][letter.law]['name']}; {len(letter.annex)} confirmed match(es) "
          "in the annex" + (f"; answer due {letter.deadline}" if letter.deadline else ""))
    if saved.request_id:
        print(f"tracked as request {saved.request_id} (draft): once sent, run "
              + command(Step.MARK_SENT, id=saved.request_id))
    for note in saved.notes:
        hint = hint_for_action(note.action, note.subject)
        print(shown(f"note: {note.message}" + (f" ({hint})" if hint else "")))


def see_hint(name: str, state: str | None) -> str:
    """Where to look next about a dataset not really checked: indexing finishes one still waiting, the
    errors list explains the rest; nothing for a dataset the scan did not search (state None)."""
    if state is None:
        return ""
    if state in (DatasetState.NEW, DatasetState.INDEXING):
        return f" ({hint_for_action(Action.INDEX_DATASET, shown(name))})"
    return f" (see: {command(Step.DATASET_ERRORS, name=shown(name))})"
