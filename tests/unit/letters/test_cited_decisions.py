"""Decisions a sent request cites: refused without --force, changed with it, the change in the request's history."""

from __future__ import annotations

from datetime import date

import pytest

from faceaudit.cli.main import main
from faceaudit.core.letters.cited_decisions import CitedDecisionError, decide_checked, restore_checked
from faceaudit.core.letters.requests import add_request, get_request, update_request
from faceaudit.core.storage.store import Store
from tests.support.letter_fixtures import add_dataset


@pytest.fixture
def cited(data_home):
    """Two confirmed matches, the first cited by a sent erasure request, the second by a draft; a copy of the first
    photo in a second dataset."""
    with Store() as store:
        add_dataset(store, "scraped", "/nowhere/s.tgz", [("people/Jane/1.jpg", "a1" * 32, "me"),
                                                          ("people/Jane/2.jpg", "b2" * 32, "me")])
        add_dataset(store, "mirror", "/nowhere/m.tgz", [("people/Jane/1.jpg", "a1" * 32, "me")])
        first, second, copy = (r["id"] for r in store.query("SELECT id FROM matches ORDER BY id"))
        sent = add_request(store, "erasure", "gdpr", "Publisher", dataset_name="scraped", sent=date(2026, 1, 5),
                           match_ids=[str(first)])
        draft = add_request(store, "erasure", "gdpr", "Publisher", dataset_name="scraped", match_ids=[str(second)])
        yield store, (first, second, copy), sent.id, draft.id


def _decision(store, match_id) -> str:
    return store.scalar("SELECT decision FROM matches WHERE id = ?", [match_id])


def test_a_cited_decision_is_not_changed_without_force(cited):
    store, (first, second, copy), sent, _ = cited
    with pytest.raises(CitedDecisionError) as raised:
        decide_checked(store, [first, second], "unsure")
    assert f"request #{sent} to Publisher, sent 2026-01-05" in str(raised.value)
    assert {c.ref for c in raised.value.changes} == {str(first)}
    assert [_decision(store, m) for m in (first, second, copy)] == ["me"] * 3  # nothing changed, not even the rest
    # Through a copy of the cited photo in another dataset: the same photo, the same protection.
    with pytest.raises(CitedDecisionError):
        decide_checked(store, [copy], "not_me")
    decide_checked(store, [second], "unsure")  # only a draft cites it
    assert _decision(store, second) == "unsure"
    decide_checked(store, [first], "me")  # no change: nothing to refuse
    assert get_request(store, sent).notes == ""


def test_force_changes_it_and_the_history_records_it_and_its_undo(cited):
    store, (first, _, copy), sent, draft = cited
    previous = decide_checked(store, [first], "unsure", force=True, how="in the window")
    assert _decision(store, first) == _decision(store, copy) == "unsure"
    notes = get_request(store, sent).notes
    assert f"match {first} from “this is me”" in notes and "“unsure”" in notes and "in the window" in notes
    assert get_request(store, draft).notes == ""
    restore_checked(store, previous)
    assert _decision(store, first) == _decision(store, copy) == "me"
    assert "changed to “this is me”" in get_request(store, sent).notes.splitlines()[-1]


def test_a_request_marked_sent_later_protects_too(cited):
    store, (_, second, _), _, draft = cited
    update_request(store, draft, sent=date(2026, 2, 1))
    with pytest.raises(CitedDecisionError):
        decide_checked(store, [second], "not_me")


def test_the_command_line_refuses_and_says_why_then_force(cited, capsys):
    store, (first, _, _), sent, _ = cited
    assert main(["review", str(first), "unsure"]) != 0
    err = capsys.readouterr().err
    assert f"request #{sent}" in err and "--force" in err and "Traceback" not in err
    assert _decision(store, first) == "me"
    assert main(["review", str(first), "unsure", "--force"]) == 0
    assert _decision(store, first) == "unsure"
    assert "on the command line, with --force" in get_request(store, sent).notes
