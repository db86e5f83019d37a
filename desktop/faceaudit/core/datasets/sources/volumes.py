"""An archive published in volumes (`lfw.z01` + `lfw.zip`, `img_celeba.7z.001 …`) read as one file, in place.

The volumes are never joined on disk: `Volumes` is a read-only, seekable file over them in order,
so an archive reader sees the bytes it would see after `cat`. `volumes_of` finds a set from any
one of its members and says which volume is missing when the numbering has a hole.
"""

from __future__ import annotations

import bisect
import os
import re
from pathlib import Path

from faceaudit.core.datasets.sources.base import SourceError, file_fingerprint
from faceaudit.core.datasets.sources.blobs import SeekableReader

__all__ = ["Volumes", "volumes_of", "split_zip_volumes", "seven_zip_volumes", "SEVEN_ZIP_VOLUME", "ZIP_VOLUME"]

#: `name.7z.001`, `name.7z.002` …: 7-Zip's volumes (the first holds the signature header).
SEVEN_ZIP_VOLUME = re.compile(r"^(?P<base>.+\.7z)\.(?P<n>\d{3,})$", re.IGNORECASE)
#: `name.z01`, `name.z02` … before `name.zip`: zip's split volumes (`zip -s`).
ZIP_VOLUME = re.compile(r"^(?P<base>.+)\.z(?P<n>\d{2,})$", re.IGNORECASE)
#: At most this many volumes in one set (zip numbers disks in 16 bits; 7-Zip sets stop far earlier).
MAX_VOLUMES = 65_535


class Volumes(SeekableReader):
    """The volumes' bytes end to end, as one read-only, seekable file (one volume open at a time)."""

    def __init__(self, paths: list[Path]):
        self.paths = list(paths)
        self.sizes = [path.stat().st_size for path in self.paths]
        self.starts = [0]
        for size in self.sizes:
            self.starts.append(self.starts[-1] + size)
        self.length = self.starts[-1]
        self.at = 0
        self._open_index: int | None = None
        self._handle = None

    @property
    def fingerprint(self) -> str:
        """Changes when any volume changes."""
        return "+".join(file_fingerprint(path.stat()) for path in self.paths)

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        done = 0
        while done < len(view) and self.at < self.length:
            index = bisect.bisect_right(self.starts, self.at) - 1
            handle = self._volume(index)
            handle.seek(self.at - self.starts[index])
            want = min(len(view) - done, self.starts[index + 1] - self.at)
            got = handle.readinto(view[done:done + want])
            if not got:  # a volume shorter than when it was measured: it changed under us
                raise OSError(f"{self.paths[index].name} changed while it was being read")
            done += got
            self.at += got
        return done

    def _volume(self, index: int):
        if self._open_index != index:
            if self._handle is not None:
                self._handle.close()
            self._handle = open(self.paths[index], "rb")  # noqa: SIM115 - closed with the Volumes
            self._open_index = index
        return self._handle

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        super().close()


def volumes_of(path: Path, pattern: re.Pattern, name_of) -> list[Path]:
    """Every volume of the set `path` belongs to, in order, checked for holes.

    Args:
        path: one volume.
        pattern: the volumes' names, with groups `base` and `n`.
        name_of: (base, number, digits) -> the file name of volume `number`.

    Raises:
        SourceError: a volume is missing (named), or there are more than `MAX_VOLUMES`.
    """
    match = pattern.match(path.name)
    if not match:
        return [path]
    base, digits = match.group("base"), len(match.group("n"))
    found = []
    number = 1
    while number <= MAX_VOLUMES:
        candidate = path.with_name(name_of(base, number, digits))
        if not candidate.is_file():
            break
        found.append(candidate)
        number += 1
    later = sorted(int(other.group("n")) for other in map(pattern.match, _names(path.parent))
                   if other and other.group("base").lower() == base.lower() and int(other.group("n")) > number)
    if later:
        raise SourceError(f"volume {name_of(base, number, digits)} of {base} is missing "
                          f"(volume {later[0]} is there): the archive cannot be read without it")
    return found


def seven_zip_volumes(path: Path) -> list[Path]:
    """The volumes of a 7-Zip set from any of them (`x.7z.001`, `x.7z.002` …), in order."""
    return volumes_of(path, SEVEN_ZIP_VOLUME, lambda base, n, digits: f"{base}.{n:0{digits}d}")


def split_zip_volumes(archive: Path, disks: int) -> list[Path]:
    """The volumes of a split zip from its last one (`x.zip`): `x.z01 … x.zNN`, then `x.zip`.

    Raises:
        SourceError: a volume the archive's end record counts is missing (named).
    """
    stem = archive.name[:-4] if archive.name.lower().endswith(".zip") else archive.name
    if disks > MAX_VOLUMES:
        raise SourceError(f"{archive.name} declares {disks:,} volumes")
    paths = []
    for number in range(1, disks):
        candidate = next((archive.with_name(f"{stem}.{z}{number:02d}") for z in ("z", "Z")
                          if archive.with_name(f"{stem}.{z}{number:02d}").is_file()), None)
        if candidate is None:
            raise SourceError(f"{archive.name} is the last volume of a split zip, and its volume {stem}.z{number:02d} "
                              "is missing: put every volume (.z01, .z02, …) beside it")
        paths.append(candidate)
    return paths + [archive]


def _names(folder: Path):
    try:
        return os.listdir(folder)
    except OSError:
        return []
