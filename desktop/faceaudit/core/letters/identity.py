"""The letter writer's identity: asked for once, kept in the local database, used where a letter needs it.

Residence is kept as ISO 3166 codes: the country (ISO 3166-1 alpha-2, "DE") and, where it matters,
the region (ISO 3166-2, "DE-BE" for Berlin, "US-CA" for California). The codes are checked
against the `holidays` library's list of countries and subdivisions, the same list that decides
which public holidays move a deadline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from functools import lru_cache

from faceaudit.core.errors import FaceAuditError
from faceaudit.core.storage.store import Store

__all__ = ["Identity", "IdentityError", "SETTINGS", "load_identity", "save_identity", "normalise_residence",
           "holiday_region", "country_name", "residence_name", "email_problem"]

#: Declared settings: key -> (default, what it is).
SETTINGS: dict[str, tuple[str, str]] = {
    "identity.name": ("", "your full name, as the recipient may know it"),
    "identity.address": ("", "your postal address (several lines allowed)"),
    "identity.email": ("", "the e-mail address answers should go to"),
    "identity.country": ("", "the country you live in, as an ISO 3166-1 code such as DE (decides laws and authority)"),
    "identity.region": ("", "your state or Land, as an ISO 3166-2 code such as DE-BE or US-CA (where it matters)"),
}


class IdentityError(FaceAuditError, ValueError):
    """Identity details that are missing or unusable."""


def email_problem(email: str) -> str | None:
    """Why `email` cannot be an e-mail address for answers, or None (an empty one is allowed: no e-mail)."""
    email = email.strip()
    if email and ("@" not in email or email.startswith("@") or email.endswith("@")):
        return f"{email!r} does not look like an e-mail address"
    return None


@dataclass(frozen=True)
class Identity:
    """Who is writing."""

    name: str = ""
    address: str = ""
    email: str = ""
    country: str = ""
    region: str = ""

    @property
    def complete(self) -> bool:
        """True when name and either address or e-mail are known."""
        return bool(self.name and (self.address or self.email))

    def address_lines(self) -> list[str]:
        """The postal address, one line per item."""
        return [line.strip() for line in self.address.replace("\r", "").split("\n") if line.strip()]


def load_identity(store: Store) -> Identity:
    """The stored identity (empty fields where nothing was given)."""
    values = {f.name: store.get_setting(f"identity.{f.name}", SETTINGS[f"identity.{f.name}"][0])
              for f in fields(Identity)}
    try:  # a country stored as free text by an earlier version ("Germany") is read as its code
        values["country"], values["region"] = normalise_residence(values["country"], values["region"])
    except IdentityError:
        values["country"], values["region"] = "", ""
    return Identity(**values)


def save_identity(store: Store, **changes: str | None) -> Identity:
    """Store some identity fields (None leaves a field as it is).

    Country and region are stored as ISO codes; a country's English name ("Germany") is accepted
    and stored as its code.

    Raises:
        IdentityError: an unknown field, an e-mail address without '@', or a country or region
            that is not an ISO 3166 code.
    """
    known = {f.name for f in fields(Identity)}
    unknown = set(changes) - known
    if unknown:
        raise IdentityError(f"unknown identity field(s): {', '.join(sorted(unknown))}")
    problem = email_problem(changes.get("email") or "")
    if problem:
        raise IdentityError(problem)
    if changes.get("country") is not None or changes.get("region") is not None:
        current = load_identity(store)
        country = current.country if changes.get("country") is None else changes["country"]
        region = changes.get("region")
        if region is None:
            # a new country drops a region of another country
            region = current.region if current.region.startswith(f"{(country or '').strip().upper()}-") else ""
        changes["country"], changes["region"] = normalise_residence(country or "", region or "")
    for key, value in changes.items():
        if value is not None:
            store.set_setting(f"identity.{key}", value.strip() if key != "address" else value.strip("\n "))
    return load_identity(store)


def normalise_residence(country: str, region: str = "") -> tuple[str, str]:
    """(country, region) as ISO codes, e.g. ("germany", "be") -> ("DE", "DE-BE").

    Raises:
        IdentityError: a country or region the ISO lists (as the holidays library has them) lack.
    """
    country, region = country.strip(), region.strip()
    code = _country_code(country) if country else ""
    named = _region_by_name(region, code)
    if named:
        region = named
        code = code or named.split("-")[0]
    region = region.upper().replace("_", "-")
    if region and "-" not in region:
        if not code:
            raise IdentityError(f"{region!r}: give the region as an ISO 3166-2 code such as DE-BE or US-CA")
        region = f"{code}-{region}"
    if region:
        prefix, _, sub = region.partition("-")
        if code and prefix != code:
            raise IdentityError(f"region {region} is not in {code}")
        code = code or _country_code(prefix)
        subdivisions = _subdivisions().get(code, [])
        if subdivisions and sub not in subdivisions and region not in _EXTRA_REGIONS:
            raise IdentityError(f"{region!r} is not an ISO 3166-2 region of {code}; "
                                f"for example {code}-{subdivisions[0]}")
    return code, region


#: ISO 3166-2 codes people give that the holidays library does not list, with their English name and
#: the subdivision whose public holidays they keep (None: the country's).
_EXTRA_REGIONS: dict[str, tuple[str, str | None]] = {
    "FR-75C": ("Paris", None), "GB-LND": ("London", "ENG"), "GB-BIR": ("Birmingham", "ENG"),
    "GB-MAN": ("Manchester", "ENG"), "GB-EDH": ("Edinburgh", "SCT"), "GB-GLG": ("Glasgow", "SCT"),
    "GB-CRF": ("Cardiff", "WLS"), "GB-BFS": ("Belfast", "NIR"),
}


def holiday_region(region: str) -> str:
    """The region whose public holidays count: GB-LND keeps England's (GB-ENG); FR-75C France's."""
    extra = _EXTRA_REGIONS.get(region.upper())
    if extra is None:
        return region
    return f"{region[:2].upper()}-{extra[1]}" if extra[1] else ""


def _region_by_name(text: str, country: str) -> str:
    """"Berlin" -> "DE-BE", "London" -> "GB-LND": a region given by its name ("" when none matches one)."""
    folded = re.sub(r"[^a-z]", "", text.casefold())
    if not folded or re.fullmatch(r"([a-z]{2}-)?[a-z0-9]{1,3}", text.strip().casefold()):  # a code, not a name
        return ""
    import holidays  # only for a name (0.17 s of imports): an empty region or a code needs none

    found = {code for code, (name, _sub) in _EXTRA_REGIONS.items()
             if re.sub(r"[^a-z]", "", name.casefold()) == folded and (not country or code.startswith(country))}
    for each in ([country] if country else ("DE", "AT", "CH", "FR", "GB", "US", "ES", "IT", "NL", "BE")):
        try:
            aliases = getattr(holidays.country_holidays(each), "subdivisions_aliases", {}) or {}
        except (NotImplementedError, KeyError):
            continue
        found |= {f"{each}-{code}" for name, code in aliases.items()
                  if re.sub(r"[^a-z]", "", name.casefold()) == folded}
    return found.pop() if len(found) == 1 else ""


def _country_code(text: str) -> str:
    upper = text.strip().upper()
    if re.fullmatch(r"[A-Z]{2}", upper):
        if upper == "UK":
            return "GB"
        if upper in _subdivisions() or upper in _names().values():
            return upper
    code = _names().get(re.sub(r"[^a-z]", "", text.casefold()))
    if code:
        return code
    raise IdentityError(f"{text!r} is not a country FaceAudit knows; give its ISO 3166-1 code, such as DE, FR, GB, US")


def country_name(code: str) -> str:
    """A country's English name for messages ("GB" -> "United Kingdom"); the code itself when unknown."""
    from holidays.registry import COUNTRIES

    upper = code.strip().upper()
    for class_name, country, *_rest in COUNTRIES.values():
        if country == upper:
            return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", class_name)
    return upper


def residence_name(country: str, region: str = "") -> str:
    """"Germany (DE-BE)" for messages; "" when no country is set."""
    return (country_name(country) + (f" ({region})" if region else "")) if country else ""


@lru_cache(maxsize=1)
def _subdivisions() -> dict[str, list[str]]:
    import holidays

    return {code: [s for s in subs if re.fullmatch(r"[A-Z0-9]{1,3}", s)]
            for code, subs in holidays.list_supported_countries().items() if re.fullmatch(r"[A-Z]{2}", code)}


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    from holidays.registry import COUNTRIES

    names = {}
    for module, (class_name, code, *_rest) in COUNTRIES.items():
        names[re.sub(r"[^a-z]", "", module)] = code
        names[class_name.casefold()] = code
    names.update({"uk": "GB", "greatbritain": "GB", "england": "GB", "usa": "US", "deutschland": "DE"})
    return names
