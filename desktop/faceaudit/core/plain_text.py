"""Text from outside (file names, fields of a list's rows) made safe to print: nothing hidden, nothing run."""

from __future__ import annotations

__all__ = ["escaped", "defused"]

#: What makes a spreadsheet read a cell as a formula (`=HYPERLINK(...)`), when a line is pasted into one.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escaped(text) -> str:
    """The text with every control or invisible separator written out (`\\x1b`, `\\u2028`), never sent.

    An escape sequence could rewrite a terminal's screen, and a line separator or a bidi control
    could hide where a name ends.
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _written_out(char) for char in text)


def defused(text) -> str:
    """`escaped`, and a leading formula sign quoted (`'=HYPERLINK(...)`) so that no spreadsheet runs it."""
    text = escaped(text)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _written_out(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else (f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
