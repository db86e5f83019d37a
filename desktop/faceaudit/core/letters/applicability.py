"""Which law reaches a letter: one rule, for this sender, this recipient and this time, with its sources.

Every letter type, the CLI, the window and the tests ask this module. A law reaches a letter only
when its territorial condition holds for the sender and the recipient's establishment (the
controller for the sender's region, from the registry), and when the recipient is of a kind the law
binds. Time decides what a letter may claim, never whether rights over data held today exist: the
information duties of Art. 13/14 GDPR did not exist before 25 May 2018, and the CCPA's right to know
reaches 12 months back, or to 1 January 2022 (§ 1798.130(a)(2)(B)).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from faceaudit.core.letters.identity import Identity, country_name, residence_name
from faceaudit.core.letters.registry import RegistryEntry
from faceaudit.core.letters.types import Law, LetterKind, Purpose, RecipientKind

__all__ = ["EEA", "in_eea", "LawRule", "RULES", "Period", "parse_collected", "controller_for", "refusal",
           "duties_at_collection", "ccpa_lookback_limited", "no_law_left", "applicability_table", "GDPR_APPLIES",
           "CCPA_LOOKBACK_FROM"]

#: EU member states and the EEA states Iceland, Liechtenstein and Norway (ISO 3166-1 alpha-2).
EEA = frozenset(("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
                 "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO"))

#: The GDPR applies from this day (Art. 99(2)); the duties of Art. 13 and 14 did not exist before.
GDPR_APPLIES = date(2018, 5, 25)
#: The CCPA's right to know reaches beyond 12 months only for information collected from this day.
CCPA_LOOKBACK_FROM = date(2022, 1, 1)

_COMPLAINTS = (LetterKind.DPA_COMPLAINT, LetterKind.CPPA_COMPLAINT, LetterKind.FTC_COMPLAINT)


def in_eea(country: str) -> bool:
    """True for an EU/EEA country code."""
    return country.upper() in EEA


@dataclass(frozen=True)
class LawRule:
    """Whom a law protects, whom it binds, from when, and where that is written."""

    law: str
    protects: str
    binds: str
    time: str
    sources: tuple[tuple[str, str], ...]


_GDPR_TEXT = ("Regulation (EU) 2016/679, Art. 3 and 99", "https://eur-lex.europa.eu/eli/reg/2016/679/oj")
RULES: dict[str, LawRule] = {
    Law.GDPR: LawRule(
        Law.GDPR, "anyone, where the controller is established in the EU/EEA (Art. 3(1)); a person in the EU/EEA, "
        "where a controller outside it offers them services or monitors them (Art. 3(2))",
        "controllers of any kind (companies, universities, public bodies); the controller for the sender's region "
        "from the registry", "applies from 25 May 2018; Art. 13/14 information duties are claimed only for data "
        "collected from that day; rights over data held today are claimed whenever the data were collected",
        (_GDPR_TEXT, ("EDPB Guidelines 3/2018 on the territorial scope",
                      "https://www.edpb.europa.eu/our-work-tools/our-documents/guidelines/guidelines-32018-territorial-scope-gdpr-article-3-version_en"))),
    Law.UK_GDPR: LawRule(
        Law.UK_GDPR, "anyone, where the controller is established in the UK; a person in the UK, where a controller "
        "outside it offers them services or monitors them (Art. 3 UK GDPR)",
        "controllers of any kind; the controller for the sender's region from the registry",
        "the same rules applied in the UK from 25 May 2018 (as the EU GDPR until 31 December 2020)",
        (("UK GDPR, Article 3", "https://www.legislation.gov.uk/eur/2016/679/article/3"),)),
    Law.CCPA: LawRule(
        Law.CCPA, "California residents (§ 1798.140(i) 'consumer')",
        "businesses (§ 1798.140(d)); not universities or public bodies; complaints to the CPPA likewise concern "
        "businesses", "in force from 1 January 2020; the right to know covers the 12 months before the request, "
        "or information collected from 1 January 2022 (§ 1798.130(a)(2)(B)); deletion covers what is held today",
        (("Cal. Civ. Code § 1798.140", "https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=CIV&sectionNum=1798.140"),
         ("Cal. Civ. Code § 1798.130", "https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=CIV&sectionNum=1798.130"))),
    Law.BIPA: LawRule(
        Law.BIPA, "Illinois residents", "private entities (740 ILCS 14/10): companies; not State or local "
        "government bodies, nor universities FaceAudit cannot tell are private; only where the registry says faces "
        "are used for recognition (a photograph alone is not a biometric identifier)", "in force since 3 October 2008",
        (("740 ILCS 14/10 and 14/15", "https://ilga.gov/legislation/ilcs/ilcs3.asp?ActID=3004&ChapterID=57"),)),
    Law.TDPSA: LawRule(
        Law.TDPSA, "Texas residents (§ 541.001 'consumer')",
        "controllers doing business in Texas (§ 541.002(a)): companies; not state agencies, nonprofit "
        "organisations or institutions of higher education (§ 541.002(b)); the letter asks 'to the extent chapter "
        "541 applies to you', since FaceAudit cannot tell a small business (as the SBA defines it) apart",
        "in force from 1 July 2024; access and deletion cover the personal data held today; the Attorney General "
        "alone enforces it and takes complaints (§§ 541.151, 541.152). Texas's CUBI (Bus. & Com. Code § 503.001) "
        "is likewise enforced only by the Attorney General: it is named as a complaint route, not a right to write",
        (("Tex. Bus. & Com. Code § 541.051 (consumer rights)",
          "https://codes.findlaw.com/tx/business-and-commerce-code/bus-com-sect-541-051/"),
         ("Tex. Bus. & Com. Code § 541.052 (45 days, once extended by 45)",
          "https://codes.findlaw.com/tx/business-and-commerce-code/bus-com-sect-541-052/"))),
    Law.FTC: LawRule(
        Law.FTC, "people in the US (ReportFraud.ftc.gov; from elsewhere, econsumer.gov)",
        "companies (unfair or deceptive practices in commerce, Section 5 FTC Act); not universities or public "
        "bodies", "a report, not a request: no period",
        (("15 U.S.C. § 45", "https://www.law.cornell.edu/uscode/text/15/45"),
         ("econsumer.gov (reports from outside the US)", "https://econsumer.gov/"))),
}


@dataclass(frozen=True)
class Period:
    """When the recipient got the photos, as precisely as the sender knows it: earliest and latest day."""

    earliest: date
    latest: date
    text: str


def parse_collected(text: str) -> Period:
    """'2014', '2014-05' or '2014-05-20' as the span of days it names.

    Raises:
        ValueError: another form, or a date that does not exist.
    """
    text = text.strip()
    match = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", text)
    if not match:
        raise ValueError(f"{text!r}: give when the recipient got the photos as YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(x) if x else None for x in match.groups())
    if day:
        one = date(year, month, day)
        return Period(one, one, text)
    if month:
        start = date(year, month, 1)
        end = date(year + (month == 12), month % 12 + 1, 1).toordinal() - 1
        return Period(start, date.fromordinal(end), text)
    return Period(date(year, 1, 1), date(year, 12, 31), text)


def controller_for(entry: RegistryEntry, identity: Identity) -> RegistryEntry:
    """The entry as the sender's controller: an organisation with several (OkCupid: Humor Rainbow, Inc. in the
    US, MTCH Technology Services Limited in Dublin for the EU/EEA) answers for the sender's region."""
    controllers = getattr(entry, "controllers", None) or []
    country = identity.country.upper()
    region = "EEA" if in_eea(country) else country
    for controller in controllers:
        if controller.get("region", "").upper() == region:
            contact = {key: controller.get("contact", {}).get(key, "") for key in entry.contact}
            return replace(entry, custodian=controller["custodian"],
                           custodian_country=controller.get("custodian_country", entry.custodian_country),
                           contact=contact)
    return entry


def refusal(kind: str, law: str, identity: Identity, entry: RegistryEntry | None) -> str | None:
    """Why `law` does not reach this sender and recipient (None when it does).

    `entry` should already be the sender's controller (`controller_for`).
    """
    country, region = identity.country.upper(), identity.region.upper()
    recipient_kind = entry.custodian_kind if entry else ""
    recipient_country = (entry.custodian_country if entry else "").upper()
    where = f"you live in {residence_name(country, region)}" if country else "your residence is not set"
    if law in (Law.GDPR, Law.UK_GDPR):
        inside = in_eea if law == Law.GDPR else (lambda code: code == "GB")
        name, area = ("the GDPR", "the EU/EEA") if law == Law.GDPR else ("the UK GDPR", "the UK")
        if inside(recipient_country) or inside(country):
            return None
        established = (f"the recipient is established in {country_name(recipient_country)}" if recipient_country
                       else "where the recipient is established is not known")
        return (f"{name} reaches a controller established in {area} (Art. 3(1)), or one outside it for people in "
                f"{area} (Art. 3(2)); {where} and {established}")
    if law == Law.CCPA:
        if region != "US-CA":
            return f"the CCPA protects California residents; {where}"
        if recipient_kind != RecipientKind.COMPANY:
            return f"the CCPA binds businesses; this recipient is {_kind_words(recipient_kind)}"
        return None
    if law == Law.BIPA:
        if region != "US-IL":
            return f"BIPA protects Illinois residents; {where}"
        if recipient_kind != RecipientKind.COMPANY:
            return f"BIPA binds private entities (740 ILCS 14/10); this recipient is {_kind_words(recipient_kind)}"
        if entry is not None and entry.purpose != Purpose.RECOGNITION:
            return ("BIPA concerns scans of face geometry, and its definition leaves out photographs (740 ILCS 14/10); "
                    "the registry does not say that this recipient uses faces for recognition")
        return None
    if law == Law.TDPSA:
        if region != "US-TX":
            return f"the Texas Data Privacy and Security Act protects Texas residents; {where}"
        if recipient_kind != RecipientKind.COMPANY:
            return ("the Texas Data Privacy and Security Act binds businesses and exempts state agencies, nonprofit "
                    f"organisations and institutions of higher education (§ 541.002(b)); this recipient is "
                    f"{_kind_words(recipient_kind)}")
        return None
    if law == Law.FTC:
        if recipient_kind != RecipientKind.COMPANY:
            return ("the FTC Act reaches companies (unfair or deceptive practices in commerce); this recipient is "
                    f"{_kind_words(recipient_kind)}")
        if country != "US":
            return (f"ReportFraud.ftc.gov takes reports from people in the US; {where}: report to econsumer.gov, "
                    "which the FTC runs with other countries' agencies")
        return None
    return f"FaceAudit has no rule for {law}"


def no_law_left(kind: str, identity: Identity, entry: RegistryEntry | None) -> str:
    """What is left for a sender whom no law FaceAudit writes under reaches (said with the refusal)."""
    if identity.country.upper() == "US" and kind not in _COMPLAINTS:
        company = entry is not None and entry.custodian_kind == RecipientKind.COMPANY
        return ("what is left: you may still ask; the recipient has no legal duty to answer, so write it as a "
                "request (--details) and not as a legal demand" + ("; and report the company to the FTC "
                                                                   "(--type ftc-complaint)" if company else ""))
    if not identity.country:
        return "set where you live (faceaudit identity set --country ... --region ...)"
    return ""


def duties_at_collection(period: Period | None) -> bool:
    """Art. 13/14 duties may be claimed: the data are known to have been collected on or after 25 May 2018."""
    return period is not None and period.earliest >= GDPR_APPLIES


def ccpa_lookback_limited(period: Period | None) -> bool:
    """The CCPA's right to know does not reach back to when the data were collected (before 1 January 2022, or
    not known): the letter asks for what is held now and for disclosures within the look-back period."""
    return period is None or period.earliest < CCPA_LOOKBACK_FROM


def applicability_table() -> str:
    """The rules as a Markdown table: law, protects, binds, time, sources."""
    lines = ["| Law | Protects | Binds | Time | Sources |", "|---|---|---|---|---|"]
    for rule in RULES.values():
        sources = "; ".join(f"[{title}]({url})" for title, url in rule.sources)
        lines.append(f"| {rule.law} | {rule.protects} | {rule.binds} | {rule.time} | {sources} |")
    return "\n".join(lines)


def _kind_words(kind: str) -> str:
    return {RecipientKind.COMPANY: "a company", RecipientKind.UNIVERSITY: "a university",
            RecipientKind.PUBLIC_BODY: "a public body",
            RecipientKind.OTHER: "not known to be a company"}.get(kind, "not known to be a company")
