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
