"""Issue 6: a hostile corpus, made here, indexed for real: every bad file gets a reason, nothing else breaks."""

from __future__ import annotations

import io
import os
import resource
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from faceaudit.core import limits
from faceaudit.core.datasets import indexing
from faceaudit.core.datasets.catalog import DatasetState, add_dataset, get_dataset
from faceaudit.core.datasets.indexing import IndexProgress, index_dataset
from faceaudit.core.faces.photo_hashes import sha256_hex
from faceaudit.core.storage.store import Store
from tests.support.deep_tree import deep_folder
from tests.support.hostile_files import (
    encode,
    gif_bomb,
    huge_exif_png,
    marked_rgb,
    png_bomb,
    progressive_scan_bomb,
    text_as_jpeg,
    truncated_jpeg,
)
from tests.support.peak_memory import PeakMeter

#: A file starting with these bytes kills the worker that decodes it (see `_crashing_workers`).
CRASH_MARKER = b"FACEAUDIT-TEST-SEGFAULT"
#: A file starting with these bytes never finishes decoding, as a decoder stuck in C code would not.
SLOW_MARKER = b"FACEAUDIT-TEST-NEVER-ENDS"
#: The time budget of one file during these tests (limits.SECONDS_PER_FILE is 120 s).
SECONDS_PER_FILE = 4.0
#: Peak resident memory allowed for this process and for the largest worker.
MEMORY_LIMIT_BYTES = int(1.5 * 2**30)
LIMIT_BYTES = 4 * 2**20  # MAX_FILE_BYTES / MAX_MEMBER_BYTES during these tests (keeps files small)

_SITECUSTOMIZE = f'''
"""Test-only: make an indexing worker die of SIGSEGV on a marked file, as a decoder crash would,
and write down the worker's own peak resident memory as it goes."""
import os
import signal
import threading
import time

from faceaudit.core.datasets import worker

_decode_image = worker.decode_image
_PEAKS = os.environ.get("FACEAUDIT_TEST_WORKER_PEAKS")


def _record_peak():
    # VmHWM is this process's own peak since exec. getrusage's maxrss would not do: a process
    # started by fork or vfork and exec carries its parent's peak at the exec into its maxrss.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            with open(os.path.join(_PEAKS, str(os.getpid())), "w") as out:
                out.write(line.split()[1])  # kB
            return


def _sample():
    while True:
        _record_peak()
        time.sleep(0.02)


if _PEAKS and os.path.exists("/proc/self/status"):
    threading.Thread(target=_sample, daemon=True).start()


def _crashing_decode_image(data):
    if data.startswith({CRASH_MARKER!r}):
        os.kill(os.getpid(), signal.SIGSEGV)
    if data.startswith({SLOW_MARKER!r}):
        time.sleep(3600)
    try:
        return _decode_image(data)
    finally:
        if _PEAKS and os.path.exists("/proc/self/status"):
            _record_peak()


worker.decode_image = _crashing_decode_image
'''


def _inner_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("x.jpg", encode(Image.fromarray(marked_rgb()), "JPEG"))
    return buffer.getvalue()


def _zip_holding_a_zip() -> bytes:
    """A zip part of a folder dataset (read as part of it) that holds another zip (refused)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("inner.zip", _inner_zip())
    return buffer.getvalue()


def _make_folder(root: Path, astronaut: bytes) -> tuple[set[str], dict[str, str]]:
    """The folder corpus: (keys that must be indexed, {hostile key: words its reason must hold})."""
    astronaut_jpeg = encode(Image.open(io.BytesIO(astronaut)), "JPEG", quality=90)
    files = {
        "good/astronaut.png": astronaut,
        "good/astronaut.jpg": astronaut_jpeg,
        "good/same-again.jpg": astronaut_jpeg,  # a duplicate file
        "good/no-face.png": encode(Image.fromarray(marked_rgb()), "PNG"),
        "good/huge-exif.png": huge_exif_png(size=2 * limits.MAX_EXIF_BYTES),
        "bad/bomb.png": png_bomb(),
        "bad/bomb.gif": gif_bomb(),
        "bad/truncated.jpg": truncated_jpeg(),
        "bad/empty.jpg": b"",
        "bad/text.jpg": text_as_jpeg(),
        "bad/nested.zip": _zip_holding_a_zip(),
        "bad/nested.tar.gz": b"\x1f\x8b" + bytes(64),
        "bad/too-big.jpg": os.urandom(LIMIT_BYTES + 1),
        "bad/crash.jpg": CRASH_MARKER + bytes(100),
        "bad/never-ends.jpg": SLOW_MARKER + bytes(100),
        "bad/scan-bomb.jpg": progressive_scan_bomb(),
    }
    for key, data in files.items():
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_bytes(data)
    with open(os.path.join(os.fsencode(root / "good"), b"caf\xe9-\xff.jpg"), "wb") as handle:
        handle.write(astronaut_jpeg)  # a name that is not UTF-8
    (root / "bad" / "link.jpg").symlink_to(root / "good" / "astronaut.jpg")
    (root / "bad" / "escape.jpg").symlink_to("/etc/passwd")
    os.mkfifo(root / "bad" / "pipe.jpg")
    (root / "README.md").write_text("not an image, not listed")
    good = {key for key in files if key.startswith("good/")} | {"good/caf\\xe9-\\xff.jpg"}
    hostile = {
        "bad/bomb.png": "decompression bomb refused", "bad/bomb.gif": "decompression bomb refused",
        "bad/truncated.jpg": "damaged image", "bad/empty.jpg": "empty file", "bad/text.jpg": "not an image",
        "bad/nested.zip/inner.zip": "nested archive not read", "bad/nested.tar.gz": "broken archive",
        "bad/too-big.jpg": "larger than the 4 MiB limit", "bad/crash.jpg": "this file crashed the image decoder",
        "bad/link.jpg": "symbolic link not followed", "bad/escape.jpg": "symbolic link not followed",
        "bad/pipe.jpg": "not a regular file",
        "bad/never-ends.jpg": f"took longer than {SECONDS_PER_FILE:.0f} s, the time budget for one file",
        "bad/scan-bomb.jpg": "progressive JPEG with over 100 scans",
    }
    if os.geteuid() != 0:  # root reads any file, whatever its mode
        (root / "bad" / "locked.jpg").write_bytes(astronaut_jpeg)
        (root / "bad" / "locked.jpg").chmod(0)
        hostile["bad/locked.jpg"] = "cannot read"  # unavailable: read again at the next index
    return good, hostile


def _make_zip(path: Path, astronaut: bytes) -> tuple[set[str], dict[str, str]]:
    damaged_payload = os.urandom(3000) + bytes(range(256)) * 20
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a/damaged.jpg", damaged_payload)  # first member: its stream is corrupted below
        archive.writestr("../../escape/astronaut.png", astronaut)
        archive.writestr("/etc/astronaut.png", astronaut)
        archive.writestr("p/bomb.png", b"\0" * (LIMIT_BYTES - 1))  # a zip bomb: ~1000:1
        archive.writestr("p/pixel-bomb.png", png_bomb())
        archive.writestr("p/nested.zip", _inner_zip())
        archive.writestr("p/too-big.jpg", os.urandom(LIMIT_BYTES + 1))
        link = zipfile.ZipInfo("p/link.jpg")
        link.create_system, link.external_attr = 3, 0o120777 << 16
        archive.writestr(link, "/etc/passwd")
    data = bytearray(path.read_bytes())
    start = 30 + len("a/damaged.jpg")
    data[start:start + 8] = bytes(b ^ 0xFF for b in data[start:start + 8])
    path.write_bytes(bytes(data))
    good = {"../../escape/astronaut.png", "/etc/astronaut.png"}
    hostile = {
        "a/damaged.jpg": "cannot read member", "p/bomb.png": "zip bomb refused",
        "p/pixel-bomb.png": "decompression bomb refused", "p/nested.zip": "nested archive not read",
        "p/too-big.jpg": "larger than the 4 MiB limit", "p/link.jpg": "link member not followed",
    }
    return good, hostile


def _make_tar(path: Path, astronaut: bytes) -> tuple[set[str], dict[str, str]]:
    with tarfile.open(path, "w:gz", format=tarfile.GNU_FORMAT) as archive:
        def add(name, data=b"", kind=tarfile.REGTYPE, linkname=""):
            info = tarfile.TarInfo(name)
            info.type, info.linkname, info.size = kind, linkname, len(data)
            archive.addfile(info, io.BytesIO(data) if data else None)

        add("p/astronaut.png", astronaut)
        add(b"p/caf\xe9.png".decode("utf-8", "surrogateescape"), astronaut)
        add("p/symlink.jpg", kind=tarfile.SYMTYPE, linkname="/etc/shadow")
        add("p/hardlink.jpg", kind=tarfile.LNKTYPE, linkname="p/astronaut.png")
        add("p/device.jpg", kind=tarfile.CHRTYPE)
        add("p/fifo.jpg", kind=tarfile.FIFOTYPE)
        add("p/bomb.png", png_bomb())
        add("p/truncated.jpg", truncated_jpeg())
        add("p/nested.tar.gz", b"\x1f\x8b" + bytes(64))
        add("p/astronaut.png", text_as_jpeg())  # the same name again: the first counts
    good = {"p/astronaut.png", "p/caf\\xe9.png"}
    hostile = {
        "p/symlink.jpg": "link member not followed", "p/hardlink.jpg": "link member not followed",
        "p/device.jpg": "not a regular file", "p/fifo.jpg": "not a regular file",
        "p/bomb.png": "decompression bomb refused", "p/truncated.jpg": "damaged image",
        "p/nested.tar.gz": "nested archive not read",
    }
    return good, hostile


def _tree(root: Path, skip: Path) -> dict[str, tuple[int, int]]:
    found = {}
    for path in sorted(root.rglob("*")):
        if path == skip or skip in path.parents:
            continue
        info = path.lstat()
        found[str(path.relative_to(root))] = (info.st_size, info.st_mtime_ns)
    return found


@pytest.fixture
def _crashing_workers(tmp_path, tmp_path_factory, monkeypatch) -> Path:
    """Worker processes (spawned: they cannot be monkeypatched) that segfault on CRASH_MARKER.

    Returns the folder where each worker writes its own peak memory (a file per process, in kB).
    """
    site = tmp_path / "crash-site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_SITECUSTOMIZE)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])))
    peaks = tmp_path_factory.mktemp("worker-peaks")  # outside tmp_path: the test checks nothing is written there
    monkeypatch.setenv("FACEAUDIT_TEST_WORKER_PEAKS", str(peaks))
    return peaks


def _largest_worker_peak(peaks: Path) -> int:
    """Bytes: the largest peak any worker wrote down (the whole process's children maxrss off Linux)."""
    found = [int(path.read_text() or 0) * 1024 for path in peaks.iterdir()]
    if not Path("/proc/self/status").exists():
        return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    assert len(found) >= 2, "the workers wrote down no peak memory"
    return max(found)


@pytest.mark.timeout(240)
def test_hostile_corpus_is_indexed_with_a_reason_for_every_bad_file(
        tmp_path, data_home, astronaut_png, monkeypatch, _crashing_workers):
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", LIMIT_BYTES)
    monkeypatch.setattr(limits, "MAX_MEMBER_BYTES", LIMIT_BYTES)
    monkeypatch.setattr(limits, "SECONDS_PER_FILE", SECONDS_PER_FILE)
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    astronaut = astronaut_png.read_bytes()
    corpus = tmp_path / "corpus"
    (corpus / "folder").mkdir(parents=True)
    expected = {
        "folder": _make_folder(corpus / "folder", astronaut),
        "zip": _make_zip(corpus / "faces.zip", astronaut),
        "tgz": _make_tar(corpus / "faces.tar.gz", astronaut),
    }
    paths = {"folder": corpus / "folder", "zip": corpus / "faces.zip", "tgz": corpus / "faces.tar.gz"}
    before = _tree(tmp_path, skip=data_home)
    tried = refused = indexed = 0
    meter = PeakMeter()

    with Store() as store:
        for name, path in paths.items():
            add_dataset(store, path, name)
            progress = list(index_dataset(store, name, workers=2))
            assert progress[-1].phase == "finished"
            good, hostile = expected[name]
            items = {
                row["key"]: row
                for row in store.query(
                    "SELECT i.key, i.status, i.reason, i.sha256, i.n_faces FROM items i"
                    " JOIN datasets d ON d.id = i.dataset_id WHERE d.name = ?",
                    [name],
                )
            }
            assert set(items) == good | set(hostile), name
            for key in good:
                assert (items[key]["status"], items[key]["reason"]) == ("done", None), (name, key)
            for key, words in hostile.items():
                status = "unavailable" if words == "cannot read" else "error"
                assert items[key]["status"] == status, (name, key, items[key])
                assert words in items[key]["reason"], (name, key, items[key]["reason"])
            tried += len(hostile)
            refused += sum(1 for key in hostile if items[key]["reason"])
            indexed += len(good)
            assert progress[-1].total == len(items)
        faces = store.scalar("SELECT COUNT(*) FROM faces")
        assert faces >= 6  # every astronaut copy has her face found

    assert _tree(tmp_path, skip=data_home) == before  # nothing written outside the data folder
    assert meter.grown() < MEMORY_LIMIT_BYTES  # this test's own peak, not earlier tests'
    worker_peak = _largest_worker_peak(_crashing_workers)
    assert worker_peak < MEMORY_LIMIT_BYTES
    peak = max(meter.grown(), worker_peak) // 2**20
    print(f"\nhostile corpus: {tried} hostile files tried (folder, zip, tar.gz), {refused} refused with a reason,"
          f" {indexed} good files indexed, 0 crashes; peak memory {peak} MiB")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("new_content", ["photo", "truncated"])
def test_file_rewritten_between_listing_and_reading(tmp_path, data_home, astronaut_png, monkeypatch, new_content):
    root = tmp_path / "ds"
    (root / "p").mkdir(parents=True)
    (root / "p" / "stable.png").write_bytes(astronaut_png.read_bytes())
    changing = root / "p" / "changing.jpg"
    changing.write_bytes(encode(Image.fromarray(marked_rgb()), "JPEG"))
    replacement = (encode(Image.open(astronaut_png), "JPEG") if new_content == "photo"
                   else truncated_jpeg())
    real_sync_listing = indexing.sync_listing

    def listing_then_rewrite(*args, **kwargs):
        report = real_sync_listing(*args, **kwargs)
        changing.write_bytes(replacement)  # another program writes the file once it is listed
        os.utime(changing, ns=(1, 1))
        return report

    monkeypatch.setattr(indexing, "sync_listing", listing_then_rewrite)
    with Store() as store:
        add_dataset(store, root, "ds")
        list(index_dataset(store, "ds", workers=2))
        row = store.query("SELECT status, sha256, reason FROM items WHERE key = 'p/changing.jpg'")[0]
        if row["status"] == "done":
            assert row["sha256"] == sha256_hex(replacement)  # indexed: then with what is on disk now
        else:
            assert row["status"] in ("pending", "error", "unavailable")
        monkeypatch.setattr(indexing, "sync_listing", real_sync_listing)
        list(index_dataset(store, "ds", workers=0))  # the next run settles it for good
        row = store.query("SELECT status, sha256, fingerprint, reason FROM items WHERE key = 'p/changing.jpg'")[0]
        info = changing.stat()
        assert row["fingerprint"] == f"{info.st_size}:{info.st_mtime_ns}"
        if new_content == "photo":
            assert (row["status"], row["sha256"]) == ("done", sha256_hex(replacement))
        else:
            assert row["status"] == "error" and "damaged image" in row["reason"]


def test_truncated_archive_is_named_and_what_it_holds_is_indexed(tmp_path, data_home, astronaut_png):
    path = tmp_path / "cut.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for index in range(4):
            data = os.urandom(40_000)
            info = tarfile.TarInfo(f"p/{index}.jpg")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    path.write_bytes(path.read_bytes()[:60_000])
    with Store() as store:
        add_dataset(store, path, "cut")
        final = list(index_dataset(store, "cut", workers=0))[-1]  # issue 13: a gap, not an abort
        assert final.phase == "finished" and final.total >= 1
        assert len(final.gaps) == 1 and "ends early" in final.gaps[0]
        info = get_dataset(store, "cut")
        # Never a normal end: the dataset says that part of it could not be read, and why.
        assert info.state == DatasetState.NOTHING_READABLE  # the photos before the cut are random bytes
        assert "could be read" in info.reason and "ends early" in info.reason
        assert info.gaps and info.gaps[0][0] == ""
        reasons = dict(store.conn.execute("SELECT key, reason FROM items WHERE status = 'error'").fetchall())
        assert reasons.get("p/1.jpg", "").startswith("cannot read member")


def test_progress_counts_files_that_fail_while_being_read(tmp_path, data_home):
    path = tmp_path / "damaged.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a/damaged.jpg", os.urandom(3000) + bytes(range(256)) * 20)
    data = bytearray(path.read_bytes())
    start = 30 + len("a/damaged.jpg")
    data[start:start + 8] = bytes(b ^ 0xFF for b in data[start:start + 8])
    path.write_bytes(bytes(data))
    with Store() as store:
        add_dataset(store, path, "damaged")
        final = list(index_dataset(store, "damaged", workers=0))[-1]
        assert store.scalar("SELECT status FROM items") == "error"
        assert (final.done, final.total, final.errors) == (1, 1, 1)


def _index_seconds(root: Path, name: str, store: Store) -> tuple[float, IndexProgress]:
    add_dataset(store, root, name)
    began = time.monotonic()
    final = list(index_dataset(store, name, workers=2))[-1]
    return time.monotonic() - began, final


def _failing_files(root: Path, count: int, identical: bool) -> Path:
    for number in range(count):
        folder = root / f"part-{number // 1000:03d}"
        if number % 1000 == 0:
            folder.mkdir(parents=True)
        (folder / f"{number:06d}.jpg").write_bytes(text_as_jpeg() + (b"" if identical else b"%d" % number))
    return root


@pytest.mark.parametrize("count", [10_000, pytest.param(100_000, marks=pytest.mark.slow)])
def test_identical_failing_files_cost_no_more_than_distinct_ones(tmp_path, data_home, count):
    # Issue 13: 200,000 copies of one broken file made the twin lookup quadratic (over 2 hours). The
    # peer, in the same run: as many broken files that all differ (no twin to look through).
    with Store() as store:
        same_s, same = _index_seconds(_failing_files(tmp_path / "same", count, True), "same", store)
        distinct_s, distinct = _index_seconds(_failing_files(tmp_path / "distinct", count, False), "distinct", store)
        assert (same.done, same.errors) == (count, count) and (distinct.done, distinct.errors) == (count, count)
        reasons = {row["reason"] for row in store.query("SELECT DISTINCT reason FROM items")}
    assert len(reasons) == 1 and "not an image" in reasons.pop()
    assert same_s < 1.5 * distinct_s, (same_s, distinct_s)
    print(f"\n{count:,} identical failing files: {same_s:.1f} s; {count:,} distinct ones: {distinct_s:.1f} s"
          f" (ratio {same_s / distinct_s:.2f})")


def test_a_folder_nested_1200_deep_is_listed_and_its_file_refused_with_a_reason(deep_root, data_home, astronaut_png):
    # Issue 13: os.walk recursed, and a folder nested 1,100 deep stopped the whole index (RecursionError).
    root = deep_root
    (root / "top").mkdir(parents=True)
    (root / "top" / "astronaut.png").write_bytes(astronaut_png.read_bytes())
    Path(deep_folder(root, 1200), "bottom.jpg").write_bytes(text_as_jpeg())
    with Store() as store:
        seconds, final = _index_seconds(root, "deep", store)
        rows = {row["key"]: row for row in store.query("SELECT key, status, reason FROM items")}
    assert final.phase == "finished" and final.done == final.total == 2
    assert rows["top/astronaut.png"]["status"] == "done"
    bottom = rows["d/" * 1200 + "bottom.jpg"]
    assert bottom["status"] == "error" and "not an image" in bottom["reason"]
    print(f"\n1,200-deep folder: listed and indexed in {seconds:.1f} s, its file refused: {bottom['reason']}")


@pytest.mark.timeout(240)
def test_a_cluster_shard_keeps_its_photos_when_one_crashes_the_decoder_and_one_never_ends(
        tmp_path, data_home, astronaut_png, monkeypatch, _crashing_workers):
    """What a cluster task runs (`cluster.make_part`) goes through the local pool: a photo that kills its
    worker, or runs over its time budget, is that photo's error in the part; the shard's others are read."""
    from faceaudit.core.datasets.cluster import make_part
    from faceaudit.core.datasets.index_parts import read_part
    from faceaudit.core.datasets.indexing import list_for_indexing
    from faceaudit.core.datasets.shards import dataset_shards
    from tests.support.dataset_forms import hub_parquet

    monkeypatch.setattr(limits, "SECONDS_PER_FILE", SECONDS_PER_FILE)
    photos = tmp_path / "photos"
    photos.mkdir()
    for number in range(3):
        (photos / f"good-{number}.png").write_bytes(astronaut_png.read_bytes())
    (photos / "crash.jpg").write_bytes(CRASH_MARKER + b"\xff" * 64)
    (photos / "hang.jpg").write_bytes(SLOW_MARKER + b"\xff" * 64)
    # One Hub parquet shard, as LFW and CelebA are published on the Hub.
    shard_folder = hub_parquet([(path, "someone") for path in sorted(photos.iterdir())], tmp_path / "hub", shards=1)
    with Store() as store:
        add_dataset(store, shard_folder, "hub")
        engine, _listing = list_for_indexing(store, get_dataset(store, "hub"), None)
    (shard,), _gaps = dataset_shards(shard_folder)
    (tmp_path / "parts").mkdir()
    coverage = make_part(shard, dict(engine.settings), str(tmp_path / "parts"))
    part, _digest = read_part(tmp_path / "parts" / shard.name)
    items = {item.key.split(" row ")[-1]: item for item in part.items}
    assert coverage["read"] + coverage["not_read"] == len(items) == 5
    statuses = sorted((item.status, item.record.error or "") for item in part.items)
    assert [s for s, _e in statuses].count("done") == 3 and all(item.record.faces for item in part.items
                                                                  if item.status == "done")
    errors = " / ".join(error for _s, error in statuses if error)
    assert "crashed the image decoder" in errors and "time budget for one file" in errors
