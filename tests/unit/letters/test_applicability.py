"""Which law reaches whom and when: senders x recipients x time x letter types, the expected outcome as data."""

from __future__ import annotations

import collections
from datetime import date

import pytest

from faceaudit.core.letters.applicability import RULES, applicability_table, parse_collected
from faceaudit.core.letters.compose import LetterError, Original, render_letter
from faceaudit.core.letters.identity import Identity
from faceaudit.core.letters.registry import find_entry
from faceaudit.core.letters.types import LETTER_TYPES, Law, LetterKind

SENDERS = {
    "DE-BE": Identity("Jane Doe", "Hauptstraße 1\n10115 Berlin", "jane@example.org", "DE", "DE-BE"),
    "FR": Identity("Jeanne Dupont", "1 rue de Rivoli\n75001 Paris", "jeanne@example.org", "FR", ""),
    "GB": Identity("Jane Doe", "1 High Street\nLondon", "jane@example.org", "GB", "GB-ENG"),
    "US-CA": Identity("Jane Doe", "1 Main St\nSan Francisco, CA", "jane@example.org", "US", "US-CA"),
    "US-IL": Identity("Jane Doe", "1 Main St\nChicago, IL", "jane@example.org", "US", "US-IL"),
    "US-TX": Identity("Jane Doe", "1 Main St\nAustin, TX", "jane@example.org", "US", "US-TX"),
    "US-NY": Identity("Jane Doe", "1 Main St\nNew York, NY", "jane@example.org", "US", "US-NY"),
}
EEA_SENDERS = {"DE-BE", "FR"}

#: Recipient families: registry entry, where it is established for each kind of sender, and its kind.
RECIPIENTS = {
    "eu-association": "laion-5b",  # LAION e.V., Germany (the registry has no EU company among its custodians)
    "us-company": "ffhq",
    "us-company-with-eu-controller": "okcupid",
    "us-university": "lfw",
    "public-body": "ijb-c",
    "developer": "clarifai",
}
TIMES = {"2014": "2014", "2020": "2020-03", "today": None}
ON = date(2026, 6, 1)
ORIGINAL = Original("erasure", date(2026, 4, 1), date(2026, 5, 4), "FA-1")


def expected(kind: str, law: str, sender: str, family: str) -> str | None:
    """The rule written out as data: None when the law reaches the letter, else a word of the refusal."""
    entry = find_entry(RECIPIENTS[family])
    region = "EEA" if sender in EEA_SENDERS else sender.split("-")[0]
    country = next((c["custodian_country"] for c in entry.controllers if c["region"] == region),
                   entry.custodian_country)
    eea_recipient = country in {"DE", "FR", "IE", "NL", "IT", "ES", "AT", "BE"}
    company = entry.custodian_kind == "company"
    if law == Law.GDPR:
        return None if (sender in EEA_SENDERS or eea_recipient) else "the GDPR reaches"
    if law == Law.UK_GDPR:
        return None if (sender == "GB" or country == "GB") else "the UK GDPR reaches"
    if law == Law.CCPA:
        return "California residents" if sender != "US-CA" else None if company else "binds businesses"
    if law == Law.BIPA:
        if sender != "US-IL":
            return "Illinois residents"
        return "private entities" if not company else None if entry.purpose == "recognition" else "face geometry"
    if law == Law.TDPSA:
        return "Texas residents" if sender != "US-TX" else None if company else "binds businesses"
    if law == Law.FTC:
        return "companies" if not company else None if sender.startswith("US") else "econsumer.gov"
    raise AssertionError(law)


def _matrix():
    for kind, spec in LETTER_TYPES.items():
        for law in spec.laws:
            for sender in SENDERS:
                for family in RECIPIENTS:
                    entry = find_entry(RECIPIENTS[family])
                    if (spec.subject == "organisation") != entry.is_organisation and spec.subject != "either":
                        continue
                    for time in TIMES:
                        yield kind, law, sender, family, time


MATRIX = list(_matrix())


def _render(kind, law, sender, family, time, lang="en"):
    entry = find_entry(RECIPIENTS[family])
    platform = find_entry("okcupid") if family == "developer" else None
    collected = parse_collected(TIMES[time]) if TIMES[time] else None
    follow = kind in (LetterKind.REMINDER, LetterKind.DPA_COMPLAINT, LetterKind.CPPA_COMPLAINT,
                      LetterKind.FTC_COMPLAINT)
    return render_letter(kind, lang, entry, SENDERS[sender], law=law, on=ON, original=ORIGINAL if follow else None,
                         ground="no-answer" if follow else "", account="okc-42" if entry.is_organisation else "",
                         platform=platform, collected=collected)


def test_every_combination_renders_exactly_when_the_rule_says_or_is_refused_with_its_reason():
    counts = collections.Counter()
    failures = []
    for kind, law, sender, family, time in MATRIX:
        want = expected(kind, law, sender, family)
        try:
            letter = _render(kind, law, sender, family, time)
        except LetterError as error:
            counts[(law, "refused")] += 1
            if want is None or want not in str(error):
                failures.append((kind, law, sender, family, time, "refused", str(error)[:160]))
            continue
        counts[(law, "rendered")] += 1
        if want is not None:
            failures.append((kind, law, sender, family, time, "rendered", want))
            continue
        claims = letter.claims
        collected_after = time == "2020"
        # Time: Art. 13/14 duties only for data collected from 25 May 2018; the CCPA look-back otherwise.
        if claims.get("art14") or claims.get("art13"):
            if not collected_after and time != "today":
                failures.append((kind, law, sender, family, time, "art13/14 claimed before 2018"))
            if time == "today":
                failures.append((kind, law, sender, family, time, "art13/14 claimed without a collection date"))
        if law == Law.CCPA and kind in (LetterKind.CCPA_KNOW, LetterKind.PLATFORM_ACCESS) \
                and not claims["ccpa_lookback"]:
            failures.append((kind, law, sender, family, time, "no look-back limit for pre-2022 data"))
        if claims.get("ccpa_resident") and sender != "US-CA":
            failures.append((kind, law, sender, family, time, "California resident claimed"))
        if "[date: please fill in]" in letter.body or "[Datum" in letter.body:
            failures.append((kind, law, sender, family, time, "placeholder date"))
    assert not failures, failures[:10]
    assert sum(counts.values()) == len(MATRIX)
    print("\nmatrix:", len(MATRIX), "combinations;", dict(sorted(counts.items())))


@pytest.mark.parametrize("kind", [LetterKind.ERASURE, LetterKind.ACCESS, LetterKind.OBJECTION])
def test_art14_is_claimed_for_data_collected_after_may_2018_and_not_before(kind):
    entry, sender = find_entry("celeba-hq"), SENDERS["DE-BE"]
    after = render_letter(kind, "en", entry, sender, on=ON, collected=parse_collected("2019"))
    before = render_letter(kind, "en", entry, sender, on=ON, collected=parse_collected("2018-05"))
    assert after.claims["art14"] and "did not obtain these data from me" in after.body
    assert not before.claims["art14"] and "did not obtain these data from me" not in before.body


@pytest.mark.parametrize("lang, controller, phrase", [
    ("en", "MTCH Technology Services Limited", "I had an account on OkCupid"),
    ("de", "MTCH Technology Services Limited", "Ich hatte ein Konto bei OkCupid"),
])
def test_the_2014_okcupid_clarifai_case_for_a_berliner(lang, controller, phrase):
    berliner = SENDERS["DE-BE"]
    okcupid, clarifai = find_entry("okcupid"), find_entry("clarifai")
    access = render_letter(LetterKind.PLATFORM_ACCESS, lang, okcupid, berliner, on=ON, account="okc-42",
                           collected=parse_collected("2014"))
    assert access.law == "gdpr" and access.recipient.name == controller
    assert not access.claims["art13"] and not access.claims["outside_reach"]  # Dublin: Art. 3(1), no Art. 13 in 2014
    assert "Humor Rainbow" not in "\n".join(access.recipient_lines)
    erasure = render_letter(LetterKind.DEVELOPER_ERASURE, lang, clarifai, berliner, on=ON, platform=okcupid)
    assert not erasure.claims["used_platform"] and phrase not in erasure.body  # never assumed
    assert not erasure.claims["art14"]  # the FTC's report says 2014
    assert erasure.claims["outside_reach"]  # Clarifai is in the US: Art. 3(2)
    said = render_letter(LetterKind.DEVELOPER_ERASURE, lang, clarifai, berliner, on=ON, platform=okcupid,
                         account="okc-42")
    assert said.claims["used_platform"] and phrase in said.body


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_2014_okcupid_clarifai_case_for_a_californian(lang):
    californian = SENDERS["US-CA"]
    okcupid, clarifai = find_entry("okcupid"), find_entry("clarifai")
    access = render_letter(LetterKind.PLATFORM_ACCESS, lang, okcupid, californian, on=ON, account="okc-42",
                           collected=parse_collected("2014"))
    assert access.law == "ccpa" and access.recipient.name == "Humor Rainbow, Inc."
    assert access.claims["ccpa_lookback"] and "1798.130(a)(2)(B)" in access.body
    with pytest.raises(LetterError, match="the GDPR reaches"):
        render_letter(LetterKind.PLATFORM_ACCESS, lang, okcupid, californian, law="gdpr", account="okc-42")
    erasure = render_letter(LetterKind.DEVELOPER_ERASURE, lang, clarifai, californian, on=ON, platform=okcupid)
    assert erasure.law == "ccpa" and not erasure.claims["art14"]


def test_a_sender_no_law_reaches_is_told_what_is_left():
    with pytest.raises(LetterError, match="no legal duty to answer.*ftc-complaint"):
        render_letter(LetterKind.DEVELOPER_ERASURE, "en", find_entry("clarifai"), SENDERS["US-NY"], on=ON)
    with pytest.raises(LetterError, match="no legal duty"):
        render_letter(LetterKind.ERASURE, "en", find_entry("lfw"), SENDERS["US-TX"], on=ON)


def test_a_complaint_without_a_confirmed_match_asserts_no_infringement():
    letter = render_letter(LetterKind.DPA_COMPLAINT, "en", find_entry("lfw"), SENDERS["DE-BE"], on=ON,
                           original=ORIGINAL, ground="no-answer", collected=parse_collected("2020"))
    assert letter.claims["look_into"] and not letter.claims["infringement"] and not letter.claims["art14"]
    assert "look into" in letter.body and "infringes" not in letter.body and "did not obtain" not in letter.body


def test_the_reference_printed_is_the_one_follow_ups_cite():
    letter = render_letter(LetterKind.ERASURE, "en", find_entry("celeba-hq"), SENDERS["DE-BE"], on=ON,
                           reference="FA-7")
    assert letter.body.startswith("My reference: FA-7")
    reminder = render_letter(LetterKind.REMINDER, "de", find_entry("celeba-hq"), SENDERS["DE-BE"], on=ON,
                             original=Original("erasure", date(2026, 4, 1), date(2026, 5, 4), "FA-7"),
                             ground="no-answer")
    assert "FA-7" in reminder.body


def test_collected_accepts_a_year_a_month_or_a_day_and_nothing_else():
    assert parse_collected("2014").latest == date(2014, 12, 31)
    assert parse_collected("2018-05").latest == date(2018, 5, 31)
    assert parse_collected("2020-02-29").earliest == date(2020, 2, 29)
    for bad in ("14", "2014/05", "2021-02-30", "May 2014"):
        with pytest.raises(ValueError):
            parse_collected(bad)


def test_docs_carry_the_applicability_table():
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[3] / "docs" / "letters.md").read_text(encoding="utf-8")
    assert applicability_table() in docs, "docs/letters.md must carry applicability_table() verbatim"
    assert set(RULES) == set(Law)
