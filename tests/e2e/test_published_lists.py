"""Acceptance (issue 22, item 3): lists of links in forms that were refused before, searched by my identifiers.

- YFCC100M's official `yfcc100m_dataset.bz2` (bzip2, tab-separated, no header): my Flickr account is found;
- the same rows as `.tsv.zst` (zstd);
- MegaFace's `facescrub_features_list.json` (`{"id": [names], "path": [paths]}`, parallel arrays): my name,
  written as the list writes it, is found.
A list that expands beyond the compression-ratio limit is refused with the reason, whatever its compression.
"""

from __future__ import annotations

import bz2
import json
import random

import pytest
import pyzstd

from faceaudit.core import limits
from faceaudit.core.datasets.catalog import add_dataset, get_dataset
from faceaudit.core.datasets.indexing import index_dataset
from faceaudit.core.matching.identifiers import add_identifier
from faceaudit.core.matching.matches import identifier_candidates
from faceaudit.core.matching.scan import scan
from faceaudit.core.storage.store import Store
from tests.support.published_forms import yfcc_bz2

MY_NSID = "35468159852@N01"


def _yfcc_rows(count: int = 300) -> list[dict]:
    rows = [{} for _ in range(count)]
    rows[137] = {"nsid": MY_NSID, "photo": "8812345678"}
    return rows


def _found(store: Store, name: str) -> list:
    final = list(scan(store))[-1]
    assert final.all_checked, final.unchecked
    return [c for c in identifier_candidates(store, final.scan_id) if c.dataset == name]


def _index(store: Store, path, name: str) -> None:
    add_dataset(store, path, name)
    assert list(index_dataset(store, name, workers=0))[-1].phase == "finished"
    assert get_dataset(store, name).checked, get_dataset(store, name).reason


@pytest.mark.parametrize("form", ["bz2", "zst"])
def test_yfcc_account_is_found_in_the_compressed_list(data_home, tmp_path, form):
    path = yfcc_bz2(tmp_path / "yfcc100m_dataset.bz2", _yfcc_rows())
    if form == "zst":
        zst = tmp_path / "yfcc100m_dataset.tsv.zst"
        zst.write_bytes(pyzstd.compress(bz2.decompress(path.read_bytes())))
        path.unlink()
        path = zst
    with Store() as store:
        add_identifier(store, f"flickr:{MY_NSID}")
        _index(store, path, "YFCC100M")
        (found,) = _found(store, "YFCC100M")
        assert found.locator == "line 138"


def test_megaface_parallel_arrays_name_is_found(data_home, tmp_path):
    rng = random.Random(4)
    people = [f"{first} {last}" for first, last in zip(["Ada", "Ben", "Cleo", "Dov", "Eli"] * 8,
                                                      ["Marsh", "Okafor", "Lind", "Perez", "Quon", "Ruiz", "Sato",
                                                       "Tamm"] * 5, strict=True)]
    ids = [rng.choice(people) for _ in range(400)] + ["Jane Doe"] * 3
    rng.shuffle(ids)
    document = {"id": ids, "path": [f"{n.replace(' ', '_')}/{n.replace(' ', '_')}_{i}.png" for i, n in enumerate(ids)]}
    path = tmp_path / "facescrub_features_list.json"
    path.write_text(json.dumps(document))
    with Store() as store:
        add_identifier(store, 'name:"Jane Doe"')
        _index(store, path, "MegaFace FaceScrub")
        found = _found(store, "MegaFace FaceScrub")
        assert sorted(c.locator for c in found) == sorted(f"entry {i}" for i, n in enumerate(ids) if n == "Jane Doe")


@pytest.mark.parametrize("form", ["bz2", "zst"])
def test_a_list_bomb_is_refused_with_its_ratio_whatever_the_compression(data_home, tmp_path, monkeypatch, form):
    from faceaudit.core.datasets.sources.link_lists import ListError, streams

    monkeypatch.setattr(limits, "MAX_COMPRESSION_RATIO", 20)  # a few MB of zeros show it quickly
    text = b"http://example.org/a.jpg\n" + b"0" * (80 << 20)
    path = tmp_path / f"urls.txt.{form}"
    path.write_bytes(bz2.compress(text) if form == "bz2" else pyzstd.compress(text))
    with pytest.raises(ListError, match="20-fold"):
        for _block in streams.blocks(path, 1 << 20):
            pass
