"""RecordIO packs (folder, .rec alone, zip) and their .bin verification files: keys, labels, one record by its
offset, and hostile packs (bad lengths, wrong magic, an .idx pointing outside, a malicious pickle) refused."""

from __future__ import annotations

import io
import os
import pickle
import struct
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from faceaudit.core.datasets.sources import Entry, Gap, SourceError, open_source
from faceaudit.core.datasets.sources.safe_pickle import PickleRefused, scan_verification_pickle
from tests.support.dataset_forms import RECORDIO_MAGIC, insightface_pack, ir_record, recordio_frame, zip_folder


def crop(shade: int) -> np.ndarray:
    rgb = np.full((112, 112, 3), shade, np.uint8)
    rgb[40:60, 30:50] = 255 - shade
    return rgb


def jpeg_of(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


CROPS = [(crop(20 * n), name) for n, name in enumerate(["ann", "ann", "bob", "cy", "cy", "cy"])]


def split(items):
    items = list(items)
    return {e.key: e for e in items if isinstance(e, Entry)}, [g for g in items if isinstance(g, Gap)]


@pytest.fixture
def pack(tmp_path) -> Path:
    return insightface_pack(CROPS, tmp_path / "faces_test_112x112", pairs=2)


def test_a_pack_folder_lists_its_images_by_record_index_with_labels(pack):
    source = open_source(pack)
    entries, gaps = split(source.entries())
    records = {k: e for k, e in entries.items() if k.startswith("train.rec ")}
    # Record 0 is the header record and records 7-9 identity records: no image, not items.
    assert sorted(records) == [f"train.rec record {n}" for n in range(1, 7)]
    assert [records[f"train.rec record {n}"].label for n in range(1, 7)] == ["0", "0", "1", "2", "2", "2"]
    assert sorted(k for k in entries if k.startswith("lfw.bin")) == [f"lfw.bin image {n}" for n in range(4)]
    assert gaps == []
    contents = {entry.key: data for entry, data, _ in source.read(list(entries))}
    assert all(data.startswith(b"\xff\xd8") for data in contents.values())
    last = entries["train.rec record 6"]
    assert source.read_one(last.key, last.locator) == contents[last.key]
    assert source.read_one("lfw.bin image 3", entries["lfw.bin image 3"].locator) == contents["lfw.bin image 3"]
    assert np.asarray(Image.open(io.BytesIO(contents["train.rec record 3"]))).shape == (112, 112, 3)


def test_the_rec_alone_and_without_its_index(pack):
    entries, _ = split(open_source(pack / "train.rec").entries())
    assert len(entries) == 6 and all(key.startswith("train.rec record ") for key in entries)
    (pack / "train.idx").unlink()
    again, _ = split(open_source(pack / "train.rec").entries())
    assert sorted(again) == sorted(entries)  # InsightFace numbers records in file order: the same keys


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_a_pack_inside_its_zip_is_read_in_place(pack, tmp_path, compression):
    path = zip_folder(pack, tmp_path / "faces_test_112x112.zip", compression)
    source = open_source(path)
    entries, gaps = split(source.entries())
    assert "faces_test_112x112/train.rec record 6" in entries and "faces_test_112x112/lfw.bin image 0" in entries
    assert gaps == [] and len(entries) == 10
    folder_contents = {e.key: d for e, d, _ in open_source(pack).read(list(split(open_source(pack).entries())[0]))}
    contents = {e.key: d for e, d, _ in source.read(list(entries))}
    assert contents["faces_test_112x112/train.rec record 4"] == folder_contents["train.rec record 4"]
    last = entries["faces_test_112x112/train.rec record 6"]
    assert source.read_one(last.key, last.locator) == folder_contents["train.rec record 6"]


def test_a_record_split_across_frames_is_joined(tmp_path):
    # MXNet splits a record where the magic number appears in its data (4-byte aligned) and drops it there.
    image = jpeg_of(crop(90))
    payload = ir_record(5, 1, image + struct.pack("<I", RECORDIO_MAGIC) + b"tail")
    cut = payload.index(struct.pack("<I", RECORDIO_MAGIC))
    rec = tmp_path / "split.rec"
    rec.write_bytes(recordio_frame(ir_record([2.0, 3.0], 0)) + recordio_frame(payload[:cut], 1)
                    + recordio_frame(payload[cut + 4:], 3))
    source = open_source(rec)
    entries, _ = split(source.entries())
    assert list(entries) == ["split.rec record 1"] and entries["split.rec record 1"].label == "5"
    assert source.read_one("split.rec record 1", entries["split.rec record 1"].locator) == payload[24:]


def _records(count: int) -> list[bytes]:
    return [recordio_frame(ir_record(n, n, jpeg_of(crop(n * 30)))) for n in range(count)]


def test_wrong_magic_without_an_index_is_a_gap(tmp_path):
    frames = _records(4)
    broken = bytearray(frames[2])
    broken[:4] = b"\0\0\0\0"
    rec = tmp_path / "magic.rec"
    rec.write_bytes(frames[0] + frames[1] + bytes(broken) + frames[3])
    start = time.perf_counter()
    entries, gaps = split(open_source(rec).entries())
    assert time.perf_counter() - start < 1.0
    assert sorted(entries) == ["magic.rec record 0", "magic.rec record 1"]
    assert gaps == [Gap("magic.rec ", gaps[0].reason)] and "wrong magic number" in gaps[0].reason


def test_wrong_magic_with_an_index_refuses_that_record_only(tmp_path):
    frames = _records(4)
    broken = bytearray(frames[2])
    broken[:4] = b"\0\0\0\0"
    rec = tmp_path / "train.rec"
    rec.write_bytes(frames[0] + frames[1] + bytes(broken) + frames[3])
    offsets = np.cumsum([0] + [len(f) for f in frames[:3]])
    (tmp_path / "train.idx").write_text("".join(f"{n}\t{o}\n" for n, o in enumerate(offsets)))
    entries, gaps = split(open_source(rec).entries())
    assert gaps == []
    assert entries["train.rec record 2"].problem.startswith("damaged record: no record starts at byte")
    assert [entries[f"train.rec record {n}"].problem for n in (0, 1, 3)] == [None, None, None]


def test_bad_lengths_are_refused(tmp_path):
    frames = _records(3)
    liar = bytearray(frames[1])
    struct.pack_into("<I", liar, 4, (1 << 29) - 1)  # 512 MiB declared in a file of a few kB
    rec = tmp_path / "lengths.rec"
    rec.write_bytes(frames[0] + bytes(liar) + frames[2])
    entries, gaps = split(open_source(rec).entries())
    assert list(entries) == ["lengths.rec record 0"]
    assert "declares 536,870,911 bytes, past the end of the file" in gaps[0].reason
    split_wrong = tmp_path / "order.rec"
    split_wrong.write_bytes(frames[0] + recordio_frame(b"x" * 30, 2))  # a middle part with no start
    _, gaps = split(open_source(split_wrong).entries())
    assert "split out of order" in gaps[0].reason
    cut = tmp_path / "cut.rec"
    cut.write_bytes((frames[0] + frames[1])[:-10])
    entries, gaps = split(open_source(cut).entries())
    assert list(entries) == ["cut.rec record 0"] and "past the end of the file" in gaps[0].reason


def test_an_index_pointing_outside_the_pack_is_refused_line_by_line(tmp_path):
    frames = _records(2)
    rec = tmp_path / "train.rec"
    rec.write_bytes(frames[0] + frames[1])
    (tmp_path / "train.idx").write_text(f"0\t0\n1\t{len(frames[0])}\n2\t{10**12}\n3\t7\n")
    entries, gaps = split(open_source(rec).entries())
    assert entries["train.rec record 0"].problem is None and entries["train.rec record 1"].problem is None
    assert entries["train.rec record 2"].problem.startswith("train.idx points outside train.rec")
    assert entries["train.rec record 3"].problem == "train.idx points to byte 7 of train.rec, where no record starts"
    (tmp_path / "train.idx").write_text("0\t0\nnot a line\n")  # unusable: records numbered by their order
    assert sorted(split(open_source(rec).entries())[0]) == ["train.rec record 0", "train.rec record 1"]


def test_a_file_named_rec_that_is_not_a_pack(tmp_path):
    rec = tmp_path / "train.rec"
    rec.write_bytes(b"not a pack at all")
    with pytest.raises(SourceError, match="wrong magic number"):
        open_source(rec)


class _Boom:
    def __reduce__(self):
        return (os.system, (f"touch {_Boom.marker}",))


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_a_malicious_pickle_in_a_bin_is_refused_and_never_run(pack, tmp_path, protocol):
    _Boom.marker = tmp_path / "pwned"
    with open(pack / "lfw.bin", "wb") as handle:
        pickle.dump(([jpeg_of(crop(1)), _Boom()], [True]), handle, protocol=protocol)
    entries, gaps = split(open_source(pack).entries())
    assert not _Boom.marker.exists()
    assert "lfw.bin" in entries and entries["lfw.bin"].problem.startswith("lfw.bin refused: byte ")
    assert "nothing was unpickled" in entries["lfw.bin"].problem
    assert gaps == [Gap("lfw.bin ", entries["lfw.bin"].problem)]
    assert len([k for k in entries if k.startswith("train.rec")]) == 6  # the pack itself is still read


@pytest.mark.parametrize("payload", [
    pickle.dumps({"images": [b"x"]}), pickle.dumps((["text is not bytes"], [True])), pickle.dumps(([b"x"], [1, 2])),
    pickle.dumps(([bytearray(b"x")], [True]), protocol=5), b"\x80\x04\x95", b"",
])
def test_the_verification_reader_accepts_only_bytes_lists_tuples_and_bools(payload):
    with pytest.raises(PickleRefused):
        scan_verification_pickle(io.BytesIO(payload), len(payload), 100)


def test_python_2_verification_files_are_read():
    # InsightFace's original files: protocol 2 from Python 2, images as str (BINSTRING), APPENDS batches.
    payload = b"\x80\x02]q\x00(U\x03abcq\x01T\x04\x00\x00\x00defgq\x02e]q\x03(\x88\x89e\x86q\x04."
    assert pickle.loads(payload, encoding="bytes") == ([b"abc", b"defg"], [True, False])  # what Python makes of it
    images, flags = scan_verification_pickle(io.BytesIO(payload), len(payload), 100)
    assert [(payload[i.offset:i.offset + i.length]) for i in images] == [b"abc", b"defg"]
    assert flags == [True, False]
