"""Random dataset trees with a known truth: photos, archives, forms FaceAudit does not read, damaged members,
companion metadata and non-regular files, mixed by a seeded RNG (issue 22's generative test)."""

from __future__ import annotations

import io
import json
import os
import random
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

__all__ = ["Truth", "random_tree"]


@dataclass
class Truth:
    """What a tree holds, file by file (keys as the dataset names them).

    Attributes:
        photos: photos any reader must take as items, readable.
        damaged: items that are listed but must not count as read (refused members, links, FIFOs named
            like photos, broken photos found at indexing).
        unread: files or members no reader takes that are not companions: key -> size.
        companions: files with no photo and no identifier in them.
    """

    photos: set[str] = field(default_factory=set)
    damaged: set[str] = field(default_factory=set)
    unread: dict[str, int] = field(default_factory=dict)
    companions: set[str] = field(default_factory=set)
    broken_at_index: set[str] = field(default_factory=set)

    @property
    def whole(self) -> bool:
        return not self.unread and not self.damaged and not self.broken_at_index


def _jpeg(rng: random.Random, side: int = 12) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (side, side), tuple(rng.randrange(256) for _ in range(3))).save(buffer, "JPEG")
    return buffer.getvalue()


def _write(root: Path, key: str, data: bytes) -> None:
    path = root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _photos(rng, root, truth, faces):
    folder = rng.choice(["", "people/", "a/b/"])
    for number in range(rng.randint(1, 3)):
        key = f"{folder}p{number}.jpg"
        _write(root, key, faces.pop().read_bytes() if faces else _jpeg(rng))
        truth.photos.add(key)


def _zip(rng, root, truth, faces):
    name = f"part{rng.randrange(100)}.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(rng.randint(1, 3)):
            archive.writestr(f"img/{number}.jpg", _jpeg(rng))
            truth.photos.add(f"{name}/img/{number}.jpg")
        if rng.random() < 0.5:
            archive.writestr("README", b"photos of the sample, one folder per person\n")
            truth.companions.add(f"{name}/README")
        if rng.random() < 0.4:
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(8, 200)))
            archive.writestr("cache/blob.bin", data)
            truth.unread[f"{name}/cache/blob.bin"] = len(data)
        if rng.random() < 0.3:
            archive.writestr("img/more.zip", b"PK\x05\x06" + bytes(18))  # an archive inside: refused
            truth.damaged.add(f"{name}/img/more.zip")
    _write(root, name, buffer.getvalue())


def _tar(rng, root, truth, faces):
    name = f"shard{rng.randrange(100):05d}.tar"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for number in range(rng.randint(1, 3)):
            members = {f"{number:05d}.jpg": _jpeg(rng)}
            if rng.random() < 0.5:
                members[f"{number:05d}.json"] = json.dumps({"url": "https://example.org/x.jpg"}).encode()
            for member, data in members.items():
                info = tarfile.TarInfo(member)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
                (truth.photos if member.endswith(".jpg") else truth.companions).add(f"{name}/{member}")
        if rng.random() < 0.3:
            link = tarfile.TarInfo("link.jpg")
            link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
            archive.addfile(link)
            truth.damaged.add(f"{name}/link.jpg")
    _write(root, name, buffer.getvalue())


def _unreadable(rng, root, truth, faces):
    """A form not read on purpose (aside: not read), or a part that cannot be read (an item refused)."""
    kind = rng.choice(["blob", "megaface", "links", "tfrecord", "hdf5", "orphan-volume", "orphan-z02"])
    if kind == "blob":
        files = {"weights.bin": bytes(rng.randrange(256) for _ in range(64))}
    elif kind == "megaface":  # a list beside photos: its rows are not searched with them
        files = {"features_list.json": json.dumps({"id": [f"Person_{n}" for n in range(30)],
                                                  "path": [f"{n}.jpg" for n in range(30)]}).encode()}
    elif kind == "links":
        files = {"urls.tsv": b"url\tname\nhttps://www.flickr.com/photos/jdoe/5551234567/\tJane Doe\n"}
    else:  # listed as items that cannot be read: decoded pixels, a volume whose set is not all there
        name = {"tfrecord": "ffhq-r05.tfrecords", "hdf5": "faces.h5", "orphan-volume": "img.7z.002",
                "orphan-z02": "lfw.z02"}[kind]
        _write(root, name, bytes(rng.randrange(16, 200)))
        truth.damaged.add(name)
        return
    if kind in ("megaface", "links"):  # beside a photo (a folder of nothing but lists is a dataset of lists)
        _write(root, "beside.jpg", _jpeg(rng))
        truth.photos.add("beside.jpg")
    for key, data in files.items():
        _write(root, key, data)
        truth.unread[key] = len(data)


def _companion(rng, root, truth, faces):
    key, data = rng.choice([("README.txt", b"Sample of a face dataset.\nLicence: research only.\n"),
                            ("dataset_info.json", b'{"description": "faces", "version": {"major": 1}}'),
                            ("Anno/list_attr.txt", b"2\nSmiling Young\n000001.jpg -1 1\n000002.jpg 1 1\n"),
                            ("empty", b"")])
    _write(root, key, data)
    truth.companions.add(key)


def _special(rng, root, truth, faces):
    kind = rng.choice(["fifo", "fifo.jpg", "link-out", "linked-folder"])
    if kind == "fifo":
        os.mkfifo(root / "pipe")
        truth.unread["pipe"] = 0
    elif kind == "fifo.jpg":
        os.mkfifo(root / "pipe.jpg")
        truth.damaged.add("pipe.jpg")
    elif kind == "link-out":
        (root / "shadow.jpg").symlink_to("/etc/passwd")
        truth.damaged.add("shadow.jpg")
    else:
        (root / "elsewhere").symlink_to(root.parent)
        truth.unread["elsewhere"] = 0


def _broken(rng, root, truth, faces):
    data = _jpeg(rng)
    _write(root, "broken.jpg", data[: len(data) // 3])
    truth.broken_at_index.add("broken.jpg")


_PARTS = (_photos, _zip, _tar, _unreadable, _companion, _special, _broken)


def random_tree(seed: int, root: Path, faces: list[Path] | None = None, broken: bool = False,
                clean: bool = False) -> Truth:
    """A random tree under `root` and its truth. `faces`: photos with a face to use for the loose photos (taken
    from the list); `broken`: allow photos that only indexing finds broken; `clean`: only photos and companions."""
    rng = random.Random(seed)
    root.mkdir(parents=True)
    truth = Truth()
    parts = [part for part in _PARTS if (broken or part is not _broken) and (
        not clean or part in (_photos, _companion))]
    for part in rng.sample(parts, rng.randint(1, min(4, len(parts)))):
        part(rng, root, truth, faces)
    if faces and rng.random() < 0.7:  # make loose photos (the faces) likely
        _photos(rng, root, truth, faces)
    return truth
