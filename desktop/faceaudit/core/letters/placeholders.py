"""What a composed letter would still print as "please fill in", named as the person fills it in."""

from __future__ import annotations

from faceaudit.core.letters.compose import Letter
from faceaudit.core.letters.export import letter_text

__all__ = ["unfilled"]


def unfilled(letter: Letter) -> list[str]:
    """What the letter would print as a placeholder ("[address: please fill in]"), in words; empty when nothing."""
    strings = letter.strings

    def shows(key: str, lines: list[str] | str) -> bool:
        return bool(strings.get(key)) and strings[key] in lines

    missing = []
    if shows("placeholder_name", letter.sender_name):
        missing.append("your name")
    if shows("placeholder_address", letter.sender_lines):
        missing.append("your postal address")
    if shows("placeholder_recipient", letter.recipient_lines):
        missing.append("the recipient's name")
    if shows("placeholder_authority", letter.recipient_lines):
        missing.append("the data-protection authority (set your country, or fill in To:)")
    if shows("placeholder_address", letter.recipient_lines):
        missing.append("the recipient's postal address or e-mail")
    if shows("placeholder_date", letter_text(letter)):
        missing.append("the date the earlier request was sent")
    return missing
