"""A zip split into volumes with `zip -s` (`lfw.z01`, `lfw.z02` …, then `lfw.zip`), read as one archive in place.

The last volume (`.zip`) holds the central directory; each member's offset in it counts from the
start of the volume its local header is on. The volumes are read end to end through `Volumes`
(never joined on disk), and each member's offset is moved by the start of its volume, so
`zipfile` reads members that cross from one volume into the next as if the archive were whole.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from faceaudit.core.datasets.sources.base import SourceError
from faceaudit.core.datasets.sources.forms import Form, Role, register
from faceaudit.core.datasets.sources.volumes import ZIP_VOLUME, Volumes, split_zip_volumes

__all__ = ["open_zip", "disks_of", "recognise", "last_volume"]

#: The first bytes of a split zip's first volume (the spanning marker, then a local header).
SPLIT_MARK = b"PK\x07\x08PK\x03\x04"


def recognise(sample: bytes, path: Path | str = "") -> bool:
    """True for the first volume of a split zip (`.z01`): the spanning marker, then a local header."""
    return sample.startswith(SPLIT_MARK)


def disks_of(path: Path) -> int:
    """How many volumes the zip's end record counts (1 for a whole zip, 0 when it has no end record)."""
    try:
        with open(path, "rb") as handle:
            end = zipfile._EndRecData(handle)  # the stdlib's own end-record parser (zip64 included)
    except OSError:
        return 0
    if not end:
        return 0
    return int(end[zipfile._ECD_DISK_NUMBER]) + 1


def last_volume(volume: Path) -> Path | None:
    """The `.zip` that ends the split set `volume` (`x.z01`) belongs to, when it is beside it."""
    match = ZIP_VOLUME.match(volume.name)
    if not match:
        return None
    for suffix in (".zip", ".ZIP"):
        candidate = volume.with_name(match.group("base") + suffix)
        if candidate.is_file():
            return candidate
    return None


def open_zip(path: Path) -> zipfile.ZipFile:
    """The zip at `path`; a split zip's last volume opens with all of its volumes, as one archive.

    Raises:
        SourceError: a volume is missing, or the archive is damaged (the message says which).
        zipfile.BadZipFile, OSError: as `zipfile.ZipFile` raises them for a whole zip.
    """
    disks = disks_of(path)
    if disks <= 1:
        return zipfile.ZipFile(path)
    volumes = Volumes(split_zip_volumes(path, disks))
    try:
        with open(path, "rb") as handle:
            end = zipfile._EndRecData(handle)
        archive = zipfile.ZipFile(volumes)
        # zipfile moved every offset by where the central directory's volume starts; each member
        # is on its own volume.
        moved = volumes.starts[int(end[zipfile._ECD_DISK_START])]
        for info in archive.infolist():
            if info.volume >= len(volumes.paths):
                raise SourceError(f"{path.name}: member {info.filename} is on volume {info.volume + 1}, "
                                  f"but the archive has {len(volumes.paths)}")
            info.header_offset += volumes.starts[info.volume] - moved
        _reset_ends(archive)
        return archive
    except BaseException:
        volumes.close()
        raise


def _reset_ends(archive: zipfile.ZipFile) -> None:
    """Newer Pythons record where each member must end (to refuse overlapping members): recount it."""
    infos = sorted(archive.infolist(), key=lambda info: info.header_offset)
    if not hasattr(infos[0] if infos else None, "_end_offset"):
        return
    for info, following in zip(infos, infos[1:] + [None], strict=True):
        info._end_offset = following.header_offset if following is not None else archive.start_dir

register(Form("split zip part", "split zip parts", Role.PART, 20,
              lambda sample: recognise(sample.head) or re.search(r"\.z\d{2,}$", sample.name) is not None
              or (sample.name.endswith(".zip") and sample.name[:-4] + ".z01" in sample.beside), kind="archive"))
