"""`faceaudit letter` and its neighbours: letters to organisations, datasets the registry lacks, residence."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from faceaudit.cli.main import main
from faceaudit.core.letters.identity import load_identity
from faceaudit.core.storage.store import Store
from tests.support.letter_fixtures import CONFIRMED, add_dataset, store_with_matches


def pdf_text(path) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).replace("\xa0", " ").split())


@pytest.fixture
def home():
    store = store_with_matches()
    add_dataset(store, "Archive set", "/nonexistent/gui-ds.tgz", [(k, s, "me") for k, s in CONFIRMED])
    store.close()
    assert main(["identity", "set", "--name", "Jane Doe", "--email", "jane@example.org", "--country", "DE",
                 "--region", "DE-BE"]) == 0


MTCH = "MTCH Technology Services Limited"  # OkCupid's controller for a Berliner (the EU/EEA)


@pytest.mark.parametrize("lang, words", [("en", ["Article 15 GDPR", "by name", "okc-42", MTCH]),
                                         ("de", ["Art. 15 DSGVO", "namentlich", "okc-42", MTCH])])
def test_platform_access_to_okcupid_without_a_dataset(home, tmp_path, capsys, lang, words):
    assert main(["letter", "--type", "platform-access", "--to", "OkCupid", "--account", "okc-42", "--lang", lang,
                 "--out", str(tmp_path / "p.pdf")]) == 0
    text = pdf_text(tmp_path / "p.pdf")
    for word in words:
        assert word in text, word
    assert "Clarifai" in text  # the FTC's finding, cited with its source
    assert "ftc.gov" in text
    out = capsys.readouterr().out
    assert "0 confirmed match(es)" in out and "tracked as request" in out


@pytest.mark.parametrize("lang, words", [("en", ["Article 17 GDPR", "models trained on", "that this deletion",
                                                "privacy@clarifai.com", "okc-42"]),
                                         ("de", ["Art. 17 DSGVO", "damit trainierten Modelle", "dass diese Löschung",
                                                "privacy@clarifai.com", "okc-42"])])
def test_developer_erasure_to_clarifai_without_a_dataset(home, tmp_path, lang, words):
    assert main(["letter", "--type", "developer-erasure", "--to", "clarifai", "--account", "okc-42", "--lang", lang,
                 "--out", str(tmp_path / "d.pdf")]) == 0
    text = pdf_text(tmp_path / "d.pdf")
    for word in words:
        assert word in text, word
    assert "OkCupid" in text


def test_a_letter_to_an_organisation_needs_the_right_type(home, tmp_path, capsys):
    assert main(["letter", "--type", "erasure", "--to", "clarifai", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "platform-access or developer-erasure" in capsys.readouterr().err
    assert main(["letter", "--type", "platform-access", "--to", "nobody-inc", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "okcupid" in capsys.readouterr().err  # the known organisations are listed
    assert main(["letter", "--type", "erasure", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "--dataset NAME" in capsys.readouterr().err


def test_any_dataset_the_app_has_works_with_a_recipient(home, tmp_path, capsys):
    assert main(["letter", "--type", "access", "--dataset", "Archive set", "--out", str(tmp_path / "x.pdf")]) == 2
    err = capsys.readouterr().err
    assert "registry link 'Archive set'" in err and "--recipient-name" in err  # the two ways to name one
    assert main(["letter", "--type", "access", "--dataset", "Archive set", "--recipient-name", "Example Lab",
                 "--recipient-address", "1 Lab Road\\nLabtown", "--out", str(tmp_path / "x.pdf")]) == 0
    text = pdf_text(tmp_path / "x.pdf")
    assert "Example Lab" in text and "1 Lab Road" in text and CONFIRMED[0][0] in text
    assert "no registry entry describes" in capsys.readouterr().out


def test_identity_residence_is_iso_coded(home, capsys):
    who = load_identity(Store())
    assert (who.country, who.region) == ("DE", "DE-BE")
    assert main(["identity", "set", "--country", "Germany", "--region", "BY"]) == 0
    assert (load_identity(Store()).country, load_identity(Store()).region) == ("DE", "DE-BY")
    assert "residence: Germany (DE-BY)" in capsys.readouterr().out
    assert main(["identity", "set", "--country", "DE", "--region", "DE-XX"]) == 2
    assert "ISO 3166-2" in capsys.readouterr().err
    assert main(["identity", "set", "--region", "US-CA"]) == 2  # a region outside the country
    assert main(["identity", "set", "--country", "US", "--region", "US-CA"]) == 0
    assert main(["identity", "show"]) == 0
    assert "region: US-CA" in capsys.readouterr().out


def test_ccpa_is_refused_for_a_berliner_with_the_reason(home, tmp_path, capsys):
    add = Store()
    add_dataset(add, "ffhq-copy", "/nonexistent/ffhq", [(k, s, "me") for k, s in CONFIRMED], registry_id="ffhq")
    add.close()
    assert main(["letter", "--type", "ccpa-delete", "--dataset", "ffhq-copy", "--out", str(tmp_path / "c.pdf")]) == 2
    assert "California residents; you live in Germany (DE-BE)" in capsys.readouterr().err


def test_registry_add_accepts_options_after_the_id(home, capsys):
    assert main(["registry", "add", "my-set", "--name", "My Set", "--source", "Blog https://example.org",
                 "custodian=Example Lab", "custodian_kind=university"]) == 0
    assert main(["registry", "show", "my-set"]) == 0
    out = capsys.readouterr().out
    assert "custodian: Example Lab" in out and "custodian_kind: university" in out
    with pytest.raises(SystemExit):  # an unknown option is still refused
        main(["registry", "add", "my-set2", "--name", "X", "--source", "Y", "--bogus"])
