"""Build test datasets from LFW: a person's held-out photos among thousands of strangers."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

__all__ = ["PEOPLE", "build_dataset", "person_photos"]

#: LFW people whose every photo gives exactly one HOG face (../shared/facedata/derived).
PEOPLE = ("Winona_Ryder", "Jack_Straw", "Lance_Armstrong")


def person_photos(lfw: Path, name: str) -> list[Path]:
    """A person's LFW photos in order."""
    return sorted((lfw / name).glob("*.jpg"))


def build_dataset(
    lfw: Path, target: Path, people: tuple[str, ...], enrolled: int, strangers: int, seed: int = 7
) -> Path:
    """Copy the held-out photos of `people` plus `strangers` random photos of other people.

    The first `enrolled` photos of each person are left out (they serve as reference photos).
    Files are copied into a temporary folder laid out as LFW is (one folder per person).
    """
    others = sorted(p for p in lfw.iterdir() if p.is_dir() and p.name not in people)
    pool = [photo for person in others for photo in sorted(person.glob("*.jpg"))]
    chosen = random.Random(seed).sample(pool, strangers)
    for person in people:
        chosen.extend(person_photos(lfw, person)[enrolled:])
    for photo in chosen:
        destination = target / photo.parent.name / photo.name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(photo, destination)
    return target
