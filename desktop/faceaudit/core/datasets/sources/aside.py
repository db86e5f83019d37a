"""The ledger's record of a file no reader takes: what the detector says it is, and companion or not read."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from faceaudit.core.datasets.sources.base import Aside
from faceaudit.core.datasets.sources.companions import LIST_BESIDE_PHOTOS, inspect_file, inspect_text
from faceaudit.core.datasets.sources.forms import Role, Sample, detect, name_plural, not_regular, sample_of

__all__ = ["aside_of", "aside_of_member", "UNRECOGNISED", "LIST_OF_LINKS", "COMPANION"]

UNRECOGNISED = "unrecognised file"
LIST_OF_LINKS = "list of links"
COMPANION = "companion metadata"
JSON = "JSON document"
_SPECIAL = {"symbolic link not followed": "symbolic link"}

for _name, _plural in ((UNRECOGNISED, "unrecognised files"), (LIST_OF_LINKS, "lists of links"),
                       (COMPANION, "companion metadata files"), (JSON, "JSON documents"),
                       ("symbolic link", "symbolic links"), ("special file", "special files"),
                       ("unreadable file", "unreadable files")):
    name_plural(_name, _plural)


def aside_of(key: str, full: Path, beside: Iterable[str] = ()) -> Aside:
    """A file of a folder dataset that no reader took, as the ledger records it (never opened unless
    it is a regular file; a text file is read to its end to show it is a companion)."""
    try:
        info = full.lstat()
    except OSError as exc:
        return Aside(key, 0, "unreadable file", f"cannot read: {exc.strerror or exc}")
    problem = not_regular(info)
    if problem:
        return Aside(key, 0, _SPECIAL.get(problem, "special file"), problem)
    try:
        sample = sample_of(full, beside)
    except OSError as exc:
        return Aside(key, info.st_size, "unreadable file", f"cannot read: {exc.strerror or exc}")
    if sample.size == 0:
        return Aside(key, 0, COMPANION)  # an empty file holds nothing
    form = detect(sample)
    if form is None:
        return Aside(key, sample.size, UNRECOGNISED, "FaceAudit does not recognise its form")
    if form.role is Role.COMPANION:
        return Aside(key, sample.size, COMPANION)
    if form.role is Role.TEXT:
        try:
            why = inspect_file(full, sample.size)
        except OSError as exc:
            return Aside(key, sample.size, "unreadable file", f"cannot read: {exc.strerror or exc}")
        if why is None:
            return Aside(key, sample.size, COMPANION)
        return Aside(key, sample.size, _text_form(why, form.name), why)
    if form.role is Role.LIST:
        from faceaudit.core.datasets.sources.link_lists import LinkListSource  # lists import this module

        if LinkListSource.refusal(full) is None:
            return Aside(key, sample.size, LIST_OF_LINKS, LIST_BESIDE_PHOTOS)
        return Aside(key, sample.size, form.name, form.why)
    return Aside(key, sample.size, form.name, _why(form))


def aside_of_member(key: str, name: str, size: int, head: bytes, whole: bool, links: bool = False) -> Aside:
    """An archive member no reader took. `head` is its first bytes, all of them when `whole` (then a
    text member may be found a companion; one not read to its end never is). `links`: web addresses
    allowed in it (a WebDataset sidecar describes the photo read beside it)."""
    if whole and size == 0:
        return Aside(key, 0, COMPANION)  # an empty file holds nothing
    form = detect(Sample(Path(name).name.lower(), head, size))
    if form is None:
        return Aside(key, size, UNRECOGNISED, "FaceAudit does not recognise its form")
    if form.role is Role.COMPANION:
        return Aside(key, size, COMPANION)
    if form.role is Role.TEXT:
        why = inspect_text(head, links=links) if whole else "text member too large to inspect"
        return Aside(key, size, COMPANION) if why is None else Aside(key, size, _text_form(why, form.name), why)
    return Aside(key, size, form.name, _why(form))


def _text_form(why: str, name: str) -> str:
    if why == LIST_BESIDE_PHOTOS:
        return LIST_OF_LINKS
    return JSON if why.startswith("JSON") else name


def _why(form) -> str:
    if form.role in (Role.UNREADABLE, Role.LIST):
        return form.why
    return f"a {form.name} whose name does not say so: FaceAudit reads this form only under its usual name"
