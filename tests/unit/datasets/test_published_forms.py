"""The forms of issue 22 read in place: each bad record refused with its reason, volumes named when
missing, label columns of classes (age, gender, race) not taken for people, each form recognised by its bytes."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from faceaudit.core.datasets.sources import (
    SourceError,
    arrow_files,
    image_table,
    lmdb_env,
    open_source,
    seven_zip,
    split_zip,
)
from faceaudit.core.datasets.sources.base import Entry, Gap
from faceaudit.core.datasets.sources.folder import FolderSource
from faceaudit.core.datasets.sources.labels import identity_names
from faceaudit.core.datasets.sources.link_lists import PHOTO_TABLE, LinkListSource
from tests.support.published_forms import hf_save_to_disk, msceleb_tsv
from tests.support.published_forms import lmdb_env as make_lmdb
from tests.support.published_forms import seven_zip as make_7z

FAIRFACE_AGES = ["0-2", "3-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "more than 70"]


def _jpeg(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 24), (seed * 37 % 256, seed * 91 % 256, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def photos(tmp_path) -> list[tuple[Path, str]]:
    out = []
    for number in range(12):
        name = ("Ada_Marsh", "Ben_Okafor", "Cleo_Lind")[number % 3]
        path = tmp_path / "src" / f"{name}_{number:04d}.jpg"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(_jpeg(number))
        out.append((path, name))
    return out


def _listed(source) -> tuple[list[Entry], list[Gap]]:
    listed = list(source.entries())
    return [e for e in listed if isinstance(e, Entry)], [g for g in listed if isinstance(g, Gap)]


# -- MS-Celeb-1M TSV ---------------------------------------------------------------------------

def test_msceleb_rows_are_photos_keyed_by_mid_rank_and_face_and_bad_rows_say_why(tmp_path, photos):
    photos = sorted(photos, key=lambda photo: photo[1])  # the real file's rows come grouped by MID
    path = msceleb_tsv(photos, tmp_path / "FaceImageCroppedWithOutAlignment.tsv")
    rows = path.read_bytes().split(b"\r\n")
    columns = rows[5].split(b"\t")
    rows[5] = b"\t".join(columns[:6] + [base64.b64encode(b"\xff\xd8\xff" + b"not a jpeg")[:-4] + b"!!!!"])
    rows[9] = b"\t".join(rows[9].split(b"\t")[:3])  # cut short: 3 columns
    rows.insert(2, rows[0])  # the same face listed twice
    path.write_bytes(b"\r\n".join(rows))
    source = open_source(path)
    assert isinstance(source, image_table.ImageTableSource) and source.form() == "MS-Celeb-1M TSV"
    entries, gaps = _listed(source)
    assert not gaps and len(entries) == len(photos) + 1
    first = entries[0]
    assert first.key.startswith("m.0") and first.key.endswith("/1-FaceId-0") and first.label == first.key.split("/")[0]
    assert entries[2].key == f"{first.key} (line 3)"
    read = {entry.key: (data, problem) for entry, data, problem in source.read([e.key for e in entries])}
    assert read[entries[6].key] == (None, "its image column is not a base64 or hex JPEG or PNG")
    assert "3 columns" in read[entries[10].key][1]
    assert read[first.key][0] == photos[0][0].read_bytes()
    assert source.read_one(entries[11].key, entries[11].locator) == read[entries[11].key][0] is not None
    # A photo form, never a list of links: alone or in a folder.
    assert LinkListSource.refusal(path) == PHOTO_TABLE
    assert LinkListSource.refusal(tmp_path) == PHOTO_TABLE
    assert isinstance(open_source(tmp_path), FolderSource)


def test_a_row_longer_than_the_limit_is_refused_without_being_held(tmp_path, photos, monkeypatch):
    monkeypatch.setattr(image_table, "MAX_ROW_BYTES", 3000)
    monkeypatch.setattr(image_table, "_BLOCK", 1024)
    path = msceleb_tsv(photos[:3], tmp_path / "MsCelebV1-Faces-Aligned.tsv")
    with open(path, "ab") as out:
        out.write(b"m.0abcde\t1\thttp://x\thttp://y\tFaceId-0\t\t" + b"/9j/" + b"A" * 10_000 + b"\r\n")
    entries, _gaps = _listed(open_source(path))
    assert [e.problem for e in entries][-1] == "row longer than the 0 MiB limit"


def test_hex_and_comma_tables_of_photos_are_recognised():
    jpeg = _jpeg(1)
    assert image_table.recognise(b"a.jpg," + jpeg.hex().encode() + b"\n")
    assert image_table.recognise(b"7\t" + base64.b64encode(jpeg) + b"\n")
    assert not image_table.recognise(b"http://example.org/a.jpg\tJane Doe\n")


# -- split zip ---------------------------------------------------------------------------------

@pytest.fixture
def split(tmp_path, photos):
    if shutil.which("zip") is None:
        pytest.skip("the zip program is not installed")
    from tests.support.published_forms import split_zip as make_split

    (tmp_path / "split").mkdir()
    for number in range(12):  # photos that do not compress, so that the set has several volumes
        (tmp_path / "src" / f"noise_{number}.jpg").write_bytes(b"\xff\xd8\xff" + os.urandom(20_000))
    extra = [(p, "noise") for p in sorted((tmp_path / "src").glob("noise_*.jpg"))]
    return make_split(photos + extra, tmp_path / "split", volume_kib=64)


def test_a_split_zip_is_read_across_its_volumes_and_a_missing_volume_is_named(split):
    volumes = sorted(split.parent.glob("lfw.z*"))
    assert len(volumes) >= 4 and split_zip.recognise(volumes[0].read_bytes()[:8])
    entries, gaps = _listed(open_source(split))
    assert not gaps and len(entries) == 24 and all(e.problem is None for e in entries)
    read = list(open_source(volumes[0]).read([e.key for e in entries]))  # the first volume names the set too
    assert all(data is not None for _e, data, _p in read)
    volumes[1].rename(volumes[1].with_suffix(".away"))
    with pytest.raises(SourceError, match=r"lfw\.z02 is missing"):
        open_source(split).read_one(entries[0].key)
    _entries, gaps = _listed(open_source(split))
    assert "lfw.z02 is missing" in gaps[0].reason
    split.unlink()
    folder = _listed(open_source(split.parent))[0]
    assert {e.key: e.problem for e in folder}["lfw.z01"].endswith("lfw.zip is not beside it: the set cannot be read")


# -- 7-Zip -------------------------------------------------------------------------------------

def test_7z_volumes_read_as_one_and_damage_is_refused_per_member(tmp_path, photos):
    first = make_7z(photos, tmp_path / "img_celeba.7z", volume_bytes=300)
    volumes = sorted(tmp_path.glob("img_celeba.7z.*"))
    assert len(volumes) >= 3 and seven_zip.recognise(first.read_bytes()[:6])
    source = open_source(first)
    assert isinstance(source, seven_zip.SevenZipSource) and source.form() == "7-Zip volumes"
    entries, gaps = _listed(source)
    assert not gaps and len(entries) == len(photos) and entries[0].label == "Ada_Marsh"
    data = {e.key: d for e, d, _p in source.read([e.key for e in entries])}
    assert data[entries[-1].key] == source.read_one(entries[-1].key, entries[-1].locator)
    # A byte changed inside the packed data: each member of the block is refused, with the reason.
    middle = volumes[1]
    damaged = bytearray(middle.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    middle.write_bytes(bytes(damaged))
    problems = [p for _e, d, p in open_source(first).read([e.key for e in entries]) if d is None]
    assert problems and all(p.startswith(("cannot read member", "damaged member")) for p in problems)
    volumes[1].unlink()
    with pytest.raises(SourceError, match=r"img_celeba\.7z\.002 of img_celeba\.7z is missing"):
        open_source(first).read_one(entries[0].key, entries[0].locator)


def test_an_encrypted_7z_is_refused_with_the_reason(tmp_path, photos):
    import py7zr

    with py7zr.SevenZipFile(tmp_path / "locked.7z", "w", password="secret") as archive:
        archive.write(photos[0][0], "Ada_Marsh/a.jpg")
    entries, _gaps = _listed(open_source(tmp_path / "locked.7z"))
    assert entries[0].problem.startswith("encrypted archive")


# -- Hugging Face Arrow --------------------------------------------------------------------------

def test_a_save_to_disk_folder_labels_people_but_not_an_age_class(tmp_path, photos):
    folder = hf_save_to_disk(photos, tmp_path / "people")
    entries, gaps = _listed(open_source(folder))
    assert not gaps and {e.label for e in entries} == {"Ada_Marsh", "Ben_Okafor", "Cleo_Lind"}
    assert arrow_files.recognise((folder / "data-00000-of-00001.arrow").read_bytes()[:16])
    fairface = hf_save_to_disk([(p, FAIRFACE_AGES[i % 9]) for i, (p, _n) in enumerate(photos)], tmp_path / "fairface")
    entries, gaps = _listed(open_source(fairface))
    assert not gaps and len(entries) == len(photos) and {e.label for e in entries} == {None}


def test_an_arrow_file_without_images_is_refused_as_metadata(tmp_path):
    import pyarrow as pa

    path = tmp_path / "data-00000-of-00001.arrow"
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, pa.schema([("url", pa.string())])) as out:
        out.write_table(pa.table({"url": ["http://example.org/a.jpg"]}))
    entries, gaps = _listed(open_source(tmp_path))
    assert "no column of images" in entries[0].problem and gaps


def test_a_fairface_parquet_age_class_is_not_the_identity(tmp_path, photos):
    import pyarrow as pa
    import pyarrow.parquet as pq

    features = {"image": {"_type": "Image"}, "age": {"_type": "ClassLabel", "names": FAIRFACE_AGES},
                "gender": {"_type": "ClassLabel", "names": ["Male", "Female"]}}
    image_type = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    table = pa.table({"image": pa.array([{"bytes": p.read_bytes(), "path": p.name} for p, _ in photos], image_type),
                      "age": pa.array([i % 9 for i in range(len(photos))], pa.int64()),
                      "gender": pa.array([i % 2 for i in range(len(photos))], pa.int64())})
    table = table.replace_schema_metadata({"huggingface": json.dumps({"info": {"features": features}})})
    pq.write_table(table, tmp_path / "train-00000-of-00001.parquet")
    entries, _gaps = _listed(open_source(tmp_path / "train-00000-of-00001.parquet"))
    assert len(entries) == len(photos) and {e.label for e in entries} == {None}


def test_which_label_columns_name_people():
    assert not identity_names([], FAIRFACE_AGES)
    assert not identity_names([], ["Male", "Female"])
    assert not identity_names([], ["White", "Black", "Latino_Hispanic", "East Asian", "Southeast Asian", "Indian",
                                   "Middle Eastern"])
    assert not identity_names([0, 1] * 40)  # a yes/no attribute
    assert identity_names([], ["Aaron_Eckhart", "Winona_Ryder"])
    assert identity_names([3, 17, 17, 250])  # identity numbers (RecordIO)
    assert identity_names(["m.0107_f", "m.0abc12"])  # Freebase MIDs


# -- LMDB --------------------------------------------------------------------------------------

def test_lmdb_records_that_are_not_images_are_refused_and_no_lock_file_is_written(tmp_path, photos):
    import lmdb

    folder = make_lmdb(photos, tmp_path / "env")
    env = lmdb.open(str(folder))
    with env.begin(write=True) as txn:
        txn.put(b"__len__", b"12")
    env.close()
    (folder / "lock.mdb").unlink()
    assert lmdb_env.recognise((folder / "data.mdb").read_bytes()[:32])
    source = open_source(folder)
    entries, gaps = _listed(source)
    assert not gaps and len(entries) == len(photos) + 1
    problems = {e.key: e.problem for e in entries}
    assert problems["__len__"].startswith("record is not an encoded image (2 bytes")
    assert source.read_one("Ada_Marsh/Ada_Marsh_0000.jpg") == photos[0][0].read_bytes()
    assert sorted(os.listdir(folder)) == ["data.mdb"]


def test_recognisers_tell_the_forms_apart(tmp_path, photos):
    samples = {
        "7z": make_7z(photos[:2], tmp_path / "a.7z").read_bytes()[:64],
        "arrow": (hf_save_to_disk(photos[:2], tmp_path / "hf") / "data-00000-of-00001.arrow").read_bytes()[:64],
        "lmdb": (make_lmdb(photos[:2], tmp_path / "env") / "data.mdb").read_bytes()[:64],
        "table": msceleb_tsv(photos[:2], tmp_path / "t.tsv").read_bytes()[:4096],
        "split": b"PK\x07\x08PK\x03\x04" + b"\x00" * 56,
        "jpeg": photos[0][0].read_bytes()[:64],
    }
    recognisers = {"7z": seven_zip.recognise, "arrow": arrow_files.recognise, "lmdb": lmdb_env.recognise,
                   "table": image_table.recognise, "split": split_zip.recognise}
    for form, recognise in recognisers.items():
        assert [name for name, sample in samples.items() if recognise(sample, "")] == [form]


# -- bombs -------------------------------------------------------------------------------------

def test_a_zstd_tar_member_that_expands_too_much_is_refused(tmp_path):
    import tarfile

    import pyzstd

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in (("a/ok.jpg", _jpeg(1)), ("a/bomb.jpg", b"\xff\xd8\xff" + bytes(8 << 20))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    path = tmp_path / "part-00001.tar.zst"
    path.write_bytes(pyzstd.compress(buffer.getvalue()))
    entries, gaps = _listed(open_source(path))
    problems = {e.key: e.problem for e in entries}
    assert not gaps and problems["a/ok.jpg"] is None
    assert problems["a/bomb.jpg"].startswith("compression bomb refused: ratio")


def test_a_7z_whose_sizes_add_up_to_a_bomb_is_refused_before_decompressing(tmp_path, monkeypatch):
    import py7zr

    from faceaudit.core import limits

    monkeypatch.setattr(limits, "RATIO_CHECK_FLOOR_BYTES", 1 << 20)
    with py7zr.SevenZipFile(tmp_path / "bomb.7z", "w") as archive:
        archive.writestr(b"\xff\xd8\xff" + bytes(4 << 20), "a/zeros.jpg")
    entries, _gaps = _listed(open_source(tmp_path / "bomb.7z"))
    assert entries[0].problem.startswith("compression bomb refused: the archive expands to")


def test_a_compressed_table_of_photos_is_refused_as_photos_never_searched_as_a_list(tmp_path, photos):
    import gzip

    plain = msceleb_tsv(photos, tmp_path / "FaceImageCroppedWithOutAlignment.tsv")
    packed = tmp_path / "FaceImageCroppedWithOutAlignment.tsv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()
    with pytest.raises(SourceError, match="a table of photos"):
        open_source(packed)


def test_the_whole_image_msceleb_file_is_keyed_by_mid_and_rank(tmp_path):
    rows = [b"\t".join([b"m.0107_f", b"Jane Doe", str(rank).encode(), b"http://i.example.org/1.jpg",
                        b"http://p.example.org/", base64.b64encode(_jpeg(rank))]) for rank in (1, 2)]
    path = tmp_path / "TrainData_Base.tsv"
    path.write_bytes(b"\n".join(rows) + b"\n")
    entries, _gaps = _listed(open_source(path))
    assert [(e.key, e.label, e.problem) for e in entries] == [("m.0107_f/1", "m.0107_f", None),
                                                             ("m.0107_f/2", "m.0107_f", None)]


def test_arrow_columns_and_class_names_come_from_dataset_info_json_when_the_schema_has_none(tmp_path, photos):
    import pyarrow as pa

    names = ["Ada_Marsh", "Ben_Okafor", "Cleo_Lind"]
    folder = tmp_path / "plain"
    folder.mkdir()
    table = pa.table({"img": pa.array([p.read_bytes() for p, _ in photos], pa.binary()),
                      "person": pa.array([names.index(n) for _, n in photos], pa.int64())})
    with pa.OSFile(str(folder / "data-00000-of-00001.arrow"), "wb") as sink, \
            pa.ipc.new_file(sink, table.schema) as out:  # the IPC file form (`ARROW1`) this time
        out.write_table(table, max_chunksize=5)
    (folder / "dataset_info.json").write_text(json.dumps({"features": {
        "img": {"_type": "Image"}, "person": {"_type": "ClassLabel", "names": names}}}))
    source = open_source(folder / "data-00000-of-00001.arrow")
    entries, gaps = _listed(source)
    assert not gaps and [e.label for e in entries] == [n for _, n in photos]
    last = entries[-1]
    assert source.read_one(last.key, last.locator) == photos[-1][0].read_bytes()


def test_a_7z_header_out_of_the_file_or_decompressing_too_far_is_refused_before_py7zr_reads_it(tmp_path):
    import struct

    import py7zr

    good = tmp_path / "good.7z"
    with py7zr.SevenZipFile(good, "w") as archive:
        archive.writestr(_jpeg(1), "a/b.jpg")
    data = bytearray(good.read_bytes())
    offset, size, _crc = struct.unpack("<QQI", data[12:32])
    header = bytes(data[32 + offset:32 + offset + size])
    assert header[0] == 0x17 and header[-4] == 0x0C  # an encoded header: its unpack size comes last, one byte
    # The header's unpack size rewritten as 1 GiB (7z's 8-byte number form), its length updated.
    bomb = header[:-3] + b"\xff" + struct.pack("<Q", 1 << 30) + header[-2:]
    forged = data[:32 + offset] + bomb
    forged[20:28] = struct.pack("<Q", len(bomb))
    (tmp_path / "bomb.7z").write_bytes(bytes(forged))
    (gap,) = open_source(tmp_path / "bomb.7z").entries()
    assert "compressed header expands to 1,073,741,824 bytes, over the 256 MiB limit" in gap.reason
    data[20:28] = struct.pack("<Q", 10**12)
    (tmp_path / "cut.7z").write_bytes(bytes(data))
    (gap,) = open_source(tmp_path / "cut.7z").entries()
    assert "lies beyond the end of the archive" in gap.reason
