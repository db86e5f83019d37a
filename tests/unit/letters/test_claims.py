"""Every claim a letter can make appears exactly when its condition holds.

Renders every letter type x law x language x kind of evidence (faces, rows of a link list, none),
over datasets of different purposes, statuses and custodians, for senders in Berlin, England,
California and Illinois, and for follow-ups every ground. For each claim of the letter's type,
the claim's marker phrase is in the letter if and only if the claim's condition holds, and no
conditional paragraph runs into the next one.
"""

from __future__ import annotations

import itertools
import re
from datetime import date
from pathlib import Path

import pytest

from faceaudit.core.letters.annex import AnnexEntry
from faceaudit.core.letters.claims import CLAIMS, Case, claims_table
from faceaudit.core.letters.compose import LetterError, Original, languages, render_letter
from faceaudit.core.letters.identity import Identity
from faceaudit.core.letters.jurisdiction import offered_laws
from faceaudit.core.letters.registry import find_entry
from faceaudit.core.letters.types import LETTER_TYPES, Evidence, Ground, LetterKind, Subject

ON = date(2026, 1, 31)
ORIGINAL = Original("erasure", date(2025, 12, 1), date(2026, 1, 2), "#7")
SENDERS = {
    "berlin": Identity("Jane Doe", "Hauptstraße 1\n10115 Berlin", "jane@example.org", "DE", "DE-BE"),
    "england": Identity("Jane Doe", "1 High Street\nLondon", "jane@example.org", "GB", "GB-ENG"),
    "california": Identity("Jane Doe", "1 Main St\nSan Francisco, CA", "jane@example.org", "US", "US-CA"),
    "illinois": Identity("Jane Doe", "1 Main St\nChicago, IL", "jane@example.org", "US", "US-IL"),
    "texas": Identity("Jane Doe", "1 Main St\nAustin, TX", "jane@example.org", "US", "US-TX"),
}
#: Datasets of different purposes, statuses, custodian kinds and countries.
DATASETS = ["lfw", "wider-face", "ffhq", "vggface2", "ms-celeb-1m", "laion-5b", "yfcc100m", "imdb-wiki"]
ORGANISATIONS = {LetterKind.PLATFORM_ACCESS: ["okcupid"], LetterKind.DEVELOPER_ERASURE: ["clarifai", "pimeyes"]}
FOLLOW_UPS = {LetterKind.REMINDER, LetterKind.DPA_COMPLAINT, LetterKind.CPPA_COMPLAINT, LetterKind.FTC_COMPLAINT}


def face(number: int, **extra) -> AnnexEntry:
    return AnnexEntry(match_id=number, dataset="my private nickname", version="lfw.tgz", key=f"people/x_{number}.jpg",
                      sha256="ab" * 32, box=(1, 2, 3, 4), model="dlib", distance=0.41, band="strong",
                      exact_photo=False, scan_date="2026-01-10", **extra)


def row(number: int) -> AnnexEntry:
    """An identifier match: a row of a published link list (as the identifier work records them)."""
    return AnnexEntry(match_id=100 + number, dataset="my private nickname", version="ffhq-dataset-v2.json",
                      key=f"ffhq-dataset-v2.json, entry {number}", sha256="not recorded", box=None, model="-",
                      distance=None, band="-", exact_photo=False, scan_date="2026-01-10", kind="identifier")


EVIDENCE = {Evidence.FACES: [face(1), face(2)], Evidence.ROWS: [row(1)], Evidence.NONE: [],
            "both": [face(1), row(2)], "references": [face(1, reference=b"jpeg")]}


def _cases():
    for kind, spec in LETTER_TYPES.items():
        subjects = ORGANISATIONS.get(kind) or (DATASETS + (["okcupid", "clarifai"] if spec.subject is Subject.EITHER
                                                         else []))
        for entry_id, sender, lang in itertools.product(subjects, SENDERS, languages()):
            entry = find_entry(entry_id)
            identity = SENDERS[sender]
            for law in offered_laws(kind, identity, entry):
                evidences = ([Evidence.NONE] if entry.is_organisation else list(EVIDENCE))
                grounds = list(Ground) if kind in FOLLOW_UPS else [""]
                for evidence, ground in itertools.product(evidences, grounds):
                    yield kind, law, lang, entry_id, sender, evidence, ground


CASES = list(_cases())


def render(kind, law, lang, entry_id, sender, evidence, ground, *, original=ORIGINAL, account="okc-42"):
    entry = find_entry(entry_id)
    platform = find_entry("okcupid") if entry_id == "clarifai" else None
    return render_letter(kind, lang, entry, SENDERS[sender], law=law, annex=EVIDENCE[evidence], on=ON,
                         original=original if kind in FOLLOW_UPS else None, ground=ground,
                         account=account if entry.is_organisation else "", platform=platform)


def test_the_matrix_is_broad():
    kinds = {case[0] for case in CASES}
    assert kinds == set(LETTER_TYPES), set(LETTER_TYPES) - kinds
    laws = {(case[0], case[1]) for case in CASES}
    assert all((kind, law) in laws for kind, spec in LETTER_TYPES.items() for law in spec.laws), \
        [(k, law) for k, s in LETTER_TYPES.items() for law in s.laws if (k, law) not in laws]
    assert len(CASES) > 2000


_FOREIGN_CITATION = {
    "ccpa": re.compile(r"Cal\. Civ\. Code § (?!1798\.)"),
    "bipa": re.compile(r"740 ILCS 14/(?!(10|15|20)\b)"),
    "tdpsa": re.compile(r"Tex\. Bus\. & Com\. Code § (?!541\.)"),
    "ftc": re.compile(r"(?<!U\.S\.C\. )§ (?!45\b)"),
    "gdpr": re.compile(r"(Article|Art\.) (\d{3,}|1798)"),
    "uk-gdpr": re.compile(r"(Article|Art\.) (\d{3,}|1798)"),
}


def _check(letter, kind):
    text = (letter.subject + "\n" + letter.body).replace("\u00a0", " ")
    bad = _FOREIGN_CITATION[letter.law].search(text)
    assert bad is None, (kind, letter.law, text[max(0, bad.start() - 60):bad.end() + 20])
    wrong = []
    for claim in CLAIMS:
        if kind not in claim.kinds:
            assert not letter.claims[claim.id]
            continue
        # A language's markers are in its word list (resources/letters/<lang>/strings.json), else in claims.py.
        marker = letter.strings.get("markers", {}).get(claim.id) or claim.markers[letter.lang]
        made = letter.claims[claim.id]
        assert made == bool(claim.condition(letter.case))
        if (marker in text) != made:
            wrong.append((claim.id, made, marker))
    return wrong + _layout(letter.body)


_STRAY = re.compile(r"  | [.,;:)]|\( |\.\.|,,|^ | $", re.MULTILINE)


def _layout(body: str) -> list[tuple[str, str, str]]:
    """Paragraphs that a template ran together (inside a paragraph a line may only start a list
    item), and spaces left over by a sentence left out."""
    run_together = [("run together", before[-50:], line[:50])
                    for paragraph in body.rstrip("\n").split("\n\n")
                    for before, line in itertools.pairwise(paragraph.split("\n")) if not line.startswith("- ")]
    stray = [("stray space", body[max(0, m.start() - 50):m.start()], body[m.start():m.end() + 20])
             for m in _STRAY.finditer(body)]
    return run_together + stray


@pytest.mark.parametrize("lang", languages())
def test_every_claim_appears_exactly_when_its_condition_holds(lang):
    failures = []
    for case in CASES:
        if case[2] != lang:
            continue
        letter = render(*case)
        wrong = _check(letter, case[0])
        if wrong:
            failures.append((case, wrong))
    assert not failures, failures[:5]


def test_follow_ups_without_the_original_are_refused_with_how_to_give_it():
    for kind in (LetterKind.REMINDER, LetterKind.DPA_COMPLAINT, LetterKind.CPPA_COMPLAINT):
        law, sender = ("ccpa", "california") if kind == LetterKind.CPPA_COMPLAINT else ("gdpr", "berlin")
        with pytest.raises(LetterError, match=r"--request ID.*faceaudit requests add"):
            render(kind, law, "en", "ffhq", sender, Evidence.NONE, Ground.NO_ANSWER, original=None)


def test_no_found_sentence_without_a_confirmed_match_and_no_enclosure_without_an_annex():
    for case in CASES:
        kind, law, lang, entry_id, sender, evidence, ground = case
        if evidence != Evidence.NONE or lang != "en":
            continue
        letter = render(*case)
        assert "confirmed that photographs of my face" not in letter.body
        assert "enclosed" not in letter.body and letter.enclosure_text == ""


def test_no_ccpa_for_a_non_californian_and_no_ftc_letter_to_a_university():
    lfw, ffhq = find_entry("lfw"), find_entry("ffhq")
    for sender in ("berlin", "england", "illinois"):
        for kind in (LetterKind.CCPA_DELETE, LetterKind.CCPA_KNOW):
            assert "ccpa" not in offered_laws(kind, SENDERS[sender], ffhq)
            with pytest.raises(LetterError, match="California residents"):
                render_letter(kind, "en", ffhq, SENDERS[sender], law="ccpa")
    with pytest.raises(LetterError, match="businesses"):
        render_letter(LetterKind.CCPA_DELETE, "en", lfw, SENDERS["california"], law="ccpa")
    with pytest.raises(LetterError, match="companies"):
        render_letter(LetterKind.FTC_COMPLAINT, "en", lfw, SENDERS["california"], law="ftc", original=ORIGINAL)
    assert offered_laws(LetterKind.FTC_COMPLAINT, SENDERS["california"], ffhq) == ["ftc"]
    # ReportFraud.ftc.gov is for people in the US; a Berliner is told of econsumer.gov.
    with pytest.raises(LetterError, match="econsumer.gov"):
        render_letter(LetterKind.FTC_COMPLAINT, "en", ffhq, SENDERS["berlin"], law="ftc", original=ORIGINAL)


def test_bipa_only_for_illinois_residents_writing_to_a_company():
    clarifai, lfw = find_entry("clarifai"), find_entry("lfw")
    assert "bipa" in offered_laws(LetterKind.DEVELOPER_ERASURE, SENDERS["illinois"], clarifai)
    assert "bipa" not in offered_laws(LetterKind.DEVELOPER_ERASURE, SENDERS["california"], clarifai)
    letter = render_letter(LetterKind.DEVELOPER_ERASURE, "en", clarifai, SENDERS["illinois"])
    assert letter.law == "bipa" and "I am an Illinois resident" in letter.body and letter.deadline is None
    with pytest.raises(LetterError, match="BIPA protects Illinois residents"):
        render_letter(LetterKind.DEVELOPER_ERASURE, "en", clarifai, SENDERS["berlin"], law="bipa")
    assert lfw.custodian_kind != "company"


def test_the_dataset_is_named_by_its_registry_name_never_the_private_nickname():
    letter = render(LetterKind.ERASURE, "gdpr", "en", "lfw", "berlin", Evidence.FACES, "")
    assert "my private nickname" not in letter.body and letter.dataset_title == "Labeled Faces in the Wild"
    from faceaudit.core.letters.export import letter_text

    assert "my private nickname" not in letter_text(letter)
    assert "1. Labeled Faces in the Wild (lfw.tgz)" in letter_text(letter)


def test_german_letters_count_correctly():
    one = render(LetterKind.ERASURE, "gdpr", "de", "lfw", "berlin", Evidence.FACES, "")
    assert "2 bestätigte Bilder" in one.body and one.enclosure_text == "Anlage: Verzeichnis von 2 bestätigten Bildern"
    single = render_letter(LetterKind.ERASURE, "de", find_entry("lfw"), SENDERS["berlin"], annex=[face(1)], on=ON)
    assert "1 bestätigtes Bild" in single.body and single.enclosure_text.endswith("1 bestätigten Bild")
    assert "auf, jeweils eindeutig" in one.body and "Bild auf, eindeutig bezeichnet" in single.body
    english = render_letter(LetterKind.ERASURE, "en", find_entry("lfw"), SENDERS["berlin"], annex=[face(1)], on=ON)
    assert "lists 1 confirmed image, identified exactly" in english.body
    assert "bestätigte Bild(" not in single.body


def test_case_evidence_is_derived_from_the_annex():
    assert Case("erasure", "gdpr", faces=1).evidence == Evidence.FACES
    assert Case("erasure", "gdpr", rows=2).evidence == Evidence.ROWS
    assert Case("erasure", "gdpr").evidence == Evidence.NONE and not Case("erasure", "gdpr").enclosure


def test_docs_carry_the_claims_table():
    docs = (Path(__file__).resolve().parents[3] / "docs" / "letters.md").read_text(encoding="utf-8")
    assert claims_table() in docs, "docs/letters.md must carry claims_table() verbatim (regenerate it)"
    for claim in CLAIMS:
        assert claim.source and claim.basis and claim.when
