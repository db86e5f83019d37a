"""Which laws a letter may invoke, for this sender and this recipient, and which authority takes a complaint.

Whether a law reaches the sender and the recipient is decided in `applicability.py` (one rule for
every letter type); this module adds the letter type's own laws and the authority a complaint goes
to. Where a law is not offered the reason says why, in words a person can act on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from faceaudit.core.letters.applicability import EEA, controller_for, in_eea, refusal
from faceaudit.core.letters.identity import Identity
from faceaudit.core.letters.registry import RegistryEntry
from faceaudit.core.letters.types import LETTER_TYPES, Law, RecipientKind
from faceaudit.core.storage.resources import resources_dir

__all__ = ["EEA", "Authority", "LawOption", "law_options", "offered_laws", "default_law", "law_refusal",
           "complaint_authority", "authorities", "bipa_applies", "in_eea", "with_article"]

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
        return LawOption(law, False, f"{with_article(kind)} letter is written under {laws}, not {law}")
    controller = controller_for(entry, identity) if entry is not None else None
    reason = refusal(kind, law, identity, controller)
    return LawOption(law, reason is None, reason or "")


def with_article(word: str) -> str:
    """"an erasure", "a reminder": the indefinite article English puts before a word."""
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word
