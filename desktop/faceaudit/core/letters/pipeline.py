"""The one path from a letter chosen to files written and a request tracked; the CLI and the GUI both call it.

`compose` renders a letter without writing anything (the GUI's live preview), `save` writes it as
PDF, text and an unsent e-mail draft and records it as a request, `default_recipient` says whom a
letter goes to unless the person says otherwise, `citable_matches` lists what a letter about a
dataset can cite (so the person can untick any), and `follow_up_choice` turns an overdue, refused
or inadequately answered request into the reminder or complaint that comes next.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from faceaudit.core.errors import Action
from faceaudit.core.letters.annex import AnnexEntry, add_face_crops, add_reference_thumbnails, confirmed_matches
from faceaudit.core.letters.applicability import parse_collected
from faceaudit.core.letters.compose import (
    Letter,
    LetterError,
    Original,
    Recipient,
    default_recipient_for,
    placeholder_in_recipient,
    render_letter,
)
from faceaudit.core.letters.export import check_email_draft, write_letter_eml, write_letter_text
from faceaudit.core.letters.identity import Identity, load_identity
from faceaudit.core.letters.jurisdiction import complaint_authority, law_options
from faceaudit.core.letters.registry import (
    RegistryEntry,
    RegistryError,
    entry_for_dataset,
    entry_for_unlisted,
    find_entry,
    find_organisation,
)
from faceaudit.core.letters.requests import (
    RequestError,
    RequestRecord,
    add_request,
    follow_up,
    get_request,
    next_reference,
)
from faceaudit.core.letters.types import LETTER_TYPES, EntryKind, RecipientRole, Subject
from faceaudit.core.matching.confirmed import confirmed_counts  # the letters offer it under their own name
from faceaudit.core.storage.private_files import write_private
from faceaudit.core.storage.store import Store

__all__ = ["LetterChoice", "Note", "SavedLetter", "compose", "save", "default_recipient", "follow_up_choice",
           "original_of", "confirmed_counts", "missing_details", "citable_matches", "letter_entry", "laws_for",
           "platform_for"]


@dataclass(frozen=True)
class LetterChoice:
    """Everything a person chose for one letter.

    Attributes:
        kind: a letter type (LetterKind).
        dataset: the dataset's name in the app, or a registry name when the app does not have it
            (the annex is then empty); "" for a letter to an organisation.
        organisation: a platform or developer in the registry (id, name or alias), for letters
            about an organisation rather than a dataset.
        account: the writer's account ID at the platform.
        via: for a letter to a developer, the platform where the writer had the account (default:
            the platform the registry says the developer received photos from, when there is one).
        law: one of the type's laws; None for the one of the writer's residence.
        recipient: their own recipient details; None for the registry's (or the authority's).
        match_ids: the confirmed matches to cite, as `AnnexEntry.ref` gives them ("12" a face match,
            "L12" a row of a list of links); None for all of them.
        include_crops: opt-in: crops of the confirmed faces, read from the dataset.
        include_references: separate opt-in: my own reference faces next to them.
        original: the earlier request a reminder or complaint refers to.
        parent_id: the tracked request this letter follows up.
        ground: what happened to the earlier request (Ground), for reminders and complaints.
        channel: how the letter will be sent (Channel); the deadline counts from its receipt.
        collected: when the recipient got the photos, YYYY[-MM[-DD]] ("" not known: nothing is assumed).
    """

    kind: str
    dataset: str = ""
    lang: str = "en"
    law: str | None = None
    recipient: Recipient | None = None
    include_crops: bool = False
    include_references: bool = False
    details: str = ""
    on: date | None = None
    original: Original | None = None
    parent_id: int | None = None
    organisation: str | None = None
    account: str = ""
    via: str | None = None
    match_ids: tuple[str, ...] | None = None
    ground: str = ""
    channel: str | None = None
    collected: str = ""


@dataclass(frozen=True)
class Note:
    """Something the person should know about a saved letter (it was still written)."""

    message: str
    action: Action | None = None
    subject: str | int | None = None


@dataclass
class SavedLetter:
    """What `save` wrote, and the request that tracks the letter (None when not tracked)."""

    letter: Letter
    request_id: int | None
    pdf: Path | None = None
    text: Path | None = None
    eml: Path | None = None
    notes: list[Note] = field(default_factory=list)

    @property
    def paths(self) -> list[Path]:
        """The files written, PDF first."""
        return [path for path in (self.pdf, self.text, self.eml) if path]


def compose(store: Store, choice: LetterChoice, *, with_pictures: bool = False) -> Letter:
    """Render the letter without writing anything.

    Args:
        with_pictures: read the opted-in face crops from the dataset (slow for large archives;
            a preview leaves them out).

    Raises:
        RegistryError: the dataset is neither in the registry nor linked, and no recipient is given;
            or no such organisation.
        LetterError: a type, language or law the letters do not have, or a law that does not
            reach this writer or recipient.
    """
    return _render(store, choice, _annex(store, choice, with_pictures))


def save(store: Store, choice: LetterChoice, *, pdf: str | os.PathLike | None = None,
         text: str | os.PathLike | None = None, eml: str | os.PathLike | None = None, track: bool = True,
         request_id: int | None = None, allow_placeholder: bool = False) -> SavedLetter:
    """Write the letter in the formats asked for (private to their owner) and record it as a draft request.

    Args:
        pdf, text, eml: where to write each form; at least one. The e-mail draft carries the
            PDF as an attachment.
        track: record the letter as a draft request.
        request_id: the request an earlier save of the same draft recorded (no new one is made).
        allow_placeholder: write the letter even though the recipient's address would print as
            "[address: please fill in]" (the preview shows it; a saved letter is refused by default).

    Raises:
        RegistryError, LetterError, FontError: as raised by the steps.
    """
    # Imported here, not at the top: the PDF library takes about a second to import, and the
    # app's window (which composes previews through this module) should not wait for it.
    from faceaudit.core.letters.pdf import letter_pdf_bytes

    reference = get_request(store, request_id).reference if request_id is not None else next_reference(store)
    letter = _render(store, choice, _annex(store, choice, with_pictures=True), reference if track else "")
    if eml:
        check_email_draft(letter)  # all or nothing: refused before the PDF is written
    if not allow_placeholder and placeholder_in_recipient(letter):
        raise LetterError(
            f"no address of {letter.recipient.name or 'the recipient'} is known (none is published): give a postal "
            "address or an e-mail address (--recipient-address, --recipient-email; in the window the Address and "
            "E-mail fields), or record one for every letter with `faceaudit registry edit ENTRY contact.email=...`")
    saved = SavedLetter(letter, request_id)
    pdf_bytes = letter_pdf_bytes(letter) if pdf or eml else None
    if pdf:
        saved.pdf = write_private(pdf, pdf_bytes)
    if text:
        saved.text = write_letter_text(letter, text)
    earlier, missing = _earlier_letters(store, choice.parent_id)
    if eml:
        attachment = Path(pdf).name if pdf else Path(eml).stem + ".pdf"
        saved.eml = write_letter_eml(letter, eml, pdf_bytes, attachment, extra=earlier)
    saved.notes = _notes(store, choice, letter)
    if eml:
        saved.notes += [Note(f"the earlier letter {path} was not found: attach it to the e-mail yourself")
                        for path in missing]
    if track and request_id is None:
        first = saved.paths[0] if saved.paths else None
        entry = letter_entry(store, choice)
        identity = load_identity(store)
        saved.request_id = add_request(
            store, letter.type, letter.law, letter.recipient.name, recipient_email=letter.recipient.email,
            channel=letter.channel, lang=letter.lang, dataset_name=choice.dataset or None,
            registry_id=entry.id if entry.origin != "unlisted" else None,
            letter_path=str(first) if first else None, parent_id=choice.parent_id,
            organisation=entry.id if entry.is_organisation else None, account=choice.account,
            evidence=letter.case.evidence if letter.case else "", match_ids=[a.ref for a in letter.annex],
            sender_country=identity.country, sender_region=identity.region, reference=letter.reference).id
    return saved


def letter_entry(store: Store, choice: LetterChoice) -> RegistryEntry:
    """The registry entry a letter is about: the organisation, or the dataset's entry.

    A dataset the app has that no registry entry matches gets a stand-in entry under its own
    name when the person names the recipient.

    Raises:
        RegistryError: no such organisation; or a dataset neither in the registry nor linked, and
            no recipient named (the message says the two ways to name one).
    """
    if choice.organisation:
        return find_organisation(choice.organisation)
    try:
        return entry_for_dataset(store, choice.dataset)
    except RegistryError:
        if not _in_app(store, choice.dataset):
            raise
        if choice.recipient is not None and choice.recipient.name:
            return entry_for_unlisted(choice.dataset, choice.recipient.name)
        raise RegistryError(
            f"the dataset {choice.dataset!r} is not linked to a registry entry and no recipient is named: link it "
            "to the published dataset it is a copy of, or name the recipient yourself",
            action=Action.LINK_OR_NAME_RECIPIENT, subject=choice.dataset) from None


def platform_for(entry: RegistryEntry, via: str | None) -> RegistryEntry | None:
    """The platform a developer letter refers to: the one named, or the one the registry says it got photos from."""
    if via:
        return find_organisation(via)
    if entry.entry_kind != EntryKind.DEVELOPER:
        return None
    sources = {event.get("with") for event in entry.events_of("received-photos") if event.get("with")}
    return find_entry(sources.pop()) if len(sources) == 1 else None


def laws_for(store: Store, choice: LetterChoice):
    """The type's laws, each offered or refused with its reason, for this writer and recipient."""
    return law_options(choice.kind, load_identity(store), letter_entry(store, choice))


def default_recipient(store: Store, kind: str, law: str | None, dataset: str = "", *,
                      organisation: str | None = None) -> Recipient:
    """Whom the letter goes to unless the person names someone: the registry's contact, or the authority."""
    spec = LETTER_TYPES[kind]
    entry = letter_entry(store, LetterChoice(kind, dataset, organisation=organisation))
    law = law or spec.laws[0]
    authority = complaint_authority(law, load_identity(store), entry)[0] if spec.to is RecipientRole.AUTHORITY else None
    return default_recipient_for(spec, law, entry, authority)


def original_of(record: RequestRecord) -> Original | None:
    """The earlier request as a follow-up letter refers to it (None until it has a sent date)."""
    if record.sent_date is None:
        return None
    return Original(record.type, record.sent_date, record.deadline, record.reference)


def follow_up_choice(store: Store, request_id: int, *, today: date | None = None,
                     include_crops: bool = False) -> LetterChoice:
    """The letter that comes next for a request: a reminder, or the complaint after it, stating what happened.

    Raises:
        RequestError: the request needs no follow-up, or has no sent date.
    """
    step = follow_up(store, request_id, today)
    original = original_of(step.request)
    if original is None:
        raise RequestError(f"request {step.request.id} has no sent date", action=Action.SET_SENT_DATE,
                           subject=step.request.id)
    record = step.request
    # A reminder goes where the request went (the address the person gave, when the registry has none).
    to_same = (Recipient(name=record.recipient, email=record.recipient_email)
               if LETTER_TYPES[step.kind].to is RecipientRole.CUSTODIAN and record.recipient_email else None)
    return LetterChoice(kind=step.kind, dataset=record.dataset_name or (record.registry_id or ""), recipient=to_same,
                        organisation=record.organisation, account=record.account, lang=record.lang, law=step.law,
                        include_crops=include_crops, on=today, original=original,
                        parent_id=get_request(store, request_id).id, ground=step.ground,
                        match_ids=tuple(record.match_ids) if record.match_ids is not None else None)


def citable_matches(store: Store, dataset: str) -> list[AnnexEntry]:
    """What a letter about `dataset` can cite: every match confirmed as me (the person may untick any)."""
    return confirmed_matches(store, dataset) if _in_app(store, dataset) else []


def missing_details(identity: Identity, kind: str) -> list[str]:
    """The writer's details a letter of this type still lacks, in words (empty when none)."""
    missing = []
    if not identity.name:
        missing.append("your name")
    if not (identity.address or identity.email):
        missing.append("a postal address or e-mail for the answer")
    if not identity.country:
        missing.append("the country you live in (it decides which laws and which authority apply)")
    elif LETTER_TYPES[kind].to is RecipientRole.AUTHORITY and identity.country == "DE" and not identity.region:
        missing.append("your Land (in Germany the Land's authority takes complaints)")
    return missing


def _in_app(store: Store, dataset: str) -> bool:
    return bool(dataset) and store.scalar("SELECT id FROM datasets WHERE name = ?", [dataset]) is not None


def _annex(store: Store, choice: LetterChoice, with_pictures: bool) -> list[AnnexEntry]:
    if LETTER_TYPES[choice.kind].subject is Subject.ORGANISATION or choice.organisation:
        return []
    annex = citable_matches(store, choice.dataset)
    if choice.match_ids is not None:
        wanted = {str(ref) for ref in choice.match_ids}
        annex = [entry for entry in annex if entry.ref in wanted]
    if with_pictures and choice.include_crops:
        annex = add_face_crops(store, annex)
    if with_pictures and choice.include_references:
        annex = add_reference_thumbnails(store, annex)
    return annex


def _render(store: Store, choice: LetterChoice, annex: list[AnnexEntry], reference: str | None = None) -> Letter:
    entry = letter_entry(store, choice)
    try:
        collected = parse_collected(choice.collected) if choice.collected else None
    except ValueError as error:
        raise LetterError(str(error)) from None
    recipient = choice.recipient
    channel = choice.channel or ("web-form" if LETTER_TYPES[choice.kind].form_only else
                                 "email" if (recipient.email if recipient else entry.contact.get("email")) else "post")
    return render_letter(choice.kind, choice.lang, entry, load_identity(store), law=choice.law, annex=annex,
                         on=choice.on, recipient=recipient, original=choice.original, details=choice.details,
                         ground=choice.ground, account=choice.account, platform=platform_for(entry, choice.via),
                         channel=channel, collected=collected, platform_used=bool(choice.via or choice.account.strip()),
                         reference=next_reference(store) if reference is None else reference)


def _earlier_letters(store: Store, parent_id: int | None) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The letters a follow-up follows (the request, then the reminder), as (file name, bytes) to attach, and the
    paths of those whose file is gone."""
    found: list[tuple[str, bytes]] = []
    missing: list[str] = []
    seen: set[int] = set()
    while parent_id is not None and parent_id not in seen:
        seen.add(parent_id)
        record = get_request(store, parent_id)
        if record.letter_path:
            path = Path(record.letter_path)
            pdf = path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf")
            if pdf.is_file():
                found.insert(0, (pdf.name, pdf.read_bytes()))
            else:
                missing.insert(0, str(pdf))
        parent_id = record.parent_id
    return found, missing


def _notes(store: Store, choice: LetterChoice, letter: Letter) -> list[Note]:
    notes = []
    identity = load_identity(store)
    if not identity.complete:
        notes.append(Note("your name and a postal address or e-mail are missing", Action.SET_IDENTITY))
    if not identity.country:
        notes.append(Note("your country is not set: laws and authority were chosen without it", Action.SET_RESIDENCE))
    if _in_app(store, choice.dataset) and not letter.annex and not choice.organisation:
        notes.append(Note(f"no match in {choice.dataset!r} is cited: the letter asks whether they hold data about "
                          "you, and claims nothing more", Action.REVIEW_MATCHES))
    entry = letter_entry(store, choice)
    if entry.origin == "unlisted":
        notes.append(Note(f"no registry entry describes {choice.dataset!r}: the letter names it as you do; give "
                          "its published name if it has one"))
    if not letter.recipient.email and len(letter.recipient_lines) < 3:
        notes.append(Note("the recipient's address is not known: fill it in before sending"))
    if LETTER_TYPES[choice.kind].to is RecipientRole.AUTHORITY and choice.recipient is None:
        _authority, why = complaint_authority(letter.law, identity, entry)
        if why:
            notes.append(Note(f"no authority was chosen: {why}"))
    return notes
