"""Letters as the desktop app drafts them: a preview without files, any one format saved, one request per draft."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .annex import add_face_crops, add_reference_thumbnails, confirmed_matches
from .identity import Identity, load_identity
from .letters import LETTER_TYPES, Letter, Recipient, render_letter
from .registry import entry_for_dataset
from .requests import add_request
from .store import Store

__all__ = ["LetterChoice", "SavedLetter", "confirmed_counts", "missing_details", "preview_letter", "save_letter"]


@dataclass(frozen=True)
class LetterChoice:
    """What the person chose for one letter.

    Attributes:
        recipient: their own recipient details; None for the registry's (or the authority's).
        include_crops: opt-in: crops of the confirmed faces, read from the dataset.
        include_references: separate opt-in: my own reference faces next to them.
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


@dataclass
class SavedLetter:
    """What `save_letter` wrote, and the draft request that tracks the letter."""

    letter: Letter
    request_id: int
    paths: list[Path] = field(default_factory=list)


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
    if LETTER_TYPES[kind].to == "authority" and not identity.country:
        missing.append("the country you live in")
    return missing


def preview_letter(store: Store, choice: LetterChoice) -> Letter:
    """Render the letter without writing anything (no face crops: they are read only when saving).

    Raises:
        RegistryError: the dataset is not linked to a registry entry.
        LetterError: a type, language or law the letters do not have.
    """
    return _render(store, choice, confirmed_matches(store, choice.dataset))


def save_letter(store: Store, choice: LetterChoice, *, pdf_path: str | os.PathLike | None = None,
                text_path: str | os.PathLike | None = None, eml_path: str | os.PathLike | None = None,
                request_id: int | None = None) -> SavedLetter:
    """Write the letter in the formats asked for; the first save of a draft records it as a request.

    Args:
        request_id: the request an earlier save of the same draft recorded (no new one is made).

    Raises:
        RegistryError, LetterError, FontError: as raised by the steps.
    """
    # Imported here: the PDF library takes a second to load, too long for the app's start.
    from .letter_export import write_letter_eml, write_letter_text
    from .letter_files import make_letter
    from .letter_pdf import letter_pdf_bytes

    if pdf_path:
        files = make_letter(store, choice.kind, choice.dataset, choice.lang, pdf_path, law=choice.law,
                            text_path=text_path, eml_path=eml_path, on=choice.on, include_crops=choice.include_crops,
                            include_references=choice.include_references, recipient=choice.recipient,
                            details=choice.details, track=request_id is None)
        paths = [path for path in (files.pdf, files.text, files.eml) if path]
        return SavedLetter(files.letter, request_id or files.request_id, paths)
    annex = confirmed_matches(store, choice.dataset)
    if choice.include_crops:
        annex = add_face_crops(store, annex)
    if choice.include_references:
        annex = add_reference_thumbnails(store, annex)
    letter = _render(store, choice, annex)
    paths = []
    if text_path:
        paths.append(write_letter_text(letter, text_path))
    if eml_path:
        paths.append(write_letter_eml(letter, eml_path, letter_pdf_bytes(letter), Path(eml_path).stem + ".pdf"))
    if request_id is None:
        request_id = add_request(store, letter.type, letter.law, letter.recipient.name,
                                 recipient_email=letter.recipient.email, lang=letter.lang, dataset_name=choice.dataset,
                                 registry_id=entry_for_dataset(store, choice.dataset).id,
                                 letter_path=str(paths[0]) if paths else None).id
    return SavedLetter(letter, request_id, paths)


def _render(store: Store, choice: LetterChoice, annex: list) -> Letter:
    entry = entry_for_dataset(store, choice.dataset)
    return render_letter(choice.kind, choice.lang, entry, load_identity(store), law=choice.law, annex=annex,
                         on=choice.on, recipient=choice.recipient, details=choice.details, dataset_name=choice.dataset)
