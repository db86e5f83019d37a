"""Hostile archives, shards and packs, built in the test (nothing downloaded): the CPython tarfile CVE cases,
bombs, lying parquet metadata, broken RecordIO packs and a malicious pickle in a `.bin`."""

from __future__ import annotations

import gzip
import io
import pickle
import struct
import tarfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tests.support.dataset_forms import ir_record, recordio_frame
from tests.support.parquet_thrift import read_footer, set_field, write_footer

__all__ = ["tar_header", "tar_member", "TAR_END", "negative_size_tar", "pax_digits_tar", "long_name_bomb_tgz",
           "member_ratio_bomb_tgz", "lying_parquet", "broken_rec", "malicious_bin"]

TAR_END = bytes(1024)


def tar_header(name: bytes, size_field: bytes, kind: bytes = b"0", magic: bytes = b"ustar\x0000") -> bytes:
    """A 512-byte tar header with a correct checksum; `size_field` is the raw 12-byte size field."""
    block = bytearray(512)
    block[0:len(name)] = name
    block[100:108] = b"0000644\0"
    block[124:136] = size_field
    block[136:148] = b"14771414210\0"
    block[156:157] = kind
    block[257:265] = magic
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block)
    return bytes(block)


def tar_member(name: str, data: bytes) -> bytes:
    return tar_header(name.encode(), b"%011o\0" % len(data)) + data + bytes(-len(data) % 512)


def negative_size_tar(path: Path, photo: bytes) -> Path:
    """CVE-2025-8194: a member size in GNU base-256 that is negative (tarfile loops for ever)."""
    path.write_bytes(tar_member("p/ok.jpg", photo) + tar_header(b"p/evil.jpg", b"\xff" * 12) + bytes(10_000)
                     + TAR_END)
    return path


def pax_digits_tar(path: Path, photo: bytes, digits: int = 11_000) -> Path:
    """CVE-2024-6232: a pax header of digits (tarfile's parsing backtracks: 80 minutes at 11 KB)."""
    pax = b"1" * digits
    path.write_bytes(tar_header(b"././@PaxHeader", b"%011o\0" % len(pax), b"x") + pax + bytes(-len(pax) % 512)
                     + tar_member("p/after.jpg", photo) + tar_member("p/ok.jpg", photo) + TAR_END)
    return path


def long_name_bomb_tgz(path: Path, photo: bytes, declared: int = 2 * 2**30, written: int = 64 * 2**20) -> Path:
    """A GNU long-name member declaring 2 GiB (tarfile reads it whole: 2.1 GB for a 2 MB .tgz)."""
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(tar_member("p/ok.jpg", photo))
        out.write(tar_header(b"././@LongLink", b"%011o\0" % declared, b"L", magic=b"ustar  \0"))
        zeros = bytes(2**20)
        for _ in range(written // 2**20):
            out.write(zeros)
    return path


def member_ratio_bomb_tgz(path: Path, photo: bytes, size: int = 16 * 2**20) -> Path:
    """A tar.gz member of zeros: 1,000:1, refused by the member compression-ratio check."""
    with gzip.open(path, "wb", compresslevel=9) as out, tarfile.open(fileobj=out, mode="w") as archive:
        for name, data in (("p/bomb.png", bytes(size)), ("p/ok.jpg", photo)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def lying_parquet(path: Path, photo: bytes, lie: str) -> Path:
    """A Hub-style shard whose footer lies: 'file-rows', 'group-rows' (hides rows) or 'huge-group'."""
    image = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    pq.write_table(pa.table({"image": pa.array([{"bytes": photo, "path": f"{n}.jpg"} for n in range(9)], image)}),
                   path, row_group_size=3)
    footer = read_footer(path)
    if lie == "file-rows":
        set_field(footer, 3, 10**12)
    elif lie == "group-rows":
        set_field(footer, 4, 0, 3, 1)
    else:
        set_field(footer, 4, 1, 1, 0, 3, 6, 10**15)
    write_footer(path, footer)
    return path


def broken_rec(folder: Path, photo: bytes, fault: str) -> Path:
    """A pack folder whose `train.rec` / `train.idx` is broken: 'length', 'magic' or 'idx-outside'."""
    folder.mkdir(parents=True, exist_ok=True)
    frames = [recordio_frame(ir_record(n, n, photo)) for n in range(3)]
    if fault == "length":
        liar = bytearray(frames[1])
        struct.pack_into("<I", liar, 4, (1 << 29) - 1)
        frames[1] = bytes(liar)
    elif fault == "magic":
        broken = bytearray(frames[1])
        broken[:4] = b"\0\0\0\0"
        frames[1] = bytes(broken)
    (folder / "train.rec").write_bytes(b"".join(frames))
    offsets = [0, len(frames[0]), len(frames[0]) + len(frames[1])]
    lines = [f"{n}\t{o}" for n, o in enumerate(offsets)]
    if fault == "idx-outside":
        lines.append(f"3\t{10**12}")
    elif fault == "length":
        lines = lines[:1]  # an .idx that stops early gives nothing to resume at
    (folder / "train.idx").write_text("\n".join(lines) + "\n")
    (folder / "property").write_text("3,112,112")
    return folder


class _Payload:
    """Unpickling this runs a command; the reader must refuse it without running anything."""

    marker: Path

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.marker}",))


def malicious_bin(folder: Path, photo: bytes, marker: Path) -> Path:
    """A pack whose `lfw.bin` pickle would run a command when unpickled."""
    broken_rec(folder, photo, "none")
    payload = _Payload()
    payload.marker = marker
    with open(folder / "lfw.bin", "wb") as handle:
        pickle.dump(([photo, payload], [True]), handle, protocol=4)
    return folder
