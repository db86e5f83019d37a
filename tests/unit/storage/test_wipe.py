"""wipe: every file FaceAudit made goes; a home folder or a dataset inside the data folder never does."""

from __future__ import annotations

from pathlib import Path

import pytest

from faceaudit.core.datasets.catalog import add_dataset
from faceaudit.core.storage import paths
from faceaudit.core.storage.store import Store
from faceaudit.core.storage.wipe import WipeError, wipe_all, wipe_plan


def test_wipe_deletes_the_data_folder(data_home, tmp_path):
    dataset = tmp_path / "photos"
    dataset.mkdir()
    (dataset / "a.jpg").write_bytes(b"x")
    with Store() as store:
        add_dataset(store, dataset, "mine")
    paths.cache_dir()
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


def test_wipe_refuses_a_folder_that_holds_a_dataset(data_home):
    dataset = data_home / "my-photos"
    dataset.mkdir(parents=True)
    (dataset / "a.jpg").write_bytes(b"x")
    with Store() as store:
        add_dataset(store, dataset, "inside")
    with pytest.raises(WipeError, match="lies inside the data folder"):
        wipe_all()
    assert (dataset / "a.jpg").exists()


def test_wipe_of_locked_data_deletes_the_encrypted_database_but_not_a_possible_dataset(data_home):
    from faceaudit.core.storage.encryption import lock

    dataset = data_home / "my-photos"
    dataset.mkdir(parents=True)
    (dataset / "a.jpg").write_bytes(b"x")
    with Store() as store:
        add_dataset(store, dataset, "inside")
    lock("passphrase")
    with pytest.raises(WipeError, match="locked"):  # the dataset list is encrypted: do not guess
        wipe_all()
    assert (dataset / "a.jpg").exists() and (data_home / "faceaudit.db.enc").exists()
    (dataset / "a.jpg").unlink()
    (data_home / "letter.pdf").write_bytes(b"%PDF")
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
    wipe_all()
