"""One action from choices to files: render a letter, write PDF, text and .eml, track it as a request."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .annex import add_face_crops, add_reference_thumbnails, confirmed_matches
from .identity import load_identity
from .letter_export import write_letter_eml, write_letter_text
from .letter_pdf import letter_pdf_bytes
from .letters import Letter, Original, Recipient, render_letter
from .registry import entry_for_dataset
from .requests import add_request, follow_up, get_request
from .store import Store

__all__ = ["LetterFiles", "make_letter", "draft_follow_up"]


@dataclass
class LetterFiles:
    """What `make_letter` wrote."""

    letter: Letter
    pdf: Path
    text: Path | None = None
    eml: Path | None = None
    request_id: int | None = None
    warnings: list[str] = field(default_factory=list)


def make_letter(store: Store, kind: str, dataset: str, lang: str, pdf_path: str | os.PathLike, *,
                law: str | None = None, text_path: str | os.PathLike | None = None,
                eml_path: str | os.PathLike | None = None, on: date | None = None,
                include_crops: bool = False, include_references: bool = False,
                recipient: Recipient | None = None, original: Original | None = None, details: str = "",
                track: bool = True, parent_id: int | None = None) -> LetterFiles:
    """Render a letter about a dataset and write its files.

    Args:
        dataset: the dataset's name in the app, or a registry name when the app does not have it
            (the annex is then empty).
        include_crops: opt-in: put crops of the confirmed faces, read from the dataset, in the annex.
        include_references: separate opt-in: add my own reference faces next to them.
        track: record the letter as a draft request.

    Raises:
        RegistryError, LetterError, FontError: as raised by the steps.
    """
    entry = entry_for_dataset(store, dataset)
    in_app = store.scalar("SELECT id FROM datasets WHERE name = ?", [dataset]) is not None
    annex = confirmed_matches(store, dataset) if in_app else []
    if include_crops:
        annex = add_face_crops(store, annex)
    if include_references:
        annex = add_reference_thumbnails(store, annex)
    identity = load_identity(store)
    letter = render_letter(kind, lang, entry, identity, law=law, annex=annex, on=on, recipient=recipient,
                           original=original, details=details, dataset_name=dataset)
    pdf = letter_pdf_bytes(letter)
    result = LetterFiles(letter, _write(Path(pdf_path), pdf))
    if text_path:
        result.text = write_letter_text(letter, text_path)
    if eml_path:
        result.eml = write_letter_eml(letter, eml_path, pdf, Path(pdf_path).name)
    if not identity.complete:
        result.warnings.append("your name and address or e-mail are missing: faceaudit identity set --name ...")
    if in_app and not annex:
        result.warnings.append(f"no match in {dataset!r} is confirmed as you yet (faceaudit review ID me)")
    if not letter.recipient.email and len(letter.recipient_lines) < 3:
        result.warnings.append("the recipient's address is not known: fill it in before sending")
    if track:
        record = add_request(store, kind, letter.law, letter.recipient.name, recipient_email=letter.recipient.email,
                             lang=lang, dataset_name=dataset, registry_id=entry.id, letter_path=str(result.pdf),
                             parent_id=parent_id)
        result.request_id = record.id
    return result


def draft_follow_up(store: Store, request_id: int, pdf_path: str | os.PathLike, *, today: date | None = None,
                    text_path: str | os.PathLike | None = None, eml_path: str | os.PathLike | None = None,
                    include_crops: bool = False) -> LetterFiles:
    """Draft the next letter for an overdue request: the reminder, or the complaint after it.

    Raises:
        RequestError: the request needs no follow-up or has no sent date.
    """
    step = follow_up(store, request_id, today)
    original = step.request
    if original.sent_date is None:
        from .requests import RequestError

        raise RequestError(f"request {original.id} has no sent date (faceaudit requests update {original.id} --sent DATE)")
    record = get_request(store, request_id)
    return make_letter(store, step.kind, original.dataset_name or original.registry_id or "", original.lang,
                       pdf_path, law=step.law, text_path=text_path, eml_path=eml_path, on=today,
                       include_crops=include_crops,
                       original=Original(original.type, original.sent_date, original.deadline, f"#{original.id}"),
                       parent_id=record.id)


def _write(path: Path, data: bytes) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return path
