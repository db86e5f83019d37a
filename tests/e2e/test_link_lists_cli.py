"""Issue 16 through the command line: identifiers, a list of links added, scanned beside a face dataset, reviewed."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from faceaudit.cli.main import main
from tests.support.link_lists import Person, facescrub_tsv, ffhq_json, mix, write_bytes

PERSON = Person()


def _json(capsys, argv: list[str]) -> tuple[list[dict], str]:
    capsys.readouterr()
    assert main(argv) == 0
    out = capsys.readouterr()
    return json.loads(out.out), out.err


def test_identifiers_lists_scan_and_review(data_home, tmp_path, capsys):
    planted = [{"photo_url": f"https://www.flickr.com/photos/{PERSON.alias}/5551234567/", "author": "Ann Other"},
               {"author": "Jane Doe"}, {"md5": PERSON.md5}]
    near = [{"photo_url": f"https://www.flickr.com/photos/{PERSON.alias}2/1/"}, {"author": "Jane Doerr"}]
    rows, at = mix(planted, near + [{}] * 300, seed=3)
    locators = ffhq_json(tmp_path / "ffhq-dataset-v2.json.gz", rows, compress=True)
    photos = tmp_path / "uploads"
    write_bytes(photos / "2016" / "me.jpg", PERSON.photo_bytes)
    faces = tmp_path / "faces" / "someone"
    faces.mkdir(parents=True)
    Image.new("RGB", (40, 40), "grey").save(faces / "a.jpg")

    assert main(["me", "id", "add", "flickr:jdoe", 'name:"Jane Doe"', "not-an-identifier"]) == 2
    assert "not an identifier" in capsys.readouterr().err
    assert main(["me", "hashes", str(photos)]) == 0
    assert "1 photo(s) hashed, 2 new identifier(s)" in capsys.readouterr().out
    assert main(["me", "id", "list"]) == 0
    listed = capsys.readouterr().out
    assert "flickr:jdoe" in listed and 'name:"Jane Doe"' in listed and "1 photo(s) hashed" in listed
    assert "me.jpg" not in listed  # only hashes are kept

    assert main(["dataset", "add", str(tmp_path / "ffhq-dataset-v2.json.gz"), "--name", "FFHQ"]) == 0
    assert "a list of links" in capsys.readouterr().out
    assert main(["dataset", "add", str(tmp_path / "faces"), "--name", "Faces"]) == 0

    found, err = _json(capsys, ["scan", "--json"])
    assert "not really checked: Faces: no photo of you to look for" in err
    assert {f["kind"] for f in found} == {"identifier"}
    assert {f["row"] for f in found} == {locators[i] for i in at}
    by_row = {f["row"]: f for f in found}
    first = by_row[locators[rows.index(planted[0])]]
    assert first["matched"] == ["flickr:jdoe"] and first["url"] == planted[0]["photo_url"]
    assert first["key"] == f"ffhq-dataset-v2.json.gz, {first['row']}" and first["dataset"] == "FFHQ"
    assert first["fields"]["metadata.author"] == "Ann Other" and "metadata.license" in first["fields"]
    assert first["id"].startswith("L")

    assert main(["review", first["id"], "me"]) == 0
    assert main(["review", "L999", "me"]) == 2
    assert "no match with id L999" in capsys.readouterr().err
    capsys.readouterr()
    assert main(["scan"]) == 0
    out = capsys.readouterr().out
    assert f"#{first['id']}" in out and "[me]" in out and "names flickr:jdoe" in out
    assert "not really checked: Faces: no photo of you to look for" in out
    assert main(["dataset", "list"]) == 0
    assert "FFHQ: a list of links, 1 file(s), 305 rows read, 0 file(s) refused, searched" in capsys.readouterr().out


def test_named_columns_and_a_list_without_identifiers(data_home, tmp_path, capsys):
    write_bytes(tmp_path / "people.tsv", b"who\twhere\nJane Doe\tsomewhere\nJohn Roe\telsewhere\n")
    assert main(["dataset", "add", str(tmp_path / "people.tsv"), "--name", "People"]) == 2
    assert "no column holds" in capsys.readouterr().err
    assert main(["dataset", "add", str(tmp_path / "people.tsv"), "--name", "People", "--columns", "name=who"]) == 0
    with pytest.raises(SystemExit):
        main(["scan", "--bogus"])
    capsys.readouterr()
    assert main(["scan"]) == 2  # nothing to look for: no photo, no identifier
    assert "no photo of you" in capsys.readouterr().err
    assert main(["me", "id", "add", 'name:"Jane Doe"']) == 0
    found, _ = _json(capsys, ["scan", "--json"])
    assert [(f["row"], f["fields"]) for f in found] == [("line 2", {"who": "Jane Doe", "where": "somewhere"})]
    facescrub_tsv(tmp_path / "other.tsv", [{}] * 3)
    assert main(["dataset", "add", str(tmp_path / "other.tsv"), "--name", "Other", "--columns", "url=nope"]) == 2
    assert "no column 'nope'" in capsys.readouterr().err
