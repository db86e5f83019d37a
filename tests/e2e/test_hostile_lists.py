"""Issue 16, acceptance 4: hostile list files, each refused with a reason in bounded time and memory.

A 5 GB single line (a sparse file: a few MB of text, then a hole, so nothing of that size is
written), a CSV with a 100 MB field, invalid UTF-8, JSON nested 100,000 levels deep, and parquet
files whose footer lies (rewritten with tests/support/parquet_thrift.py). Whatever else the list or
its folder holds is still searched.
"""

from __future__ import annotations

import json
import os
import resource
import time

import pytest

from faceaudit.core.datasets.catalog import add_dataset, dataset_errors
from faceaudit.core.datasets.sources import SourceError
from faceaudit.core.datasets.sources.link_lists import LinkListSource
from faceaudit.core.matching.identifiers import add_identifier
from faceaudit.core.matching.list_scan import list_datasets_of, search_lists
from faceaudit.core.storage.store import Store
from tests.support.link_lists import facescrub_tsv, laion_parquet, write_bytes
from tests.support.parquet_thrift import field, read_footer, set_field, with_footer

#: Seconds and extra resident memory one hostile file may cost (the limits are 1 MiB lines, 16 MiB
#: JSON entries; the rest is the interpreter's and pyarrow's own).
SECONDS = 20
MEMORY = 300 * 2**20
MINE = "https://www.flickr.com/photos/jdoe/5551234567/"


def _peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class _Bounded:
    def __enter__(self):
        self.start, self.memory = time.monotonic(), _peak()
        return self

    def __exit__(self, *exc):
        assert time.monotonic() - self.start < SECONDS
        assert _peak() - self.memory < MEMORY


def _sparse_line(path, size: int, text: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(text)
        handle.truncate(size)  # a hole: NUL bytes the file system does not store


@pytest.fixture
def store(data_home):
    with Store() as store:
        add_identifier(store, "flickr:jdoe")
        yield store


def _search(store, name: str) -> tuple[set[str], dict[str, str]]:
    dataset = [d for d in list_datasets_of(store) if d["name"] == name]
    for _ in search_lists(store, None, dataset):
        pass
    found = {r[0] for r in store.conn.execute("SELECT file || ', ' || locator FROM identifier_matches")}
    return found, {e["key"]: e["reason"] for e in dataset_errors(store, name)}


def test_a_5_gb_single_line(store, tmp_path):
    big = tmp_path / "lists" / "urls.txt"
    big.parent.mkdir()
    _sparse_line(big, 5 * 2**30, b"https://images.example.net/" + b"a" * (3 * 2**20))
    _sparse_line(tmp_path / "lists" / "entries.json", 5 * 2**30, b'{"url": "https://x.example.net/' + b"b" * 2**20)
    facescrub_tsv(tmp_path / "lists" / "good.tsv", [{"url": MINE}, {}])
    with _Bounded():
        for path in (big, tmp_path / "lists" / "entries.json"):
            with pytest.raises(SourceError, match="longer than 1024 KiB|larger than 16 MiB"):
                add_dataset(store, path, "Big")
    with _Bounded():
        add_dataset(store, tmp_path / "lists", "Folder")
        found, refused = _search(store, "Folder")
    assert found == {"good.tsv, line 2"}
    assert "line 1 is longer than 1024 KiB" in refused["urls.txt"]
    assert "larger than 16 MiB" in refused["entries.json"]


def test_a_csv_with_a_100_mb_field(store, tmp_path):
    path = tmp_path / "list.csv"
    with open(path, "wb") as handle:
        handle.write(b"url,caption\n")
        handle.writelines(f"https://a.example.net/{n}.jpg,photo {n}\n".encode() for n in range(5000))
        handle.write(f"{MINE},before the long field\n".encode())
        handle.write(b"https://a.example.net/big.jpg,\"" + b"x" * (100 * 2**20) + b"\"\n")
        handle.write(f"{MINE},after it\n".encode())
    with _Bounded():
        add_dataset(store, path, "CSV")  # the first lines are a fine list
        found, refused = _search(store, "CSV")
    assert found == {"list.csv, line 5002"}  # the row before the long field; nothing after it is read
    assert refused == {"list.csv": "line 5003 is longer than 1024 KiB: not a list of links"}
    early = tmp_path / "early.csv"
    early.write_bytes(b"url,caption\n" + b"https://a.example.net/1.jpg," + b"y" * (100 * 2**20) + b"\n")
    with _Bounded(), pytest.raises(SourceError, match="line 2 is longer than 1024 KiB"):
        add_dataset(store, early, "Early")


def test_invalid_utf8(store, tmp_path):
    lines = [b"name\turl", b"Jos\xe9 M\xfcller\t" + MINE.encode(),  # Windows-1252, as old lists are
             b"\xff\xfe\xc0\xaf\xed\xa0\x80\thttps://a.example.net/1.jpg",  # no text at all
             b"Ann\xc3\tstart of a character cut off\t" + MINE.encode(), b"Bob\thttps://a.example.net/2.jpg"]
    write_bytes(tmp_path / "latin.tsv", b"\n".join(lines) + b"\n")
    with _Bounded():
        add_dataset(store, tmp_path / "latin.tsv", "Latin")
        found, refused = _search(store, "Latin")
    assert found == {"latin.tsv, line 2", "latin.tsv, line 4"} and not refused
    fields = {r[0]: json.loads(r[1]) for r in store.conn.execute("SELECT locator, fields FROM identifier_matches")}
    assert fields["line 2"] == {"name": "José Müller", "url": MINE}
    assert fields["line 4"] == {"name": "AnnÃ", "url": "start of a character cut off", "3": MINE}
    garbage = tmp_path / "garbage.txt"
    garbage.write_bytes(os.urandom(300_000))
    with _Bounded(), pytest.raises(SourceError, match="binary data"):
        add_dataset(store, garbage, "Garbage")


def test_json_nested_100000_levels(store, tmp_path):
    deep_array = tmp_path / "deep.json"
    deep_array.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    deep_object = tmp_path / "deep-object.json"
    deep_object.write_bytes(b'{"0": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_001)
    with _Bounded():
        for path in (deep_array, deep_object):
            assert "nested too deeply" in LinkListSource.refusal(path)
    deep_line = b'{"url": "' + MINE.encode() + b'", "deep": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    lines = [json.dumps({"url": MINE}).encode(), deep_line,
             json.dumps({"url": "https://a.example.net/x.jpg"}).encode(), json.dumps({"url": MINE}).encode()]
    write_bytes(tmp_path / "lines.jsonl", b"\n".join(lines) + b"\n")
    with _Bounded():
        add_dataset(store, tmp_path / "lines.jsonl", "Lines")
        found, refused = _search(store, "Lines")
    assert found == {"lines.jsonl, line 1", "lines.jsonl, line 4"} and not refused
    # Line 2 names me too, but cannot be read: said with the file (lines without a needle are never parsed).
    assert "line 2: nested too deeply" in store.scalar("SELECT reason FROM items")


def _lying(tmp_path, name: str, change) -> os.PathLike:
    good = tmp_path / "good.parquet"
    if not good.exists():
        laion_parquet(good, [{"URL": MINE}] + [{}] * 299, row_group_size=100)
    footer = read_footer(good)
    claimed = change(footer)
    return with_footer(good, tmp_path / name, footer, claimed)


def test_parquet_files_whose_metadata_lies(store, tmp_path):
    def rows(footer):
        set_field(footer, 3, 10**15)
        for group in field(footer, 4)[1]:
            set_field(group, 3, 10**15 // 3)

    def chunk(footer, number, value):
        meta = field(field(field(footer, 4)[1][0], 1)[1][0], 3)
        set_field(meta, number, value)

    cases = {
        "rows.parquet": (rows, "rows, more than"),
        "outside.parquet": (lambda f: chunk(f, 9, 10**12), "lie outside the file"),
        "bomb.parquet": (lambda f: chunk(f, 6, 10**13), "bytes uncompressed"),
        "sum.parquet": (lambda f: set_field(f, 3, 299), "its footer claims 299"),
        "length.parquet": (lambda f: 2**31 - 1, "its footer claims 2,147,483,647 bytes"),
    }
    with _Bounded():
        for name, (change, words) in cases.items():
            path = _lying(tmp_path, name, change)
            reason = LinkListSource.refusal(path)
            assert reason and words in reason, (name, reason)
            with pytest.raises(SourceError, match="not a list FaceAudit reads"):
                add_dataset(store, path, name)
    add_dataset(store, tmp_path / "good.parquet", "Good")
    assert _search(store, "Good") == ({"good.parquet, row 0"}, {})
