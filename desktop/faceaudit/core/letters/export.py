"""A rendered letter as plain text and as an unsent `.eml` e-mail draft with the PDF attached."""

from __future__ import annotations

import os
import re
import unicodedata
from datetime import UTC, datetime, time
from email import errors
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

from faceaudit.core.errors import Action
from faceaudit.core.letters.annex import (
    FACE,
    IDENTIFIER,
    distance_text,
    identity_text,
    locator_text,
    matched_text,
    models_provenance,
    row_strings,
    scan_date_text,
    shown_fields,
)
from faceaudit.core.letters.compose import Letter, LetterError
from faceaudit.core.plain_text import defused, escaped
from faceaudit.core.storage.private_files import write_private

__all__ = ["letter_text", "write_letter_text", "letter_email", "letter_email_bytes", "write_letter_eml",
           "check_email_draft"]


def letter_text(letter: Letter) -> str:
    """The whole letter, annex included, as plain UTF-8 text."""
    parts = [letter.sender_name, *letter.sender_lines]
    if letter.sender_email:
        parts.append(letter.sender_email)
    parts += ["", *letter.recipient_lines, "", letter.date_text, "", letter.subject, "", letter.body.rstrip("\n"),
              "", "", "_" * 30, letter.sender_name]
    if letter.annex:
        strings, labels, words = letter.strings, letter.strings["annex_labels"], row_strings(letter.lang)
        parts += ["", letter.enclosure_text, ""]
        decimal = strings.get("decimal_separator", ".")
        faces = [e for e in letter.annex if e.kind == FACE]
        rows = [e for e in letter.annex if e.kind == IDENTIFIER]
        if faces:
            parts += ["", strings["annex_title"], "", strings["annex_intro"], ""]
        for number, entry in enumerate(faces, 1):
            parts += [f"{number}. {letter.dataset_title} ({entry.version})", f"   {escaped(entry.key)}"]
            if entry.label:
                parts.append(f"   {labels['label']}: {defused(entry.label)}")
            if entry.identity:
                parts.append(f"   {labels['identity']}: {identity_text(entry, labels, decimal)}")
            parts += [f"   {labels['sha256']}: {entry.sha256}", f"   {labels['box']}: {entry.box_text}",
                      f"   {labels['model']}: {entry.model}",
                      f"   {labels['distance']}: {distance_text(entry, labels, decimal)}",
                      f"   {labels['scan']}: {scan_date_text(entry, strings)}", ""]
        if faces:
            parts += ["", strings["annex_models"], "", *[f"{text}\n" for text in models_provenance(faces)]]
        if rows:
            parts += ["", words["title"], "", words["intro"], ""]
        for offset, entry in enumerate(rows, 1):
            parts += _row_lines(len(faces) + offset, entry, letter, words)
    # No-break spaces keep citations whole in the PDF; plain text lets the reader's program wrap.
    return ("\n".join(parts).rstrip("\n") + "\n").replace("\u00a0", " ")


def _row_lines(number: int, entry, letter: Letter, words: dict) -> list[str]:
    """A row of a list of links, as the annex lists it in plain text."""
    row_labels = words["labels"]
    # What the row holds is the list publisher's text: control characters written out, formula signs
    # quoted (`core.plain_text.defused`), as the scan prints it.
    lines = [f"{number}. {letter.dataset_title} ({entry.version})",
             f"   {row_labels['where']}: {escaped(locator_text(entry, words))}",
             f"   {row_labels['matched']}: {escaped(matched_text(entry, words))}"]
    if entry.url:
        lines.append(f"   {row_labels['url']}: {defused(entry.url)}")
    fields = shown_fields(entry)
    if fields:
        lines.append(f"   {row_labels['fields']}:")
        lines += [f"     {escaped(name)}: {defused(value)}" for name, value in fields]
    lines += [f"   {row_labels['scan']}: {scan_date_text(entry, letter.strings)}", ""]
    return lines


def write_letter_text(letter: Letter, path: str | os.PathLike) -> Path:
    """Write the letter as UTF-8 text (private to its owner)."""
    return write_private(Path(path), letter_text(letter).encode("utf-8"))


def letter_email(letter: Letter, pdf: bytes | None = None, pdf_name: str = "letter.pdf",
                 extra: list[tuple[str, bytes]] | None = None) -> EmailMessage:
    """The letter as an e-mail draft: text body, PDF attached (and, for a follow-up, the letters it follows,
    `extra` as (file name, PDF bytes)). It is never sent; text for a web form has no recipient and says so.

    Header values are set through the e-mail library, which encodes non-ASCII text and
    refuses line breaks, so nothing a person typed can add headers.
    """
    message = EmailMessage(policy=SMTP)
    message["Subject"] = _one_line(letter.subject)
    if letter.sender_email:
        message["From"] = _address(letter.sender_name, letter.sender_email)
    if letter.recipient.email:
        message["To"] = _address(letter.recipient.name, letter.recipient.email)
    message["Date"] = format_datetime(datetime.combine(letter.date, time(9, 0), tzinfo=UTC))
    message["X-Unsent"] = "1"  # opens as a draft in Outlook and Thunderbird
    body = letter_text(letter) if not pdf else _email_body(letter)
    if letter.recipient.web_form and not letter.recipient.email:
        body = letter.strings["web_form_note"].format(url=letter.recipient.web_form) + "\n\n" + body
    message.set_content(body, subtype="plain", charset="utf-8", cte="quoted-printable")
    if pdf:
        message.add_attachment(pdf, maintype="application", subtype="pdf", filename=pdf_name)
    for name, data in extra or []:
        message.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return message


def check_email_draft(letter: Letter) -> None:
    """Refuse, before anything is written, a letter whose e-mail headers would hold a control character.

    A line separator (U+2028, U+0085) or a control character in a name cannot stand in an e-mail
    header (the e-mail library refuses the first and would pass the second on raw); it was found
    only after the PDF had been written, and then neither the draft nor the request was saved.

    Raises:
        LetterError: which field holds which character (the sender's own details: fix them).
    """
    fields = [("your name", letter.sender_name, True), ("your e-mail address", letter.sender_email, True),
              ("the recipient's name", letter.recipient.name, False),
              ("the recipient's e-mail address", letter.recipient.email, False), ("the subject", letter.subject, False)]
    for what, value, own in fields:
        # "=?utf-8?q?...?=" is decoded by every mail program: in a name it could hide a line break
        # and a header of its own (a Bcc:) behind harmless-looking text.
        word = _ENCODED_WORD.search(value or "")
        if word is not None:
            raise LetterError(f"{what} holds “{word.group(0)[:60]}”, which mail programs decode as hidden text "
                              "(an RFC 2047 encoded word); nothing was written",
                              action=Action.SET_IDENTITY if own else None)
        bad = next((char for char in value or "" if char not in "\t\r\n" and _breaks_a_header(char)), None)
        if bad is not None:
            described = unicodedata.name(bad, "a control character").lower()
            raise LetterError(f"{what} holds the character U+{ord(bad):04X} ({described}), which an e-mail header"
                              " cannot hold; nothing was written",
                              action=Action.SET_IDENTITY if own else None)


_ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[bBqQ]\?[^?\s]*\?=")


def _breaks_a_header(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Zl", "Zp")


def write_letter_eml(letter: Letter, path: str | os.PathLike, pdf: bytes | None = None,
                     pdf_name: str = "letter.pdf", extra: list[tuple[str, bytes]] | None = None) -> Path:
    """Write the `.eml` draft (private to its owner)."""
    return write_private(Path(path), letter_email_bytes(letter, pdf, pdf_name, extra))


def letter_email_bytes(letter: Letter, pdf: bytes | None = None, pdf_name: str = "letter.pdf",
                       extra: list[tuple[str, bytes]] | None = None) -> bytes:
    """The `.eml` draft as bytes, built whole before anything is written.

    Raises:
        LetterError: a header the e-mail library refuses (after `check_email_draft`, a case it did not foresee).
    """
    check_email_draft(letter)
    try:
        return letter_email(letter, pdf, pdf_name, extra).as_bytes()
    except (ValueError, TypeError, errors.MessageError) as exc:
        raise LetterError(f"the e-mail draft cannot be made ({exc}); nothing was written",
                          action=Action.SET_IDENTITY) from None


def _email_body(letter: Letter) -> str:
    text = letter_text(letter)
    note = letter.strings["attachment_note_annex" if letter.annex else "attachment_note"]
    return f"{text}\n{note}\n"


def _address(name: str, email: str) -> str:
    from email.headerregistry import Address

    local, _, domain = _one_line(email).rpartition("@")
    return str(Address(display_name=_one_line(name), username=local, domain=domain))


def _one_line(text: str) -> str:
    return re.sub(r"[\r\n\t]+", " ", text).strip()

