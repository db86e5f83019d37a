"""Issue 13, "tracebacks instead of messages": every case runs the command line and checks its message
and exit status (2: refused, with what happened and what to do; never a traceback).

The GUI's side of the same cases is in tests/gui/test_problems.py.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from faceaudit.cli.main import main
from faceaudit.core.storage import store as store_module
from faceaudit.core.storage.store import Store


def _cli(*args: str, stdin: str = "", timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "faceaudit.cli", *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout)


def _refused(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    for word in words:
        assert word in done.stderr, (word, done.stderr)


def _in_process(capsys, *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


# -- a damaged database: five shapes ------------------------------------------------------------------------


def _damage(path: Path, shape: str) -> None:
    data = bytearray(path.read_bytes())
    if shape == "not a database":
        data = bytearray(os.urandom(len(data)))
    elif shape == "first page zeroed":
        data[:4096] = bytes(4096)
    elif shape == "cut in half":
        data = data[:len(data) // 2]
    elif shape == "schema page damaged":
        data[100:108] = b"\xff" * 8  # the b-tree header of the table of tables
    else:  # "table page damaged": the page the requests table starts on
        conn = sqlite3.connect(path)
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'requests'").fetchone()[0]
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        conn.close()
        start = (root - 1) * page
        data[start:start + 8] = b"\x0d\xff\xff\xff\xff\xff\xff\xff"
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("shape", ["not a database", "first page zeroed", "cut in half", "schema page damaged",
                                   "table page damaged"])
def test_a_damaged_database_is_copied_and_named_with_how_to_restore_or_start_afresh(data_home, shape):
    with Store() as store:
        for number in range(40):
            store.conn.execute("INSERT INTO requests (type, law, recipient, created, updated) VALUES"
                               " ('erasure', 'gdpr', ?, 'now', 'now')", [f"recipient {number} " + "x" * 500])
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    database = data_home / "faceaudit.db"
    _damage(database, shape)
    damaged = database.read_bytes()
    done = _cli("requests", "list")
    _refused(done, f"the database {database} is damaged", "FaceAudit kept a copy of it as",
             "to restore a backup, put it in place of", "to start afresh, move")
    copies = sorted(data_home.glob("faceaudit.db.damaged-*"))
    assert len(copies) == 1 and copies[0].read_bytes() == damaged and str(copies[0]) in done.stderr
    again = _cli("requests", "list")  # the same damage seen again: the same copy, not a second one
    _refused(again, "is damaged")
    assert sorted(data_home.glob("faceaudit.db.damaged-*")) == copies
    database.unlink()  # starting afresh as the message says: a new, empty database
    Path(f"{database}-wal").unlink(missing_ok=True)
    Path(f"{database}-shm").unlink(missing_ok=True)
    assert _cli("requests", "list").returncode == 0
    assert copies[0].exists()


# -- a full disk, a read-only data folder, a database busy elsewhere --------------------------------------------


def test_a_full_disk_for_the_database_is_a_message(data_home, capsys, monkeypatch, tmp_path):
    Store().close()
    real_connect = sqlite3.connect

    def small_disk(*args, **kwargs):  # SQLite's own "disk is full" (SQLITE_FULL), as a full disk gives it
        conn = real_connect(*args, **kwargs)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    monkeypatch.setattr(store_module.sqlite3, "connect", small_disk)
    photos = tmp_path / "photos"
    photos.mkdir()
    status, _, err = _in_process(capsys, "requests", "add", "--type", "erasure", "--law", "gdpr", "--recipient",
                                 "r" * 20_000)
    assert status == 2 and "the disk is full" in err and "free some space on that disk" in err


def test_a_full_disk_for_a_file_is_a_message(data_home):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    Store().close()
    _cli("requests", "add", "--type", "erasure", "--law", "gdpr", "--recipient", "x", "--sent", "2026-01-05")
    done = _cli("requests", "export-ics", "/dev/full")  # every write there fails with "no space left"
    _refused(done, "the disk is full", "No space left on device", "free some space")


def test_a_read_only_data_folder_is_a_message(data_home, capsys, monkeypatch):
    Store().close()
    real_connect = sqlite3.connect

    def read_only(path, *args, **kwargs):  # as a read-only folder or disk gives it (root could write anyway)
        return real_connect(f"{Path(path).as_uri()}?mode=ro", *args, uri=True, **kwargs)

    monkeypatch.setattr(store_module.sqlite3, "connect", read_only)
    status, _, err = _in_process(capsys, "identity", "set", "--name", "Jane")
    assert status == 2 and "FaceAudit may not write its database" in err and "make " in err and "writable" in err


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write any folder")
def test_a_really_read_only_data_folder_is_a_message(data_home):
    Store().close()
    os.chmod(data_home / "faceaudit.db", 0o444)
    os.chmod(data_home, 0o555)
    try:
        _refused(_cli("identity", "set", "--name", "Jane"), "writable")
    finally:
        os.chmod(data_home, 0o700)


_HOLD_THE_WRITE_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("held", flush=True)
time.sleep(30)
"""


def test_a_database_kept_busy_by_another_process_is_a_message(data_home, capsys, monkeypatch):
    Store().close()
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_THE_WRITE_LOCK, str(data_home / "faceaudit.db")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", 0.5)
        status, _, err = _in_process(capsys, "identity", "set", "--name", "Jane")
    finally:
        holder.kill()
        holder.wait()
    assert status == 2 and "kept the database busy" in err and "wait until the other FaceAudit" in err


_SLOW_LISTING = """
import sys, time
from faceaudit.core.datasets.sources import folder

photo = folder.FolderSource._photo


def slow_photo(self, key, full):  # a listing as slow as a large archive's: about 4 s
    open(sys.argv[2], "a").close()
    time.sleep(0.01)
    return photo(self, key, full)


folder.FolderSource._photo = slow_photo
from faceaudit.cli.main import main

sys.exit(main(["index", "slow", "--workers", "0"]))
"""


def test_another_process_listing_a_dataset_does_not_hold_the_database(data_home, capsys, monkeypatch, tmp_path):
    # Issue 13: "database is locked" after 30 s of another process's listing (one write transaction for it all).
    photos = tmp_path / "photos"
    photos.mkdir()
    for number in range(400):
        (photos / f"{number:03d}.jpg").write_bytes(b"not a photo")
    with Store() as store:
        from faceaudit.core.datasets.catalog import add_dataset

        add_dataset(store, photos, "slow")
    started = tmp_path / "listing-started"
    lister = subprocess.Popen([sys.executable, "-c", _SLOW_LISTING, "-", str(started)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        while not started.exists():
            assert lister.poll() is None, lister.stderr.read()
            time.sleep(0.02)
        time.sleep(1.5)  # well into the listing
        monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", 1.0)
        began = time.monotonic()
        status, _, err = _in_process(capsys, "identity", "set", "--name", "Jane")
        waited = time.monotonic() - began
        assert lister.poll() is None, "the listing ended before the write was tried"
    finally:
        assert lister.wait(timeout=120) == 0, lister.stderr.read()
    assert status == 0, err
    assert waited < 1.0


# -- input the person gives ---------------------------------------------------------------------------------------


def test_a_labels_csv_that_is_not_utf8_is_a_message(data_home, tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "a.jpg").write_bytes(b"x")
    labels = tmp_path / "labels.csv"
    labels.write_bytes("key,label\na.jpg,José Müller\n".encode("latin-1"))
    done = _cli("dataset", "add", str(photos), "--name", "ds", "--labels", str(labels))
    _refused(done, "is not UTF-8 text (byte 0xE9 on line 2", "save it as UTF-8")
    assert "ds" not in _cli("dataset", "list").stdout


@pytest.mark.parametrize(("args", "words"), [
    (["index", "--upsample", "7"], "upsample must be a whole number from 0 to 3 (not 7)"),
    (["index", "--workers", "-1"], "workers must be a whole number from 0 to 64 (0 = in this process), not -1"),
])
def test_index_settings_out_of_range_are_a_message(data_home, tmp_path, args, words):
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "a.jpg").write_bytes(b"x")
    assert _cli("dataset", "add", str(photos), "--name", "ds").returncode == 0
    _refused(_cli(*args), words)
    assert "0 items" in _cli("dataset", "list").stdout  # refused before anything was listed


_EMAIL_CASES = {"a line separator": "Jane\u2028Doe", "an escape": "Jane\x1b[2JDoe", "a NUL": "Jane\x00Doe",
                "a next-line": "Jane\u0085Doe"}


@pytest.mark.parametrize("case", list(_EMAIL_CASES))
def test_a_name_an_e_mail_header_cannot_hold_is_refused_before_anything_is_written(data_home, tmp_path, case,
                                                                                    capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "a.jpg").write_bytes(b"x")
    assert main(["dataset", "add", str(photos), "--name", "lfw"]) == 0  # a dataset the registry knows
    assert main(["identity", "set", "--name", _EMAIL_CASES[case], "--email", "jane@example.org", "--country", "DE",
                 "--region", "DE-BE"]) == 0
    capsys.readouterr()
    out = tmp_path / "letter"
    status, _, err = _in_process(capsys, "letter", "--type", "erasure", "--dataset", "lfw", "--out", f"{out}.pdf",
                                 "--eml", f"{out}.eml")
    assert status == 2 and "your name holds the character U+" in err and "nothing was written" in err
    assert "faceaudit identity set" in err  # the hint: correct your details
    assert list(tmp_path.glob("letter*")) == []  # no PDF without its e-mail draft
    with Store() as store:
        assert store.scalar("SELECT COUNT(*) FROM requests") == 0  # and nothing tracked that was not written


# -- registry/local.json of the wrong shape: eight shapes --------------------------------------------------------

_LOCAL_SHAPES = {
    "not JSON": b"{entries: nope",
    "not UTF-8": '{"entries": {"lfw": {"notes": "caf\u00e9"}}}'.encode("latin-1"),
    "a list": b"[]",
    "a number": b"42",
    "null": b"null",
    "entries a list": b'{"entries": []}',
    "an entry a text": b'{"entries": {"lfw": "privacy@example.org"}}',
    "fields of the wrong kind": b'{"entries": {"lfw": {"contact": "x", "aliases": 5, "year": "1999", "notes": "kept"},'
                                b' "mine": {"name": "My set", "sources": [{"title": "me"}]}}}',
}


@pytest.mark.parametrize("shape", list(_LOCAL_SHAPES))
def test_a_local_registry_file_of_the_wrong_shape_is_a_message_and_registry_edit_repairs_it(data_home, shape):
    local = data_home / "registry" / "local.json"
    local.parent.mkdir(parents=True)
    local.write_bytes(_LOCAL_SHAPES[shape])
    _refused(_cli("registry", "list"), "your own registry corrections in", "cannot be used",
             "faceaudit registry repair")
    _refused(_cli("registry", "show", "lfw"), "cannot be used")
    edited = _cli("registry", "edit", "lfw", "contact.email=privacy@example.org")
    assert edited.returncode == 0 and "Traceback" not in edited.stderr, edited.stderr
    assert "the damaged file is" in edited.stdout and "contact.email" in edited.stdout
    kept = list(local.parent.glob("local.json.damaged-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == _LOCAL_SHAPES[shape]
    shown = _cli("registry", "show", "lfw")
    assert shown.returncode == 0 and "contact.email: privacy@example.org" in shown.stdout
    if shape == "fields of the wrong kind":  # what could be read was kept
        assert "notes: kept" in shown.stdout and "My set" in _cli("registry", "list").stdout


# -- files the person points at -----------------------------------------------------------------------------------


def test_me_add_refuses_pipes_devices_folders_and_huge_files_without_reading_them(data_home, tmp_path):
    pipe = tmp_path / "photo.jpg"
    os.mkfifo(pipe)
    huge = tmp_path / "huge.jpg"
    with open(huge, "wb") as handle:  # 3 GB, sparse: nothing is written to disk
        handle.truncate(3 * 2**30)
    cases = {str(pipe): "is not a photo file", "/dev/zero": "is not a photo file", str(tmp_path): "is not a photo file",
             str(huge): "is 3072 MiB, over the 64 MiB limit for one photo"}
    for path, words in cases.items():
        began = time.monotonic()
        done = _cli("me", "add", path, timeout=60)
        _refused(done, words)
        assert time.monotonic() - began < 30, path


def test_me_hashes_passes_over_pipes_and_walks_a_very_deep_folder(data_home, tmp_path, deep_root):
    # Issue 16's `me hashes` reads a folder of my photos; issue 13's rules for files I point at hold
    # there too: a pipe named like a photo is refused (it used to block the command for ever), a
    # folder 1,200 deep is walked (os.walk recursed), and names are printed escaped.
    from tests.support.deep_tree import deep_folder

    photos = deep_root
    Path(deep_folder(photos, 1200), "bottom.jpg").write_bytes(b"my photo, deep down")
    (photos / "top.jpg").write_bytes(b"my photo")
    os.mkfifo(photos / "pipe\x1b[2K.jpg")
    began = time.monotonic()
    done = _cli("me", "hashes", str(photos), timeout=60)
    assert time.monotonic() - began < 30
    assert done.returncode == 0, done.stderr
    assert "2 photo(s) hashed, 4 new identifier(s)" in done.stdout
    assert "not read: pipe\\x1b[2K.jpg: not a regular file" in done.stderr and "\x1b" not in done.stderr


def test_file_names_with_terminal_escapes_are_printed_escaped(data_home, tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    fake = "x\x1b[2K\r0 file(s) could not be indexed\x1b[8m.jpg"
    (photos / fake).write_bytes(b"not a photo")
    assert _cli("dataset", "add", str(photos), "--name", "ds").returncode == 0
    assert _cli("index", "ds", "--workers", "0").returncode == 0
    done = _cli("dataset", "errors", "ds")
    assert done.returncode == 0
    assert "\x1b" not in done.stdout and "\r" not in done.stdout
    assert "x\\x1b[2K\\x0d0 file(s) could not be indexed\\x1b[8m.jpg: not an image" in done.stdout
    assert done.stderr.strip() == "1 file(s) could not be indexed"


def test_a_file_the_command_cannot_write_is_a_message(data_home, tmp_path):
    Store().close()
    target = tmp_path / "no-such-folder" / "deadlines.ics"
    _refused(_cli("requests", "export-ics", str(target)), f"could not use {target}: No such file or directory")


def test_a_folder_nested_1200_deep_indexes_with_a_reason_for_its_file(data_home, deep_root):
    from tests.support.deep_tree import deep_folder

    Path(deep_folder(deep_root, 1200), "bottom.jpg").write_bytes(b"not a photo")
    assert _cli("dataset", "add", str(deep_root), "--name", "deep").returncode == 0
    done = _cli("index", "deep", "--workers", "0")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "deep: 1/1 items, 0 faces, 1 errors" in done.stdout
    errors = _cli("dataset", "errors", "deep")
    assert errors.returncode == 0 and "d/" * 1200 + "bottom.jpg: not an image" in errors.stdout
