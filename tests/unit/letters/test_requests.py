"""The requests tracker, deadline calendar, follow-ups, verified erasure and the CLI."""

from __future__ import annotations

import argparse
from datetime import date

import pytest

from faceaudit.cli.main import build_parser, main
from faceaudit.core.letters.calendar_ics import deadlines_ics
from faceaudit.core.letters.identity import save_identity
from faceaudit.core.letters.requests import (
    RequestError,
    add_reply,
    add_request,
    follow_up,
    get_request,
    list_requests,
    replies,
    update_request,
)
from faceaudit.core.matching.erasure_check import verify_erasure
from tests.support.letter_fixtures import CONFIRMED, add_dataset, store_with_matches, write_follow_up


def test_request_lifecycle_and_overdue_flag():
    store = store_with_matches()
    draft = add_request(store, "erasure", "gdpr", "UMass Amherst", dataset_name="lfw-copy")
    assert draft.status == "draft" and draft.deadline is None
    sent = update_request(store, draft.id, sent=date(2024, 1, 31))  # a sent date is never in the future
    assert sent.status == "sent" and sent.deadline == date(2024, 2, 29)
    # two further months: 30 April 2024 (the last day of the third month), a Tuesday
    assert update_request(store, draft.id, extended=True).deadline == date(2024, 4, 30)
    update_request(store, draft.id, extended=False, note="posted, tracking RR123")
    assert [r.status for r in list_requests(store, today=date(2024, 2, 29))] == ["sent"]
    assert [r.status for r in list_requests(store, today=date(2024, 3, 1))] == ["overdue"]
    assert "RR123" in get_request(store, draft.id).notes
    ccpa = add_request(store, "ccpa-delete", "ccpa", "Example Inc.", sent=date(2027, 1, 31))
    assert ccpa.deadline == date(2027, 3, 17)
    with pytest.raises(RequestError):
        add_request(store, "erasure", "ccpa", "x")
    with pytest.raises(RequestError):
        update_request(store, draft.id, status="lost")


def test_replies_and_follow_up_chain(tmp_path):
    store = store_with_matches()
    save_identity(store, name="Jane Doe", email="jane@example.org", country="GB", region="GB-ENG")
    first = add_request(store, "erasure", "uk-gdpr", "UMass", dataset_name="lfw-copy", registry_id="lfw",
                        sent=date(2026, 1, 31), sender_country="GB", sender_region="GB-ENG")
    assert first.deadline == date(2026, 3, 2)  # 28 February 2026 is a Saturday
    with pytest.raises(RequestError):
        follow_up(store, first.id, today=date(2026, 3, 2))  # the whole last day has not passed yet
    step = follow_up(store, first.id, today=date(2026, 3, 3))
    assert step.kind == "reminder" and step.ground == "no-answer"
    files = write_follow_up(store, first.id, tmp_path / "reminder.pdf", today=date(2026, 3, 3))
    # posted (no e-mail address is known): received 7 March, 14 days later is Saturday 21 March
    assert files.letter.type == "reminder" and files.letter.deadline == date(2026, 3, 23)
    assert "not received any answer" in files.letter.body
    reminder = get_request(store, files.request_id)
    assert reminder.parent_id == first.id
    assert reminder.channel == "post"
    assert update_request(store, reminder.id, sent=date(2026, 3, 3)).deadline == date(2026, 3, 23)
    with pytest.raises(RequestError):
        follow_up(store, reminder.id, today=date(2026, 3, 23))
    assert follow_up(store, reminder.id, today=date(2026, 3, 24)).kind == "dpa-complaint"
    complaint = write_follow_up(store, reminder.id, tmp_path / "complaint.pdf", today=date(2026, 3, 24))
    assert complaint.letter.type == "dpa-complaint" and complaint.letter.law == "uk-gdpr"
    assert "Information Commissioner's Office" in complaint.letter.recipient_lines
    assert complaint.letter.deadline == date(2026, 3, 2)  # the missed deadline of the original request
    reply = add_reply(store, first.id, date(2026, 3, 25), "They say it is deleted", status="complied")
    assert reply.summary.startswith("They") and get_request(store, first.id).status == "complied"
    assert len(replies(store, first.id)) == 1


def test_ics_export_is_valid_rfc5545():
    store = store_with_matches()
    add_request(store, "erasure", "gdpr", "Ünïcödé Lab; with, commas\nand a newline " + "x" * 80,
                sent=date(2028, 1, 31))
    add_request(store, "access", "gdpr", "Draft Lab")  # drafts have no deadline
    text = deadlines_ics(list_requests(store, today=date(2028, 1, 31)))
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == 1
    assert "DTSTART;VALUE=DATE:20280229\r\n" in text and "DTEND;VALUE=DATE:20280301\r\n" in text
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
        assert "\n" not in line
    unfolded = text.replace("\r\n ", "")
    assert "Ünïcödé Lab\\; with\\, commas\\nand a newline" in unfolded
    for key in ("VERSION:2.0", "PRODID:", "UID:", "DTSTAMP:", "SUMMARY:"):
        assert key in unfolded


def test_verify_erasure_finds_what_is_left():
    store = store_with_matches()
    # The new release still holds file 1 unchanged, and a re-encoded copy of face 2 under a new name.
    add_dataset(store, "lfw-v2", "/nonexistent/lfw2.tgz",
                [(CONFIRMED[0][0], CONFIRMED[0][1], None), ("people/Jane_Doe/renamed.jpg", "99" * 32, None),
                 ("people/Other/Other_0009.jpg", "98" * 32, None)], seeds=[0, 1, 50])
    report = verify_erasure(store, "lfw-copy", "lfw-v2")
    status = {f.key: f.status for f in report.findings}
    assert status == {CONFIRMED[0][0]: "identical_file", CONFIRMED[1][0]: "same_photo"}
    assert not report.erased and len(report.still_present) == 2
    add_dataset(store, "lfw-v3", "/nonexistent/lfw3.tgz", [("people/Other/Other_0009.jpg", "98" * 32, None)],
                seeds=[50])
    clean = verify_erasure(store, "lfw-copy", "lfw-v3")
    assert clean.erased and {f.status for f in clean.findings} == {"gone"}


def _walk(parser: argparse.ArgumentParser, path=()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                yield path + (choice.dest,), choice.help
            for name, sub in action.choices.items():
                yield from _walk(sub, path + (name,))
        elif action.dest != "help":
            yield path + (action.dest,), action.help


def test_every_letter_command_and_option_has_help():
    parser = build_parser()
    seen = set()
    for path, text in _walk(parser):
        if path[0] in ("letter", "requests", "registry", "identity", "verify-erasure"):
            seen.add(path[:2])
            assert text, path
    assert {("requests", "list"), ("requests", "add"), ("requests", "update"), ("requests", "export-ics"),
            ("registry", "list"), ("registry", "show"), ("registry", "edit"), ("identity", "set")} <= seen


def test_cli_letter_requests_and_registry(tmp_path, capsys):
    store = store_with_matches()
    store.close()
    assert main(["identity", "set", "--name", "Jane Doe", "--address", "Street 1\\nTown", "--email", "j@example.org",
                 "--country", "GB", "--region", "GB-ENG"]) == 0
    # UMass publishes no data-protection address: the letter is refused until one is given.
    assert main(["letter", "--type", "erasure", "--dataset", "lfw-copy", "--lang", "de", "--law", "uk-gdpr",
                 "--out", str(tmp_path / "l.pdf")]) == 2
    assert "no address of University of Massachusetts Amherst" in capsys.readouterr().err
    assert not (tmp_path / "l.pdf").exists()
    assert main(["letter", "--type", "erasure", "--dataset", "lfw-copy", "--lang", "de", "--law", "uk-gdpr",
                 "--out", str(tmp_path / "l.pdf"), "--text", str(tmp_path / "l.txt"), "--eml", str(tmp_path / "l.eml"),
                 "--recipient-name", "University of Massachusetts Amherst", "--recipient-address",
                 "1 Example Road\\nAmherst", "--date", "2028-01-31"]) == 0
    out = capsys.readouterr().out
    assert "2 confirmed match(es)" in out and "2028-03-06" in out  # posted: received 4 February, due 6 March
    assert "Art. 17 UK GDPR" in (tmp_path / "l.txt").read_text(encoding="utf-8")
    assert main(["requests", "update", "1", "--sent", "2026-01-31"]) == 0
    assert main(["requests", "list"]) == 0
    assert main(["requests", "export-ics", str(tmp_path / "d.ics")]) == 0
    assert main(["registry", "edit", "lfw", "contact.email=dpo@example.org"]) == 0
    assert main(["registry", "show", "LFW"]) == 0
    assert "contact.email: dpo@example.org" in capsys.readouterr().out
    assert main(["registry", "edit", "lfw", "status=vanished"]) == 2
    assert main(["letter", "--type", "erasure", "--dataset", "nope", "--out", str(tmp_path / "x.pdf")]) == 2
