"""The Letters and Requests pages on a real database: a letter saved as PDF, then sent, reminded and exported."""

from __future__ import annotations

from datetime import date, timedelta

from pypdf import PdfReader
from PySide6.QtCore import Qt

from faceaudit.core.letters.deadlines import deadline
from tests.support.letter_fixtures import CONFIRMED, UNCONFIRMED, add_dataset

LETTERS, REQUESTS = 3, 4


def _confirmed_store(store) -> None:
    rows = [(key, sha, "me") for key, sha in CONFIRMED] + list(UNCONFIRMED)
    add_dataset(store, "lfw-copy", "/nonexistent/lfw.tgz", rows, registry_id="lfw")


def test_letters_page_empty_state(window):
    """Without confirmed matches there is no dataset to write about, but organisations can still be written to."""
    window.show_page(LETTERS)
    page = window.letters_page
    assert page.empty.isVisible() and page.body.isVisible()
    assert "confirm matches on Scan & Review first" in page.empty.text()
    assert page.form.dataset() is None and page.form.organisation() is not None


def test_letter_to_request_to_reminder(qtbot, window, store, tmp_path, monkeypatch):
    from faceaudit.core.letters.identity import load_identity, save_identity

    _confirmed_store(store)
    save_identity(store, country="DE")  # a GDPR letter to a US university reaches a sender in the EU (Art. 3(2))
    window.show_page(LETTERS)
    page = window.letters_page
    assert not page.empty.isVisible()
    form = page.form
    assert "2 photos confirmed" in form.datasets.item(0).text() and form.dataset() == "lfw-copy"
    assert form.datasets.count() == 1 + 5  # the dataset, then the registry's organisations
    form.set_letter("erasure", "en", "gdpr")
    assert form.registry.currentData() == "lfw"
    assert form.recipient_name.text().startswith("University of Massachusetts Amherst")
    assert "please fill in" in form.contact_hint.text() and form.contact_hint.isVisible()
    assert not form.crops.isChecked() and not form.my_photos.isChecked()
    assert "your name" in page.identity.needs.text()
    preview = page.preview.text.toPlainText()
    assert "Article 17 GDPR" in preview and CONFIRMED[0][0] in preview and UNCONFIRMED[0][0] not in preview

    dialog = page.edit_identity()
    dialog.name.setText("Jane Doe")
    dialog.address.setPlainText("1 Example Street\nExampletown")
    dialog.email.setText("jane@example.org")
    dialog.country.setText("Germany")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert load_identity(store).name == "Jane Doe"
    # UMass publishes no data-protection contact: not "all the details" while the letter prints a placeholder.
    assert "all the details" not in page.identity.needs.text() and "Jane Doe" in page.preview.text.toPlainText()
    assert "the recipient's address or e-mail" in page.identity.needs.text()

    form.recipient_email.setText("privacy@example.org")
    page.update_preview()
    assert "all the details" in page.identity.needs.text()
    with qtbot.waitSignal(page.letter_saved, timeout=30_000):
        assert page.save_to("pdf", tmp_path / "erasure.pdf") is not None  # in the background: crops may be read
    assert page.last_saved is not None and (tmp_path / "erasure.pdf").is_file()
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(tmp_path / "erasure.pdf").pages).split())
    assert "Jane Doe" in text and "privacy@example.org" in text and CONFIRMED[1][1] in text
    for form_name, name in (("text", "erasure.txt"), ("eml", "erasure.eml")):
        with qtbot.waitSignal(page.letter_saved, timeout=30_000):
            page.save_to(form_name, tmp_path / name)
    assert (tmp_path / "erasure.txt").is_file() and (tmp_path / "erasure.eml").is_file()
    opened = []
    monkeypatch.setattr("faceaudit.gui.pages.letters.QDesktopServices.openUrl", lambda url: opened.append(url) or True)
    assert page.open_in_mail() and opened[0].isLocalFile() and opened[0].toLocalFile().endswith("erasure.eml")

    window.show_page(REQUESTS)
    requests = window.requests_page
    listed = requests.requests()
    assert len(listed) == 1, "three formats of one letter are one request"
    assert listed[0].status == "draft" and listed[0].type == "erasure"
    assert (
        requests.cell(0, "Recipient").startswith("University of Massachusetts")
        and requests.cell(0, "Dataset") == "lfw-copy"
    )

    sent = date.today() - timedelta(days=40)
    requests.select_request(listed[0].id)
    requests.mark_sent(sent)
    due = deadline("gdpr", sent, country="DE")  # sent by e-mail; German holidays count
    assert requests.cell(0, "Sent") == str(sent) and requests.cell(0, "Deadline") == str(due)
    assert requests.cell(0, "Status") == "overdue" and "overdue" in requests.cell(0, "Days left")
    assert requests.table.item(0, 0).background().color().name() == "#ffebee"
    requests.add_note("posted, tracking RR123")
    assert "RR123" in requests.detail.notes.toPlainText()

    assert requests.draft_follow_up(tmp_path / "reminder.pdf") is not None
    qtbot.waitUntil(lambda: requests.last_follow_up is not None, timeout=30_000)
    files = requests.last_follow_up
    assert files.letter.type == "reminder" and (tmp_path / "reminder.pdf").is_file()
    assert [r.type for r in requests.requests()] == ["reminder", "erasure"]
    assert requests.selected().type == "reminder" and requests.selected().status == "draft"

    ics = requests.export_ics(tmp_path / "deadlines.ics")
    body = ics.read_text(encoding="utf-8")
    assert f"DTSTART;VALUE=DATE:{due:%Y%m%d}" in body and body.count("BEGIN:VEVENT") == 1

    requests.select_request(listed[0].id)
    requests.add_reply("They say the photos are deleted", status="complied")
    assert requests.selected().status == "complied" and requests.detail.replies.count() == 1


def test_verify_erasure_dialog_in_words(qtbot, window, store):
    _confirmed_store(store)
    add_dataset(store, "lfw-new", "/nonexistent/lfw-new.tgz", [(CONFIRMED[0][0], CONFIRMED[0][1], "")])
    window.show_page(REQUESTS)
    dialog = window.requests_page.open_verify_erasure()
    with qtbot.waitSignal(dialog.checked, timeout=30_000) as checked:
        dialog.check("lfw-copy", "lfw-new")  # in the background: it reads every face of the new release
    text = checked.args[0]
    assert "1 of your 2 confirmed photos is still in lfw-new" in text
    assert "the very same file" in text and dialog.result.text() == text
    dialog.reject()
