"""Adding a dataset is checked before anything is written; removing one names what goes and may be refused."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from datetime import date
from pathlib import Path

import pytest

from faceaudit.core.datasets.catalog import (
    DatasetError,
    add_dataset,
    check_new_dataset,
    list_datasets,
    removal_impact,
    remove_dataset,
)
from faceaudit.core.datasets.sources import SourceError
from faceaudit.core.letters.requests import add_request, update_request
from faceaudit.core.storage.store import Store
from tests.support.letter_fixtures import add_dataset as add_decided_dataset


def _problems(store, path, name) -> dict[str, str]:
    return {problem.field: problem.message for problem in check_new_dataset(store, path, name)}


@pytest.fixture
def photos(tmp_path, lfw):
    folder = tmp_path / "photos" / "Al_Gore"
    folder.mkdir(parents=True)
    for photo in sorted((lfw / "Al_Gore").glob("*.jpg"))[:2]:
        shutil.copy(photo, folder / photo.name)
    return folder.parent


def test_every_mistake_is_caught_before_anything_is_written(data_home, tmp_path, photos):
    empty = tmp_path / "empty"
    (empty / "sub" / "deeper").mkdir(parents=True)
    (empty / "sub" / "notes.txt").write_text("no photo here")
    text = tmp_path / "faces.tar.gz"
    text.write_text("a text file, named as an archive")
    no_photos = tmp_path / "readme.tar"
    with tarfile.open(no_photos, "w") as archive:
        archive.add(empty / "sub" / "notes.txt", "notes.txt")
    with Store() as store:
        assert _problems(store, photos, "lfw-sample") == {}
        assert "holds no photos" in _problems(store, empty, "e")["path"]
        assert "holds no photos" in _problems(store, no_photos, "r")["path"]
        assert "is not a valid tar archive (damaged download?)" in _problems(store, text, "t")["path"]
        assert "does not exist" in _problems(store, tmp_path / "gone", "g")["path"]
        assert _problems(store, "", "x") == {"path": "choose a folder or an archive"}
        assert _problems(store, photos, "  ") == {"name": "a dataset needs a name"}
        assert store.scalar("SELECT COUNT(*) FROM datasets") == 0  # checking wrote nothing

        add_dataset(store, photos, "lfw-sample")
        taken = _problems(store, tmp_path, "lfw-sample")
        assert "already exists" in taken["name"]
        # The same folder again, under another name, by another path to it.
        link = tmp_path / "link-to-photos"
        link.symlink_to(photos)
        assert "already the dataset 'lfw-sample'" in _problems(store, link, "again")["path"]
        assert "already the dataset 'lfw-sample'" in _problems(store, f"{photos}/", "again")["path"]

        with pytest.raises(SourceError, match="holds no photos"):  # the command line gets the same checks
            add_dataset(store, empty, "e")
        with pytest.raises(DatasetError, match="already exists"):
            add_dataset(store, tmp_path, "lfw-sample")
        assert [d.name for d in list_datasets(store)] == ["lfw-sample"]


_CHECK = """
import sys
from faceaudit.core.datasets.catalog import check_new_dataset
from faceaudit.core.storage.store import Store
with Store() as store:
    for path in sys.argv[1:]:
        print(path, [p.message for p in check_new_dataset(store, path, "mine")])
"""


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_an_unreadable_folder_or_archive_is_named(lfw):
    """Run as a user who may not read them (root reads everything: then the check runs as `nobody`)."""
    as_root = os.geteuid() == 0
    if as_root and shutil.which("setpriv") is None:
        pytest.skip("running as root and cannot switch to another user")
    place = Path(tempfile.mkdtemp(prefix="faceaudit-unreadable-"))  # reachable by the other user
    try:
        place.chmod(0o777)  # the other user makes the data folder in it
        folder = place / "locked"
        folder.mkdir()
        shutil.copy(lfw / "Al_Gore" / "Al_Gore_0001.jpg", folder / "a.jpg")
        archive = place / "locked.tar"
        with tarfile.open(archive, "w") as tar:
            tar.add(folder / "a.jpg", "a.jpg")
        folder.chmod(0)
        archive.chmod(0)
        home = place / "home"
        command = [sys.executable, "-c", _CHECK, str(folder), str(archive)]
        if as_root:
            command = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120,
                                env={**os.environ, "FACEAUDIT_HOME": str(home)})
        assert result.returncode == 0, result.stderr
        assert f"{folder} ['locked cannot be read: permission denied']" in result.stdout
        assert f"{archive} ['locked.tar cannot be read: permission denied']" in result.stdout
    finally:
        for path in (place / "locked", place / "locked.tar"):
            path.chmod(0o755)
        shutil.rmtree(place)


def test_removal_names_what_goes_and_waits_for_sent_requests(data_home):
    with Store() as store:
        rows = [("people/Jane_Doe/1.jpg", "a1" * 32, "me"), ("people/Jane_Doe/2.jpg", "b2" * 32, "me"),
                ("people/Other/3.jpg", "c3" * 32, "not_me"), ("people/Other/4.jpg", "d4" * 32, "unreviewed")]
        add_decided_dataset(store, "scraped", "/nowhere/scraped.tgz", rows)
        add_decided_dataset(store, "other", "/nowhere/other.tgz", rows[:1])
        draft = add_request(store, "erasure", "gdpr", "Publisher", dataset_name="scraped").id
        impact = removal_impact(store, "scraped")
        assert (impact.items, impact.faces, impact.candidates) == (4, 4, 4)
        assert impact.decisions == {"me": 2, "not_me": 1}
        assert impact.drafts == [draft] and impact.sent == [] and impact.refusal is None

        update_request(store, draft, sent=date(2026, 1, 5))
        refused = removal_impact(store, "scraped")
        assert refused.sent == [draft] and "cannot be removed" in refused.refusal and f"#{draft}" in refused.refusal
        with pytest.raises(DatasetError, match="you sent 1 request about it"):
            remove_dataset(store, "scraped")
        assert {d.name for d in list_datasets(store)} == {"scraped", "other"}  # nothing removed

        removed = remove_dataset(store, "other")
        assert removed.decisions == {"me": 1}
        assert [d.name for d in list_datasets(store)] == ["scraped"]
        assert store.scalar("SELECT COUNT(*) FROM matches") == 4  # the other dataset's decisions stay
