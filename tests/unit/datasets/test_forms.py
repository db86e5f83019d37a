"""The form detector (issue 22, item 2): content decides, photos before lists, and a reader plugs a form in
with one line that replaces what was only recognised before."""

from __future__ import annotations

import base64
from collections import Counter

import pytest

from faceaudit.core.datasets.sources import forms
from faceaudit.core.datasets.sources.forms import Form, Role, Sample, describe, detect, register


def _sample(name: str, head: bytes, beside: tuple[str, ...] = ()) -> Sample:
    return Sample(name, head, len(head), frozenset(beside))


@pytest.mark.parametrize(("name", "head", "form"), [
    ("x.dat", b"\xff\xd8\xff\xe0" + bytes(20), "photo"),
    ("notes.txt", b"\x89PNG\r\n\x1a\n" + bytes(20), "photo"),  # content, not the suffix
    ("a.7z.002", bytes(64), "7-Zip volume"),
    ("a.7z", b"7z\xbc\xaf\x27\x1c" + bytes(20), "7-Zip archive"),
    ("lfw.z01", b"PK\x07\x08PK\x03\x04", "split zip part"),
    ("part.tar.zst", b"\x28\xb5\x2f\xfd" + bytes(8), "zstd stream"),
    ("yfcc100m_dataset.bz2", b"BZh91AY&SY" + bytes(8), "bzip2 stream"),
    ("data-00000-of-00001.arrow", b"\xff\xff\xff\xff\x10\x00\x00\x00", "Arrow file"),
    ("x.arrow", b"ARROW1\x00\x00", "Arrow file"),
    ("data.mdb", bytes(16) + b"\xde\xc0\xef\xbe\x01\x00\x00\x00", "LMDB file"),
    ("lock.mdb", b"\xde\xc0\xef\xbe" + bytes(16), "LMDB lock file"),
    ("train.tfrecords", bytes(16), "TFRecord file"),
    ("a.zip", b"PK\x03\x04" + bytes(20), "zip archive"),
    ("README", b"A sample of faces.\n", "text file"),
    ("blob", bytes(range(256)), None),
])
def test_each_form_is_recognised_from_its_bytes(name, head, form):
    found = detect(_sample(name, head))
    assert (found.name if found else None) == form


def test_the_last_part_of_a_split_zip_is_known_by_the_part_beside_it():
    head = bytes(64)
    assert detect(_sample("lfw.zip", head, ("lfw.z01",))).name == "split zip part"


def test_a_table_of_base64_photos_is_a_photo_form_tried_before_lists():
    jpeg = base64.b64encode(b"\xff\xd8\xff\xe0" + bytes(60)).decode()
    row = f"m.0abc\t1\thttp://e.org/a.jpg\thttp://e.org\tFaceId-0\tAAAA\t{jpeg}\n".encode()
    assert detect(_sample("faces.tsv", row)).name == "table of embedded photos"


def test_a_reader_registers_a_form_in_one_line_and_replaces_the_unreadable_one(monkeypatch):
    monkeypatch.setattr(forms, "_FORMS", dict(forms._FORMS))
    record = _sample("train.tfrecords", bytes(16))
    assert detect(record).role is Role.UNREADABLE
    register(Form("TFRecord file", "TFRecord files", Role.PART, 23, lambda s: s.name.endswith(".tfrecords"),
                  kind="tfrecord"))
    assert detect(record).role is Role.PART and detect(record).kind == "tfrecord"


def test_the_merged_readers_registered_their_forms_as_read():
    for name in ("7-Zip archive", "7-Zip volume", "split zip part", "Arrow file", "LMDB file",
                 "table of embedded photos"):
        assert forms._FORMS[name].role is Role.PART, name
    assert forms._FORMS["zstd stream"].role is Role.LIST and forms._FORMS["bzip2 stream"].role is Role.LIST


def test_what_was_found_is_named_with_counts():
    assert describe(Counter({"7-Zip volume": 3, "Arrow file": 1})) == "3 7-Zip volumes and 1 Arrow file"
    assert describe({"zstd stream": 1}) == "1 zstd stream"


def test_companion_json_may_name_a_label_columns_classes_but_not_hold_lists_of_people():
    import json

    from faceaudit.core.datasets.sources.companions import inspect_text

    names = [f"Person_{n}" for n in range(40)]
    info = {"features": {"image": {"_type": "Image"}, "label": {"names": names, "_type": "ClassLabel"}}}
    assert inspect_text(json.dumps(info).encode()) is None  # the labels of the photos read beside it
    megaface = {"id": names, "path": [f"{n}.jpg" for n in range(40)]}
    assert "MegaFace" in inspect_text(json.dumps(megaface).encode())
    assert "nested" in inspect_text(b"[" * 5000 + b"]" * 5000)
