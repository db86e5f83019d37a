"""Follow-ups state what happened: no answer, a refusal and its ground, a partial answer, an ID demand."""

from __future__ import annotations

from datetime import date

import pytest

from faceaudit.core.letters.identity import save_identity
from faceaudit.core.letters.requests import (
    RequestError,
    add_reply,
    add_request,
    follow_up,
    get_request,
    update_request,
)
from tests.support.letter_fixtures import CONFIRMED, add_dataset, store_with_matches, write_follow_up


@pytest.fixture
def store():
    store = store_with_matches()
    save_identity(store, name="Jane Doe", email="jane@example.org", country="DE", region="DE-BE")
    return store


def _sent(store, law="gdpr", dataset="lfw-copy", registry="lfw", kind="erasure"):
    return add_request(store, kind, law, "Custodian", dataset_name=dataset, registry_id=registry,
                       sent=date(2026, 1, 5), sender_country="DE", sender_region="DE-BE")


@pytest.mark.parametrize("ground, rebuttal", [
    ("refused-research", "research exemption"),
    ("refused-public", "were publicly available"),
    ("refused-identify", "cannot identify me"),
])
def test_a_refusal_is_answered_on_its_ground_then_complained_about(store, tmp_path, ground, rebuttal):
    first = _sent(store)
    add_reply(store, first.id, date(2026, 1, 20), "they refuse", status="refused", ground=ground)
    step = follow_up(store, first.id, today=date(2026, 1, 21))
    assert step.kind == "reminder" and step.ground == ground
    reminder = write_follow_up(store, first.id, tmp_path / "r.pdf", today=date(2026, 1, 21))
    body = reminder.letter.body
    assert "refused my request" in body and rebuttal in body
    assert "not received any answer" not in body  # it was answered: with a refusal
    assert "ended on" not in body  # the period had not ended when they refused
    record = get_request(store, reminder.request_id)
    update_request(store, record.id, sent=date(2026, 1, 21))
    complaint = write_follow_up(store, record.id, tmp_path / "c.pdf", today=date(2026, 3, 1))
    assert complaint.letter.type == "dpa-complaint"
    assert "The controller refused my request" in complaint.letter.body and rebuttal in complaint.letter.body
    assert "no answer within the period" not in complaint.letter.body
    assert "Berliner Beauftragte" in complaint.letter.recipient_lines[0]


def test_research_refusal_cites_bdsg_only_where_the_bdsg_governs(store, tmp_path):
    first = _sent(store)  # LFW: a university in the US, a sender in Berlin: § 1(4) BDSG
    add_reply(store, first.id, date(2026, 1, 20), "research", status="refused", ground="refused-research")
    letter = write_follow_up(store, first.id, tmp_path / "r.pdf", today=date(2026, 1, 21)).letter
    assert "§ 27(2) BDSG" in letter.body
    add_dataset(store, "celeba-copy", "/nonexistent/celeba", [("people/A/a.jpg", "aa" * 32, "me")],
                registry_id="wider-face")
    save_identity(store, country="FR", region="")
    other = add_request(store, "erasure", "gdpr", "CUHK", dataset_name="celeba-copy", registry_id="wider-face",
                        sent=date(2026, 1, 5), sender_country="FR")
    add_reply(store, other.id, date(2026, 1, 20), "research", status="refused", ground="refused-research")
    french = write_follow_up(store, other.id, tmp_path / "f.pdf", today=date(2026, 1, 21)).letter
    assert "research exemption" in french.body and "BDSG" not in french.body


@pytest.mark.parametrize("ground, words", [("partial", "answered only in part"),
                                           ("excessive-id", "copy of an identity document")])
def test_inadequate_answers(store, tmp_path, ground, words):
    first = _sent(store)
    add_reply(store, first.id, date(2026, 1, 20), "an answer", status="answered", ground=ground)
    letter = write_follow_up(store, first.id, tmp_path / "r.pdf", today=date(2026, 1, 21)).letter
    assert letter.type == "reminder" and words in letter.body
    assert "refused my request" not in letter.body


def test_reply_grounds_must_fit_the_status(store):
    first = _sent(store)
    with pytest.raises(RequestError):
        add_reply(store, first.id, date(2026, 1, 20), "x", status="refused", ground="partial")
    with pytest.raises(RequestError):
        add_reply(store, first.id, date(2026, 1, 20), "x", status="answered", ground="refused-public")
    assert add_reply(store, first.id, date(2026, 1, 20), "no reason", status="refused").ground == "refused"


def test_ccpa_escalates_to_the_cppa_not_the_ftc(store, tmp_path):
    save_identity(store, country="US", region="US-CA")
    add_dataset(store, "ffhq-copy", "/nonexistent/ffhq", [(k, s, "me") for k, s in CONFIRMED], registry_id="ffhq")
    first = add_request(store, "ccpa-delete", "ccpa", "NVIDIA", dataset_name="ffhq-copy", registry_id="ffhq",
                        sent=date(2026, 1, 5), sender_country="US", sender_region="US-CA")
    assert first.deadline == date(2026, 2, 19)
    reminder = write_follow_up(store, first.id, tmp_path / "r.pdf", today=date(2026, 2, 20))
    assert "California Privacy Protection Agency" in reminder.letter.body and "FTC" not in reminder.letter.body
    update_request(store, reminder.request_id, sent=date(2026, 2, 20))
    step = follow_up(store, reminder.request_id, today=date(2026, 3, 20))
    assert step.kind == "cppa-complaint" and step.law == "ccpa"
    complaint = write_follow_up(store, reminder.request_id, tmp_path / "c.pdf", today=date(2026, 3, 20)).letter
    assert complaint.recipient_lines[0] == "California Privacy Protection Agency"
    assert "cppa.ca.gov/webapplications/complaint" in complaint.body
    assert "I am a California resident" in complaint.body


def test_sent_by_and_receipt_decide_the_deadline(store):
    first = _sent(store)
    assert first.channel == "email" and first.deadline == date(2026, 2, 5)
    posted = update_request(store, first.id, channel="post")
    assert posted.deadline == date(2026, 2, 9)  # received 9 January (Friday) -> due Monday 9 February
    tracked = update_request(store, first.id, received=date(2026, 1, 12))
    assert tracked.received_date == date(2026, 1, 12) and tracked.deadline == date(2026, 2, 12)
    with pytest.raises(RequestError):
        update_request(store, first.id, received=date(2026, 1, 1))


def test_a_complaint_eml_attaches_the_request_and_the_reminder(tmp_path):
    from email import message_from_bytes, policy

    from faceaudit.core.letters.identity import save_identity
    from faceaudit.core.letters.requests import update_request
    from tests.support.letter_fixtures import store_with_matches, write_follow_up, write_letter

    store = store_with_matches()
    save_identity(store, name="Jane Doe", email="jane@example.org", country="DE", region="DE-BE")
    first = write_letter(store, "erasure", "lfw-copy", "en", tmp_path / "erasure.pdf", law="gdpr")
    assert first.letter.body.startswith(f"My reference: FA-{first.request_id}")
    update_request(store, first.request_id, sent=date(2026, 1, 5))
    reminder = write_follow_up(store, first.request_id, tmp_path / "reminder.pdf", today=date(2026, 2, 20))
    assert f"FA-{first.request_id}" in reminder.letter.body  # cites the reference the request printed
    update_request(store, reminder.request_id, sent=date(2026, 2, 20))
    complaint = write_follow_up(store, reminder.request_id, tmp_path / "complaint.pdf", today=date(2026, 3, 20),
                                eml_path=tmp_path / "complaint.eml")
    assert complaint.letter.type == "dpa-complaint"
    mail = message_from_bytes((tmp_path / "complaint.eml").read_bytes(), policy=policy.default)
    names = [part.get_filename() for part in mail.iter_attachments()]
    assert names == ["complaint.pdf", "erasure.pdf", "reminder.pdf"]
    store.close()


def test_a_form_complaint_has_no_mail_recipient_and_says_so(tmp_path):
    from email import message_from_bytes, policy

    from faceaudit.core.letters.identity import save_identity
    from faceaudit.core.letters.requests import add_request
    from tests.support.letter_fixtures import add_dataset, store_with_matches, write_letter

    store = store_with_matches()
    add_dataset(store, "ffhq-copy", "/nonexistent/ffhq", [], registry_id="ffhq")
    save_identity(store, name="Jane Doe", email="jane@example.org", country="US", region="US-CA")
    request = add_request(store, "ccpa-delete", "ccpa", "NVIDIA", dataset_name="ffhq-copy", registry_id="ffhq",
                          sent=date(2026, 1, 5), reference="FA-9")
    from faceaudit.core.letters.pipeline import original_of
    files = write_letter(store, "cppa-complaint", "ffhq-copy", "en", tmp_path / "c.pdf", law="ccpa",
                         original=original_of(request), parent_id=request.id, ground="no-answer",
                         eml_path=tmp_path / "c.eml")
    assert files.letter.recipient.email == "" and files.letter.channel == "web-form"
    mail = message_from_bytes((tmp_path / "c.eml").read_bytes(), policy=policy.default)
    assert mail["To"] is None
    assert "Not to be sent by e-mail" in mail.get_body(("plain",)).get_content()
    assert "FA-9" in files.letter.body
    store.close()
