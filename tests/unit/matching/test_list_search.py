"""Issue 16, acceptance 1: my identifiers planted in known rows of generated lists, among near misses.

Every list imitates a real one (see tests/support/link_lists.py); exactly the planted rows are
found, nothing else: not the similar NSIDs, the user names that contain mine, my photo's id inside
other numbers, the other photos of the same owner, the similar names and hashes, nor my identifiers
written in a column that holds none (a caption).
"""

from __future__ import annotations

import json

import pytest

from faceaudit.core import limits
from faceaudit.core.datasets.catalog import add_dataset
from faceaudit.core.matching.identifiers import add_identifier, add_photo_hashes
from faceaudit.core.matching.list_scan import list_datasets_of, search_lists
from faceaudit.core.storage.store import Store
from tests.support.link_lists import (
    Person,
    facescrub_tsv,
    ffhq_json,
    laion_parquet,
    megaface_json_array,
    megaface_json_files,
    mix,
    pubfig_urls,
    write_bytes,
)

PERSON = Person()


@pytest.fixture
def store(data_home):
    with Store() as store:
        for text in PERSON.identifiers():
            add_identifier(store, text)
        yield store


@pytest.fixture(params=["small blocks", "default blocks"])
def block_limit(request, monkeypatch):
    """Lines are read in blocks of MAX_LIST_LINE_BYTES: small blocks put many rows across block boundaries."""
    if request.param == "small blocks":
        monkeypatch.setattr(limits, "MAX_LIST_LINE_BYTES", 4096)
    return request.param


def _found(store: Store, name: str) -> dict[tuple[str, str], list[str]]:
    """The rows a new search of one list dataset lists (as a scan does: with a scan of its own)."""
    dataset = [d for d in list_datasets_of(store) if d["name"] == name]
    scan_id = store.db["scans"].insert({"started": "now"}).last_pk
    last = None
    for last in search_lists(store, scan_id, dataset):
        pass
    assert last is not None and last.finished and last.refused == 0
    rows = store.query("SELECT m.file, m.locator, m.matched FROM identifier_matches m JOIN datasets d"
                       " ON d.id = m.dataset_id WHERE d.name = ? AND m.scan_id = ?", [name, scan_id])
    return {(r["file"], r["locator"]): [m["label"] for m in json.loads(r["matched"])] for r in rows}


def _url_rows(key: str) -> tuple[list[dict], list[dict]]:
    planted = [{key: u} for u in PERSON.planted_urls()]
    near = [{key: u} for u in PERSON.near_urls()]
    return planted, near


@pytest.mark.parametrize("compress", [False, True], ids=["tsv", "tsv.gz"])
def test_facescrub_tsv(store, tmp_path, compress, block_limit):
    planted, near = _url_rows("url")
    planted += [{"name": n} for n in PERSON.planted_names()]
    planted += [{"sha256": PERSON.sha256}, {"sha256": PERSON.sha256.upper()}]
    near += [{"name": n} for n in PERSON.near_names()] + [{"sha256": s} for s in PERSON.near_sha256()]
    near += [{"name": PERSON.caption_with_needles()}]
    rows, at = mix(planted, near + [{}] * 3000)
    path = tmp_path / ("facescrub_actors.txt" + (".gz" if compress else ""))
    locators = facescrub_tsv(path, rows, compress)
    add_dataset(store, path, "FaceScrub")
    found = _found(store, "FaceScrub")
    assert set(found) == {(path.name, locators[i]) for i in at}
    upper = locators[rows.index({"sha256": PERSON.sha256.upper()})]
    assert found[(path.name, upper)] == [f"sha256:{PERSON.sha256}"]
    short = locators[rows.index({"url": PERSON.planted_urls()[4]})]  # flic.kr/p/…
    assert found[(path.name, short)][0].startswith(f"Flickr photo {PERSON.photo}")


@pytest.mark.parametrize("compress", [False, True], ids=["json", "json.gz"])
def test_ffhq_json(store, tmp_path, compress):
    planted, near = _url_rows("photo_url")
    planted += [{"author": n} for n in PERSON.planted_names()] + [{"md5": PERSON.md5}, {"md5": PERSON.md5.upper()}]
    near += [{"author": n} for n in PERSON.near_names()] + [{"md5": s} for s in PERSON.near_md5()]
    near += [{"title": PERSON.caption_with_needles()}]
    rows, at = mix(planted, near + [{}] * 1500, seed=7)
    path = tmp_path / ("ffhq-dataset-v2.json" + (".gz" if compress else ""))
    locators = ffhq_json(path, rows, compress)
    add_dataset(store, path, "FFHQ")
    found = _found(store, "FFHQ")
    assert set(found) == {(path.name, locators[i]) for i in at}
    account = locators[rows.index({"photo_url": f"https://www.flickr.com/photos/{PERSON.alias}/5551234567/"})]
    assert found[(path.name, account)] == ["flickr:jdoe"]


@pytest.mark.parametrize("compress", [False, True], ids=["json", "json.gz"])
def test_megaface_json_array(store, tmp_path, compress):
    planted, near = _url_rows("url")
    planted += [{"owner": a} for a in PERSON.planted_accounts()]
    near += [{"owner": a} for a in PERSON.near_accounts()] + [{"title": PERSON.caption_with_needles()}]
    rows, at = mix(planted, near + [{}] * 1500, seed=8)
    path = tmp_path / ("megaface_flickr.json" + (".gz" if compress else ""))
    locators = megaface_json_array(path, rows, compress)
    add_dataset(store, path, "MegaFace")
    assert set(_found(store, "MegaFace")) == {(path.name, locators[i]) for i in at}


def test_megaface_per_photo_json_files(store, tmp_path):
    planted, near = _url_rows("page_url")
    planted += [{"owner": a} for a in PERSON.planted_accounts()]
    near += [{"owner": a} for a in PERSON.near_accounts()] + [{"title": PERSON.caption_with_needles()}]
    rows, at = mix(planted, near + [{}] * 200, seed=9)
    keys = megaface_json_files(tmp_path / "megaface", rows)
    assert add_dataset(store, tmp_path / "megaface", "MegaFace").kind == "link-list"
    assert set(_found(store, "MegaFace")) == {keys[i] for i in at}


@pytest.mark.parametrize("row_group_size, compress", [(97, False), (5000, False), (1000, True)],
                         ids=["small groups", "large groups", "parquet.gz"])
def test_laion_parquet(store, tmp_path, row_group_size, compress):
    planted, near = _url_rows("URL")
    near += [{"TEXT": PERSON.caption_with_needles()}] * 3
    rows, at = mix(planted, near + [{}] * 20000, seed=10)
    path = tmp_path / "part-00000-laion.parquet"
    locators = laion_parquet(path, rows, row_group_size)
    if compress:  # a shard stored gzip-compressed: read through indexed_gzip's seek points
        path = write_bytes(tmp_path / "part-00000-laion.parquet.gz", path.read_bytes(), compress=True)
    add_dataset(store, path, "LAION")
    found = _found(store, "LAION")
    assert set(found) == {(path.name, locators[i]) for i in at}
    first = store.query("SELECT fields FROM identifier_matches ORDER BY position LIMIT 1")[0]
    assert set(json.loads(first["fields"])) == {"URL", "TEXT", "WIDTH", "HEIGHT", "similarity", "hash", "punsafe",
                                                 "pwatermark"}  # the row completed with its other columns


def test_pubfig_urls_and_many_photo_hashes(store, tmp_path, block_limit):
    """PubFig's md5sum column; beyond 64 hashes (a folder of my photos hashed) hashes are found as hex tokens."""
    photos = tmp_path / "my-uploads"
    photos.mkdir()
    for n in range(80):
        (photos / f"IMG_{n:04d}.jpg").write_bytes(b"\xff\xd8 photo %d \xff\xd9" % n)
    (photos / "me.jpg").write_bytes(PERSON.photo_bytes)
    *_, last = add_photo_hashes(store, photos)
    assert last.photos == 81
    planted = [{"md5sum": PERSON.md5}, {"md5sum": PERSON.md5.upper()}, {"person": "Jane Doe"}]
    planted += [{"url": u} for u in PERSON.planted_urls()[:3]]
    near = [{"md5sum": s} for s in PERSON.near_md5()] + [{"person": n} for n in PERSON.near_names()]
    rows, at = mix(planted, near + [{}] * 2000, seed=11)
    path = tmp_path / "dev_urls.txt"
    locators = pubfig_urls(path, rows)
    add_dataset(store, path, "PubFig")
    assert set(_found(store, "PubFig")) == {(path.name, locators[i]) for i in at}


def test_a_second_search_keeps_decisions_and_finds_what_a_new_identifier_adds(store, tmp_path):
    rows = [{"url": f"https://www.flickr.com/photos/{PERSON.alias}/1/"}, {"url": "https://example.com/other/me.jpg"},
            {}]
    path = tmp_path / "list.tsv"
    locators = facescrub_tsv(path, rows)
    add_dataset(store, path, "Set")
    assert set(_found(store, "Set")) == {(path.name, locators[0])}
    with store.transaction():
        store.conn.execute("UPDATE identifier_matches SET decision = 'me'")
    add_identifier(store, "url:https://example.com/other/me.jpg")
    assert set(_found(store, "Set")) == {(path.name, locators[0]), (path.name, locators[1])}
    decisions = dict(store.conn.execute("SELECT locator, decision FROM identifier_matches").fetchall())
    assert decisions == {locators[0]: "me", locators[1]: "unreviewed"}


LATER = "https://www.flickr.com/photos/someone/99887766554/"  # in the list from the start; an identifier only later


def _build(form: str, tmp_path) -> tuple[object, list[dict], list[str]]:
    key = {"parquet": "URL", "json": "photo_url"}.get(form, "url")
    planted = [{key: u} for u in PERSON.planted_urls()]
    near = [{key: u} for u in PERSON.near_urls()] + [{key: LATER}]
    rows, _ = mix(planted, near + [{}] * 3000, seed=12)
    if form == "parquet":
        path = tmp_path / "laion.parquet"
        return path, rows, laion_parquet(path, rows, row_group_size=100)
    if form == "json":
        path = tmp_path / "ffhq-dataset-v2.json"
        return path, rows, ffhq_json(path, rows)
    path = tmp_path / ("facescrub_actors.txt" + (".gz" if form == "tsv.gz" else ""))
    return path, rows, facescrub_tsv(path, rows, compress=form == "tsv.gz")


@pytest.mark.parametrize("form", ["tsv", "tsv.gz", "json", "parquet"])
def test_a_token_index_serves_a_new_identifier_without_a_pass(store, tmp_path, monkeypatch, form):
    from faceaudit.core.datasets import list_index
    from faceaudit.core.datasets.indexing import index_dataset
    from faceaudit.core.datasets.lists import index_folder
    from faceaudit.core.datasets.sources.link_lists import LinkListSource, parquet_rows

    monkeypatch.setattr(limits, "MAX_LIST_LINE_BYTES", 4096)
    monkeypatch.setattr(list_index, "GROUP_BYTES", 16384)  # many small blocks
    path, rows, locators = _build(form, tmp_path)
    add_dataset(store, path, "List")
    full = _found(store, "List")
    *_, last = index_dataset(store, "List")
    assert (last.total, last.errors) == (1, 0)
    index = list_index.load_index(index_folder(store, store.scalar("SELECT item_id FROM list_files")))
    assert len(index.blocks) >= (1 if form == "json" else 20)

    whole, blocks = [], []  # whole-file searches, and blocks read through the index
    real_search, real_read, real_parquet = LinkListSource.search, list_index.read_block, parquet_rows.search_parquet
    monkeypatch.setattr(LinkListSource, "search", lambda self, *a: whole.append(a[0]) or real_search(self, *a))
    monkeypatch.setattr(list_index, "read_block", lambda *a: blocks.append(a[1]) or real_read(*a))
    monkeypatch.setattr(parquet_rows, "search_parquet", lambda *a, groups=None: blocks.extend(
        groups if groups is not None else ["whole"]) or real_parquet(*a, groups=groups))

    assert _found(store, "List") == full  # searched for these identifiers already: the rows are carried over
    assert not whole and not blocks
    whole.clear()
    blocks.clear()
    add_identifier(store, LATER)
    later = (path.name, locators[rows.index({("URL" if form == "parquet" else "photo_url" if form == "json" else "url"):
                                             LATER})])
    assert set(_found(store, "List")) == set(full) | {later}
    if form == "json":
        assert whole == ["ffhq-dataset-v2.json"]  # one block: the document
    else:
        assert not whole and "whole" not in blocks and len(blocks) <= len(index.blocks) // 4, (len(blocks),
                                                                                                len(index.blocks))
    with store.transaction():
        store.conn.execute("DELETE FROM my_identifiers")
    add_identifier(store, "flickr:nobody_has_this_alias")
    whole.clear()
    blocks.clear()
    assert _found(store, "List") == {}
    assert not whole and len(blocks) <= 2  # the index rules (nearly) every block out

    path.write_bytes(path.read_bytes())  # a new version of the file: its index no longer serves
    add_identifier(store, LATER)
    whole.clear()
    assert set(_found(store, "List")) == {later}
    assert whole == [path.name]
