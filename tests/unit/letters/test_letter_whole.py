"""A letter is written whole or not at all: PDF, text, e-mail draft and the tracked request together."""

from __future__ import annotations

import pytest

from faceaudit.cli.main import main
from faceaudit.core.letters.compose import LetterError
from faceaudit.core.storage.store import Store
from tests.support.letter_fixtures import store_with_matches, write_letter

ENCODED = "=?utf-8?q?Jane=0D=0ABcc:_x@evil.example?="


@pytest.fixture
def out(tmp_path):
    folder = tmp_path / "letters"
    folder.mkdir()
    return folder


def _requests() -> int:
    with Store() as store:
        return store.scalar("SELECT COUNT(*) FROM requests")


def test_an_encoded_word_name_is_refused_before_anything_is_written(data_home, out, capsys):
    assert main(["identity", "set", "--name", ENCODED, "--email", "jane@example.org", "--country", "DE"]) == 0
    capsys.readouterr()
    code = main(["letter", "--type", "platform-access", "--to", "OkCupid", "--account", "okc-42",
                 "--out", str(out / "p.pdf"), "--eml", str(out / "p.eml")])
    err = capsys.readouterr().err
    assert code != 0 and "encoded word" in err and "nothing was written" in err and "Traceback" not in err
    assert not list(out.iterdir()) and _requests() == 0


def test_a_form_that_cannot_be_written_leaves_no_other_and_no_request(data_home, out):
    store = store_with_matches()
    store.set_setting("identity.name", "Jane Doe")
    with pytest.raises(OSError):  # the text's folder does not exist: found after the PDF was made
        write_letter(store, "erasure", "lfw-copy", "en", out / "erasure.pdf",
                     text_path=out / "missing" / "erasure.txt", eml_path=out / "erasure.eml")
    assert sorted(p.name for p in out.iterdir()) == [] and _requests() == 0
    saved = write_letter(store, "erasure", "lfw-copy", "en", out / "erasure.pdf",
                         text_path=out / "erasure.txt", eml_path=out / "erasure.eml")
    assert {p.name for p in out.iterdir()} == {"erasure.pdf", "erasure.txt", "erasure.eml"}
    assert saved.request_id and _requests() == 1
    store.close()


def test_a_request_that_cannot_be_tracked_takes_its_files_back(data_home, out, monkeypatch):
    store = store_with_matches()

    def refuse(*_args, **_kwargs):
        raise LetterError("the database refused")

    monkeypatch.setattr("faceaudit.core.letters.pipeline.add_request", refuse)
    with pytest.raises(LetterError):
        write_letter(store, "erasure", "lfw-copy", "en", out / "erasure.pdf", text_path=out / "e.txt")
    assert not list(out.iterdir())
    store.close()
