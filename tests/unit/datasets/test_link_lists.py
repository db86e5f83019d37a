"""Link-list files: each real list's form and identifier columns recognised, gzip undone, needles found."""

from __future__ import annotations

import gzip
import io
import random

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from faceaudit.core.datasets.sources import FolderSource, SourceError, open_source
from faceaudit.core.datasets.sources.link_lists import LinkListSource, ListError, ListForm, Role
from faceaudit.core.datasets.sources.link_lists.columns import parse_column_spec
from faceaudit.core.datasets.sources.link_lists.layout import sniff
from faceaudit.core.datasets.sources.link_lists.prefilter import Needles
from faceaudit.core.datasets.sources.link_lists.streams import blocks
from faceaudit.core.datasets.sources.link_lists.text_rows import line_chunks
from tests.support.link_lists import (
    facescrub_tsv,
    ffhq_json,
    laion_parquet,
    megaface_json_array,
    megaface_json_files,
    pubfig_urls,
    write_bytes,
)


def test_facescrub_columns(tmp_path):
    facescrub_tsv(tmp_path / "facescrub_actors.txt", [{}] * 50)
    layout = sniff(tmp_path / "facescrub_actors.txt")
    assert layout.form is ListForm.DELIMITED and layout.delimiter == "\t" and layout.skip == 1
    assert layout.roles == {"name": Role.NAME, "url": Role.URL, "sha256": Role.SHA256}


def test_pubfig_header_in_a_comment(tmp_path):
    pubfig_urls(tmp_path / "dev_urls.txt", [{}] * 30)
    layout = sniff(tmp_path / "dev_urls.txt")
    assert layout.columns == ("person", "imagenum", "url", "rect", "md5sum") and layout.skip == 2
    assert layout.roles == {"person": Role.NAME, "url": Role.URL, "md5sum": Role.MD5}


def test_ffhq_fields(tmp_path):
    ffhq_json(tmp_path / "ffhq-dataset-v2.json", [{}] * 20)
    layout = sniff(tmp_path / "ffhq-dataset-v2.json")
    assert layout.form is ListForm.JSON
    assert layout.roles["metadata.photo_url"] is Role.URL and layout.roles["metadata.author"] is Role.NAME
    assert layout.roles["in_the_wild.file_md5"] is Role.MD5 and layout.roles["image.file_md5"] is Role.MD5
    assert "metadata.license" in layout.columns and "metadata.license" not in layout.roles
    assert "image.face_landmarks" in layout.columns  # 68 points kept as one field, not 136


def test_laion_and_megaface_columns(tmp_path):
    laion_parquet(tmp_path / "laion.parquet", [{}] * 300, row_group_size=100)
    assert sniff(tmp_path / "laion.parquet").roles == {"URL": Role.URL}  # not TEXT, not the integer hash
    megaface_json_array(tmp_path / "megaface.json", [{}] * 20)
    roles = sniff(tmp_path / "megaface.json").roles
    assert roles["owner"] is Role.ACCOUNT and roles["url"] is Role.URL and roles["page_url"] is Role.URL
    megaface_json_files(tmp_path / "per-photo", [{}] * 3)
    one = next((tmp_path / "per-photo").rglob("*.json"))
    assert sniff(one).form is ListForm.JSON


def test_lists_without_a_header(tmp_path):
    # VGG Face: one file per person, space-separated: id url left top right bottom pose score curation
    rng = random.Random(1)
    lines = [f"{n} http://img.example.com/{rng.getrandbits(40):x}.jpg 165.21 105.50 298.57 238.86 1.00 3.99 1"
             for n in range(1, 40)]
    write_bytes(tmp_path / "Jane_Doe.txt", "\n".join(lines).encode())
    layout = sniff(tmp_path / "Jane_Doe.txt")
    assert layout.delimiter == " " and layout.skip == 0 and layout.roles == {"2": Role.URL}
    write_bytes(tmp_path / "urls.txt", b"https://a.example.com/1.jpg\nhttps://a.example.com/2.jpg\n")
    layout = sniff(tmp_path / "urls.txt")
    assert layout.delimiter is None and layout.roles == {"1": Role.URL}


def test_quoted_csv(tmp_path):
    write_bytes(tmp_path / "list.csv", b'url,caption,owner\n"https://x.example.com/a.jpg","a, b and c",12345678@N01\n'
                                       b'https://x.example.com/b.jpg,plain,23456789@N02\n')
    layout = sniff(tmp_path / "list.csv")
    assert layout.delimiter == "," and layout.roles == {"url": Role.URL, "owner": Role.ACCOUNT}


def test_named_columns(tmp_path):
    write_bytes(tmp_path / "list.tsv", b"who\twhere\nJane Doe\tsomewhere\nJohn Roe\telsewhere\n")
    with pytest.raises(ListError, match="no column holds"):
        sniff(tmp_path / "list.tsv")
    roles = parse_column_spec("name=who, url = where")
    assert sniff(tmp_path / "list.tsv", roles).roles == {"who": Role.NAME, "where": Role.URL}
    with pytest.raises(ListError, match="no column 'nope'"):
        sniff(tmp_path / "list.tsv", {"nope": Role.URL})
    with pytest.raises(ListError, match="ROLE=COLUMN"):
        parse_column_spec("face=who")
    assert parse_column_spec(" ") is None


def test_what_open_source_makes_of_lists(tmp_path):
    facescrub_tsv(tmp_path / "facescrub_actors.txt", [{}] * 5)
    assert isinstance(open_source(tmp_path / "facescrub_actors.txt"), LinkListSource)
    folder = tmp_path / "vgg_face_dataset" / "files"
    for name in ("A_One.txt", "B_Two.txt"):
        write_bytes(folder / name, b"1 http://a.example.com/x.jpg 1 2 3 4 1.0 2.0 1\n"
                                   b"2 http://a.example.com/y.jpg 1 2 3 4 1 2 1\n")
    source = open_source(tmp_path / "vgg_face_dataset")
    assert isinstance(source, LinkListSource)
    assert [e.key for e in source.entries()] == ["files/A_One.txt", "files/B_Two.txt"]
    assert next(source.read(["files/A_One.txt"]))[1:] == (None, "a list of links has no images: it is searched with "
                                                          "your identifiers")
    photos = tmp_path / "photos"
    photos.mkdir()
    Image.new("RGB", (8, 8)).save(photos / "a.jpg")
    (photos / "captions.txt").write_text("https://a.example.com/x.jpg\n")
    assert isinstance(open_source(photos), FolderSource)
    write_bytes(tmp_path / "notes.txt", b"just some words\nand more words\n")
    with pytest.raises(SourceError, match="not a list FaceAudit reads: no column holds"):
        open_source(tmp_path / "notes.txt")


def test_parquet_with_images_is_not_a_list(tmp_path):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "PNG")
    image = pa.array([{"bytes": buffer.getvalue(), "path": "a.png"}],
                     pa.struct([("bytes", pa.binary()), ("path", pa.string())]))
    pq.write_table(pa.table({"image": image, "url": ["https://a.example.com/a.png"]}), tmp_path / "hub.parquet")
    assert "holds images" in LinkListSource.refusal(tmp_path / "hub.parquet")
    assert not LinkListSource.is_one(tmp_path / "hub.parquet")


def test_gzip_members_and_truncation(tmp_path):
    data = b"".join(f"https://a.example.com/{n}.jpg\n".encode() for n in range(20000))
    half = len(data) // 2
    (tmp_path / "two.txt.gz").write_bytes(gzip.compress(data[:half]) + gzip.compress(data[half:]))
    assert b"".join(blocks(tmp_path / "two.txt.gz", 4096)) == data
    whole = gzip.compress(data)
    (tmp_path / "cut.txt.gz").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ListError, match="cut short"):
        b"".join(blocks(tmp_path / "cut.txt.gz", 4096))
    (tmp_path / "bad.txt.gz").write_bytes(whole[:20] + bytes(len(whole) - 20))
    with pytest.raises(ListError, match="damaged gzip"):
        b"".join(blocks(tmp_path / "bad.txt.gz", 4096))


def test_line_limit_is_exact():
    def chunks(data: bytes, limit: int):
        return list(line_chunks(iter([data[i:i + limit] for i in range(0, len(data), limit)]), limit))

    limit = 64
    ok = b"a" * 10 + b"\n" + b"b" * limit + b"\n" + b"c" * 5
    assert b"".join(c for c, _ in chunks(ok, limit)) == ok
    assert [first for _, first in chunks(ok, limit)][0] == 1
    with pytest.raises(ListError, match="line 2 is longer"):
        chunks(b"a" * 10 + b"\n" + b"b" * (limit + 1) + b"\n", limit)
    with pytest.raises(ListError, match="line 1 is longer"):
        chunks(b"x" * (3 * limit), limit)


def test_needles_across_block_boundaries_and_in_any_case():
    rng = np.random.default_rng(1)
    words = rng.integers(97, 123, size=300_000, dtype=np.uint8)
    words[rng.random(words.size) < 0.15] = ord(" ")
    data = bytearray(words.tobytes())
    places = [65530, 131_069, 200_000, len(data) - 12]
    for place in places:
        data[place - 1:place + 11] = b" 8812345678 "
    needles = Needles([b"8812345678", b"jdoe"])
    found = needles.positions(bytes(data))
    assert [p for p in found if data[p:p + 10] == b"8812345678"] == places
    assert Needles([b"jdoe"]).positions(b"xx JDoe yy jdoe2") == [3, 11]


def test_many_hashes_are_found_as_hex_tokens():
    wanted = [f"{n:064x}" for n in range(100)]
    needles = Needles([], wanted)
    text = f"a\t{wanted[7].upper()}\tb\n{wanted[8]}0\n{wanted[9]}\n{'0' * 64}\n".encode()
    assert needles.positions(text) == [2, text.index(wanted[9].encode()), text.index(b"0" * 64)]
    column = pa.array([wanted[3], "x", None, wanted[4].upper() + " "])
    assert needles.hash_rows(column).tolist() == [0, 3]
