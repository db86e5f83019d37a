"""Issue 16: a row of a list of links I confirmed enters the letter's annex as the row itself, in English and German."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from faceaudit.core.datasets.catalog import add_dataset
from faceaudit.core.letters.annex import FACE, IDENTIFIER, add_reference_thumbnails, confirmed_matches
from faceaudit.core.letters.claims import CLAIMS
from faceaudit.core.letters.export import letter_text
from faceaudit.core.letters.identity import save_identity
from faceaudit.core.letters.pipeline import LetterChoice, compose, confirmed_counts
from faceaudit.core.letters.requests import get_request
from faceaudit.core.letters.types import Evidence
from faceaudit.core.matching.identifiers import add_identifier
from faceaudit.core.matching.list_scan import list_datasets_of, search_lists
from faceaudit.core.matching.matches import identifier_candidates, review
from faceaudit.core.storage.store import Store
from tests.support.letter_fixtures import CONFIRMED, write_letter
from tests.support.letter_fixtures import add_dataset as add_face_dataset
from tests.support.link_lists import ffhq_json

MINE = "https://www.flickr.com/photos/jdoe/5551234567/"


@pytest.fixture
def store(data_home, tmp_path):
    with Store() as store:
        save_identity(store, country="DE", region="DE-BE")
        add_identifier(store, "flickr:jdoe")
        add_identifier(store, "flickr:12345678@N01")
        rows = [{}] * 40 + [{"photo_url": MINE, "author": "Jane Doe"}] + [{}] * 10 + [
            {"photo_url": "https://www.flickr.com/photos/12345678@N01/777/", "author": "Ann Other"}] + [{}] * 5
        ffhq_json(tmp_path / "ffhq-dataset-v2.json", rows)
        add_dataset(store, tmp_path / "ffhq-dataset-v2.json", "FFHQ")
        with store.transaction():
            store.conn.execute("UPDATE datasets SET registry_id = 'ffhq' WHERE name = 'FFHQ'")
        scan_id = store.db["scans"].insert({"started": "2026-12-02T10:00:00+00:00"}).last_pk
        for _ in search_lists(store, scan_id, list_datasets_of(store)):
            pass
        found = {c.locator: c for c in identifier_candidates(store, scan_id)}
        assert set(found) == {"entry 40", "entry 51"}
        review(store, found["entry 40"].ref, "me")
        review(store, found["entry 51"].ref, "not-me")
        yield store


def test_only_confirmed_rows_enter_the_annex(store):
    annex = confirmed_matches(store, "FFHQ")
    assert [(e.kind, e.key, e.matched, e.url) for e in annex] == [
        (IDENTIFIER, "ffhq-dataset-v2.json, entry 40", (("flickr-account", "jdoe"),), MINE)]
    assert annex[0].fields["metadata.author"] == "Jane Doe" and annex[0].sha256 == "-" and annex[0].box is None
    assert add_reference_thumbnails(store, annex) == annex  # a row has no reference face (its id is not a face's)
    assert confirmed_counts(store) == [("FFHQ", 1)]


@pytest.mark.parametrize("lang, words", [
    ("en", ["Annex: rows of the published list that name me", "file ffhq-dataset-v2.json, entry 40",
            "Names me by: Flickr account jdoe", f"Photo address: {MINE}", "metadata.author: Jane Doe",
            "metadata.license: Attribution-NonCommercial License",
            "Enclosure: annex listing 1 entry of a published list"]),
    ("de", ["Anlage: Zeilen der veröffentlichten Liste, die mich nennen", "Datei ffhq-dataset-v2.json, Eintrag 40",
            "Nennt mich durch: Flickr-Konto jdoe", f"Fotoadresse: {MINE}", "metadata.author: Jane Doe",
            "Anlage: Verzeichnis von 1 Eintrag einer veröffentlichten Liste"]),
])
def test_the_row_in_the_letter_text_and_pdf(store, tmp_path, lang, words):
    saved = write_letter(store, "erasure", "FFHQ", lang, tmp_path / "letter.pdf", text_path=tmp_path / "letter.txt",
                         track=False)
    text = (tmp_path / "letter.txt").read_text()
    for expected in words:
        assert expected in text, expected
    assert "Ann Other" not in text and "777" not in text  # the row I said is not me
    annex = text[text.index(words[0]):]
    assert "SHA-256" not in annex and "Gesichtsrahmen" not in annex and "Face box" not in annex  # no face fields
    pdf = " ".join(page.extract_text() for page in PdfReader(saved.pdf).pages)
    pdf = " ".join(pdf.split())
    for expected in words:
        assert " ".join(expected.replace(": ", " ").split()) in pdf.replace(": ", " "), expected


def test_faces_and_rows_together(store):
    add_face_dataset(store, "lfw-copy", "/nonexistent/lfw.tgz", [(k, s, "me") for k, s in CONFIRMED],
                     registry_id="lfw")
    annex = confirmed_matches(store)
    assert [e.kind for e in annex] == [IDENTIFIER, FACE, FACE] or [e.kind for e in annex].count(FACE) == 2
    letter = compose(store, LetterChoice(kind="erasure", dataset="FFHQ", lang="en"))
    assert len(letter.annex) == 1
    text = letter_text(letter.__class__(**{**letter.__dict__, "annex": annex}))
    assert "Enclosure: annex listing 2 confirmed images and 1 entry of a published list" in text
    assert text.index("Annex: faces confirmed as mine") < text.index("Annex: rows of the published list")
    numbers = [line.split(".")[0] for line in text.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert numbers == ["1", "2", "3"]


@pytest.mark.parametrize("lang", ["en", "de"])
def test_a_letter_citing_only_confirmed_rows_uses_the_rows_wording(store, lang):
    # Issue 15 decides what a letter claims from the kinds of evidence; issue 16's real identifier
    # matches (found by a scan of a list, confirmed by review) must give the rows wording.
    letter = compose(store, LetterChoice(kind="erasure", dataset="FFHQ", lang=lang))
    assert [e.kind for e in letter.annex] == [IDENTIFIER]
    assert letter.case.evidence == Evidence.ROWS
    assert letter.claims["found_rows"] and not letter.claims["found_faces"]
    body = " ".join(letter.body.replace("\u00a0", " ").split())
    markers = {claim.id: claim.markers[lang] for claim in CLAIMS}
    assert markers["found_rows"] in body and markers["found_faces"] not in body
    assert markers["reason_to_believe"] not in body  # a confirmed row is evidence, not a mere belief


def test_rows_are_cited_by_their_own_ids(store, tmp_path):
    # Face matches and rows are numbered apart: a letter chooses what it cites by ref ("12", "L12").
    add_face_dataset(store, "lfw-copy", "/nonexistent/lfw.tgz", [(k, s, "me") for k, s in CONFIRMED],
                     registry_id="lfw")
    (row,) = confirmed_matches(store, "FFHQ")
    face = confirmed_matches(store, "lfw-copy")[0]
    assert row.ref == f"L{row.match_id}" and face.ref == str(face.match_id)
    by_number = compose(store, LetterChoice(kind="erasure", dataset="FFHQ", lang="en", match_ids=(str(row.match_id),)))
    assert by_number.annex == [] and by_number.case.evidence == Evidence.NONE  # a bare number is a face match's id
    by_ref = compose(store, LetterChoice(kind="erasure", dataset="FFHQ", lang="en", match_ids=(row.ref,)))
    assert [e.ref for e in by_ref.annex] == [row.ref]
    saved = write_letter(store, "erasure", "FFHQ", "en", tmp_path / "rows.pdf", match_ids=(row.ref,))
    record = get_request(store, saved.request_id)
    assert record.match_ids == [row.ref] and record.evidence == Evidence.ROWS
    with store.transaction():  # a request recorded before rows could be cited: its numbers were face matches
        store.conn.execute("UPDATE requests SET match_ids = ? WHERE id = ?", [f"[{face.match_id}]", saved.request_id])
    assert get_request(store, saved.request_id).match_ids == [face.ref]


def test_the_command_line_cites_a_row_by_its_id(store, tmp_path, capsys):
    from faceaudit.cli.main import main

    (row,) = confirmed_matches(store, "FFHQ")
    store.close()
    text = tmp_path / "letter.txt"
    assert main(["letter", "--type", "erasure", "--dataset", "FFHQ", "--matches", row.ref.lower(), "--out",
                 str(tmp_path / "letter.pdf"), "--text", str(text), "--no-track"]) == 0
    assert "1 confirmed match(es) in the annex" in capsys.readouterr().out
    assert "file ffhq-dataset-v2.json, entry 40" in text.read_text()
    assert main(["letter", "--type", "erasure", "--dataset", "FFHQ", "--matches", str(row.match_id), "--out",
                 str(tmp_path / "none.pdf"), "--no-track"]) == 0
    assert "0 confirmed match(es) in the annex" in capsys.readouterr().out
