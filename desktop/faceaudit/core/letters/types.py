"""The letters' vocabulary: letter types, laws, recipients, evidence and what an answer said.

Declared once; the CLI's choices and the GUI's lists are built from these enums.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["LetterKind", "Law", "RecipientRole", "Subject", "LetterType", "LETTER_TYPES", "COMPLAINT_KINDS",
           "Evidence", "Ground", "RecipientKind", "EntryKind", "Purpose", "ORGANISATION_KINDS"]


class LetterKind(StrEnum):
    """A letter type (its template is `resources/letters/<lang>/<value>.txt.j2`)."""

    ERASURE = "erasure"
    ACCESS = "access"
    OBJECTION = "objection"
    REMINDER = "reminder"
    DPA_COMPLAINT = "dpa-complaint"
    CCPA_DELETE = "ccpa-delete"
    CCPA_KNOW = "ccpa-know"
    CPPA_COMPLAINT = "cppa-complaint"
    FTC_COMPLAINT = "ftc-complaint"
    PLATFORM_ACCESS = "platform-access"
    DEVELOPER_ERASURE = "developer-erasure"


class Law(StrEnum):
    """A law a letter is written under."""

    GDPR = "gdpr"
    UK_GDPR = "uk-gdpr"
    CCPA = "ccpa"
    FTC = "ftc"
    BIPA = "bipa"
    TDPSA = "tdpsa"  # Texas Data Privacy and Security Act (Tex. Bus. & Com. Code ch. 541)


class RecipientRole(StrEnum):
    """Whom a letter type goes to."""

    CUSTODIAN = "custodian"  # whoever holds the dataset (or the organisation written to)
    AUTHORITY = "authority"  # a regulator


class Subject(StrEnum):
    """What a letter is about: a published dataset, or an organisation (platform, developer)."""

    DATASET = "dataset"
    ORGANISATION = "organisation"
    EITHER = "either"


class Evidence(StrEnum):
    """What the sender has confirmed, which decides what a letter may claim.

    FACES: faces in a dataset confirmed as the sender's. ROWS: rows of a published link list
    (URLs, account names, hashes) confirmed as pointing to the sender's photos. NONE: nothing
    confirmed; the letter asks whether data are processed and claims nothing more.
    """

    FACES = "faces"
    ROWS = "rows"
    NONE = "none"


class Ground(StrEnum):
    """What happened to a request: the ground a reminder or complaint states."""

    NO_ANSWER = "no-answer"
    REFUSED = "refused"  # refused without a reason FaceAudit knows how to answer
    REFUSED_RESEARCH = "refused-research"  # "research exemption" (Art. 89 GDPR, § 27 BDSG)
    REFUSED_PUBLIC = "refused-public"  # "the photos were publicly available"
    REFUSED_IDENTIFY = "refused-identify"  # "we cannot identify you in our data"
    PARTIAL = "partial"  # answered, but not all that was asked
    EXCESSIVE_ID = "excessive-id"  # asked for an identity document beyond what is needed


class RecipientKind(StrEnum):
    """What kind of body a custodian or organisation is (decides which laws reach it)."""

    COMPANY = "company"
    UNIVERSITY = "university"
    PUBLIC_BODY = "public-body"
    OTHER = "other"


class EntryKind(StrEnum):
    """What a registry entry describes."""

    DATASET = "dataset"
    PLATFORM = "platform"  # a service where people had accounts and uploaded photos
    DEVELOPER = "developer"  # a company that trains or runs face recognition


class Purpose(StrEnum):
    """What a dataset was compiled for, as its publishers describe it (the letter says what it is)."""

    RECOGNITION = "recognition"  # telling who someone is: biometric data
    DETECTION = "detection"  # finding faces in pictures
    GENERATION = "generation"  # generating synthetic faces
    ATTRIBUTES = "attributes"  # estimating age, gender or other attributes
    REPRESENTATION = "representation"  # pre-training general face analysis models
    GENERAL = "general"  # a general photo collection, not made for faces
    PLATFORM = "platform"  # photos members uploaded to a service


#: Registry entries that are organisations rather than datasets.
ORGANISATION_KINDS = (EntryKind.PLATFORM, EntryKind.DEVELOPER)


@dataclass(frozen=True)
class LetterType:
    """What a letter type is for, which laws it exists under, and whom it goes to.

    Attributes:
        laws: the laws it can be written under; the first is the default.
        to: whom it is addressed to.
        answer_due: the letter sets the recipient a statutory period.
        subject: whether it is about a dataset, an organisation, or either.
        form_only: the text is for the authority's web form; it has no mail recipient.
    """

    laws: tuple[Law, ...]
    to: RecipientRole = RecipientRole.CUSTODIAN
    answer_due: bool = True
    subject: Subject = Subject.DATASET
    form_only: bool = False


_GDPR = (Law.GDPR, Law.UK_GDPR)

LETTER_TYPES: dict[LetterKind, LetterType] = {
    LetterKind.ERASURE: LetterType((*_GDPR, Law.BIPA, Law.TDPSA)),
    LetterKind.ACCESS: LetterType((*_GDPR, Law.TDPSA)),
    LetterKind.OBJECTION: LetterType(_GDPR),
    LetterKind.REMINDER: LetterType((*_GDPR, Law.CCPA), subject=Subject.EITHER),
    LetterKind.DPA_COMPLAINT: LetterType(_GDPR, to=RecipientRole.AUTHORITY, answer_due=False, subject=Subject.EITHER),
    LetterKind.CCPA_DELETE: LetterType((Law.CCPA,)),
    LetterKind.CCPA_KNOW: LetterType((Law.CCPA,)),
    LetterKind.CPPA_COMPLAINT: LetterType((Law.CCPA,), to=RecipientRole.AUTHORITY, answer_due=False,
                                          subject=Subject.EITHER, form_only=True),
    LetterKind.FTC_COMPLAINT: LetterType((Law.FTC,), to=RecipientRole.AUTHORITY, answer_due=False,
                                         subject=Subject.EITHER, form_only=True),
    LetterKind.PLATFORM_ACCESS: LetterType((*_GDPR, Law.CCPA), subject=Subject.ORGANISATION),
    LetterKind.DEVELOPER_ERASURE: LetterType((*_GDPR, Law.CCPA, Law.BIPA), subject=Subject.ORGANISATION),
}

#: Letter types that are complaints to a regulator (they end a request's chain of follow-ups).
COMPLAINT_KINDS = frozenset(kind for kind, spec in LETTER_TYPES.items() if spec.to is RecipientRole.AUTHORITY)
