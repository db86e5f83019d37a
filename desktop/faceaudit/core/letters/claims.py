"""Every claim a letter can make, the condition under which it makes it, and its legal basis.

Templates never decide what is true: they print a claim's paragraph only when `claims.<id>` is set,
and this module sets it from the facts of the case (`Case`). The tests render every letter type,
law, language and kind of evidence and check that each claim's marker phrase appears exactly when
its condition holds; `docs/letters.md` carries the table `claims_table()` prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from faceaudit.core.letters.applicability import Period, ccpa_lookback_limited, duties_at_collection, in_eea
from faceaudit.core.letters.types import Evidence, Ground, Law, LetterKind, Purpose, RecipientKind

__all__ = ["Case", "Claim", "CLAIMS", "claim_flags", "claims_table", "bdsg_applies", "outside_reach"]

K = LetterKind
_CUSTODIAN_LETTERS = {K.ERASURE, K.ACCESS, K.OBJECTION, K.CCPA_DELETE, K.CCPA_KNOW}
_ORGANISATION_LETTERS = {K.PLATFORM_ACCESS, K.DEVELOPER_ERASURE}
_REQUESTS = _CUSTODIAN_LETTERS | _ORGANISATION_LETTERS
_FOLLOW_UPS = {K.REMINDER, K.DPA_COMPLAINT, K.CPPA_COMPLAINT, K.FTC_COMPLAINT}
_GDPR_LAWS = (Law.GDPR, Law.UK_GDPR)
_REFUSALS = (Ground.REFUSED, Ground.REFUSED_RESEARCH, Ground.REFUSED_PUBLIC, Ground.REFUSED_IDENTIFY)
_NOT_RECOGNITION = (Purpose.DETECTION, Purpose.GENERATION, Purpose.ATTRIBUTES, Purpose.REPRESENTATION, Purpose.GENERAL)


@dataclass(frozen=True)
class Case:
    """The facts of one letter, as FaceAudit knows them.

    Attributes:
        faces, rows: confirmed face matches / confirmed rows of a published link list in the annex.
        references: the annex shows the sender's own reference photos.
        subject: "dataset" or "organisation".
        purpose, status: the dataset's purpose and status in the registry ("" unknown).
        custodian_kind, custodian_country: the recipient's kind and country ("" unknown).
        sender_country, sender_region: ISO codes of the sender's residence ("" unknown).
        original: a reminder or complaint knows the earlier request (sent date).
        ground: what happened to the earlier request (Ground), for follow-ups.
        account: the sender's account ID at a platform.
        received_event: a developer's reported receipt of photos from the platform the sender used.
        deletion_event: a developer's reported deletion of those photos and models.
        shared_events: a platform's reported disclosures of user photos.
        authority_by_residence: a complaint goes to the authority FaceAudit chose by residence.
        collected: when the recipient got the photos (None: not known; nothing is assumed).
        platform_used: the sender said they had an account on the platform (--account or --via).
    """

    kind: str
    law: str
    lang: str = "en"
    faces: int = 0
    rows: int = 0
    references: bool = False
    subject: str = "dataset"
    purpose: str = ""
    status: str = ""
    custodian_kind: str = ""
    custodian_country: str = ""
    sender_country: str = ""
    sender_region: str = ""
    original: bool = False
    ground: str = ""
    account: str = ""
    received_event: dict | None = None
    deletion_event: dict | None = None
    shared_events: tuple[dict, ...] = field(default_factory=tuple)
    authority_by_residence: bool = False
    collected: Period | None = None
    platform_used: bool = False

    @property
    def evidence(self) -> str:
        """FACES when any face is confirmed, else ROWS when any row is, else NONE."""
        return Evidence.FACES if self.faces else Evidence.ROWS if self.rows else Evidence.NONE

    @property
    def enclosure(self) -> bool:
        """True when the letter carries an annex."""
        return bool(self.faces or self.rows)


def outside_reach(case: Case) -> bool:
    """The recipient is established outside the law's territory and the sender lives inside it."""
    country = case.custodian_country.upper()
    if not country:
        return False
    if case.law == Law.GDPR:
        return not in_eea(country) and in_eea(case.sender_country)
    if case.law == Law.UK_GDPR:
        return country != "GB" and case.sender_country.upper() == "GB"
    return False


def bdsg_applies(case: Case) -> bool:
    """The BDSG governs the recipient's processing: established in Germany, or outside the EU/EEA
    and within the GDPR's reach for a sender living in Germany (§ 1(4) BDSG)."""
    if case.law != Law.GDPR:
        return False
    country = case.custodian_country.upper()
    return country == "DE" or (outside_reach(case) and case.sender_country.upper() == "DE")


@dataclass(frozen=True)
class Claim:
    """One claim: the letter types that can make it, when, why, and the words that show it.

    Attributes:
        kinds: the letter types whose templates contain it.
        condition: True when the claim is true for the case.
        when: the condition in words (for the table in docs/letters.md).
        basis: the legal basis or the fact it rests on.
        source: a public source for the basis.
        markers: a phrase per language that appears in the letter exactly when the claim is made.
    """

    id: str
    kinds: frozenset[str]
    condition: Callable[[Case], bool]
    when: str
    basis: str
    source: str
    markers: dict[str, str]


def _c(id_, kinds, condition, when, basis, source, en, de) -> Claim:
    return Claim(id_, frozenset(kinds), condition, when, basis, source, {"en": en, "de": de})


GDPR_TEXT = "https://eur-lex.europa.eu/eli/reg/2016/679/oj"
_dataset = {K.ERASURE, K.ACCESS, K.OBJECTION, K.CCPA_DELETE, K.CCPA_KNOW}

CLAIMS: tuple[Claim, ...] = (
    _c("found_faces", _REQUESTS | _FOLLOW_UPS, lambda c: c.faces > 0,
       "at least one face in the dataset is confirmed as the sender's (decision 'me')",
       "the sender's own check, listed in the annex (file, SHA-256, face box)", "FaceAudit annex",
       "confirmed that photographs of my face are", "bestätigt, dass Fotos meines Gesichts"),
    _c("found_rows", _REQUESTS | _FOLLOW_UPS, lambda c: c.rows > 0,
       "at least one row of a published link list is confirmed as pointing to the sender's photos",
       "the sender's own check, listed in the annex (file and row)", "FaceAudit annex",
       "entries that point to photographs of me", "Einträge, die auf Fotos von mir verweisen"),
    _c("reason_to_believe", _REQUESTS | _FOLLOW_UPS, lambda c: c.evidence == Evidence.NONE,
       "nothing is confirmed: the letter asks whether data are processed, and claims nothing more",
       "Art. 15(1) GDPR (confirmation whether data are processed); Cal. Civ. Code § 1798.110", GDPR_TEXT,
       "I have reason to believe", "Ich habe Grund zu der Annahme"),
    _c("enclosure", _REQUESTS | _FOLLOW_UPS, lambda c: c.enclosure,
       "the letter carries an annex (at least one confirmed face or row)",
       "the annex itself", "FaceAudit annex", "enclosed annex", "beigefügte Anlage"),
    _c("reference_offer", _REQUESTS, lambda c: c.evidence == Evidence.NONE and not c.account,
       "nothing is confirmed and no account identifies the sender: a photo is offered for the search only",
       "purpose limitation and storage limitation, Art. 5(1)(b) and (e) GDPR; identification only as needed, "
       "Art. 11(2), 12(6) GDPR", GDPR_TEXT, "only for that search", "ausschließlich für diese Suche"),
    _c("reference_enclosed", _REQUESTS, lambda c: c.references,
       "the annex shows the sender's own reference photos (a separate opt-in)",
       "Art. 5(1)(b) and (e) GDPR: used only to verify, deleted afterwards", GDPR_TEXT,
       "my own reference photos", "meine eigenen Vergleichsfotos"),
    _c("biometric", _REQUESTS | {K.DPA_COMPLAINT}, lambda c: c.purpose == Purpose.RECOGNITION and c.law != Law.BIPA
       and not (c.kind == K.DPA_COMPLAINT and c.evidence == Evidence.NONE),
       "the registry says the dataset or service is for recognising people (BIPA letters use BIPA's own terms; a "
       "complaint only with a confirmed match)",
       "Art. 4(14), Art. 9(1) GDPR; Cal. Civ. Code § 1798.140(c) 'biometric information'", GDPR_TEXT,
       "biometric data within the meaning of", "biometrische Daten im Sinne von"),
    _c("ftc_biometric", {K.FTC_COMPLAINT}, lambda c: c.purpose == Purpose.RECOGNITION,
       "an FTC report about a dataset or company the registry says is for recognising people",
       "FTC Policy Statement on Biometric Information and Section 5 of the FTC Act (May 2023)",
       "https://www.ftc.gov/legal-library/browse/policy-statement-federal-trade-commission-biometric-information-section-5-federal-trade-commission",
       "Collecting and distributing biometric information", "Biometrische Informationen ohne Hinweis"),
    _c("purpose_not_recognition", _REQUESTS | {K.DPA_COMPLAINT}, lambda c: c.purpose in _NOT_RECOGNITION,
       "the registry says the dataset is for detection, generation, attributes, pre-training or general use",
       "Art. 4(1) GDPR (personal data); Art. 4(14) only for processing that identifies", GDPR_TEXT,
       "not to recognise people", "nicht, um Personen wiederzuerkennen"),
    _c("art14", {K.ERASURE, K.ACCESS, K.OBJECTION, K.DPA_COMPLAINT, K.DEVELOPER_ERASURE},
       lambda c: c.law in _GDPR_LAWS and duties_at_collection(c.collected)
       and not (c.kind == K.DPA_COMPLAINT and c.evidence == Evidence.NONE),
       "a GDPR letter to whoever holds data the sender never gave them, collected on or after 25 May 2018 "
       "(--collected); a complaint only with a confirmed match",
       "Art. 14 GDPR (information where data are not obtained from the data subject)", GDPR_TEXT,
       "did not obtain these data from me", "nicht bei mir erhoben"),
    _c("art13", {K.PLATFORM_ACCESS}, lambda c: c.law in _GDPR_LAWS and duties_at_collection(c.collected),
       "a GDPR letter to the platform where the sender had an account, about data collected on or after 25 May "
       "2018 (--collected)",
       "Art. 13 GDPR (information where data are collected from the data subject)", GDPR_TEXT,
       "from me when I used your service", "bei der Nutzung Ihres Dienstes bei mir erhoben"),
    _c("account", _ORGANISATION_LETTERS | _FOLLOW_UPS, lambda c: bool(c.account),
       "the sender gave the ID of their account",
       "identification of the data subject, Art. 12(6) GDPR", GDPR_TEXT,
       "account ID", "Kontokennung"),
    _c("received_event", {K.DEVELOPER_ERASURE}, lambda c: c.received_event is not None,
       "the registry records, with a public source, that the developer received photos from the platform the "
       "sender used", "the public source named in the letter (e.g. the FTC's complaint of 30 March 2026)",
       "https://www.ftc.gov/legal-library/browse/cases-proceedings/okcupidmatch",
       "following public report", "folgenden öffentlichen Berichts"),
    _c("deletion_event", {K.DEVELOPER_ERASURE}, lambda c: c.deletion_event is not None,
       "the registry records, with a public source, that the developer reported deleting those photos and models",
       "the public source named in the letter (e.g. TechCrunch, 21 April 2026)",
       "https://techcrunch.com/2026/04/21/clarifai-okcupid-facial-recognition-ai-ftc-settlement/",
       "that this deletion", "dass diese Löschung"),
    _c("shared_events", {K.PLATFORM_ACCESS}, lambda c: bool(c.shared_events),
       "the registry records, with a public source, that the platform disclosed user photos",
       "the public source named in the letter (e.g. the FTC's complaint of 30 March 2026)",
       "https://www.ftc.gov/legal-library/browse/cases-proceedings/okcupidmatch",
       "following public report", "folgenden öffentlichen Berichts"),
    _c("models", {K.ERASURE, K.DEVELOPER_ERASURE, K.CCPA_DELETE}, lambda c: True,
       "every erasure letter: embeddings, templates and models trained on the photos, or the reasons why not",
       "Art. 17(1) GDPR (all personal data); FTC orders deleting models (Everalbum, 2021)",
       "https://www.ftc.gov/news-events/press-releases/2021/05/ftc-finalizes-settlement-photo-app-developer-related-misuse",
       "models trained on", "damit trainierten Modelle"),
    _c("precedents", {K.ERASURE, K.DEVELOPER_ERASURE, K.CCPA_DELETE}, lambda c: True,
       "every erasure letter: deleting models is possible and has been done",
       "FTC, In the Matter of Everalbum (2021); Clarifai's deletion of OkCupid photos and models (2026)",
       "https://techcrunch.com/2026/04/21/clarifai-okcupid-facial-recognition-ai-ftc-settlement/",
       "Everalbum", "Everalbum"),
    _c("art17_2", {K.ERASURE}, lambda c: c.law in _GDPR_LAWS and c.subject == "dataset",
       "a GDPR erasure letter about a published dataset (the controller made the data public)",
       "Art. 17(2) GDPR", GDPR_TEXT, "inform the controllers who copied", "die Verantwortlichen zu informieren, die"),
    _c("restriction", {K.ERASURE, K.OBJECTION, K.DEVELOPER_ERASURE}, lambda c: c.law in _GDPR_LAWS,
       "GDPR erasure and objection letters: restriction while the request is examined",
       "Art. 18(1) GDPR", GDPR_TEXT, "restrict the processing", "Einschränkung der Verarbeitung"),
    _c("art19", {K.ERASURE, K.OBJECTION, K.DEVELOPER_ERASURE}, lambda c: c.law in _GDPR_LAWS,
       "GDPR erasure and objection letters: notify every recipient and name them",
       "Art. 19 GDPR", GDPR_TEXT, "name these recipients to me", "mir diese Empfänger zu nennen"),
    _c("named_recipients", {K.ACCESS, K.PLATFORM_ACCESS}, lambda c: c.law in _GDPR_LAWS,
       "GDPR access letters: recipients by name",
       "Art. 15(1)(c) GDPR; CJEU C-154/21 (Österreichische Post), 12 January 2023",
       "https://curia.europa.eu/juris/liste.jsf?num=C-154/21", "by name", "namentlich"),
    _c("outside_reach", _REQUESTS, outside_reach,
       "the recipient is established outside the EU/EEA (UK) and the sender lives inside it",
       "Art. 3(2) GDPR; Art. 27 GDPR (representative); applied to a US face-recognition company by the CNIL "
       "(SAN-2022-019, 17 October 2022)", "https://regmind.eu/open/fr/aai/cnil/sn/2022/10/17/SAN-2022-01",
       "established outside", "Sie sind außerhalb"),
    _c("withdrawn", _dataset, lambda c: c.subject == "dataset" and c.status == "withdrawn",
       "the registry says the custodian no longer distributes the dataset (with a source)",
       "the registry entry's status and its source", "resources/datasets/<id>.json",
       "no longer distribute", "nicht mehr verbreiten"),
    _c("ccpa_resident", {K.CCPA_DELETE, K.CCPA_KNOW, K.PLATFORM_ACCESS, K.DEVELOPER_ERASURE, K.CPPA_COMPLAINT},
       lambda c: c.law == Law.CCPA and c.sender_region.upper() == "US-CA",
       "a CCPA letter, written only for a sender whose residence is California",
       "Cal. Civ. Code § 1798.140(i) 'consumer' (a California resident)",
       "https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=CIV&sectionNum=1798.140",
       "I am a California resident", "wohne in Kalifornien"),
    _c("ccpa_acknowledge", {K.CCPA_DELETE, K.CCPA_KNOW, K.PLATFORM_ACCESS, K.DEVELOPER_ERASURE},
       lambda c: c.law == Law.CCPA,
       "CCPA requests: receipt to be confirmed within 10 business days",
       "Cal. Code Regs. tit. 11, § 7021(a)",
       "https://advisori.com/cpra/%C2%A7-7021-timelines-for-responding-to-requests-to-delete-requests-to-correct-and-requests-to-know/",
       "10 business days", "10 Geschäftstagen"),
    _c("bipa_resident", {K.DEVELOPER_ERASURE, K.ERASURE},
       lambda c: c.law == Law.BIPA and c.sender_region.upper() == "US-IL",
       "a BIPA letter, written only for an Illinois resident to a private entity that uses faces for recognition",
       "740 ILCS 14/15(a)-(d); 14/20 (right of action, named without promising damages)", "https://ilga.gov/legislation/ilcs/fulltext?DocName=074000140K15",
       "I am an Illinois resident", "wohne in Illinois"),
    _c("tdpsa_resident", {K.ERASURE, K.ACCESS}, lambda c: c.law == Law.TDPSA and c.sender_region.upper() == "US-TX",
       "a Texas Data Privacy and Security Act letter, written only for a Texas resident to a business",
       "Tex. Bus. & Com. Code §§ 541.001 ('consumer'), 541.051",
       "https://codes.findlaw.com/tx/business-and-commerce-code/bus-com-sect-541-051/",
       "I am a Texas resident", "wohne in Texas"),
    _c("bdsg", _REQUESTS, bdsg_applies,
       "a GDPR letter where the BDSG governs the recipient (established in Germany, or outside the EU/EEA and "
       "writing to a sender in Germany): court at the sender's residence",
       "§ 1(4), § 44(1) BDSG; Art. 79(2) GDPR", "https://dejure.org/gesetze/BDSG/44.html",
       "§ 44", "§ 44 BDSG"),
    _c("bdsg_40", {K.DPA_COMPLAINT}, lambda c: c.law == Law.GDPR and c.custodian_country.upper() == "DE"
       and c.custodian_kind != RecipientKind.PUBLIC_BODY,
       "a GDPR complaint about a non-public body established in Germany",
       "§ 40 BDSG (Land authorities supervise non-public bodies)", "https://dejure.org/gesetze/BDSG/40.html",
       "§ 40", "§ 40 BDSG"),
    _c("damages", _REQUESTS | {K.REMINDER}, lambda c: c.law in _GDPR_LAWS,
       "GDPR letters: compensation reserved",
       "Art. 82 GDPR", GDPR_TEXT, "compensation", "Schadensersatz"),
    _c("residence_authority", {K.DPA_COMPLAINT}, lambda c: c.authority_by_residence,
       "the complaint goes to the authority FaceAudit chose from the sender's residence",
       "Art. 77(1) GDPR (habitual residence); in Germany the Land's authority", GDPR_TEXT,
       "habitual residence", "gewöhnlichen Aufenthalts"),
    _c("no_answer", _FOLLOW_UPS, lambda c: c.ground == Ground.NO_ANSWER,
       "the request went unanswered past its deadline",
       "Art. 12(3) and (4) GDPR; Cal. Civ. Code § 1798.130(a)(2)", GDPR_TEXT,
       "not received any answer", "keine Antwort erhalten"),
    _c("refused", _FOLLOW_UPS, lambda c: c.ground in _REFUSALS,
       "the recipient refused the request (recorded with the reply)",
       "Art. 12(4) GDPR (reasons and remedies must be given)", GDPR_TEXT,
       "refused my request", "meinen Antrag abgelehnt"),
    _c("rebut_research", _FOLLOW_UPS, lambda c: c.ground == Ground.REFUSED_RESEARCH and c.law in _GDPR_LAWS,
       "the refusal relied on research purposes (GDPR letters)",
       "Art. 17(3)(d) and 89(1) GDPR: only where erasure would render the research impossible or seriously impair"
       " it, with safeguards; § 27(2) BDSG restricts Art. 15, 16, 18, 21, not Art. 17", "https://dejure.org/gesetze/BDSG/27.html",
       "research exemption", "Forschungsprivileg"),
    _c("rebut_research_bdsg", _FOLLOW_UPS, lambda c: c.ground == Ground.REFUSED_RESEARCH and bdsg_applies(c),
       "the refusal relied on research purposes and the BDSG governs the recipient",
       "§ 27(2) and (3) BDSG", "https://dejure.org/gesetze/BDSG/27.html", "§ 27", "§ 27 Abs. 2"),
    _c("rebut_public", _FOLLOW_UPS, lambda c: c.ground == Ground.REFUSED_PUBLIC and c.law in _GDPR_LAWS,
       "the refusal said the photos were publicly available (GDPR letters)",
       "Art. 9(2)(e) GDPR covers only data 'manifestly made public by the data subject'; publication does not remove"
       " the need for a legal basis (CNIL SAN-2022-019)", GDPR_TEXT,
       "were publicly available", "öffentlich zugänglich"),
    _c("rebut_identify", _FOLLOW_UPS, lambda c: c.ground == Ground.REFUSED_IDENTIFY and c.law in _GDPR_LAWS,
       "the refusal said the sender could not be identified in the data (GDPR letters)",
       "Art. 11(2), 12(2) GDPR: refusal only where the controller demonstrates it cannot identify the data subject",
       GDPR_TEXT, "cannot identify me", "mich nicht identifizieren"),
    _c("partial", _FOLLOW_UPS, lambda c: c.ground == Ground.PARTIAL,
       "the answer covered only part of the request",
       "Art. 12(3), 15(1) and (3) GDPR", GDPR_TEXT, "answered only in part", "nur teilweise beantwortet"),
    _c("excessive_id", _FOLLOW_UPS, lambda c: c.ground == Ground.EXCESSIVE_ID,
       "the recipient demanded an identity document beyond what is needed",
       "Art. 12(6) GDPR (only where there are reasonable doubts), Art. 11(2), Art. 5(1)(c) GDPR", GDPR_TEXT,
       "copy of an identity document", "Kopie eines Ausweisdokuments"),
    _c("ccpa_refusal", _FOLLOW_UPS, lambda c: c.ground in _REFUSALS and c.law == Law.CCPA,
       "a CCPA follow-up after a refusal asks for the specific exemption and the facts behind it",
       "Cal. Civ. Code § 1798.105(d) (exceptions to deletion); § 1798.140(v)(2) ('publicly available' excludes "
       "biometric information collected without the consumer's knowledge)",
       "https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=CIV&sectionNum=1798.105",
       "I do not accept the refusal", "Diese Ablehnung akzeptiere ich nicht"),
    _c("infringement", {K.DPA_COMPLAINT}, lambda c: c.evidence != Evidence.NONE,
       "a complaint states infringements only where the sender confirmed a match",
       "Art. 77(1) GDPR (the data subject considers that the processing infringes the Regulation)", GDPR_TEXT,
       "In my view the controller infringes", "Nach meiner Auffassung verstößt"),
    _c("look_into", {K.DPA_COMPLAINT}, lambda c: c.evidence == Evidence.NONE,
       "nothing is confirmed: the complaint asks the authority to look into the matter and asserts no infringement",
       "Art. 57(1)(f) GDPR (the authority handles and investigates complaints)", GDPR_TEXT,
       "to look into", "zu prüfen, ob"),
    _c("used_platform", _ORGANISATION_LETTERS, lambda c: c.platform_used,
       "the sender said they had an account on the platform (--account or --via); never assumed",
       "the sender's own statement", "FaceAudit letter options", "uploaded photographs of myself",
       "ein Konto bei"),
    _c("ccpa_lookback", {K.PLATFORM_ACCESS, K.CCPA_KNOW},
       lambda c: c.law == Law.CCPA and ccpa_lookback_limited(c.collected),
       "a CCPA request to know about data collected before 1 January 2022 (or at an unknown time): it covers what "
       "is held now and the 12 months before the request",
       "Cal. Civ. Code § 1798.130(a)(2)(B)",
       "https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=CIV&sectionNum=1798.130",
       "12 months", "12 Monate"),
    _c("cppa_next", {K.REMINDER}, lambda c: c.law == Law.CCPA,
       "a CCPA reminder announces a complaint to the CPPA (not the FTC)",
       "Cal. Civ. Code § 1798.199.45 (the Agency investigates complaints)", "https://privacy.ca.gov/submit-a-complaint",
       "California Privacy Protection Agency", "California Privacy Protection Agency"),
)


def claim_flags(case: Case) -> dict[str, bool]:
    """Claim id -> whether the letter makes it (False for claims its type cannot make)."""
    return {claim.id: case.kind in claim.kinds and bool(claim.condition(case)) for claim in CLAIMS}


def claims_table() -> str:
    """The claims as a Markdown table: claim, letter types, condition, basis, source."""
    lines = ["| Claim | Letters | Made when | Legal basis or fact | Source |", "|---|---|---|---|---|"]
    for claim in CLAIMS:
        kinds = ", ".join(sorted(claim.kinds))
        lines.append(f"| `{claim.id}` ({claim.markers['en']!r}) | {kinds} | {claim.when} | {claim.basis} | "
                     f"{claim.source} |")
    return "\n".join(lines)
