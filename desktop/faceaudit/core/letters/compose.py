"""Render data-protection letters from the templates in `resources/letters/<language>/`.

Templates run in jinja2's sandbox with autoescaping off (the output is text, not HTML). Every
value a person typed reaches a template only as data, so `{{ 7*7 }}` in a name stays literal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, TemplateNotFound
from jinja2.sandbox import SandboxedEnvironment

from faceaudit.core.errors import FaceAuditError
from faceaudit.core.letters.annex import AnnexEntry
from faceaudit.core.letters.deadlines import REMINDER_DAYS, deadline
from faceaudit.core.letters.identity import Identity
from faceaudit.core.letters.registry import RegistryEntry
from faceaudit.core.letters.types import LETTER_TYPES, LetterType, RecipientRole
from faceaudit.core.storage.resources import resources_dir

__all__ = ["LetterError", "default_recipient_for", "Recipient", "Original", "Letter", "languages",
           "render_letter", "format_date", "letter_strings"]


class LetterError(FaceAuditError, ValueError):
    """A letter that cannot be written as asked; the message says what to change."""


@dataclass(frozen=True)
class Recipient:
    """Whom a letter is addressed to. Empty fields make the letter ask the user to fill them in."""

    name: str = ""
    lines: tuple[str, ...] = ()
    email: str = ""
    web_form: str = ""


@dataclass(frozen=True)
class Original:
    """The earlier request a reminder or complaint refers to."""

    type: str
    sent: date
    deadline: date | None
    reference: str = ""


@dataclass
class Letter:
    """A rendered letter, ready for the PDF, text and e-mail writers.

    Attributes:
        body: paragraphs separated by blank lines; lines starting with "- " are list items.
        deadline: the date the letter names as the last day to answer (for a complaint, the
            missed deadline of the original request); None when there is none.
        strings: the language's labels (annex headings, page numbers, placeholders).
    """

    type: str
    lang: str
    law: str
    date: date
    subject: str
    body: str
    sender_name: str
    sender_lines: list[str]
    sender_email: str
    recipient: Recipient
    recipient_lines: list[str]
    deadline: date | None
    annex: list[AnnexEntry] = field(default_factory=list)
    strings: dict = field(default_factory=dict)

    @property
    def date_text(self) -> str:
        """The letter's date written out in its language."""
        return format_date(self.date, self.strings)


def languages() -> list[str]:
    """The languages that have templates (one folder each under resources/letters)."""
    root = resources_dir() / "letters"
    return sorted(p.name for p in root.iterdir() if (p / "strings.json").is_file())


@lru_cache(maxsize=8)
def _strings_cached(folder: str) -> dict:
    return json.loads((Path(folder) / "strings.json").read_text(encoding="utf-8"))


def letter_strings(lang: str) -> dict:
    """The labels of a language (from `resources/letters/<lang>/strings.json`).

    Raises:
        LetterError: no such language.
    """
    folder = resources_dir() / "letters" / lang
    if not (folder / "strings.json").is_file():
        raise LetterError(f"no letters in language {lang!r}; available: {', '.join(languages())}")
    return _strings_cached(str(folder))


def format_date(day: date, strings: dict) -> str:
    """A date written out as the language writes it (e.g. '28 February 2028', '28. Februar 2028')."""
    return strings["date_format"].format(day=day.day, month=strings["months"][day.month - 1], year=day.year)


def render_letter(kind: str, lang: str, entry: RegistryEntry, identity: Identity, *, law: str | None = None,
                  annex: list[AnnexEntry] | None = None, on: date | None = None, recipient: Recipient | None = None,
                  original: Original | None = None, details: str = "", dataset_name: str = "") -> Letter:
    """Render one letter.

    Args:
        kind: a key of LETTER_TYPES.
        lang: a language folder ("en", "de").
        entry: the registry entry of the dataset the letter is about.
        identity: the writer (only the parts the letter needs are printed).
        law: one of the type's laws (default: its first).
        annex: the confirmed matches to list; the caller selects them (decision 'me' only).
        on: the letter's date (default today).
        recipient: overrides the registry's contact (custodian letters) or the authority.
        original: the earlier request (reminder, dpa-complaint, ftc-complaint).
        details: free text from the user, printed as written.
        dataset_name: the dataset's name in the app, when it differs from the registry's.

    Raises:
        LetterError: unknown type, language or law, or a template problem.
    """
    if kind not in LETTER_TYPES:
        raise LetterError(f"unknown letter type {kind!r}; choose one of {', '.join(LETTER_TYPES)}")
    spec = LETTER_TYPES[kind]
    law = law or spec.laws[0]
    if law not in spec.laws:
        raise LetterError(f"a {kind} letter is written under {' or '.join(spec.laws)}, not {law}")
    strings = letter_strings(lang)
    on = on or date.today()
    recipient = recipient or default_recipient_for(spec, law, entry)
    due = _letter_deadline(kind, spec, law, on, original)
    context = {
        "me": {"name": identity.name, "address_lines": identity.address_lines(), "email": identity.email,
               "country": identity.country},
        "dataset": {**entry.as_dict(), "local_name": dataset_name or entry.name},
        "recipient": {"name": recipient.name, "email": recipient.email, "web_form": recipient.web_form},
        "law": {"id": law, **strings["laws"][law]},
        "date": format_date(on, strings),
        "deadline": format_date(due, strings) if due else "",
        "reminder_days": REMINDER_DAYS,
        "original": _original_context(original, strings),
        # Images the annex lists (faces); rows of a list of links are counted apart (they are not images).
        "matches": sum(getattr(e, "kind", "face") == "face" for e in annex or []),
        "rows": sum(getattr(e, "kind", "face") == "identifier" for e in annex or []),
        "details": details.strip(),
    }
    text = _render(lang, kind, context)
    subject, _, body = text.strip("\n").partition("\n")
    return Letter(
        type=kind, lang=lang, law=law, date=on, subject=subject.strip(), body=body.strip("\n") + "\n",
        sender_name=identity.name or strings["placeholder_name"],
        sender_lines=identity.address_lines() or [strings["placeholder_address"]], sender_email=identity.email,
        recipient=recipient, recipient_lines=_recipient_lines(recipient, spec, strings), deadline=due,
        annex=list(annex or []), strings=strings)


@lru_cache(maxsize=8)
def _environment(folder: str) -> SandboxedEnvironment:
    return SandboxedEnvironment(loader=FileSystemLoader(folder), autoescape=False, undefined=StrictUndefined,
                                trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _render(lang: str, kind: str, context: dict) -> str:
    env = _environment(str(resources_dir() / "letters" / lang))
    try:
        template = env.get_template(f"{kind}.txt.j2")
    except TemplateNotFound:
        raise LetterError(f"no {kind} template in language {lang!r}") from None
    article = context["law"]["article"]
    return template.render({**context, "art": lambda number: article.format(n=number)})


def default_recipient_for(spec: LetterType, law: str, entry: RegistryEntry) -> Recipient:
    """The registry's contact for custodian letters; the law's authority for complaints."""
    if spec.to is RecipientRole.AUTHORITY:
        data = _authorities().get(law, {})
        name = data.get("name", "")
        return Recipient(name=name, lines=tuple(([name] if name else []) + _split(data.get("postal", ""))),
                         email=data.get("email", ""), web_form=data.get("web_form", ""))
    contact = entry.contact
    name = contact.get("name") or ""
    lines = [entry.custodian] + ([name] if name and name != entry.custodian else []) + _split(contact.get("postal", ""))
    return Recipient(name=entry.custodian, lines=tuple(lines), email=contact.get("email", ""),
                     web_form=contact.get("web_form", ""))


def _recipient_lines(recipient: Recipient, spec: LetterType, strings: dict) -> list[str]:
    lines = list(recipient.lines) or ([recipient.name] if recipient.name else [])
    if not lines:
        lines = [strings["placeholder_authority" if spec.to is RecipientRole.AUTHORITY else "placeholder_recipient"]]
    postal = len(lines) > 1
    if not postal and not recipient.email:
        lines.append(strings["placeholder_address"])
    if recipient.email:
        lines.append(strings["by_email"].format(email=recipient.email))
    return lines


def _letter_deadline(kind: str, spec: LetterType, law: str, on: date, original: Original | None) -> date | None:
    if kind == "reminder":
        return on + timedelta(days=REMINDER_DAYS)
    if not spec.answer_due:
        return original.deadline if original else None
    return deadline(law, on)


def _original_context(original: Original | None, strings: dict) -> dict:
    if original is None:
        return {"known": False, "type": "", "sent": "", "deadline": "", "reference": ""}
    return {
        "known": True,
        "type": strings["types"].get(original.type, original.type),
        "sent": format_date(original.sent, strings),
        "deadline": format_date(original.deadline, strings) if original.deadline else "",
        "reference": original.reference,
    }


@lru_cache(maxsize=1)
def _authorities_cached(path: str) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _authorities() -> dict:
    return _authorities_cached(str(resources_dir() / "letters" / "authorities.json"))


def _split(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r", "").split("\n") if line.strip()]
