"""Folders of parts as one dataset (WebDataset shards, zip parts), their published form named, and the forms
FaceAudit recognises but cannot read given a specific reason."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from faceaudit.core.datasets.catalog import add_dataset, get_dataset
from faceaudit.core.datasets.sources import Entry, Gap, SourceError, form_of, open_source
from faceaudit.core.storage.store import Store
from tests.support.hostile_files import encode, marked_rgb

JPEG = encode(Image.fromarray(marked_rgb()), "JPEG")


def shard(path: Path, samples: dict[str, dict[str, bytes]], compress: bool = False) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for key, members in samples.items():
            for suffix, data in members.items():
                info = tarfile.TarInfo(key + suffix)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(buffer.getvalue()) if compress else buffer.getvalue())


def entries_of(path: Path, cache: Path | None = None) -> dict[str, Entry]:
    return {e.key: e for e in open_source(path, cache=cache).entries() if isinstance(e, Entry)}


def test_webdataset_shards_are_one_dataset_with_labels_from_sidecars(tmp_path):
    root = tmp_path / "laion-face-sample"
    shard(root / "00000.tar", {
        "000000001": {".cls": b"17\n", ".jpg": JPEG, ".json": json.dumps({"url": "https://e.org/1.jpg"}).encode()},
        "000000002": {".jpg": JPEG, ".json": json.dumps({"identity": "Ann Example", "caption": "x"}).encode()},
        "000000003": {".txt": b"a caption, not a label", ".jpg": JPEG},
    })
    shard(root / "00001.tar.gz", {"000010001": {".jpg": JPEG, ".cls": b"4"}}, compress=True)
    (root / "00000_stats.json").write_text("{}")
    entries = entries_of(root, cache=tmp_path / "cache")
    assert {key: e.label for key, e in entries.items()} == {
        "00000.tar/000000001.jpg": "17", "00000.tar/000000002.jpg": "Ann Example", "00000.tar/000000003.jpg": None,
        "00001.tar.gz/000010001.jpg": "4"}
    assert form_of(open_source(root)) == "archive parts"
    source = open_source(root, cache=tmp_path / "cache")
    late = entries["00001.tar.gz/000010001.jpg"]
    assert source.read_one(late.key, late.locator) == JPEG
    assert {e.key: d for e, d, _ in source.read(list(entries))} == dict.fromkeys(entries, JPEG)


def test_a_truncated_shard_is_a_gap_for_that_shard_only(tmp_path):
    root = tmp_path / "shards"
    shard(root / "00000.tar", {f"{n:09d}": {".jpg": JPEG} for n in range(3)})
    shard(root / "00001.tar", {f"1{n:08d}": {".jpg": JPEG} for n in range(3)})
    whole = (root / "00001.tar").read_bytes()
    (root / "00001.tar").write_bytes(whole[:512 * 3 + 100])
    items = list(open_source(root).entries())
    gaps = [g for g in items if isinstance(g, Gap)]
    assert [g.prefix for g in gaps] == ["00001.tar/"]
    assert sum(1 for e in items if isinstance(e, Entry) and e.key.startswith("00000.tar/")) == 3


def test_zip_parts_with_loose_photos_beside_them(tmp_path):
    root = tmp_path / "download"
    root.mkdir()
    for part, people in ((1, ["Ann", "Bob"]), (2, ["Cy"])):
        with zipfile.ZipFile(root / f"part{part}.zip", "w") as archive:
            for person in people:
                archive.writestr(f"{person}/{person}_0001.jpg", JPEG)
    (root / "extra").mkdir()
    (root / "extra" / "Dee_0001.jpg").write_bytes(JPEG)
    entries = entries_of(root)
    assert {k: e.label for k, e in entries.items()} == {
        "extra/Dee_0001.jpg": "extra", "part1.zip/Ann/Ann_0001.jpg": "Ann", "part1.zip/Bob/Bob_0001.jpg": "Bob",
        "part2.zip/Cy/Cy_0001.jpg": "Cy"}
    assert form_of(open_source(root)) == "folder with archives"
    assert open_source(root).read_one("part2.zip/Cy/Cy_0001.jpg") == JPEG


@pytest.mark.parametrize(("name", "data", "form"), [
    ("ffhq-r08.tfrecords", b"\x00" * 64, "TFRecord"),
    ("train.tfrecord-00000-of-00100", b"\x00" * 64, "TFRecord"),
    ("faces.h5", b"\x89HDF\r\n\x1a\n" + bytes(64), "HDF5"),
    ("faces.bin", b"\x89HDF\r\n\x1a\n" + bytes(64), "HDF5"),
    ("faces.npy", b"\x93NUMPY" + bytes(64), "NumPy array"),
    ("faces.npz", b"PK\x05\x06" + bytes(18), "NumPy array"),
])
def test_recognised_but_unreadable_forms_get_a_specific_message(tmp_path, name, data, form):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(SourceError, match=f"is a {form} file: FaceAudit recognises this form but cannot read it"):
        open_source(path)


def test_a_folder_of_unreadable_forms_is_flagged_not_empty(tmp_path, data_home):
    root = tmp_path / "ffhq-tfrecords"
    root.mkdir()
    for level in range(3):
        (root / f"ffhq-r0{level}.tfrecords").write_bytes(bytes(100))
    with Store() as store:
        add_dataset(store, root, "ffhq")
        from faceaudit.core.datasets.indexing import index_dataset

        assert list(index_dataset(store, "ffhq", workers=0))[-1].phase == "finished"
        info = get_dataset(store, "ffhq")
        assert info.state == "nothing-readable" and not info.checked
        assert "none of its 3 items could be read" in info.reason and "TFRecord" in info.reason
