"""Issue 13 for issue 16's datasets: a list of links that cannot be read this time loses nothing.

A folder of FaceScrub-like lists on a disk that is not mounted (gone, or an empty mount point)
keeps its files as unavailable, with their token indexes and the rows I decided on; the scan
names it as not really checked instead of an all-clear; when the disk is back, every file is as
it was and nothing is read again for identifiers it was already searched for.
"""

from __future__ import annotations

import pytest

from faceaudit.core.datasets.catalog import DatasetState, add_dataset, get_dataset
from faceaudit.core.datasets.indexing import index_dataset
from faceaudit.core.datasets.lists import index_folder, list_files
from faceaudit.core.matching.identifiers import add_identifier
from faceaudit.core.matching.matches import identifier_candidates, review
from faceaudit.core.matching.scan import scan
from faceaudit.core.storage.store import Store
from tests.support.link_lists import facescrub_tsv, mix


def _statuses(store: Store) -> dict[str, str]:
    return {f.key: f.status for f in list_files(store, get_dataset(store, "FaceScrub").id)}


@pytest.mark.parametrize("how", ["gone", "empty mount point"])
def test_a_list_folder_not_mounted_keeps_its_files_and_decisions(data_home, tmp_path, how):
    folder = tmp_path / "facescrub"
    rows, _planted = mix([{"name": "Jane Doe"}], [{}] * 200, seed=5)
    facescrub_tsv(folder / "facescrub_actors.txt", rows)
    facescrub_tsv(folder / "facescrub_actresses.txt", [{}] * 100, seed=2)
    with Store() as store:
        add_identifier(store, 'name:"Jane Doe"')
        add_dataset(store, folder, "FaceScrub")
        assert list(index_dataset(store, "FaceScrub", workers=0))[-1].phase == "finished"
        final = list(scan(store))[-1]
        assert final.all_checked
        (row,) = identifier_candidates(store, final.scan_id)
        review(store, row.ref, "me")
        indexes = {f.key: index_folder(store, f.item_id) for f in list_files(store, get_dataset(store, "FaceScrub").id)}
        assert all(path.is_dir() for path in indexes.values())

        aside = tmp_path / "facescrub-on-the-disk"
        folder.rename(aside)
        if how == "empty mount point":
            folder.mkdir()
        final = list(scan(store))[-1]
        assert _statuses(store) == {"facescrub_actors.txt": "unavailable", "facescrub_actresses.txt": "unavailable"}
        assert all(path.is_dir() for path in indexes.values())  # what was learnt reading them stays
        info = get_dataset(store, "FaceScrub")
        assert info.state != DatasetState.READY and "disk mounted" in info.reason
        assert [(u.dataset, u.state) for u in final.unchecked] == [("FaceScrub", info.state)]
        assert store.scalar("SELECT decision FROM identifier_matches WHERE id = ?", [row.id]) == "me"

        if how == "empty mount point":
            folder.rmdir()
        aside.rename(folder)
        final = list(scan(store))[-1]
        assert final.all_checked and get_dataset(store, "FaceScrub").state == DatasetState.READY
        assert set(_statuses(store).values()) == {"done"}
        assert all(f.searched for f in list_files(store, get_dataset(store, "FaceScrub").id))  # not searched again
        (again,) = identifier_candidates(store, final.scan_id)
        assert (again.id, again.decision) == (row.id, "me")
