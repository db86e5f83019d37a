"""Dataset sources: folders and archives listed and read in place, hostile members refused with reasons."""

from __future__ import annotations

import io
import os
import struct
import tarfile
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from faceaudit.core import limits
from faceaudit.core.datasets.sources import SourceError, base, folder, label_from_key, open_source, read_labels_csv
from faceaudit.core.datasets.sources.base import Gap
from faceaudit.core.faces.photo_hashes import sha256_hex
from tests.support.hostile_files import encode, marked_rgb

JPEG = encode(Image.fromarray(marked_rgb()), "JPEG")
PNG = encode(Image.fromarray(marked_rgb()), "PNG")
LAYOUT = {"alice/1.jpg": JPEG, "alice/2.png": PNG, "bob/1.jpg": JPEG, "bob/deeper/3.jpg": JPEG}


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every path under `folder` with its size and mtime: proof that nothing was written."""
    return {str(p.relative_to(folder)): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in sorted(folder.rglob("*"))}


def read_all(source) -> dict[str, tuple[bytes | None, str | None]]:
    keys = [entry.key for entry in source.entries() if isinstance(entry, base.Entry)]
    return {entry.key: (data, problem) for entry, data, problem in source.read(keys)}


def make_folder(root: Path, files: dict[str, bytes]) -> Path:
    for key, data in files.items():
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def make_tar(path: Path, files: dict[str, bytes], mode: str = "w") -> Path:
    with tarfile.open(path, mode) as archive:
        for key, data in files.items():
            info = tarfile.TarInfo(key)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_folder_is_listed_recursively_with_stable_posix_keys(tmp_path):
    root = make_folder(tmp_path / "ds", {**LAYOUT, "README.txt": b"hi", "alice/notes.csv": b"a,b"})
    source = open_source(root)
    assert source.kind == "folder"
    listed = list(source.entries())
    keys = [entry.key for entry in listed if isinstance(entry, base.Entry)]
    assert keys == sorted(LAYOUT)  # order stable
    # Every other file is in the ledger, inspected: two small texts with no photo, link or list in them.
    assert {(a.key, a.form, a.reason) for a in listed if isinstance(a, base.Aside)} == {
        ("README.txt", "companion metadata", None), ("alice/notes.csv", "companion metadata", None)}
    assert listed == list(open_source(root).entries())
    assert all(entry.problem is None for entry in listed if isinstance(entry, base.Entry))
    assert {key: data for key, (data, _) in read_all(source).items()} == LAYOUT
    assert [label_from_key(key) for key in keys] == ["alice", "alice", "bob", "deeper"]


def test_labels_from_csv(tmp_path):
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text("key,label\nalice/1.jpg, Alice A \n\nbob/1.jpg,Bob\nbroken-row\n", encoding="utf-8")
    assert read_labels_csv(csv_path) == {"alice/1.jpg": "Alice A", "bob/1.jpg": "Bob"}


def test_label_is_never_a_dot_folder():
    assert label_from_key("../x.jpg") is None
    assert label_from_key("./x.jpg") is None
    assert label_from_key("x.jpg") is None
    assert label_from_key("/abs/person/x.jpg") == "person"


@pytest.mark.parametrize(("suffix", "mode"), [
    (".zip", None), (".tar", "w"), (".tar.gz", "w:gz"), (".tgz", "w:gz"), (".tar.bz2", "w:bz2"), (".tar.xz", "w:xz"),
])
def test_archives_are_read_in_place(tmp_path, suffix, mode):
    folder = tmp_path / "downloads"
    folder.mkdir()
    path = folder / f"faces{suffix}"
    if mode is None:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for key, data in LAYOUT.items():
                archive.writestr(key, data)
            archive.writestr("README.txt", "hi")
    else:
        make_tar(path, {**LAYOUT, "README.txt": b"hi"}, mode)
    before = snapshot(tmp_path)
    source = open_source(path)
    assert source.kind == ("zip" if mode is None else "tar")
    listed = list(source.entries())
    assert sorted(entry.key for entry in listed if isinstance(entry, base.Entry)) == sorted(LAYOUT)
    assert [(a.key, a.form, a.reason) for a in listed if isinstance(a, base.Aside)] == [
        ("README.txt", "companion metadata", None)]  # read whole: no photo, no link in it
    assert {key: data for key, (data, _) in read_all(source).items()} == LAYOUT
    assert snapshot(tmp_path) == before  # nothing extracted, nothing written


def test_zip_member_names_with_dot_dot_and_absolute_paths_are_only_names(tmp_path):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name in ("../../escaped.jpg", "/etc/cron.d/evil.jpg", "ok/../../up.jpg"):
            archive.writestr(zipfile.ZipInfo(name), JPEG)
    before = snapshot(tmp_path)
    contents = read_all(open_source(path))
    assert {key for key, (data, _) in contents.items() if data == JPEG} == {
        "../../escaped.jpg", "/etc/cron.d/evil.jpg", "ok/../../up.jpg"}
    assert snapshot(tmp_path) == before
    assert not (tmp_path.parent / "escaped.jpg").exists() and not Path("/etc/cron.d/evil.jpg").exists()


def test_zip_bomb_is_refused_before_reading(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("bomb.png", b"\0" * (20 * 1024 * 1024))
        archive.writestr("ok.jpg", JPEG)
    contents = read_all(open_source(path))
    data, problem = contents["bomb.png"]
    assert data is None and problem.startswith("zip bomb refused: compression ratio")
    assert contents["ok.jpg"] == (JPEG, None)


def test_zip_member_over_the_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_MEMBER_BYTES", 1000)
    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("big.jpg", os.urandom(5000))
    (entry,) = open_source(path).entries()
    assert "larger than" in entry.problem


def test_zip_with_a_damaged_compressed_stream(tmp_path):
    path = tmp_path / "damaged.zip"
    payload = os.urandom(4000) + bytes(range(256)) * 20
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a/x.jpg", payload)
        archive.writestr("b/y.jpg", JPEG)
    data = bytearray(path.read_bytes())
    start = 30 + len("a/x.jpg")
    data[start:start + 8] = bytes(b ^ 0xFF for b in data[start:start + 8])
    path.write_bytes(bytes(data))
    contents = read_all(open_source(path))
    assert contents["a/x.jpg"][0] is None and contents["a/x.jpg"][1].startswith("cannot read member")
    assert contents["b/y.jpg"] == (JPEG, None)


def test_zip_with_undecodable_names_lists_as_a_gap(tmp_path):
    path = tmp_path / "names.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("AAAA.jpg", JPEG)
    data = bytearray(path.read_bytes().replace(b"AAAA", b"\xff\xfeAA"))
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 8, struct.unpack_from("<H", data, central + 8)[0] | 0x800)
    path.write_bytes(bytes(data))
    listed = list(open_source(path).entries())  # issue 13: a gap (known items unavailable), not an error
    assert len(listed) == 1 and isinstance(listed[0], Gap) and "broken zip archive" in listed[0].reason


def test_zip_symlink_member_is_refused(tmp_path):
    path = tmp_path / "links.zip"
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("link.jpg")
        info.create_system = 3
        info.external_attr = (0o120777 << 16)
        archive.writestr(info, "/etc/passwd")
    (entry,) = open_source(path).entries()
    assert entry.problem == "link member not followed"


def test_zip_name_held_twice_reads_the_first(tmp_path):
    path = tmp_path / "twice.zip"
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(path, "w") as archive:
        archive.writestr("p/a.jpg", JPEG)
        archive.writestr("p/a.jpg", PNG)
    source = open_source(path)
    assert [entry.key for entry in source.entries()] == ["p/a.jpg"]
    assert read_all(source) == {"p/a.jpg": (JPEG, None)}


def test_tar_links_and_devices_are_refused(tmp_path):
    path = tmp_path / "special.tar"
    with tarfile.open(path, "w") as archive:
        info = tarfile.TarInfo("p/real.jpg")
        info.size = len(JPEG)
        archive.addfile(info, io.BytesIO(JPEG))
        for name, kind in (("p/sym.jpg", tarfile.SYMTYPE), ("p/hard.jpg", tarfile.LNKTYPE),
                           ("p/char.jpg", tarfile.CHRTYPE), ("p/block.jpg", tarfile.BLKTYPE),
                           ("p/fifo.jpg", tarfile.FIFOTYPE)):
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = "/etc/shadow" if kind == tarfile.SYMTYPE else "p/real.jpg"
            archive.addfile(info)
    before = snapshot(tmp_path)
    contents = read_all(open_source(path))
    assert contents["p/real.jpg"] == (JPEG, None)
    assert contents["p/sym.jpg"] == (None, "link member not followed")
    assert contents["p/hard.jpg"] == (None, "link member not followed")
    for name in ("p/char.jpg", "p/block.jpg", "p/fifo.jpg"):
        assert contents[name] == (None, "not a regular file (device or special member)")
    assert snapshot(tmp_path) == before


def test_tar_name_held_twice_reads_the_first(tmp_path):
    path = tmp_path / "twice.tar"
    with tarfile.open(path, "w") as archive:
        for data in (JPEG, PNG):
            info = tarfile.TarInfo("p/a.jpg")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    source = open_source(path)
    assert [entry.key for entry in source.entries()] == ["p/a.jpg"]
    assert read_all(source) == {"p/a.jpg": (JPEG, None)}


def test_tar_member_names_not_utf8(tmp_path):
    path = tmp_path / "names.tar"
    name = b"p/caf\xe9.jpg".decode("utf-8", "surrogateescape")  # Latin-1 bytes
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as archive:
        info = tarfile.TarInfo(name)
        info.size = len(JPEG)
        archive.addfile(info, io.BytesIO(JPEG))
    contents = read_all(open_source(path))
    assert contents == {"p/caf\\xe9.jpg": (JPEG, None)}


def test_truncated_tar_gz(tmp_path):
    path = make_tar(tmp_path / "cut.tar.gz", {f"p/{i}.jpg": os.urandom(30_000) for i in range(6)}, "w:gz")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    listed = list(open_source(path).entries())  # what could be listed, then a gap for the rest (issue 13)
    assert listed[0].key == "p/0.jpg" and isinstance(listed[-1], Gap) and listed[-1].prefix == ""
    gaps = [item for item in listed if isinstance(item, base.Gap)]
    entries = [item for item in listed if isinstance(item, base.Entry)]
    assert len(gaps) == 1 and gaps[0].prefix == "" and "could not be listed" in gaps[0].reason
    assert "ends early" in gaps[0].reason
    assert 1 <= len(entries) < 6  # the members before the cut are listed; the cut one says why
    assert entries[-1].problem and entries[-1].problem.startswith("cannot read member")
    assert all(entry.problem is None for entry in entries[:-1])
    wanted = [f"p/{i}.jpg" for i in range(6)]
    results = {entry.key: (data, problem) for entry, data, problem in open_source(path).read(wanted)}
    assert sorted(results) == wanted  # every wanted member answered, none silently lost
    assert any(data is not None for data, _ in results.values())
    damaged = [problem for data, problem in results.values() if data is None]
    assert damaged and all(problem.startswith(("cannot read member", "archive damaged before this member"))
                           for problem in damaged)


@pytest.mark.parametrize("outer", ["zip", "tar"])
def test_nested_archives_are_recorded_not_read(tmp_path, outer):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("x.jpg", JPEG)
    files = {"more/inner.zip": inner.getvalue(), "more/inner.tar.gz": b"\x1f\x8b" + bytes(100), "p/a.jpg": JPEG}
    if outer == "zip":
        path = tmp_path / "outer.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for key, data in files.items():
                archive.writestr(key, data)
    else:
        path = make_tar(tmp_path / "outer.tar", files)
    contents = read_all(open_source(path))
    assert contents["p/a.jpg"] == (JPEG, None)
    for key in ("more/inner.zip", "more/inner.tar.gz"):
        assert contents[key][0] is None and contents[key][1].startswith("nested archive not read")


def test_archives_in_a_folder_are_parts_of_it_and_archives_in_them_stay_refused(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("x/1.jpg", JPEG)
        archive.writestr("deeper.zip", b"PK\x05\x06" + bytes(18))
        archive.writestr("shard.parquet", b"PAR1")
    files = {"more/inner.zip": inner.getvalue(), "more/broken.tar.gz": b"\x1f\x8b" + bytes(100), "p/a.jpg": JPEG}
    root = make_folder(tmp_path / "ds", files)
    listed = list(open_source(root).entries())
    assert [gap.prefix for gap in listed if isinstance(gap, base.Gap)] == ["more/broken.tar.gz/"]
    contents = read_all(open_source(root))
    assert contents["p/a.jpg"] == (JPEG, None)
    assert contents["more/inner.zip/x/1.jpg"] == (JPEG, None)
    labels = {entry.key: entry.label for entry in listed if isinstance(entry, base.Entry)}
    assert labels["more/inner.zip/x/1.jpg"] == "x" and labels["p/a.jpg"] == "p"
    assert contents["more/inner.zip/deeper.zip"][1].startswith("nested archive not read")
    assert contents["more/inner.zip/shard.parquet"][1].startswith("shard inside an archive not read")
    assert contents["more/broken.tar.gz"][0] is None and "broken archive" in contents["more/broken.tar.gz"][1]
    assert open_source(root).read_one("more/inner.zip/x/1.jpg") == JPEG


def test_folder_names_not_utf8(tmp_path):
    root = tmp_path / "ds"
    (root / "p").mkdir(parents=True)
    bad = os.path.join(os.fsencode(root / "p"), b"\xff\xfe-caf\xe9.jpg")
    with open(bad, "wb") as handle:
        handle.write(JPEG)
    contents = read_all(open_source(root))
    assert contents == {"p/\\xff\\xfe-caf\\xe9.jpg": (JPEG, None)}


def test_folder_symlinks_fifos_and_oversized_files(tmp_path, monkeypatch):
    root = make_folder(tmp_path / "ds", {"p/a.jpg": JPEG, "p/big.jpg": os.urandom(3000)})
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(JPEG)
    (root / "p" / "link.jpg").symlink_to(secret)
    (root / "linked-folder").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(root / "p" / "pipe.jpg")
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 2000)
    contents = read_all(open_source(root))
    assert contents["p/a.jpg"] == (JPEG, None)
    assert contents["p/link.jpg"] == (None, "symbolic link not followed")
    assert contents["p/pipe.jpg"] == (None, "not a regular file")
    assert contents["p/big.jpg"][0] is None and "larger than" in contents["p/big.jpg"][1]
    assert not any(key.startswith("linked-folder") for key in contents)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path):
    root = make_folder(tmp_path / "ds", {"p/a.jpg": JPEG, "p/locked.jpg": JPEG})
    (root / "p" / "locked.jpg").chmod(0)
    try:
        contents = read_all(open_source(root))
    finally:
        (root / "p" / "locked.jpg").chmod(0o600)
    assert contents["p/a.jpg"] == (JPEG, None)
    assert contents["p/locked.jpg"][0] is None and "cannot read" in contents["p/locked.jpg"][1]


def test_file_that_vanishes_between_listing_and_reading(tmp_path, monkeypatch):
    root = make_folder(tmp_path / "ds", {"p/a.jpg": JPEG, "p/gone.jpg": JPEG})
    source = open_source(root)
    keys = [entry.key for entry in source.entries()]
    real_open = os.open

    def vanishing_open(path, flags, *args, **kwargs):
        if str(path).endswith("gone.jpg"):
            os.unlink(path)  # deleted after the listing and after the stat of the read pass
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(folder.os, "open", vanishing_open)
    contents = {entry.key: (data, problem) for entry, data, problem in source.read(keys)}
    assert contents["p/a.jpg"] == (JPEG, None)
    assert contents["p/gone.jpg"][0] is None and contents["p/gone.jpg"][1].startswith("cannot read")


def test_file_deleted_before_the_read_pass_is_not_yielded(tmp_path):
    root = make_folder(tmp_path / "ds", {"p/a.jpg": JPEG, "p/gone.jpg": JPEG})
    source = open_source(root)
    keys = [entry.key for entry in source.entries()]
    (root / "p" / "gone.jpg").unlink()
    assert read_all_keys(source, keys) == {"p/a.jpg"}  # indexing leaves it pending; the next listing drops it


def read_all_keys(source, keys):
    return {entry.key for entry, _, _ in source.read(keys)}


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to name an open file")
def test_file_rewritten_while_being_read(tmp_path, monkeypatch):
    root = make_folder(tmp_path / "ds", {"p/a.jpg": JPEG, "p/busy.jpg": JPEG})
    real_read_bounded = folder.read_bounded

    def rewrite_then_read(handle, limit):
        if os.readlink(f"/proc/self/fd/{handle.fileno()}").endswith("busy.jpg"):
            (root / "p" / "busy.jpg").write_bytes(PNG * 2)  # another program writes as we read
        return real_read_bounded(handle, limit)

    monkeypatch.setattr(folder, "read_bounded", rewrite_then_read)
    contents = read_all(open_source(root))
    assert contents["p/a.jpg"] == (JPEG, None)
    assert contents["p/busy.jpg"] == (None, base.CHANGED)


def test_duplicate_files_are_each_read(tmp_path):
    root = make_folder(tmp_path / "ds", {"p/a.jpg": JPEG, "p/copy-of-a.jpg": JPEG, "q/a.jpg": JPEG})
    contents = read_all(open_source(root))
    assert contents == {key: (JPEG, None) for key in ("p/a.jpg", "p/copy-of-a.jpg", "q/a.jpg")}
    assert len({sha256_hex(data) for data, _ in contents.values()}) == 1


def test_paths_that_are_not_datasets(tmp_path):
    with pytest.raises(SourceError, match="does not exist"):
        open_source(tmp_path / "missing")
    text = tmp_path / "notes.zip"
    text.write_text("not an archive")
    with pytest.raises(SourceError, match="is not a form FaceAudit reads"):
        open_source(text)
