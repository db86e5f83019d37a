"""wipe: every file FaceAudit made goes; anything else (a home folder, a dataset, a stranger's file) stops it whole."""

from __future__ import annotations

import io
import os
import stat
import tarfile
from pathlib import Path

import pytest

from faceaudit.core.datasets.catalog import add_dataset
from faceaudit.core.datasets.indexing import index_dataset
from faceaudit.core.storage import paths
from faceaudit.core.storage.store import Store
from faceaudit.core.storage.wipe import WipeError, wipe_all, wipe_plan
from tests.support.link_lists import facescrub_tsv


def test_wipe_deletes_the_data_folder_faceaudit_made(data_home, tmp_path):
    dataset = tmp_path / "photos"
    dataset.mkdir()
    (dataset / "a.jpg").write_bytes(b"x")
    with Store() as store:
        add_dataset(store, dataset, "mine")
    paths.cache_dir()
    (paths.cache_dir() / "vectors-1-abc.f16.npy").write_bytes(b"")
    for name in ("shipped-1.ivfpq", "shipped-1.faceids.npy", "shipped-1.json"):  # an index brought home
        (paths.cache_dir() / name).write_bytes(b"")
    assert data_home / "faceaudit.db" in wipe_plan()
    wipe_all()
    assert not data_home.exists()
    assert (dataset / "a.jpg").read_bytes() == b"x"
    assert wipe_plan() == []


def test_wipe_refuses_the_users_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv(paths.ENV_HOME, str(tmp_path))
    (tmp_path / "precious.txt").write_text("keep")
    for action in (wipe_plan, wipe_all):
        with pytest.raises(WipeError, match="not FaceAudit's own folder"):
            action()
    assert (tmp_path / "precious.txt").exists()


@pytest.mark.parametrize("folder", ["Documents", "usr"])
def test_a_folder_faceaudit_did_not_make_keeps_everything_it_holds(monkeypatch, tmp_path, folder):
    # Issue 13: with FACEAUDIT_HOME=~/Documents wipe listed the user's files and deleted them; with
    # /usr it planned to delete /usr/bin. Imitated here: a folder with the user's files, then FaceAudit used it.
    home = tmp_path / folder
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "tool").write_text("#!/bin/sh\n")
    (home / "letter to my landlord.odt").write_bytes(b"mine")
    monkeypatch.setenv(paths.ENV_HOME, str(home))
    with Store() as store:
        store.set_setting("x", "1")
    before = sorted(p.relative_to(home) for p in home.rglob("*"))
    for action in (wipe_plan, wipe_all):
        with pytest.raises(WipeError, match=r"holds 2 thing\(s\) FaceAudit did not create \(bin, letter to my landlord"
                                            r".odt\); nothing was deleted"):
            action()
    assert sorted(p.relative_to(home) for p in home.rglob("*")) == before


def test_only_faceaudits_files_in_a_folder_it_did_not_make_go_and_the_folder_stays(monkeypatch, tmp_path):
    home = tmp_path / "chosen"
    home.mkdir()
    os.chmod(home, 0o1777)
    monkeypatch.setenv(paths.ENV_HOME, str(home))
    with Store() as store:
        store.set_setting("x", "1")
    assert {p.name for p in wipe_plan()} >= {"faceaudit.db"}
    wipe_all()
    assert home.is_dir() and list(home.iterdir()) == []
    assert stat.S_IMODE(home.stat().st_mode) == 0o1777


def test_gzip_seek_points_of_a_tar_gz_dataset_are_faceaudits_own(data_home, tmp_path):
    # Issue 14 keeps seek points into tar.gz datasets in cache/gzip-seek-points; issue 13's wipe
    # deletes only what FaceAudit writes: the seek points must count as such, a stranger beside them not.
    archive = tmp_path / "photos.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("p/a.jpg")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    with Store() as store:
        add_dataset(store, archive, "packed")
        list(index_dataset(store, "packed", workers=0))
    points = list((paths.cache_dir() / "gzip-seek-points").iterdir())
    assert points and all(point.suffix == ".gzidx" for point in points)
    (paths.cache_dir() / "gzip-seek-points" / "notes.txt").write_text("not FaceAudit's")
    with pytest.raises(WipeError, match=r"gzip-seek-points/notes.txt"):
        wipe_all()
    (paths.cache_dir() / "gzip-seek-points" / "notes.txt").unlink()
    wipe_all()
    assert not data_home.exists() and archive.exists()


def test_token_indexes_of_lists_of_links_are_faceaudits_own(data_home, tmp_path):
    # Issue 16 keeps a token index per list file in cache/list-index/<item id>/ (a gzip'd list's seek
    # points in it too); issue 13's wipe must count them as FaceAudit's, and a stranger's file among them not.
    facescrub_tsv(tmp_path / "facescrub_actors.txt.gz", [{}] * 50, compress=True)
    with Store() as store:
        add_dataset(store, tmp_path / "facescrub_actors.txt.gz", "FaceScrub")
        assert list(index_dataset(store, "FaceScrub", workers=0))[-1].phase == "finished"
    (index,) = (paths.cache_dir() / "list-index").iterdir()
    assert {p.name for p in index.iterdir()} >= {"filters.bin", "index.json", "gzip.idx"}
    (index / "notes.txt").write_text("not FaceAudit's")
    with pytest.raises(WipeError, match=r"list-index/[0-9]+/notes.txt"):
        wipe_all()
    (index / "notes.txt").unlink()
    wipe_all()
    assert not data_home.exists() and (tmp_path / "facescrub_actors.txt.gz").exists()


def test_a_strangers_file_in_the_cache_stops_the_wipe(data_home):
    Store().close()
    (paths.cache_dir() / "notes.txt").write_text("not FaceAudit's")
    with pytest.raises(WipeError, match=r"cache/notes.txt"):
        wipe_all()
    assert (data_home / "faceaudit.db").exists()


def test_wipe_refuses_a_folder_that_holds_a_dataset(data_home):
    dataset = data_home / "my-photos"
    dataset.mkdir(parents=True)
    (dataset / "a.jpg").write_bytes(b"x")
    with Store() as store:
        add_dataset(store, dataset, "inside")
    with pytest.raises(WipeError, match="my-photos"):
        wipe_all()
    assert (dataset / "a.jpg").exists() and (data_home / "faceaudit.db").exists()


def test_wipe_of_locked_data_deletes_the_encrypted_database_but_not_a_possible_dataset(data_home):
    from faceaudit.core.storage.encryption import lock

    paths.data_home()  # FaceAudit makes the folder
    dataset = data_home / "my-photos"
    dataset.mkdir(parents=True)
    (dataset / "a.jpg").write_bytes(b"x")
    with Store() as store:
        add_dataset(store, dataset, "inside")
    lock("passphrase")
    with pytest.raises(WipeError, match="did not create"):
        wipe_all()
    assert (dataset / "a.jpg").exists() and (data_home / "faceaudit.db.enc").exists()
    (dataset / "a.jpg").unlink()
    dataset.rmdir()
    assert data_home / "faceaudit.db.enc" in wipe_plan()
    wipe_all()
    assert not data_home.exists()


def test_wipe_refuses_a_symlinked_data_folder(tmp_path, monkeypatch):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    monkeypatch.setenv(paths.ENV_HOME, str(tmp_path / "link"))
    with pytest.raises(WipeError, match="symbolic link"):
        wipe_all()
    assert real.is_dir()


def test_wipe_with_nothing_there(data_home):
    assert not Path(data_home).exists()
    assert wipe_plan() == []


def test_cli_wipe_of_a_folder_with_a_strangers_file_deletes_nothing_and_says_why(data_home):
    import subprocess
    import sys

    Store().close()
    (data_home / "holiday.jpg").write_bytes(b"mine")
    done = subprocess.run([sys.executable, "-m", "faceaudit.cli", "wipe", "--yes"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert "holiday.jpg" in done.stderr and "nothing was deleted" in done.stderr
    assert (data_home / "holiday.jpg").exists() and (data_home / "faceaudit.db").exists()


def test_index_parts_a_local_ray_made_are_faceaudits_own(data_home):
    with Store():
        pass
    parts = data_home / "index-parts" / "3"
    parts.mkdir(parents=True)
    (parts / "data_train-00000-of-00004.parquet.7d7ce94a0cad.part.parquet").write_bytes(b"PAR1")
    for name in ("index.ivfpq", "index.faces.npy", "index.parts.json"):  # the index built with the parts
        (parts / name).write_bytes(b"")
    assert data_home / "index-parts" in wipe_plan()
    (parts / "notes.txt").write_text("mine")
    with pytest.raises(WipeError, match="notes.txt"):
        wipe_plan()
    (parts / "notes.txt").unlink()
    wipe_all()
    assert not data_home.exists()
