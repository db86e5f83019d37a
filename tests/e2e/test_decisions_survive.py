"""Issue 13: confirmed "me" decisions are the person's, never collateral. The four ways they were lost
(exit code 0, no word said) each run through the command line on real LFW photos:

1. re-indexing with other settings (`index NAME --upsample 2`, then a plain `index`),
2. a sub-folder that became unreadable (listed as removed),
3. a dataset on a disk that is not mounted (an absent folder, or an empty mount point),
4. a plain `.tar` cut inside a header block (read as a normal end),

and besides: a file really deleted keeps its decision, a read error is read again at the next index.
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
from pathlib import Path

import pytest

from faceaudit.cli.main import main
from faceaudit.core.storage.store import Store
from tests.support.lfw_sets import build_dataset, person_photos

PERSON = "Winona_Ryder"
ENROLLED = 2


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def _decisions(home: Path, dataset: str) -> dict[str, str]:
    """{item key: decision} of every decided match in `dataset`."""
    with Store(home / "faceaudit.db") as store:
        rows = store.query("SELECT i.key, m.decision FROM matches m JOIN items i ON i.id = m.item_id"
                           " JOIN datasets d ON d.id = m.dataset_id WHERE d.name = ? AND m.decision != 'unreviewed'",
                           [dataset])
    return {row["key"]: row["decision"] for row in rows}


def _statuses(home: Path, dataset: str) -> dict[str, int]:
    with Store(home / "faceaudit.db") as store:
        rows = store.query("SELECT status, COUNT(*) AS n FROM items WHERE dataset_id ="
                           " (SELECT id FROM datasets WHERE name = ?) GROUP BY status", [dataset])
    return {row["status"]: row["n"] for row in rows}


@pytest.fixture(scope="module")
def base(lfw, tmp_path_factory):
    """A data folder with references, a folder dataset and a plain tar of it, indexed, scanned, decided."""
    root = tmp_path_factory.mktemp("decisions")
    folder = build_dataset(lfw, root / "photos", (PERSON,), ENROLLED, strangers=12)
    with tarfile.open(root / "photos.tar", "w") as archive:  # plain: tarfile reads its cut header as an end
        for path in sorted(folder.rglob("*.jpg")):
            archive.add(path, path.relative_to(folder).as_posix())
    home = root / "home"
    env = pytest.MonkeyPatch()
    env.setenv("FACEAUDIT_HOME", str(home))
    try:
        assert main(["me", "add", *map(str, person_photos(lfw, PERSON)[:ENROLLED])]) == 0
        assert main(["dataset", "add", str(folder), "--name", "folder"]) == 0
        assert main(["dataset", "add", str(root / "photos.tar"), "--name", "tar"]) == 0
        assert main(["index", "--workers", "0"]) == 0
        assert main(["scan"]) == 0
        with Store(home / "faceaudit.db") as store:
            rows = store.query("SELECT m.id, i.key FROM matches m JOIN items i ON i.id = m.item_id"
                               " WHERE m.face_idx >= 0")
        for row in rows:  # the person confirms her faces, and says "not me" to the rest
            assert main(["review", str(row["id"]), "me" if row["key"].startswith(PERSON) else "not-me"]) == 0
    finally:
        env.undo()
    decided = {name: _decisions(home, name) for name in ("folder", "tar")}
    assert sum(d == "me" for d in decided["folder"].values()) >= 6, decided
    return {"root": root, "home": home, "folder": folder, "tar": root / "photos.tar", "decided": decided}


@pytest.fixture
def home(base, tmp_path, monkeypatch):
    """A fresh copy of the decided data folder (and of the dataset folder and tar), as FACEAUDIT_HOME."""
    copy = tmp_path / "copy"
    shutil.copytree(base["root"], copy)
    monkeypatch.setenv("FACEAUDIT_HOME", str(copy / "home"))
    with Store(copy / "home" / "faceaudit.db") as store:  # the datasets now live in the copy
        store.conn.execute("UPDATE datasets SET path = replace(path, ?, ?)", [str(base["root"]), str(copy)])
    return copy


def test_reindexing_with_other_settings_keeps_every_decision(base, home, capsys):
    db_home = home / "home"
    status, out, _ = _cli(capsys, "index", "folder", "--upsample", "2", "--workers", "0")
    assert status == 0, out
    assert _decisions(db_home, "folder") == base["decided"]["folder"]
    with Store(db_home / "faceaudit.db") as store:
        # Each decision found the new face at its place (HOG finds the same faces at upsample 2).
        assert store.scalar("SELECT COUNT(*) FROM matches WHERE decision != 'unreviewed' AND face_idx < -1") == 0
        settings = json.loads(store.scalar("SELECT settings FROM datasets WHERE name = 'folder'"))
    assert settings["upsample"] == 2
    # A plain `index` (no name) re-indexes each dataset with its own settings: nothing changes.
    status, out, _ = _cli(capsys, "index", "--workers", "0")
    assert status == 0
    with Store(db_home / "faceaudit.db") as store:
        assert json.loads(store.scalar("SELECT settings FROM datasets WHERE name = 'folder'"))["upsample"] == 2
        assert json.loads(store.scalar("SELECT settings FROM datasets WHERE name = 'tar'"))["upsample"] == 1
    # ...and options that would change a dataset's settings need its name: refused before anything.
    status, _, err = _cli(capsys, "index", "--upsample", "1", "--workers", "0")
    assert status == 2 and "folder was indexed with other settings" in err and "name the dataset" in err
    assert _cli(capsys, "scan")[0] == 0
    assert _decisions(db_home, "folder") == base["decided"]["folder"]
    assert _decisions(db_home, "tar") == base["decided"]["tar"]
    from faceaudit.core.matching.matches import candidates

    with Store(db_home / "faceaudit.db") as store:  # every confirmed face still has its box (the annex shows it)
        confirmed = [c for c in candidates(store) if c.decision == "me"]
    assert len(confirmed) == sum(d == "me" for name in ("folder", "tar") for d in base["decided"][name].values())
    assert all(c.box is not None for c in confirmed)


def test_an_unreadable_sub_folder_marks_its_items_unavailable(base, home, capsys, monkeypatch):
    # Root reads any folder whatever its mode, so the folder is made unreadable where the listing looks.
    person_folder = home / "photos" / PERSON
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(path) == person_folder:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    status, out, _ = _cli(capsys, "index", "folder", "--workers", "0")
    assert status == 0
    held_out = len(person_photos(base["folder"], PERSON))
    assert f"{held_out} unavailable" in out and f"folder {PERSON}/ cannot be read: Permission denied" in out
    assert _statuses(home / "home", "folder").get("unavailable") == held_out
    assert _decisions(home / "home", "folder") == base["decided"]["folder"]
    with Store(home / "home" / "faceaudit.db") as store:  # faces kept: the scan still finds her
        kept = store.scalar("SELECT COUNT(*) FROM faces f JOIN items i ON i.id = f.item_id JOIN datasets d"
                            " ON d.id = i.dataset_id WHERE d.name = 'folder' AND i.key LIKE ?", [f"{PERSON}/%"])
    assert kept == held_out
    monkeypatch.setattr(os, "scandir", real_scandir)
    assert _cli(capsys, "index", "folder", "--workers", "0")[0] == 0
    assert _statuses(home / "home", "folder") == {"done": sum(_statuses(home / "home", "folder").values())}
    assert _decisions(home / "home", "folder") == base["decided"]["folder"]


@pytest.mark.parametrize("how", ["folder absent", "empty mount point"])
def test_a_disk_that_is_not_mounted_keeps_every_item_and_decision(base, home, capsys, how):
    folder = home / "photos"
    aside = home / "photos-on-the-disk"
    folder.rename(aside)
    if how == "empty mount point":
        folder.mkdir()
    status, out, _ = _cli(capsys, "index", "folder", "--workers", "0")
    assert status == 0 and "is its disk mounted" in out
    counts = _statuses(home / "home", "folder")
    assert counts == {"unavailable": sum(counts.values())}
    assert _decisions(home / "home", "folder") == base["decided"]["folder"]
    status, out, _ = _cli(capsys, "dataset", "list")
    assert f"{sum(counts.values())} unavailable" in out
    if how == "empty mount point":
        folder.rmdir()
    aside.rename(folder)  # the disk is back: every item is as it was, nothing to index again
    assert _cli(capsys, "index", "folder", "--workers", "0")[0] == 0
    assert _statuses(home / "home", "folder") == {"done": sum(counts.values())}
    assert _decisions(home / "home", "folder") == base["decided"]["folder"]


def test_a_plain_tar_cut_inside_a_header_keeps_the_decisions_after_the_cut(base, home, capsys):
    path = home / "photos.tar"
    data = path.read_bytes()
    with tarfile.open(path) as archive:
        members = archive.getmembers()
    cut_member = next(m for m in members if m.name.startswith(PERSON))  # her first photo and all after it
    path.write_bytes(data[:cut_member.offset + 100])  # 100 bytes into its 512-byte header
    status, out, _ = _cli(capsys, "index", "tar", "--workers", "0")
    assert status == 0
    assert "is damaged or incomplete: it is cut short inside a header" in out
    after_cut = sum(1 for m in members if m.offset >= cut_member.offset)
    assert _statuses(home / "home", "tar").get("unavailable") == after_cut
    assert _decisions(home / "home", "tar") == base["decided"]["tar"]


def test_a_file_really_deleted_keeps_its_decision_and_others_are_forgotten(base, home, capsys):
    decided = [key for key, decision in base["decided"]["folder"].items() if decision == "me"]
    undecided = next(p for p in (home / "photos").rglob("*.jpg")
                     if p.relative_to(home / "photos").as_posix() not in base["decided"]["folder"])
    (home / "photos" / decided[0]).unlink()
    undecided.unlink()
    assert _cli(capsys, "index", "folder", "--workers", "0")[0] == 0
    assert _decisions(home / "home", "folder") == base["decided"]["folder"]
    with Store(home / "home" / "faceaudit.db") as store:
        folder_id = store.scalar("SELECT id FROM datasets WHERE name = 'folder'")
        kept = store.query("SELECT status, reason FROM items WHERE dataset_id = ? AND key = ?", [folder_id, decided[0]])
        forgotten = store.scalar("SELECT COUNT(*) FROM items WHERE dataset_id = ? AND key = ?", [folder_id,
                                 undecided.relative_to(home / "photos").as_posix()])
    assert kept == [{"status": "unavailable", "reason": "no longer in the dataset; kept because you decided on a face"
                                                        " in it"}]
    assert forgotten == 0


def test_a_read_error_is_read_again_at_the_next_index(base, home, capsys, monkeypatch):
    from faceaudit.core.datasets.sources import folder as folder_source

    new = home / "photos" / "New_Person" / "new.jpg"
    new.parent.mkdir()
    shutil.copy(person_photos(base["folder"], PERSON)[0], new)
    real_read = folder_source._read_regular_file

    def refused(full, fingerprint):
        if full == new:
            raise PermissionError(13, "Permission denied")
        return real_read(full, fingerprint)

    monkeypatch.setattr(folder_source, "_read_regular_file", refused)
    assert _cli(capsys, "index", "folder", "--workers", "0")[0] == 0
    with Store(home / "home" / "faceaudit.db") as store:
        assert store.query("SELECT status, reason FROM items WHERE key = 'New_Person/new.jpg'") == [
            {"status": "unavailable", "reason": "cannot read: Permission denied"}]
    monkeypatch.setattr(folder_source, "_read_regular_file", real_read)  # the cause is fixed
    assert _cli(capsys, "index", "folder", "--workers", "0")[0] == 0
    with Store(home / "home" / "faceaudit.db") as store:
        assert store.query("SELECT status, n_faces FROM items WHERE key = 'New_Person/new.jpg'") == [
            {"status": "done", "n_faces": 1}]
