"""Hub parquet shards: rows as items with readable keys and class names, streamed; lying metadata refused."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from faceaudit.core import limits
from faceaudit.core.datasets.sources import Entry, Gap, SourceError, open_source
from tests.support.hostile_files import encode, marked_rgb
from tests.support.parquet_thrift import get_field, read_footer, set_field, write_footer

IMAGE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])


def jpeg(shade: int) -> bytes:
    rgb = marked_rgb()
    rgb[20:, 20:] = shade
    return encode(Image.fromarray(rgb), "JPEG")


def write_shard(path: Path, rows: int, start: int = 0, names: list[str] | None = None, group: int = 4,
                metadata: bool = True, embedded: bool = True) -> dict[int, bytes]:
    images = {start + n: jpeg(n % 250) for n in range(rows)}
    features = {"image": {"_type": "Image"}, "label": {"_type": "ClassLabel", "names": names or ["ann", "bob", "cy"]}}
    schema = pa.schema([("image", IMAGE), ("label", pa.int64())],
                       metadata={"huggingface": json.dumps({"info": {"features": features}})} if metadata else None)
    table = pa.table({
        "image": pa.array([{"bytes": data if embedded else None, "path": f"img_{n}.jpg"} for n, data in images.items()],
                          IMAGE),
        "label": pa.array([n % 3 for n in images], pa.int64()),
    }, schema=schema)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, row_group_size=group)
    return images


def split(items):
    items = list(items)
    return [e for e in items if isinstance(e, Entry)], [g for g in items if isinstance(g, Gap)]


def test_a_folder_of_hub_shards_is_one_dataset(tmp_path):
    root = tmp_path / "lfw-hub"
    first = write_shard(root / "data" / "train-00000-of-00002.parquet", 10)
    second = write_shard(root / "data" / "train-00001-of-00002.parquet", 7)
    source = open_source(root)
    entries, gaps = split(source.entries())
    assert gaps == [] and len(entries) == 17
    assert entries[0].key == "data/train-00000-of-00002.parquet row 0 (img_0.jpg)"
    assert entries[-1].key == "data/train-00001-of-00002.parquet row 6 (img_6.jpg)"
    assert [e.label for e in entries[:4]] == ["ann", "bob", "cy", "ann"]  # class names from the schema metadata
    contents = {entry.key: data for entry, data, _ in source.read([e.key for e in entries])}
    assert contents[entries[5].key] == first[5] and contents[entries[-1].key] == second[6]
    # One row straight from its locator (row group and row), and from the key alone.
    assert source.read_one(entries[-1].key, entries[-1].locator) == second[6]
    assert source.read_one(entries[9].key, None) == first[9]
    assert json.loads(entries[9].locator)["g"] == 2 and json.loads(entries[9].locator)["r"] == 1


def test_class_names_from_the_card_or_dataset_info_when_the_schema_has_none(tmp_path):
    root = tmp_path / "card"
    write_shard(root / "data" / "train-00000-of-00001.parquet", 3, metadata=False)
    (root / "README.md").write_text("---\ndataset_info:\n  features:\n  - name: image\n    dtype: image\n"
                                    "  - name: label\n    dtype:\n      class_label:\n        names:\n"
                                    "          '0': Ann A\n          '1': \"Bob B\"\n          '2': Cy\n---\n# card\n")
    assert [e.label for e in split(open_source(root).entries())[0]] == ["Ann A", "Bob B", "Cy"]
    (root / "README.md").unlink()
    (root / "dataset_info.json").write_text(json.dumps({"default": {"features": {
        "label": {"_type": "ClassLabel", "names": ["x", "y", "z"]}}}}))
    assert [e.label for e in split(open_source(root).entries())[0]] == ["x", "y", "z"]
    (root / "dataset_info.json").unlink()
    assert [e.label for e in split(open_source(root).entries())[0]] == ["0", "1", "2"]  # ids at least


def test_a_shard_given_directly_and_a_plain_binary_column(tmp_path):
    path = tmp_path / "faces.parquet"
    pq.write_table(pa.table({"jpg": pa.array([jpeg(1), jpeg(2)], pa.binary()), "identity": ["a", "b"]}), path)
    source = open_source(path)
    entries, _ = split(source.entries())
    assert [(e.key, e.label) for e in entries] == [("faces.parquet row 0", "a"), ("faces.parquet row 1", "b")]
    assert source.read_one(entries[1].key, entries[1].locator) == jpeg(2)


def test_rows_whose_image_is_not_embedded_say_so(tmp_path):
    path = tmp_path / "paths-only.parquet"
    write_shard(path, 2, embedded=False)
    source = open_source(path)
    keys = [e.key for e in split(source.entries())[0]]
    problems = {entry.key: problem for entry, _data, problem in source.read(keys)}
    assert problems["paths-only.parquet row 1 (img_1.jpg)"] == "image not embedded: the row only names img_1.jpg"


def test_a_parquet_without_images_is_not_an_image_dataset(tmp_path):
    path = tmp_path / "links.parquet"
    pq.write_table(pa.table({"URL": ["https://example.org/a.jpg"], "TEXT": ["a"]}), path)
    assert open_source(path).kind == "link-list"  # LAION's form: a list of links (issue 16), never image shards
    table = tmp_path / "sizes.parquet"  # neither images nor identifiers: a metadata table
    pq.write_table(pa.table({"width": [640], "height": [480]}), table)
    with pytest.raises(SourceError, match="has no column of images"):
        open_source(table)
    # Beside shards (img2dataset writes one per tar shard) it is metadata, not an item.
    root = tmp_path / "mixed"
    root.mkdir()
    shutil.copy(path, root / "00000.parquet")
    write_shard(root / "faces.parquet", 2)
    assert [e.key.split(" ")[0] for e in split(open_source(root).entries())[0]] == ["faces.parquet"] * 2


def test_large_row_groups_are_streamed(tmp_path):
    path = tmp_path / "one-group.parquet"
    images = write_shard(path, 300, group=300)  # pandas-style: the whole file one row group
    source = open_source(path)
    entries, _ = split(source.entries())
    assert source.read_one(entries[299].key, entries[299].locator) == images[299]
    assert sum(1 for _e, data, _p in source.read([e.key for e in entries]) if data) == 300


def _lying(tmp_path: Path, name: str, change) -> Path:
    path = tmp_path / f"{name}.parquet"
    write_shard(path, 10, group=3)
    footer = read_footer(path)
    change(footer)
    write_footer(path, footer)
    return path


@pytest.mark.parametrize(("name", "change", "words"), [
    ("file-rows", lambda f: set_field(f, 3, 10**12), "declares 1,000,000,000,000 rows"),
    ("file-rows-sum", lambda f: set_field(f, 3, 11), "the file declares 11 rows, its row groups 10"),
    ("group-rows-hide", lambda f: set_field(f, 4, 0, 3, 1), "row group 0 declares 1 rows but 3 images"),
    ("group-rows-huge", lambda f: set_field(f, 4, 0, 3, 10**9), "row group 0 declares 1,000,000,000 rows"),
    ("huge-group", lambda f: set_field(f, 4, 1, 1, 0, 3, 6, 10**15), "over the"),
])
def test_parquet_whose_metadata_lies_is_refused_quickly(tmp_path, name, change, words):
    path = _lying(tmp_path, name, change)
    start = time.perf_counter()
    entries, gaps = split(open_source(path).entries())
    assert time.perf_counter() - start < 2.0
    assert [e.key for e in entries] == [f"{name}.parquet"]  # the shard itself, refused, with the reason
    assert words in entries[0].problem and entries[0].problem.startswith(f"{name}.parquet refused:")
    assert gaps == [Gap(f"{name}.parquet ", entries[0].problem)]


def test_a_footer_larger_than_the_file_is_refused(tmp_path):
    path = tmp_path / "footer.parquet"
    write_shard(path, 3)
    data = bytearray(path.read_bytes())
    data[-8:-4] = (10**9).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    entries, _ = split(open_source(path).entries())
    assert "footer declares 1,000,000,000 bytes" in entries[0].problem


def test_the_row_group_limit_is_the_documented_one(tmp_path, monkeypatch):
    path = tmp_path / "big.parquet"
    write_shard(path, 8, group=8)
    monkeypatch.setattr(limits, "MAX_PARQUET_ROW_GROUP_BYTES", 1000)
    entries, _ = split(open_source(path).entries())
    assert "over the 0 MiB limit" in entries[0].problem
    assert get_field(read_footer(path), 3) == 8
