"""Render data-protection letters from the templates in `resources/letters/<language>/`.

Templates run in jinja2's sandbox with autoescaping off (the output is text, not HTML). Every
value a person typed reaches a template only as data, so `{{ 7*7 }}` in a name stays literal.
What a letter claims is decided in `claims.py` from the facts of the case; a template prints a
claim's words only when `claims.<id>` is set.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, TemplateNotFound
from jinja2.sandbox import SandboxedEnvironment

from faceaudit.core.errors import FaceAuditError
from faceaudit.core.letters.annex import AnnexEntry
from faceaudit.core.letters.applicability import Period, controller_for, no_law_left, parse_collected
from faceaudit.core.letters.claims import Case, claim_flags
from faceaudit.core.letters.deadlines import REMINDER_DAYS, acknowledgment_due, deadline, next_working_day, received_on
from faceaudit.core.letters.identity import Identity
from faceaudit.core.letters.jurisdiction import Authority, complaint_authority, default_law, law_refusal, with_article
from faceaudit.core.letters.registry import RegistryEntry
from faceaudit.core.letters.types import LETTER_TYPES, EntryKind, LetterKind, LetterType, RecipientRole, Subject
from faceaudit.core.storage.resources import resources_dir

__all__ = ["LetterError", "default_recipient_for", "Recipient", "Original", "Letter", "languages", "render_letter",
           "placeholder_in_recipient", "format_date", "format_number", "letter_strings", "plural",
           "authority_recipient"]


#: Follow-ups that state what happened to an earlier request: refused without it.
_NEEDS_ORIGINAL = (LetterKind.REMINDER, LetterKind.DPA_COMPLAINT, LetterKind.CPPA_COMPLAINT)

#: Days a letter under a law without an answer period (BIPA) asks for, stated as the sender's own date.
_REQUESTED_DAYS = 30


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
        dataset_title: the dataset's published (registry) name, as the annex prints it.
        claims: the claims the letter makes (claim id -> made).
        case: the facts the claims were decided from.
        channel: how the letter is to be sent; its deadline counts from the expected receipt.
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
    dataset_title: str = ""
    claims: dict = field(default_factory=dict)
    case: Case | None = None
    channel: str = "email"
    reference: str = ""

    @property
    def date_text(self) -> str:
        """The letter's date written out in its language."""
        return format_date(self.date, self.strings)

    @property
    def enclosure_text(self) -> str:
        """The enclosure line ("Enclosure: annex listing 2 confirmed images"), or "" without an annex."""
        faces = sum(1 for entry in self.annex if getattr(entry, "kind", "face") == "face")
        rows = len(self.annex) - faces
        if not self.annex:
            return ""
        forms = self.strings["enclosure_items"]
        parts = [plural(n, forms[what]) for n, what in ((faces, "faces"), (rows, "rows")) if n]
        return self.strings["enclosure"].format(items=self.strings["and"].join(parts))


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
    number = strings.get("first_day", 1) if day.day == 1 else day.day  # French writes "1er juin"
    return strings["date_format"].format(day=number, month=strings["months"][day.month - 1], year=day.year)


def format_number(value: float, strings: dict, digits: int = 3) -> str:
    """A decimal number with the language's separator ('0.413', '0,413')."""
    return f"{value:.{digits}f}".replace(".", strings.get("decimal_separator", "."))


def plural(n: int, forms: dict) -> str:
    """"{n} image" or "{n} images": forms = {"one": ..., "other": ...} with {n} in them."""
    return (forms["one"] if n == 1 else forms["other"]).format(n=n)


def render_letter(kind: str, lang: str, entry: RegistryEntry, identity: Identity, *, law: str | None = None,
                  annex: list[AnnexEntry] | None = None, on: date | None = None, recipient: Recipient | None = None,
                  original: Original | None = None, details: str = "", ground: str = "", account: str = "",
                  platform: RegistryEntry | None = None, channel: str = "email", collected: Period | None = None,
                  platform_used: bool = False, reference: str = "") -> Letter:
    """Render one letter.

    Args:
        kind: a key of LETTER_TYPES.
        lang: a language folder ("en", "de").
        entry: the registry entry the letter is about: a dataset, or an organisation (platform,
            developer); for a complaint, whoever the complaint is about.
        identity: the writer (only the parts the letter needs are printed; residence decides laws).
        law: one of the type's laws (default: the one of the writer's residence).
        annex: the confirmed matches (faces, or rows of a link list) to cite; the caller selects them.
        on: the letter's date (default today).
        recipient: overrides the registry's contact (letters to custodians) or the authority.
        original: the earlier request (reminders and complaints).
        details: free text from the user, printed as written.
        ground: what happened to the earlier request (Ground), for reminders and complaints.
        account: the writer's account ID at the platform.
        platform: for a letter to a developer, the platform where the writer had the account.
        channel: how the letter will be sent (the deadline counts from its expected receipt).
        collected: when the recipient got the photos (decides which duties of that time are claimed).
        platform_used: the writer said they had an account on the platform (account ID or platform named).
        reference: the reference this letter prints, which its reminder and complaint cite.

    Raises:
        LetterError: unknown type, language or law, a law that does not reach this writer or
            recipient (the message says why), or a template problem.
    """
    spec = _spec(kind)
    entry = controller_for(entry, identity)
    law = _law(kind, spec, law, identity, entry)
    _check_facts(kind, original, account, platform_used)
    strings = letter_strings(lang)
    on = on or date.today()
    annex = list(annex or [])
    # A complaint goes to the authority of the writer's residence; other letters name it as the next step.
    authority, authority_note = complaint_authority(law, identity, entry)
    if spec.to is not RecipientRole.AUTHORITY:
        authority_note = ""
    recipient_given = recipient is not None
    recipient = recipient or default_recipient_for(spec, law, entry, authority)
    case = _case(kind, law, lang, entry, identity, annex, original, ground, account, platform,
                 authority_by_residence=spec.to is RecipientRole.AUTHORITY and authority is not None
                 and not recipient_given, collected=collected, platform_used=platform_used or bool(account.strip()))
    received = received_on(on, channel)
    due = _letter_deadline(kind, spec, law, received, original, identity)
    context = _context(case, spec, strings, entry, identity, recipient, original, details, account, platform,
                       on=on, received=received, due=due, authority=authority, authority_note=authority_note)
    text = _render(lang, kind, context)
    subject, _, body = text.strip("\n").partition("\n")
    if reference and spec.to is not RecipientRole.AUTHORITY:
        body = strings["reference_line"].format(reference=reference) + "\n\n" + body.lstrip("\n")
    return Letter(
        type=kind, lang=lang, law=law, date=on, subject=subject.strip(), body=_tidy(body),
        sender_name=identity.name or strings["placeholder_name"],
        sender_lines=identity.address_lines() or [strings["placeholder_address"]], sender_email=identity.email,
        recipient=recipient, recipient_lines=_recipient_lines(recipient, spec, strings), deadline=due,
        annex=annex, strings=strings, dataset_title=entry.name, claims=context["claims"], case=case, channel=channel,
        reference=reference)


def _spec(kind: str) -> LetterType:
    if kind not in LETTER_TYPES:
        raise LetterError(f"unknown letter type {kind!r}; choose one of {', '.join(LETTER_TYPES)}")
    return LETTER_TYPES[kind]


def _law(kind: str, spec: LetterType, law: str | None, identity: Identity, entry: RegistryEntry) -> str:
    if spec.subject is Subject.ORGANISATION and not entry.is_organisation:
        raise LetterError(f"a {kind} letter goes to an organisation (a platform or developer), not to a dataset")
    if spec.subject is Subject.DATASET and entry.is_organisation:
        raise LetterError(f"a {kind} letter is about a dataset; for {entry.name} choose platform-access or "
                          "developer-erasure")
    if law is not None and law not in spec.laws:
        raise LetterError(f"{with_article(kind)} letter is written under {' or '.join(spec.laws)}, not {law}")
    chosen = law or default_law(kind, identity, entry)
    if chosen is None:
        reasons = "; ".join(filter(None, (law_refusal(kind, each, identity, entry) for each in spec.laws)))
        left = no_law_left(kind, identity, entry)
        raise LetterError(f"no law FaceAudit writes under reaches this {kind} letter: {reasons}"
                          + (f"; {left}" if left else ""))
    refusal = law_refusal(kind, chosen, identity, entry)
    if refusal:
        raise LetterError(f"not written under {chosen}: {refusal}")
    return chosen


def _check_facts(kind: str, original: Original | None, account: str, platform_used: bool) -> None:
    """Refuse a letter that would state a fact the writer has not given (never a placeholder)."""
    if kind in _NEEDS_ORIGINAL and original is None:
        raise LetterError(f"{with_article(kind)} letter follows a request you sent: give it with --request ID (a "
                          "tracked request with its sent date); one you sent outside FaceAudit is recorded first with "
                          "`faceaudit requests add --type ... --law ... --recipient ... --sent DATE`")
    if kind == LetterKind.PLATFORM_ACCESS and not (account.strip() or platform_used):
        raise LetterError("a platform-access letter says that you had an account on the platform: give its ID or "
                          "the e-mail address it was registered with (--account)")


def _case(kind, law, lang, entry, identity, annex, original, ground, account, platform, *,
          authority_by_residence, collected=None, platform_used=False) -> Case:
    faces = sum(1 for a in annex if getattr(a, "kind", "face") == "face")
    received = deletion = None
    shared: tuple = ()
    if kind == LetterKind.DEVELOPER_ERASURE and platform is not None:
        received = next(iter(entry.events_of("received-photos", platform.id)), None)
        deletion = next(iter(entry.events_of("deletion-reported", platform.id)), None) if received else None
        if collected is None and received and received.get("year"):  # the public report says when
            collected = parse_collected(str(received["year"]))
    if kind == LetterKind.PLATFORM_ACCESS:
        shared = tuple(entry.events_of("shared-photos"))
    return Case(kind=kind, law=law, lang=lang, faces=faces, rows=len(annex) - faces,
                references=any(getattr(a, "reference", None) for a in annex),
                subject="organisation" if entry.is_organisation else "dataset", purpose=entry.purpose,
                status=entry.status, custodian_kind=entry.custodian_kind, custodian_country=entry.custodian_country,
                sender_country=identity.country, sender_region=identity.region, original=original is not None,
                ground=ground, account=account.strip(), received_event=received, deletion_event=deletion,
                shared_events=shared, authority_by_residence=authority_by_residence, collected=collected,
                platform_used=platform_used and (kind == LetterKind.PLATFORM_ACCESS or platform is not None))


def _context(case, spec, strings, entry, identity, recipient, original, details, account, platform, *, on, received,
             due, authority, authority_note) -> dict:
    lang = case.lang
    ack = acknowledgment_due(case.law, received) if spec.answer_due else None
    return {
        "claims": claim_flags(case),
        "me": {"name": identity.name, "address_lines": identity.address_lines(), "email": identity.email,
               "country": identity.country, "region": identity.region},
        "dataset": {"name": entry.name, "aliases": entry.aliases, "custodian": entry.custodian,
                    "homepage": entry.homepage, "purpose": strings["purposes"].get(entry.purpose, ""),
                    "word": strings["dataset_word"]["general" if entry.purpose == "general" else "face"],
                    "is_organisation": entry.is_organisation},
        "org": {"name": entry.name, "custodian": entry.custodian,
                "is_platform": entry.entry_kind == EntryKind.PLATFORM},
        "platform": {"name": platform.name if platform else "", "custodian": platform.custodian if platform else ""},
        "events": {"received": _event_text(case.received_event, lang, strings),
                   "deletion": _event_text(case.deletion_event, lang, strings),
                   "shared": [_event_text(e, lang, strings) for e in case.shared_events]},
        "account": account.strip(),
        "faces": case.faces, "rows": case.rows,
        "items": _items_text(case, strings),
        "recipient": {"name": recipient.name, "email": recipient.email, "web_form": recipient.web_form},
        "authority": {"name": authority.name if authority else "", "note": authority_note,
                      "known": authority is not None},
        "law": {"id": case.law, **strings["laws"][case.law]},
        "date": format_date(on, strings),
        "received": format_date(received, strings),
        "deadline": format_date(due, strings) if due else "",
        "acknowledge_by": format_date(ack, strings) if ack else "",
        "requested_by": format_date(next_working_day(received + timedelta(days=_REQUESTED_DAYS), identity.country,
                                                     identity.region), strings),
        "reminder_days": REMINDER_DAYS,
        "original": _original_context(original, strings),
        "ground": case.ground,
        "details": details.strip(),
    }


def _items_text(case: Case, strings: dict) -> str:
    forms = strings["items"]
    parts = [plural(n, forms[what]) for n, what in ((case.faces, "faces"), (case.rows, "rows")) if n]
    return strings["and"].join(parts)


def _event_text(event: dict | None, lang: str, strings: dict) -> dict:
    """A reported event in the letter's language; English registry text is marked as quoted."""
    if not event:
        return {"text": "", "source": "", "url": ""}
    own = event.get("text") if lang == "en" else event.get(f"text_{lang}")
    text = own or strings["quoted"].format(text=event.get("text", ""))
    source = event.get("source", {})
    return {"text": text, "source": source.get("title", ""), "url": source.get("url", "")}


def _tidy(body: str) -> str:
    """Blank-line runs left by conditional paragraphs folded to one paragraph break; a list split by
    them joined again; spaces left at either end of a line by a sentence left out removed."""
    paragraphs: list[str] = []
    lines = "\n".join(line.strip(" ") for line in body.split("\n"))
    for paragraph in (p.strip("\n") for p in lines.split("\n\n")):
        if not paragraph.strip():
            continue
        if paragraphs and paragraphs[-1].split("\n")[-1].startswith("- ") and paragraph.startswith("- "):
            paragraphs[-1] += "\n" + paragraph
        else:
            paragraphs.append(paragraph)
    return "\n\n".join(_end_list(paragraph) for paragraph in paragraphs) + "\n"


def _end_list(paragraph: str) -> str:
    """A list whose last item a template left with ";" or "," (an item after it left out) ends with a full stop."""
    if paragraph.split("\n")[-1].startswith("- ") and paragraph.rstrip()[-1:] in (";", ","):
        return paragraph.rstrip()[:-1].rstrip("\u00a0 ") + "."
    return paragraph


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
    return template.render({**context, "art": lambda number: _cite(article, number)})


def _cite(pattern: str, number) -> str:
    """A citation ("Art. 17 Abs. 1 DSGVO") that never breaks across lines or pages (no-break spaces)."""
    return pattern.format(n=number).replace(" ", "\u00a0")


def authority_recipient(authority: Authority) -> Recipient:
    """An authority as a letter's recipient: name and the postal address its own pages give."""
    return Recipient(name=authority.name, lines=tuple([authority.name, *authority.postal_lines]),
                     email=authority.email, web_form=authority.web_form)


def default_recipient_for(spec: LetterType, law: str, entry: RegistryEntry,
                          authority: Authority | None = None) -> Recipient:
    """The registry's contact for letters to custodians and organisations; the authority for complaints."""
    if spec.to is RecipientRole.AUTHORITY:
        if authority is None:
            return Recipient()
        found = authority_recipient(authority)
        # Text for the authority's complaint form: no mail recipient (the .eml says where it goes).
        return replace(found, email="") if spec.form_only and found.web_form else found
    contact = entry.contact
    name = contact.get("name") or ""
    lines = [entry.custodian] + ([name] if name and name != entry.custodian else []) + _split(contact.get("postal", ""))
    return Recipient(name=entry.custodian, lines=tuple(lines), email=contact.get("email", ""),
                     web_form=contact.get("web_form", ""))


def _recipient_lines(recipient: Recipient, spec: LetterType, strings: dict) -> list[str]:
    lines = list(recipient.lines) or ([recipient.name] if recipient.name else [])
    if not lines or lines == ["unknown"]:
        lines = [strings["placeholder_authority" if spec.to is RecipientRole.AUTHORITY else "placeholder_recipient"]]
    postal = len(lines) > 1
    if not postal and not recipient.email and recipient.web_form and spec.form_only:
        lines.append(strings["by_web_form"].format(url=recipient.web_form))  # text for a form: no address
    elif not postal and not recipient.email:
        lines.append(strings["placeholder_address"])
    if recipient.email:
        lines.append(strings["by_email"].format(email=recipient.email))
    return lines


def placeholder_in_recipient(letter: Letter) -> bool:
    """The letter would print "[address: please fill in]" (or an unknown recipient or authority)."""
    words = {letter.strings[key] for key in ("placeholder_address", "placeholder_recipient", "placeholder_authority")}
    return any(line in words for line in letter.recipient_lines)


def _letter_deadline(kind: str, spec: LetterType, law: str, received: date, original: Original | None,
                     identity: Identity) -> date | None:
    if kind == LetterKind.REMINDER:
        return next_working_day(received + timedelta(days=REMINDER_DAYS), identity.country, identity.region)
    if not spec.answer_due:
        return original.deadline if original else None
    return deadline(law, received, country=identity.country, region=identity.region)


def _original_context(original: Original | None, strings: dict) -> dict:
    if original is None:
        unknown = strings["placeholder_date"]
        return {"known": False, "type": "", "sent": unknown, "deadline": unknown,
                "reference": "", "article": "", "mine": strings["types_mine_unknown"]}
    return {"known": True, "type": strings["types"].get(original.type, original.type),
            "sent": format_date(original.sent, strings),
            "deadline": format_date(original.deadline, strings) if original.deadline else "",
            "reference": original.reference, "article": strings.get("type_articles", {}).get(original.type, ""),
            "mine": strings["types_mine"].get(original.type, strings["types_mine_unknown"])}


def _split(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r", "").split("\n") if line.strip()]
