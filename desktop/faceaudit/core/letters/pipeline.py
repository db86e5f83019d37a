"""The one path from a letter chosen to files written and a request tracked; the CLI and the GUI both call it.

`compose` renders a letter without writing anything (the GUI's live preview), `save` writes it as
PDF, text and an unsent e-mail draft and records it as a request, `default_recipient` says whom a
letter goes to unless the person says otherwise, and `follow_up_choice` turns an overdue or
refused request into the reminder or complaint that comes next.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from faceaudit.core.errors import Action
from faceaudit.core.letters.annex import AnnexEntry, add_face_crops, add_reference_thumbnails, confirmed_matches
from faceaudit.core.letters.compose import Letter, Original, Recipient, default_recipient_for, render_letter
from faceaudit.core.letters.export import check_email_draft, write_letter_eml, write_letter_text
from faceaudit.core.letters.identity import Identity, load_identity
from faceaudit.core.letters.registry import entry_for_dataset
from faceaudit.core.letters.requests import RequestError, RequestRecord, add_request, follow_up, get_request
from faceaudit.core.letters.types import LETTER_TYPES, RecipientRole
from faceaudit.core.storage.private_files import write_private
from faceaudit.core.storage.store import Store

__all__ = ["LetterChoice", "Note", "SavedLetter", "compose", "save", "default_recipient", "follow_up_choice",
           "original_of", "confirmed_counts", "missing_details"]


@dataclass(frozen=True)
class LetterChoice:
    """Everything a person chose for one letter.

    Attributes:
        kind: a letter type (LetterKind).
        dataset: the dataset's name in the app, or a registry name when the app does not have it
            (the annex is then empty).
        law: one of the type's laws; None for its default.
        recipient: their own recipient details; None for the registry's (or the authority's).
        include_crops: opt-in: crops of the confirmed faces, read from the dataset.
        include_references: separate opt-in: my own reference faces next to them.
        original: the earlier request a reminder or complaint refers to.
        parent_id: the tracked request this letter follows up.
    """

    kind: str
    dataset: str
    lang: str = "en"
    law: str | None = None
    recipient: Recipient | None = None
    include_crops: bool = False
    include_references: bool = False
    details: str = ""
    on: date | None = None
    original: Original | None = None
    parent_id: int | None = None


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
        RegistryError: the dataset is neither in the app nor in the registry.
        LetterError: a type, language or law the letters do not have.
    """
    return _render(store, choice, _annex(store, choice, with_pictures))


def save(store: Store, choice: LetterChoice, *, pdf: str | os.PathLike | None = None,
         text: str | os.PathLike | None = None, eml: str | os.PathLike | None = None, track: bool = True,
         request_id: int | None = None) -> SavedLetter:
    """Write the letter in the formats asked for (private to their owner) and record it as a draft request.

    Args:
        pdf, text, eml: where to write each form; at least one. The e-mail draft carries the
            PDF as an attachment.
        track: record the letter as a draft request.
        request_id: the request an earlier save of the same draft recorded (no new one is made).

    Raises:
        RegistryError, LetterError, FontError: as raised by the steps.
    """
    # Imported here, not at the top: the PDF library takes about a second to import, and the
    # app's window (which composes previews through this module) should not wait for it.
    from faceaudit.core.letters.pdf import letter_pdf_bytes

    letter = _render(store, choice, _annex(store, choice, with_pictures=True))
    if eml:
        check_email_draft(letter)  # all or nothing: refused before the PDF is written
    saved = SavedLetter(letter, request_id)
    pdf_bytes = letter_pdf_bytes(letter) if pdf or eml else None
    if pdf:
        saved.pdf = write_private(pdf, pdf_bytes)
    if text:
        saved.text = write_letter_text(letter, text)
    if eml:
        attachment = Path(pdf).name if pdf else Path(eml).stem + ".pdf"
        saved.eml = write_letter_eml(letter, eml, pdf_bytes, attachment)
    saved.notes = _notes(store, choice, letter)
    if track and request_id is None:
        first = saved.paths[0] if saved.paths else None
        saved.request_id = add_request(
            store, letter.type, letter.law, letter.recipient.name, recipient_email=letter.recipient.email,
            lang=letter.lang, dataset_name=choice.dataset, registry_id=entry_for_dataset(store, choice.dataset).id,
            letter_path=str(first) if first else None, parent_id=choice.parent_id).id
    return saved


def default_recipient(store: Store, kind: str, law: str | None, dataset: str) -> Recipient:
    """Whom the letter goes to unless the person names someone: the registry's contact, or the authority."""
    spec = LETTER_TYPES[kind]
    return default_recipient_for(spec, law or spec.laws[0], entry_for_dataset(store, dataset))


def original_of(record: RequestRecord) -> Original | None:
    """The earlier request as a follow-up letter refers to it (None until it has a sent date)."""
    if record.sent_date is None:
        return None
    return Original(record.type, record.sent_date, record.deadline, f"#{record.id}")


def follow_up_choice(store: Store, request_id: int, *, today: date | None = None,
                     include_crops: bool = False) -> LetterChoice:
    """The letter that comes next for a request: a reminder, or the complaint after it.

    Raises:
        RequestError: the request needs no follow-up, or has no sent date.
    """
    step = follow_up(store, request_id, today)
    original = original_of(step.request)
    if original is None:
        raise RequestError(f"request {step.request.id} has no sent date", action=Action.SET_SENT_DATE,
                           subject=step.request.id)
    return LetterChoice(kind=step.kind, dataset=step.request.dataset_name or step.request.registry_id or "",
                        lang=step.request.lang, law=step.law, include_crops=include_crops, on=today,
                        original=original, parent_id=get_request(store, request_id).id)


def confirmed_counts(store: Store) -> list[tuple[str, int]]:
    """(dataset, number of matches confirmed as me) for each dataset that has any, by name."""
    rows = store.query("SELECT d.name, COUNT(*) AS n FROM matches m JOIN datasets d ON d.id = m.dataset_id"
                       " WHERE m.decision = 'me' GROUP BY d.name ORDER BY d.name")
    return [(row["name"], row["n"]) for row in rows]


def missing_details(identity: Identity, kind: str) -> list[str]:
    """The writer's details a letter of this type still lacks, in words (empty when none)."""
    missing = []
    if not identity.name:
        missing.append("your name")
    if not (identity.address or identity.email):
        missing.append("a postal address or e-mail for the answer")
    if LETTER_TYPES[kind].to is RecipientRole.AUTHORITY and not identity.country:
        missing.append("the country you live in")
    return missing


def _in_app(store: Store, dataset: str) -> bool:
    return store.scalar("SELECT id FROM datasets WHERE name = ?", [dataset]) is not None


def _annex(store: Store, choice: LetterChoice, with_pictures: bool) -> list[AnnexEntry]:
    annex = confirmed_matches(store, choice.dataset) if _in_app(store, choice.dataset) else []
    if with_pictures and choice.include_crops:
        annex = add_face_crops(store, annex)
    if with_pictures and choice.include_references:
        annex = add_reference_thumbnails(store, annex)
    return annex


def _render(store: Store, choice: LetterChoice, annex: list[AnnexEntry]) -> Letter:
    entry = entry_for_dataset(store, choice.dataset)
    return render_letter(choice.kind, choice.lang, entry, load_identity(store), law=choice.law, annex=annex,
                         on=choice.on, recipient=choice.recipient, original=choice.original, details=choice.details,
                         dataset_name=choice.dataset)


def _notes(store: Store, choice: LetterChoice, letter: Letter) -> list[Note]:
    notes = []
    if not load_identity(store).complete:
        notes.append(Note("your name and a postal address or e-mail are missing", Action.SET_IDENTITY))
    if _in_app(store, choice.dataset) and not letter.annex:
        notes.append(Note(f"no match in {choice.dataset!r} is confirmed as you yet", Action.REVIEW_MATCHES))
    if not letter.recipient.email and len(letter.recipient_lines) < 3:
        notes.append(Note("the recipient's address is not known: fill it in before sending"))
    return notes
