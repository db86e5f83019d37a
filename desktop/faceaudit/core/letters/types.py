"""The letters' vocabulary: letter types, the laws they are written under, and whom each goes to.

Declared once; the CLI's choices and the GUI's lists are built from these enums.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["LetterKind", "Law", "RecipientRole", "LetterType", "LETTER_TYPES", "COMPLAINT_KINDS"]


class LetterKind(StrEnum):
    """A letter type (its template is `resources/letters/<lang>/<value>.txt.j2`)."""

    ERASURE = "erasure"
    ACCESS = "access"
    OBJECTION = "objection"
    REMINDER = "reminder"
    DPA_COMPLAINT = "dpa-complaint"
    CCPA_DELETE = "ccpa-delete"
    CCPA_KNOW = "ccpa-know"
    FTC_COMPLAINT = "ftc-complaint"


class Law(StrEnum):
    """A law a letter is written under."""

    GDPR = "gdpr"
    UK_GDPR = "uk-gdpr"
    CCPA = "ccpa"
    FTC = "ftc"


class RecipientRole(StrEnum):
    """Whom a letter type goes to."""

    CUSTODIAN = "custodian"  # whoever holds the dataset (or the organisation written to)
    AUTHORITY = "authority"  # a regulator


@dataclass(frozen=True)
class LetterType:
    """What a letter type is for, which laws it exists under, and whom it goes to.

    Attributes:
        laws: the laws it can be written under; the first is the default.
        to: whom it is addressed to.
        answer_due: the letter sets the recipient a statutory period.
    """

    laws: tuple[Law, ...]
    to: RecipientRole = RecipientRole.CUSTODIAN
    answer_due: bool = True


LETTER_TYPES: dict[LetterKind, LetterType] = {
    LetterKind.ERASURE: LetterType((Law.GDPR, Law.UK_GDPR)),
    LetterKind.ACCESS: LetterType((Law.GDPR, Law.UK_GDPR)),
    LetterKind.OBJECTION: LetterType((Law.GDPR, Law.UK_GDPR)),
    LetterKind.REMINDER: LetterType((Law.GDPR, Law.UK_GDPR, Law.CCPA)),
    LetterKind.DPA_COMPLAINT: LetterType((Law.GDPR, Law.UK_GDPR), to=RecipientRole.AUTHORITY, answer_due=False),
    LetterKind.CCPA_DELETE: LetterType((Law.CCPA,)),
    LetterKind.CCPA_KNOW: LetterType((Law.CCPA,)),
    LetterKind.FTC_COMPLAINT: LetterType((Law.FTC,), to=RecipientRole.AUTHORITY, answer_due=False),
}

#: Letter types that are complaints to a regulator (they end a request's chain of follow-ups).
COMPLAINT_KINDS = frozenset(kind for kind, spec in LETTER_TYPES.items() if spec.to is RecipientRole.AUTHORITY)
