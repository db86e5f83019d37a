"""The Letters page before a letter is saved: what it cites (untick any), letters to organisations without a
dataset, laws offered by residence with the reason for the others; Requests: "sent by" and what a reply said."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt

from faceaudit.core.letters.identity import save_identity
from faceaudit.core.letters.requests import get_request, list_requests
from tests.support.letter_fixtures import CONFIRMED, UNCONFIRMED, add_dataset

LETTERS, REQUESTS = 3, 4


def _berliner_with_matches(store) -> None:
    rows = [(key, sha, "me") for key, sha in CONFIRMED] + list(UNCONFIRMED)
    add_dataset(store, "Archive set", "/nonexistent/gui-ds.tgz", rows, registry_id="lfw")
    save_identity(store, name="Jane Doe", email="jane@example.org", country="DE", region="DE-BE")


def test_the_letter_cites_only_what_stays_ticked(qtbot, window, store):
    _berliner_with_matches(store)
    window.show_page(LETTERS)
    page, form = window.letters_page, window.letters_page.form
    form.set_letter("erasure", "en")
    assert form.cited.count() == 2 and form.cited_ids() == tuple(sorted(form.cited_ids()))
    assert "cites 2 of 2" in form.cited_note.text()
    preview = page.preview.text.toPlainText()
    assert CONFIRMED[0][0] in preview and CONFIRMED[1][0] in preview and "2 confirmed images" in preview
    assert "Archive set" not in preview and "Labeled Faces in the Wild" in preview  # never the private nickname
    form.cited.item(1).setCheckState(Qt.CheckState.Unchecked)
    assert "cites 1 of 2" in form.cited_note.text() and len(form.cited_ids()) == 1
    preview = page.preview.text.toPlainText()
    assert CONFIRMED[0][0] in preview and CONFIRMED[1][0] not in preview and "1 confirmed image" in preview
    form.cited.item(0).setCheckState(Qt.CheckState.Unchecked)
    preview = page.preview.text.toPlainText()
    assert "I have reason to believe" in preview and "enclosed" not in preview
    assert "confirmed that photographs of my face" not in preview


def test_laws_follow_residence_and_the_others_are_explained(window, store):
    _berliner_with_matches(store)
    add_dataset(store, "ffhq-copy", "/nonexistent/ffhq", [(k, s, "me") for k, s in CONFIRMED], registry_id="ffhq")
    window.show_page(LETTERS)
    form = window.letters_page.form
    form.select_dataset("ffhq-copy")
    form.set_letter("ccpa-delete")
    assert form.law.count() == 0 and "California residents" in form.law_note.text()
    assert window.letters_page.choice() is None
    form.set_letter("erasure")
    laws = [form.law.itemData(i) for i in range(form.law.count())]
    assert laws == ["gdpr"] and "UK GDPR" in form.law_note.text()


def test_platform_access_and_developer_erasure_without_a_dataset(qtbot, window, store, tmp_path):
    save_identity(store, name="Jane Doe", email="jane@example.org", country="DE", region="DE-BE")
    window.show_page(LETTERS)
    page, form = window.letters_page, window.letters_page.form
    assert page.empty.isVisible()  # no dataset has confirmed matches...
    form.select_organisation("OkCupid")  # ...but organisations can be written to
    kinds = [form.kind.itemData(i) for i in range(form.kind.count())]
    assert "platform-access" in kinds and "erasure" not in kinds
    form.set_letter("platform-access", "en", "gdpr")
    assert form.account.isVisible() and not form.cited.isVisible() and not form.registry.isVisible()
    form.account.setText("okc-42")
    page.update_preview()
    preview = page.preview.text.toPlainText()
    assert "Article 15 GDPR" in preview and "okc-42" in preview and "by name" in preview and "Clarifai" in preview
    with qtbot.waitSignal(page.letter_saved, timeout=30_000):
        page.save_to("pdf", tmp_path / "okcupid.pdf")
    record = list_requests(store)[0]
    assert record.type == "platform-access" and record.organisation == "okcupid" and record.account == "okc-42"

    form.select_organisation("Clarifai")
    form.set_letter("developer-erasure", "de", "gdpr")
    # The public report is cited, but an account is stated only once the person names the platform.
    assert form.via.isVisible() and form.via.currentData() is None
    form.account.clear()
    page.update_preview()
    preview = page.preview.text.toPlainText()
    assert "Art. 17 DSGVO" in preview and "damit trainierten Modelle" in preview and "OkCupid" in preview
    assert "Ich hatte ein Konto bei" not in preview
    form.via.setCurrentIndex(form.via.findData("okcupid"))
    page.update_preview()
    assert "Ich hatte ein Konto bei OkCupid" in page.preview.text.toPlainText()
    form.collected.setText("2014")  # the GDPR did not apply then: no Art. 14 duty is claimed
    page.update_preview()
    assert "nicht bei mir erhoben" not in page.preview.text.toPlainText()
    form.collected.setText("next year")
    page.update_preview()
    assert "YYYY" in page.notice.text()


def test_sent_by_and_what_a_reply_said(qtbot, window, store, tmp_path):
    _berliner_with_matches(store)
    window.show_page(LETTERS)
    page = window.letters_page
    page.form.set_letter("access", "en")
    page.form.recipient_email.setText("privacy@example.org")
    with qtbot.waitSignal(page.letter_saved, timeout=30_000):
        page.save_to("pdf", tmp_path / "access.pdf")
    window.show_page(REQUESTS)
    requests = window.requests_page
    record = requests.requests()[0]
    requests.select_request(record.id)
    detail = requests.detail
    assert detail.sent_by.currentData() == "email"
    detail.sent_date.setDate(date(2026, 1, 2))
    detail.sent_by.setCurrentIndex(detail.sent_by.findData("post"))
    qtbot.mouseClick(detail.mark_sent_button, Qt.MouseButton.LeftButton)
    sent = get_request(store, record.id)
    assert sent.channel == "post" and sent.deadline == date(2026, 2, 6)  # received 6 January, a Tuesday
    assert "sent by post" in detail.facts.text()
    detail.reply_status.setCurrentIndex(detail.reply_status.findData("refused"))
    grounds = [detail.reply_ground.itemData(i) for i in range(detail.reply_ground.count())]
    assert "refused-research" in grounds and "partial" not in grounds
    detail.reply_ground.setCurrentIndex(detail.reply_ground.findData("refused-research"))
    detail.reply_text.setText("They cite research")
    detail._on_add_reply()
    assert get_request(store, record.id).status == "refused"
    from faceaudit.core.letters.requests import replies

    assert replies(store, record.id)[-1].ground == "refused-research"


def test_identity_dialog_takes_country_and_region(qtbot, window, store):
    window.show_page(LETTERS)
    dialog = window.letters_page.edit_identity()
    dialog.name.setText("Jane Doe")
    dialog.country.setText("DE")
    dialog.region.setText("DE-XX")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "ISO 3166-2" in dialog.notice.text() and dialog.isVisible()
    dialog.region.setText("DE-BE")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    from faceaudit.core.letters.identity import load_identity

    who = load_identity(store)
    assert (who.country, who.region) == ("DE", "DE-BE")
    assert "residence: Germany (DE-BE)" in window.letters_page.identity.summary.text()
