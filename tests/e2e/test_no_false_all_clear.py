"""Acceptance (issue 14): a dataset that could not really be checked is flagged in `dataset list` and named by
`scan`; "none of the faces looks like yours" appears only when every scanned dataset has faces."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.support.lfw_sets import build_dataset, person_photos

PERSON = "Jack_Straw"
ALL_CLEAR = "none of the faces in these datasets looks like yours"


def _noise_jpeg(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (120, 120, 3), dtype=np.uint8)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def home(lfw, tmp_path_factory) -> tuple[Path, dict]:
    base = tmp_path_factory.mktemp("all-clear")
    env = {**os.environ, "FACEAUDIT_HOME": str(base / "home")}
    photos = build_dataset(lfw, base / "photos", (PERSON,), enrolled=2, strangers=12)
    # Seed 12: these 12 strangers give no candidate at all for this person (seeds 11 and 13-18 each give one or more
    # weak look-alikes), so the all-clear sentence is right for them.
    strangers = build_dataset(lfw, base / "strangers", (), enrolled=0, strangers=12, seed=12)
    ffhq = base / "ffhq-tfrecords"
    ffhq.mkdir()
    for level in range(2):
        (ffhq / f"ffhq-r0{level}.tfrecords").write_bytes(bytes(64))
    empty = base / "nothing-here"
    empty.mkdir()
    (empty / "README.txt").write_text("the photos were never downloaded")
    noise = base / "noise"
    noise.mkdir()
    for number in range(14):
        (noise / f"{number:02d}.jpg").write_bytes(_noise_jpeg(number))
    for photo in sorted(strangers.rglob("*.jpg"))[:2]:
        (noise / photo.name).write_bytes(photo.read_bytes())
    cut = base / "cut.tar"
    with tarfile.open(cut, "w") as archive:
        for photo in sorted(strangers.rglob("*.jpg"))[:6]:
            archive.add(photo, photo.relative_to(strangers).as_posix())
    whole = cut.read_bytes()
    cut.write_bytes(whole[:len(whole) // 2])  # a download cut short
    # A folder without a photo is refused when it is added (issue 17)...
    refused = subprocess.run([sys.executable, "-m", "faceaudit.cli", "dataset", "add", str(empty), "--name", "empty"],
                             env=env, capture_output=True, text=True, timeout=600)
    assert refused.returncode == 2 and "holds no photos" in refused.stderr
    # ...but one whose photos went after it was added has nothing readable, and must say so.
    (empty / "placeholder.jpg").write_bytes(_noise_jpeg(99))
    for name, path in (("photos", photos), ("strangers", strangers), ("ffhq", ffhq), ("empty", empty),
                       ("noise", noise), ("cut", cut)):
        _cli(env, "dataset", "add", str(path), "--name", name)
    (empty / "placeholder.jpg").unlink()
    _cli(env, "index", "--workers", "2")
    late = base / "added-later"
    late.mkdir()
    (late / "one.jpg").write_bytes(_noise_jpeg(7))
    _cli(env, "dataset", "add", str(late), "--name", "late")  # added after indexing: not indexed yet
    _cli(env, "me", "add", *map(str, person_photos(lfw, PERSON)[:2]))
    return base, env


def _cli(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "faceaudit.cli", *args], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout + done.stderr


def test_dataset_list_flags_every_dataset_that_was_not_really_checked(home):
    _, env = home
    lines = _cli(env, "dataset", "list").splitlines()
    by_name = {line.split(":")[0]: (line, lines[n + 1] if n + 1 < len(lines) else "") for n, line in enumerate(lines)
               if not line.startswith(" ")}
    assert "indexed" in by_name["photos"][0] and not by_name["photos"][1].startswith("  not really checked")
    assert "NOTHING READABLE" in by_name["ffhq"][0] and "TFRecord" in by_name["ffhq"][1]
    assert "NOTHING READABLE" in by_name["empty"][0] and "no photo was found" in by_name["empty"][1]
    assert "FEW FACES FOUND" in by_name["noise"][0] and "faces were found in only 2 of its 16" in by_name["noise"][1]
    assert "PARTLY UNREADABLE" in by_name["cut"][0] and "could not be listed" in by_name["cut"][1]
    for name in ("ffhq", "empty", "noise", "cut"):
        assert by_name[name][1].startswith("  not really checked: "), by_name[name]


def test_scan_names_what_it_could_not_check_and_gives_no_false_all_clear(home):
    _, env = home
    everything = _cli(env, "scan")
    for name in ("ffhq", "empty", "noise", "cut", "late"):
        assert f"not really checked: {name}: " in everything
    # Each names where to go next: errors to read, or indexing to finish.
    assert "(see: faceaudit dataset errors cut)" in everything
    assert "(to finish: faceaudit index late)" in everything
    assert "not really checked: photos" not in everything and "strong" in everything
    only_unchecked = _cli(env, "scan", "ffhq")
    assert ALL_CLEAR not in only_unchecked
    assert "could not really be checked, so this says nothing about them" in only_unchecked
    # The control: where every scanned dataset has faces, the all-clear is said (the test can fail).
    assert ALL_CLEAR in _cli(env, "scan", "strangers")
    as_json = subprocess.run([sys.executable, "-m", "faceaudit.cli", "scan", "noise", "--json"], env=env,
                             capture_output=True, text=True, timeout=600)
    assert as_json.stdout.strip() == "[]" and "not really checked: noise" in as_json.stderr
