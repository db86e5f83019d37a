"""FaceAudit's own tar reader: the CPython tarfile CVE cases, bombs and truncations, each refused in bounded time."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import resource
import tarfile
import time
import zlib
from pathlib import Path

import pytest

from faceaudit.core import limits
from faceaudit.core.datasets.sources import Entry, Gap, SourceError, gzip_index, open_source
from faceaudit.core.datasets.sources.tar_reader import TarDamaged, parse_pax
from tests.support.hostile_forms import TAR_END, tar_header, tar_member

DATA = os.urandom(3000)  # stands for a photo: random bytes do not compress


header, member, END = tar_header, tar_member, TAR_END


def octal(size: int) -> bytes:
    return b"%011o\0" % size


def listing(path: Path, cache: Path | None = None) -> tuple[dict[str, Entry], list[Gap]]:
    items = list(open_source(path, cache=cache).entries())
    return ({e.key: e for e in items if isinstance(e, Entry)}, [g for g in items if isinstance(g, Gap)])


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def test_negative_member_size_is_refused_at_once(tmp_path):
    # CVE-2025-8194: a negative size (GNU base-256, first byte 0xff) makes tarfile loop for ever.
    path = tmp_path / "negative.tar"
    path.write_bytes(member("p/ok.jpg", DATA) + header(b"p/evil.jpg", b"\xff" * 12) + bytes(10_000) + END)
    (entries, gaps), seconds = timed(listing, path)
    assert seconds < 1.0
    assert entries["p/ok.jpg"].problem is None
    assert "p/evil.jpg" not in entries
    assert len(gaps) == 1 and "negative size" in gaps[0].reason and "could not be listed" in gaps[0].reason


def test_pax_header_of_digits_costs_nothing(tmp_path):
    # CVE-2024-6232: tarfile's pax parsing backtracks; 11 KB of digits cost it about 80 minutes.
    path = tmp_path / "digits.tar"
    pax = b"1" * 11_000
    path.write_bytes(header(b"././@PaxHeader", octal(len(pax)), b"x") + pax + bytes(-len(pax) % 512)
                     + member("p/after.jpg", DATA) + member("p/next.jpg", DATA) + END)
    (entries, gaps), seconds = timed(listing, path)
    assert seconds < 0.5
    assert entries["p/after.jpg"].problem.startswith("damaged extended header before this member")
    assert entries["p/next.jpg"].problem is None and gaps == []
    contents = {entry.key: data for entry, data, _ in open_source(path).read(["p/after.jpg", "p/next.jpg"])}
    assert contents == {"p/after.jpg": None, "p/next.jpg": DATA}


def test_pax_records_are_bounded_and_parsed_in_one_pass():
    many = b"6 a=b\n" * (limits.MAX_PAX_RECORDS + 1)
    assert len(parse_pax(b"6 a=b\n" * limits.MAX_PAX_RECORDS)) == limits.MAX_PAX_RECORDS
    with pytest.raises(TarDamaged, match="more than"):
        parse_pax(many)
    with pytest.raises(TarDamaged, match="declares"):
        parse_pax(b"999 path=x\n")
    with pytest.raises(TarDamaged, match="not a number"):
        parse_pax(b"9" * 30 + b" path=x\n")
    assert parse_pax(b"18 path=caf\xc3\xa9.jpg\n") == [(b"path", "café.jpg".encode())]
    # Linear: 1 MB of well-formed records parses in well under a second.
    record = b"30 comment=xxxxxxxxxxxxxxxxxx\n"
    assert len(record) == 30
    _, seconds = timed(parse_pax, record * 900)
    assert seconds < 0.5


def test_gnu_long_name_bomb_is_refused_without_reading_it(tmp_path):
    # A GNU long-name member declaring 2 GiB: tarfile reads it whole into memory (2.1 GB for a 2 MB .tgz).
    path = tmp_path / "longname.tgz"
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(member("p/ok.jpg", DATA))
        out.write(header(b"././@LongLink", octal(2 * 2**30), b"L", magic=b"ustar  \0"))
        zeros = bytes(2**20)
        for _ in range(64):  # 64 MiB of it, about 64 KB compressed
            out.write(zeros)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    (entries, gaps), seconds = timed(listing, path)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert seconds < 1.0 and grown_mib < 50
    assert entries["p/ok.jpg"].problem is None
    assert len(gaps) == 1 and "long name of 2,147,483,648 bytes" in gaps[0].reason


def test_member_compression_ratio_is_checked(tmp_path):
    path = tmp_path / "ratio.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name, data in (("p/bomb.png", bytes(8 * 2**20)), ("p/after.jpg", DATA)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    entries, gaps = listing(path)
    assert entries["p/bomb.png"].problem.startswith("compression bomb refused: ratio")
    assert entries["p/after.jpg"].problem is None and gaps == []
    contents = {entry.key: (data, problem) for entry, data, problem in open_source(path).read(list(entries))}
    assert contents["p/bomb.png"][0] is None and "compression bomb" in contents["p/bomb.png"][1]
    assert contents["p/after.jpg"] == (DATA, None)


def test_whole_stream_bomb_stops_within_its_budget(tmp_path, monkeypatch):
    # Many small members of zeros: each under the per-member check, together a bomb.
    monkeypatch.setattr(limits, "RATIO_CHECK_FLOOR_BYTES", 2 * 2**20)
    path = tmp_path / "stream.tar.gz"
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(member("p/first.jpg", DATA))
        for number in range(400):
            out.write(member(f"p/{number}.png", bytes(100_000)))
        out.write(END)
    (entries, gaps), seconds = timed(listing, path)
    assert seconds < 2.0
    assert entries["p/first.jpg"].problem is None
    assert len(gaps) == 1 and "compression bomb refused" in gaps[0].reason
    assert len(entries) < 100  # it stopped early, not after decompressing everything


@pytest.mark.parametrize(("cut", "words"), [(512 + 3000 + 200, "ends inside a header"),
                                             (2 * 512 + 2 * 3072, "without its end-of-archive marker"),
                                             (512 + 1000, "ends inside")])
def test_truncated_plain_tar_is_a_gap_never_a_normal_end(tmp_path, cut, words):
    whole = member("p/a.jpg", DATA) + member("p/b.jpg", DATA) + END
    path = tmp_path / "cut.tar"
    path.write_bytes(whole[:cut])
    entries, gaps = listing(path)
    assert len(gaps) == 1 and gaps[0].prefix == "" and words in gaps[0].reason


def test_damaged_header_checksum_is_a_gap(tmp_path):
    broken = bytearray(member("p/b.jpg", DATA))
    broken[0:3] = b"XYZ"  # the checksum no longer matches
    path = tmp_path / "checksum.tar"
    path.write_bytes(member("p/a.jpg", DATA) + bytes(broken) + END)
    entries, gaps = listing(path)
    assert set(entries) == {"p/a.jpg"} and "checksum is wrong" in gaps[0].reason


def test_declared_size_beyond_the_archive_is_refused(tmp_path):
    raw = member("p/a.jpg", DATA) + header(b"p/huge.jpg", octal(10**10)) + DATA + END
    plain = tmp_path / "liar.tar"
    plain.write_bytes(raw)
    entries, gaps = listing(plain)  # a plain tar: the member runs past the end, like a cut download
    assert entries["p/huge.jpg"].problem.startswith("cannot read member: the archive ends inside")
    assert len(gaps) == 1 and entries["p/a.jpg"].problem is None
    packed = tmp_path / "liar.tar.gz"
    packed.write_bytes(gzip.compress(raw))
    (entries, gaps), seconds = timed(listing, packed)  # compressed: more than the file could expand to
    assert seconds < 1.0
    assert set(entries) == {"p/a.jpg"} and "more than this archive can hold" in gaps[0].reason


@pytest.mark.parametrize("form", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT, tarfile.USTAR_FORMAT])
def test_long_and_non_ascii_names_in_every_tar_format(tmp_path, form):
    names = ["p/" + "d" * 120 + "/photo.jpg", "p/short.jpg"]
    if form != tarfile.USTAR_FORMAT:
        names.append("p/" + "n" * 150 + "-ëß.jpg")
    path = tmp_path / "names.tar"
    with tarfile.open(path, "w", format=form) as archive:
        for name in names:
            info = tarfile.TarInfo(name)
            info.size = len(DATA)
            archive.addfile(info, io.BytesIO(DATA))
    entries, gaps = listing(path)
    assert sorted(entries) == sorted(names) and gaps == []
    assert all(data == DATA for _, data, _ in open_source(path).read(names))


def test_sparse_members_are_refused(tmp_path):
    path = tmp_path / "sparse.tar"
    path.write_bytes(header(b"p/sparse.jpg", octal(len(DATA)), b"S", magic=b"ustar  \0") + DATA
                     + bytes(-len(DATA) % 512) + member("p/a.jpg", DATA) + END)
    entries, gaps = listing(path)
    assert entries["p/sparse.jpg"].problem == "sparse member not read"
    assert entries["p/a.jpg"].problem is None and gaps == []


@pytest.mark.parametrize(("suffix", "compress"), [
    (".tar", None), (".tar.gz", gzip.compress), (".tar.bz2", bz2.compress), (".tar.xz", lzma.compress)])
def test_one_member_is_read_from_its_locator(tmp_path, suffix, compress):
    members = {f"p/{n:03d}.jpg": os.urandom(2000 + n) for n in range(50)}
    raw = b"".join(member(name, data) for name, data in members.items()) + END
    path = tmp_path / f"many{suffix}"
    path.write_bytes(compress(raw) if compress else raw)
    cache = tmp_path / "cache"
    entries, _ = listing(path, cache)
    last = entries["p/049.jpg"]
    assert open_source(path, cache=cache).read_one(last.key, last.locator) == members["p/049.jpg"]
    assert open_source(path).read_one(last.key, None) == members["p/049.jpg"]  # no locator: by scanning
    if suffix == ".tar.gz":
        assert gzip_index.find(path, cache) is not None  # seek points made by the first read, kept for the next


def test_gzip_seek_points_make_a_late_member_cheap(tmp_path, monkeypatch):
    monkeypatch.setattr(gzip_index, "SPACING_MIN", 256 * 1024)
    members = {f"p/{n:04d}.jpg": os.urandom(20_000) for n in range(400)}  # 8 MB
    path = tmp_path / "big.tar.gz"
    path.write_bytes(gzip.compress(b"".join(member(k, v) for k, v in members.items()) + END, compresslevel=1))
    cache = tmp_path / "cache"
    entries, _ = listing(path, cache)
    open_source(path, cache=cache).prepare_reads()  # as indexing does after its listing
    assert gzip_index.find(path, cache) is not None
    last = entries["p/0399.jpg"]
    calls = []
    real = zlib.decompressobj

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    source = open_source(path, cache=cache)
    monkeypatch.setattr(zlib, "decompressobj", counting)  # the scan from the start would use it
    assert source.read_one(last.key, last.locator) == members["p/0399.jpg"]
    assert calls == []  # read through the seek points (indexed_gzip), not by our stream from byte 0


def test_stale_locator_falls_back_to_the_key(tmp_path):
    path = tmp_path / "moved.tar"
    path.write_bytes(member("p/a.jpg", DATA) + member("p/b.jpg", DATA[::-1]) + END)
    entries, _ = listing(path)
    locator = entries["p/b.jpg"].locator
    path.write_bytes(member("p/b.jpg", DATA[::-1]) + member("p/a.jpg", DATA) + END)  # rebuilt, other order
    os.utime(path, ns=(1, 1))
    assert open_source(path).read_one("p/b.jpg", locator) == DATA[::-1]


def test_concatenated_gzip_members_are_one_stream(tmp_path):
    raw = member("p/a.jpg", DATA) + member("p/b.jpg", DATA) + END
    path = tmp_path / "pigz.tar.gz"
    path.write_bytes(gzip.compress(raw[:1024]) + gzip.compress(raw[1024:]) + bytes(512))  # trailing padding
    entries, gaps = listing(path)
    assert set(entries) == {"p/a.jpg", "p/b.jpg"} and gaps == []


def test_not_a_tar(tmp_path):
    path = tmp_path / "photo.tar"
    path.write_bytes(b"\xff\xd8\xff" + bytes(2000))
    with pytest.raises(SourceError):
        open_source(path)
