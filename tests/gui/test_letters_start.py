"""The Letters page starts from what the person has: a request first, no follow-up before a request, the real
blocker named, and "all the details" only when nothing would print as "please fill in"."""

from __future__ import annotations

from datetime import date

from faceaudit.core.letters.requests import FOLLOW_UP_KINDS, add_request
from tests.support.letter_fixtures import CONFIRMED, add_dataset

LETTERS = 3


def _kinds(form) -> list[str]:
    return [form.kind.itemData(n) for n in range(form.kind.count())]


def test_a_fresh_data_folder_opens_on_a_request_never_a_reminder(window):
    window.letters_page.refresh()
    window.show_page(LETTERS)
    form, page = window.letters_page.form, window.letters_page
    assert form.organisation() is not None  # nothing confirmed: an organisation is first
    assert form.kind.currentData() in ("platform-access", "developer-erasure")
    assert not set(_kinds(form)) & set(FOLLOW_UP_KINDS)
    assert "[date: please fill in]" not in page.preview.text.toPlainText()


def test_a_dataset_with_confirmed_matches_starts_with_erasure_and_names_the_missing_country(window, store):
    add_dataset(store, "scraped", "/nowhere/s.tgz", [(k, s, "me") for k, s in CONFIRMED])
    window.letters_page.refresh()
    window.show_page(LETTERS)
    form = window.letters_page.form
    assert form.dataset() == "scraped"
    assert form.kind.currentData() in ("erasure", "access")
    assert not set(_kinds(form)) & set(FOLLOW_UP_KINDS)
    # No law before the country is known: that is said, not "no law reaches you".
    assert form.law.count() == 0 and form.law_note.isVisibleTo(window)
    assert "country you live in" in form.law_note.text() and "No law" not in form.law_note.text()


def test_follow_ups_are_offered_once_a_request_may_be_followed_up(window, store):
    add_dataset(store, "scraped", "/nowhere/s.tgz", [(k, s, "me") for k, s in CONFIRMED])
    add_request(store, "erasure", "gdpr", "Publisher", dataset_name="scraped", sent=date(2025, 1, 6))  # overdue
    window.letters_page.refresh()
    form = window.letters_page.form
    kinds = _kinds(form)
    assert "reminder" in kinds and kinds.index("reminder") > kinds.index("erasure")
    assert form.kind.currentData() == "erasure"
