"""Which laws a letter may invoke, for this sender and this recipient, and which authority takes a complaint.

A law is offered only where its facts are true for the sender: the CCPA for a California resident
writing to a business; the FTC Act about companies; BIPA for an Illinois resident writing to a
private company; the GDPR unless both sender and recipient are known to be outside the EU/EEA
(Art. 3); the UK GDPR unless both are known to be outside the UK. Where a law is not offered the
reason says why, in words a person can act on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from faceaudit.core.letters.identity import Identity, country_name, residence_name
from faceaudit.core.letters.registry import RegistryEntry
from faceaudit.core.letters.types import LETTER_TYPES, Law, LetterKind, RecipientKind
from faceaudit.core.storage.resources import resources_dir

__all__ = ["EEA", "Authority", "LawOption", "law_options", "offered_laws", "default_law", "law_refusal",
           "complaint_authority", "authorities", "bipa_applies", "in_eea"]

#: EU member states and the EEA states Iceland, Liechtenstein and Norway (ISO 3166-1 alpha-2).
EEA = frozenset(("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
                 "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO"))


def in_eea(country: str) -> bool:
    """True for an EU/EEA country code."""
    return country.upper() in EEA


@dataclass(frozen=True)
class Authority:
    """A regulator, as `resources/authorities/<id>.json` describes it (from its own publications)."""

    id: str
    name: str
    name_en: str
    country: str
    region: str
    laws: tuple[str, ...]
    sector: str
    postal: str
    email: str
    web_form: str
    website: str
    sources: tuple[dict, ...] = field(default_factory=tuple)
    note: str = ""

    @property
    def postal_lines(self) -> list[str]:
        """The postal address, one line per item (empty when no source states it)."""
        return [line.strip() for line in self.postal.split("\n") if line.strip()]


@dataclass(frozen=True)
class LawOption:
    """A law a letter type exists under, and whether it may be used for this sender and recipient."""

    law: str
    offered: bool
    reason: str = ""  # why not, when not offered


@lru_cache(maxsize=1)
def _load(folder: str) -> dict[str, Authority]:
    out = {}
    for path in sorted(Path(folder).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        out[data["id"]] = Authority(
            id=data["id"], name=data["name"], name_en=data.get("name_en", data["name"]), country=data["country"],
            region=data.get("region", ""), laws=tuple(data.get("laws", ())), sector=data.get("sector", "all"),
            postal=data.get("postal", ""), email=data.get("email", ""), web_form=data.get("web_form", ""),
            website=data.get("website", ""), sources=tuple(data.get("sources", ())), note=data.get("note", ""))
    return out


def authorities() -> dict[str, Authority]:
    """Every bundled authority by id."""
    return _load(str(resources_dir() / "authorities"))


def bipa_applies(identity: Identity, entry: RegistryEntry | None) -> bool:
    """An Illinois resident writing to a private company (BIPA reaches private entities, 740 ILCS 14/10)."""
    return identity.region.upper() == "US-IL" and entry is not None and entry.custodian_kind == RecipientKind.COMPANY


def law_options(kind: str, identity: Identity, entry: RegistryEntry | None) -> list[LawOption]:
    """Every law of the letter type, each offered or refused with its reason.

    Args:
        kind: a letter type.
        identity: the sender (country and region decide residence).
        entry: the recipient's registry entry (its kind and country); None when unknown.
    """
    return [_option(kind, law, identity, entry) for law in LETTER_TYPES[kind].laws]


def offered_laws(kind: str, identity: Identity, entry: RegistryEntry | None) -> list[str]:
    """The laws that may be used, in the type's order."""
    return [option.law for option in law_options(kind, identity, entry) if option.offered]


def default_law(kind: str, identity: Identity, entry: RegistryEntry | None) -> str | None:
    """The law a letter is written under unless the person chooses: the one of their residence."""
    offered = offered_laws(kind, identity, entry)
    country = identity.country.upper()
    preferred = (Law.UK_GDPR if country == "GB" else Law.CCPA if identity.region.upper() == "US-CA"
                 else Law.BIPA if identity.region.upper() == "US-IL" else Law.GDPR)
    if preferred in offered:
        return preferred
    return offered[0] if offered else None


def law_refusal(kind: str, law: str, identity: Identity, entry: RegistryEntry | None) -> str | None:
    """Why `law` may not be used for this letter (None when it may)."""
    option = _option(kind, law, identity, entry)
    return None if option.offered else option.reason


def complaint_authority(law: str, identity: Identity,
                        entry: RegistryEntry | None = None) -> tuple[Authority | None, str]:
    """The authority a complaint under `law` goes to, and, when there is none, why.

    GDPR: the supervisory authority of the sender's residence (Art. 77(1)); in Germany the Land's
    authority (for Bavaria the one for the private sector, unless the recipient is a public body).
    UK GDPR: the ICO. CCPA: the California Privacy Protection Agency. FTC Act: the FTC.
    """
    known = authorities()
    country, region = identity.country.upper(), identity.region.upper()
    if law == Law.UK_GDPR:
        return known.get("gb-ico"), ""
    if law == Law.CCPA:
        return known.get("us-ca-cppa"), ""
    if law == Law.FTC:
        return known.get("us-ftc"), ""
    if law != Law.GDPR:
        return None, f"FaceAudit has no authority for complaints under {law}"
    if not country:
        return None, "your country is not set: the complaint goes to the authority where you live"
    if country == "CH":
        fdpic = known.get("ch-fdpic")
        return None, ("you live in Switzerland: Art. 77 GDPR gives a complaint to an EU/EEA authority; the Swiss "
                      f"FDPIC takes reports under Swiss law ({fdpic.web_form if fdpic else 'edoeb.admin.ch'})")
    if not in_eea(country):
        return None, (f"you live outside the EU/EEA ({country}): choose the authority of the member state where the "
                      "infringement took place (Art. 77(1) GDPR) and name it as the recipient")
    if country == "DE":
        return _german_authority(known, region, entry)
    matches = [a for a in known.values() if a.country == country and Law.GDPR in a.laws]
    return (matches[0], "") if matches else (None, f"no authority for {country} is bundled")


def _german_authority(known: dict[str, Authority], region: str,
                      entry: RegistryEntry | None) -> tuple[Authority | None, str]:
    if not region.startswith("DE-"):
        return None, "your Land is not set (for example DE-BE): in Germany the Land's authority takes the complaint"
    candidates = [a for a in known.values() if a.region == region]
    if not candidates:
        return None, f"no authority for {region} is bundled"
    public = entry is not None and entry.custodian_kind == RecipientKind.PUBLIC_BODY and entry.custodian_country == "DE"
    wanted = "public" if public else "non-public"
    for authority in candidates:
        if authority.sector in (wanted, "all"):
            return authority, ""
    return candidates[0], ""


def _option(kind: str, law: str, identity: Identity, entry: RegistryEntry | None) -> LawOption:
    spec = LETTER_TYPES.get(kind)
    if spec is None or law not in spec.laws:
        laws = " or ".join(spec.laws) if spec else "no law"
        return LawOption(law, False, f"a {kind} letter is written under {laws}")
    country, region = identity.country.upper(), identity.region.upper()
    recipient_kind = entry.custodian_kind if entry else ""
    recipient_country = (entry.custodian_country if entry else "").upper()
    to_authority = kind in (LetterKind.DPA_COMPLAINT, LetterKind.CPPA_COMPLAINT, LetterKind.FTC_COMPLAINT)
    if law == Law.CCPA:
        if region != "US-CA":
            where = (f"your residence is set to {residence_name(country, region)}" if (region or country)
                     else "your residence is not set")
            return LawOption(law, False, f"the CCPA protects California residents; {where}")
        if not to_authority and recipient_kind != RecipientKind.COMPANY:
            return LawOption(law, False, "the CCPA binds businesses; this recipient is "
                             f"{_kind_words(recipient_kind)}")
    elif law == Law.FTC:
        if recipient_kind != RecipientKind.COMPANY:
            return LawOption(law, False, "the FTC Act reaches companies (unfair or deceptive practices in commerce); "
                             f"this recipient is {_kind_words(recipient_kind)}")
    elif law == Law.BIPA:
        if region != "US-IL":
            return LawOption(law, False, "BIPA protects Illinois residents; "
                             + (f"your residence is set to {residence_name(country, region)}" if (region or country)
                                else "your residence is not set"))
        if recipient_kind != RecipientKind.COMPANY:
            return LawOption(law, False, "BIPA binds private entities; this recipient is "
                             f"{_kind_words(recipient_kind)}")
    elif law == Law.GDPR and country and not in_eea(country) and recipient_country and not in_eea(recipient_country):
        return LawOption(law, False, f"the GDPR reaches controllers in the EU/EEA, or outside it when they "
                         f"process data of people in the EU/EEA (Art. 3); you live in: {country_name(country)}; the "
                         f"recipient is established in: {country_name(recipient_country)}")
    elif law == Law.UK_GDPR and country and country != "GB" and recipient_country and recipient_country != "GB":
        return LawOption(law, False, f"the UK GDPR reaches controllers in the UK, or outside it when they "
                         f"process data of people in the UK (Art. 3 UK GDPR); you live in: {country_name(country)}; "
                         f"the recipient is established in: {country_name(recipient_country)}")
    return LawOption(law, True)


def _kind_words(kind: str) -> str:
    return {RecipientKind.UNIVERSITY: "a university", RecipientKind.PUBLIC_BODY: "a public body",
            RecipientKind.OTHER: "not known to be a company", "": "not known to be a company"}.get(kind, kind)
