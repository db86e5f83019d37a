"""The smaller facts a letter stands on: regions by name, calendar UIDs, sent dates, pipes, articles, registry show."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from faceaudit.cli.main import main
from faceaudit.core.letters.calendar_ics import deadlines_ics
from faceaudit.core.letters.compose import LetterError, render_letter
from faceaudit.core.letters.identity import Identity, IdentityError, normalise_residence
from faceaudit.core.letters.registry import find_entry, list_entries
from faceaudit.core.letters.requests import RequestError, add_request, get_request, update_request
from faceaudit.core.storage.store import Store

DESKTOP = Path(__file__).resolve().parents[3] / "desktop"


@pytest.mark.parametrize("country, region, expected", [
    ("", "Berlin", ("DE", "DE-BE")), ("DE", "berlin", ("DE", "DE-BE")), ("FR", "FR-75C", ("FR", "FR-75C")),
    ("", "Paris", ("FR", "FR-75C")), ("GB", "GB-LND", ("GB", "GB-LND")), ("", "London", ("GB", "GB-LND")),
    ("US", "Texas", ("US", "US-TX")), ("DE", "BE", ("DE", "DE-BE")),
])
def test_regions_by_name_or_code(country, region, expected):
    assert normalise_residence(country, region) == expected


def test_an_unknown_region_is_still_refused():
    with pytest.raises(IdentityError):
        normalise_residence("DE", "DE-XX")
    with pytest.raises(IdentityError):
        normalise_residence("DE", "Atlantis")


def test_the_identity_command_takes_berlin(data_home, capsys):
    assert main(["identity", "set", "--country", "DE", "--region", "Berlin"]) == 0
    assert "DE-BE" in capsys.readouterr().out


def test_the_calendar_uid_survives_an_extension(data_home):
    with Store() as store:
        record = add_request(store, "erasure", "gdpr", "Lab", sent=date.today() - timedelta(days=3))
        before = deadlines_ics([get_request(store, record.id)])
        extended = update_request(store, record.id, extended=True)
        after = deadlines_ics([extended])
    uid = [line for line in before.split("\r\n") if line.startswith("UID:")]
    assert uid and uid == [line for line in after.split("\r\n") if line.startswith("UID:")]
    assert f"{extended.deadline:%Y%m%d}" not in uid[0]


def test_a_future_sent_date_is_refused(data_home, capsys):
    with Store() as store:
        record = add_request(store, "erasure", "gdpr", "Lab")
        with pytest.raises(RequestError, match="in the future"):
            update_request(store, record.id, sent=date.today() + timedelta(days=1))
        assert get_request(store, record.id).sent_date is None
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert main(["requests", "add", "--type", "erasure", "--law", "gdpr", "--recipient", "Lab", "--sent",
                 tomorrow]) == 2
    assert "in the future" in capsys.readouterr().err


def test_requests_list_into_a_closed_pipe_is_silent(data_home):
    with Store() as store:
        for n in range(3000):
            add_request(store, "erasure", "gdpr", f"Lab {n}")
    env = {**os.environ, "PYTHONPATH": str(DESKTOP), "QT_QPA_PLATFORM": "offscreen"}
    shell = f"{sys.executable} -m faceaudit.cli requests list | head -n 1"
    done = subprocess.run(["bash", "-c", shell], env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.startswith("#")
    assert "Broken pipe" not in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_an_erasure_letter_takes_an():
    with pytest.raises(LetterError, match="an erasure letter is written under"):
        render_letter("erasure", "en", find_entry("lfw"), Identity(country="DE"), law="ccpa")


def test_registry_show_works_for_every_entry_and_lists_each_source_once(data_home, capsys):
    entries = list_entries()
    for entry in entries:
        assert main(["registry", "show", entry.id]) == 0, entry.id
        out = capsys.readouterr().out
        urls = [s.get("url") for s in entry.sources if s.get("url")]
        assert len(urls) == len(set(urls)), entry.id
        shown = [line for line in out.splitlines() if line.startswith("source: ")]
        assert len(shown) == len(entry.sources), entry.id
        for url in urls:
            assert sum(line.endswith(f" {url}") for line in shown) == 1, (entry.id, url)
    okcupid = find_entry("okcupid")
    assert main(["registry", "show", "okcupid"]) == 0
    out = capsys.readouterr().out
    assert "controller for EEA: MTCH Technology Services Limited (IE)" in out and "event: 2014" in out
    assert okcupid.controllers[0]["source"]["url"].startswith("https://www.okcupid.com/legal/privacy")


def _keys(data: dict, prefix: str = "") -> set[str]:
    keys = set()
    for key, value in data.items():
        keys.add(prefix + key)
        if isinstance(value, dict) and key not in ("markers",):
            keys |= _keys(value, prefix + key + ".")
    return keys


def test_every_language_is_a_folder_with_every_type_its_word_list_and_a_marker_for_every_claim():
    from faceaudit.core.letters.claims import CLAIMS
    from faceaudit.core.letters.compose import languages, letter_strings
    from faceaudit.core.letters.types import LETTER_TYPES
    from faceaudit.core.storage.resources import resources_dir

    assert {"en", "de", "fr"} <= set(languages())
    english = _keys(letter_strings("en"))
    for lang in languages():
        folder = resources_dir() / "letters" / lang
        assert {f"{kind}.txt.j2" for kind in LETTER_TYPES} <= {p.name for p in folder.glob("*.txt.j2")}, lang
        assert (folder / "_parts.j2").is_file() and (folder / "annex_rows.json").is_file(), lang
        strings = letter_strings(lang)
        assert english - {"first_day"} <= _keys(strings), (lang, english - _keys(strings))
        for claim in CLAIMS:  # the claims test looks each marker up here first
            assert strings.get("markers", {}).get(claim.id) or claim.markers.get(lang), (lang, claim.id)


@pytest.mark.parametrize("sender, law, controller", [
    (Identity("Jeanne Dupont", "1 rue de Rivoli\n75001 Paris", "j@example.org", "DE", "DE-BE"), "gdpr",
     "MTCH Technology Services Limited"),
    (Identity("Jane Doe", "1 Main St\nSan Francisco, CA", "j@example.org", "US", "US-CA"), "ccpa",
     "Humor Rainbow, Inc."),
])
def test_the_2014_okcupid_case_in_french(sender, law, controller):
    from faceaudit.core.letters.applicability import parse_collected

    okcupid = find_entry("okcupid")
    letter = render_letter("platform-access", "fr", okcupid, sender, on=date(2026, 6, 1), account="okc-42",
                           collected=parse_collected("2014"))
    assert letter.law == law and letter.recipient.name == controller
    assert "Madame, Monsieur" in letter.body and "Je vous prie d'agréer" in letter.body
    body = letter.body.replace("\u00a0", " ")
    assert ("article 15 du RGPD" in body) == (law == "gdpr")
    assert "lorsque j'utilisais votre service" not in letter.body  # no Art. 13 duty in 2014
    assert ("12\u00a0mois" in letter.body or "12 mois" in letter.body) == (law == "ccpa")


def test_a_parisian_complains_to_the_cnil_in_french():
    from faceaudit.core.letters.compose import Original

    paris = Identity("Jeanne Dupont", "1 rue de Rivoli\n75001 Paris", "j@example.org", "FR", "FR-75C")
    letter = render_letter("dpa-complaint", "fr", find_entry("lfw"), paris, on=date(2026, 6, 1),
                           original=Original("erasure", date(2026, 4, 1), date(2026, 5, 4), "FA-1"), ground="no-answer")
    subject = letter.subject.replace("\u00a0", " ")
    assert "CNIL" in letter.recipient.name and subject.startswith("Réclamation au titre de l'article 77 du RGPD")
    assert "Le 1er avril 2026" in letter.body and "FA-1" in letter.body and "d'examiner la question" in letter.body


def test_a_list_never_ends_with_a_semicolon():
    for lang in ("en", "de", "fr"):
        letter = render_letter("erasure", lang, find_entry("ffhq"), Identity(country="DE"), on=date(2026, 6, 1))
        for paragraph in letter.body.split("\n\n"):
            if paragraph.split("\n")[-1].startswith("- "):
                assert paragraph.rstrip()[-1] == ".", (lang, paragraph[-80:])


@pytest.mark.parametrize("lang", ["en", "de", "fr"])
def test_the_subject_line_stands_alone_under_every_law(lang):
    illinois = Identity("J", "1 Main St", "j@example.org", "US", "US-IL")
    berlin = Identity("J", "Hauptstraße 1", "j@example.org", "DE", "DE-BE")
    for sender in (illinois, berlin):
        letter = render_letter("erasure", lang, find_entry("ms-celeb-1m"), sender, on=date(2026, 6, 1))
        assert not any(word in letter.subject for word in ("Dear", "Sehr geehrte", "Madame")), letter.subject
        assert letter.body.split("\n")[0] in ("Dear Sir or Madam,", "Sehr geehrte Damen und Herren,",
                                              "Madame, Monsieur,")
