"""Pre-aligned crops: FaceAudit's aligned path vs its HOG path vs face_recognition, on the same ArcFace crops.

2,000 ArcFace-aligned 112x112 crops are made from LFW photos (as InsightFace made MS1M-ArcFace and its
kin: 5 landmarks aligned to the template), plus the crops of the LFW photos where HOG finds no face at
all (their box from the CNN detector): the turned and hidden faces that tight crops make hardest. Then,
in the same run, each crop folder is indexed for real:

- aligned: `faceaudit index` of a dataset added with `--aligned auto` (no detection: landmarks on the
  template's box, chip, embedding);
- HOG: the same with `--aligned none` (what FaceAudit did before: HOG detection, upsample 1);
- peer: `face_recognition --cpus 2` (HOG detection and dlib's own encoder), the library FaceAudit builds on.

Recall: crops whose face is found and embedded within 0.6 of the same photo's face found the usual way
(HOG on the full LFW photo; the CNN for the hard ones), i.e. the right face, usable for a match.

Speed: the CPU seconds of each run (its process and its workers, from getrusage), which other
programs on the machine do not inflate, and the wall-clock seconds (best of two runs, the paths
taking turns); rates per CPU second are given per core-second, so 2 cores do twice that.

    python bench/aligned_speed.py [--crops 2000]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _facedata import LFW, REPO, require_facedata

sys.path.insert(0, str(REPO))

MATCH = 0.6
MILLIONS = 5.8e6  # MS1M-ArcFace


def _tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def _hard_photos() -> list[Path]:
    """LFW photos where HOG finds no face at upsample 0 or 1 (shared/facedata/derived)."""
    table = LFW.parents[2] / "derived" / "lfw_dlib_hog_exceptions.tsv"
    hard = []
    for line in table.read_text().splitlines():
        fields = line.split("\t")
        if len(fields) >= 3 and fields[1] == "0" and fields[2] == "0":
            *_, person, name = fields[0].split("/")
            hard.append(LFW / person / name)
    return [p for p in hard if p.is_file()]


def make_crops(count: int, target: Path) -> tuple[dict[str, np.ndarray], list[str]]:
    """Write crops as JPEG files; return each crop's reference embedding (from its full photo)."""
    import dlib
    from PIL import Image

    from faceaudit.core.faces import model_files
    from faceaudit.core.faces.aligned import align_to_template
    from faceaudit.core.faces.engine import FaceEngine, central_face
    from faceaudit.core.faces.images import decode_image
    from tests.support.aligned_crops import five_points

    engine = FaceEngine("hog", 1, "onnx", "cpu")
    references: dict[str, np.ndarray] = {}
    target.mkdir(parents=True)

    def add(photo: Path, box) -> None:
        rgb = decode_image(photo.read_bytes()).rgb
        top, right, bottom, left = box
        face = engine.face_at(rgb, box)
        engine.embed_faces([face])
        crop = align_to_template(rgb, five_points(rgb, dlib.rectangle(left, top, right, bottom)))
        name = f"{photo.stem}.jpg"
        Image.fromarray(crop).save(target / name, "JPEG", quality=95)
        references[name] = face.embedding

    photos = sorted(LFW.glob("*/*.jpg"))[::3]
    for photo in photos:
        if len(references) >= count:
            break
        rgb = decode_image(photo.read_bytes()).rgb
        boxes = [box for box, _score in engine.detect(rgb)]
        pick = central_face(boxes, rgb.shape[1], rgb.shape[0])
        if pick is not None:
            add(photo, boxes[pick])
    hard = []
    for photo in _hard_photos():
        rgb = decode_image(photo.read_bytes()).rgb
        found = model_files.cnn_detector()(rgb, 1)
        if found:
            rect = max(found, key=lambda d: d.confidence).rect
            add(photo, (rect.top(), rect.right(), rect.bottom(), rect.left()))
            hard.append(f"{photo.stem}.jpg")
    return references, hard


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(command: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the command and its children, stdout)."""
    cpu, start = _child_cpu(), time.perf_counter()
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, _child_cpu() - cpu, done.stdout


def index_with(folder: Path, home: Path, aligned: str) -> tuple[float, float]:
    """Index the crops in a fresh data folder: (wall seconds, CPU seconds)."""
    shutil.rmtree(home, ignore_errors=True)
    env = {**os.environ, "FACEAUDIT_HOME": str(home)}
    subprocess.run([_tool("faceaudit"), "dataset", "add", str(folder), "--name", "crops", "--aligned", aligned],
                   env=env, check=True, capture_output=True)
    subprocess.run([_tool("faceaudit"), "me", "list"], env=env, check=True, capture_output=True)  # warm the folder
    wall, cpu, _ = timed_run([_tool("faceaudit"), "index", "--workers", "2"], env)
    return wall, cpu


def stored_faces(home: Path) -> dict[str, list[np.ndarray]]:
    faces: dict[str, list[np.ndarray]] = {}
    with sqlite3.connect(home / "faceaudit.db") as conn:
        for key, blob in conn.execute("SELECT i.key, f.embedding FROM items i LEFT JOIN faces f ON f.item_id = i.id"):
            faces.setdefault(key, [])
            if blob is not None:
                faces[key].append(np.frombuffer(blob, "<f4"))
    return faces


def run_peer(folder: Path, work: Path) -> tuple[float, float, dict[str, int]]:
    known = work / "known"
    known.mkdir(exist_ok=True)
    shutil.copyfile(LFW / "Zico" / "Zico_0001.jpg", known / "zico.jpg")
    wall, cpu, out = timed_run([_tool("face_recognition"), "--cpus", "2", "--show-distance", "true", str(known),
                                str(folder)])
    # The CLI prints one token per face found; photos without faces print no_persons_found.
    counts: dict[str, int] = {}
    for name, nobody in re.findall(r"([^\s,/]+\.jpg),(no_persons_found)?", out):
        counts[name] = counts.get(name, 0) + (0 if nobody else 1)
    return wall, cpu, counts


def peer_recall(folder: Path, references: dict[str, np.ndarray], names: list[str]) -> int:
    """Crops where face_recognition's API finds a face within MATCH of the reference (its own CLI's work)."""
    import face_recognition

    good = 0
    for name in names:
        image = face_recognition.load_image_file(folder / name)
        vectors = face_recognition.face_encodings(image, face_recognition.face_locations(image, 1, "hog"))
        good += any(np.linalg.norm(v - references[name]) <= MATCH for v in vectors)
    return good


def recall_of(faces: dict[str, list[np.ndarray]], references: dict[str, np.ndarray], names) -> int:
    return sum(any(np.linalg.norm(v - references[n]) <= MATCH for v in faces.get(n, [])) for n in names)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crops", type=int, default=2000)
    args = parser.parse_args()
    require_facedata()
    work = Path(tempfile.mkdtemp(prefix="faceaudit-aligned-"))
    try:
        started = time.perf_counter()
        folder = work / "crops"
        references, hard_names = make_crops(args.crops, folder)
        names = sorted(references)
        print(f"{len(names)} ArcFace 112x112 crops from LFW ({len(names) - len(hard_names)} from photos HOG finds a "
              f"face in, {len(hard_names)} from the photos it finds none in), made in "
              f"{time.perf_counter() - started:.0f} s; "
              f"machine: {os.cpu_count()} CPUs")
        runs: dict[str, list[tuple[float, float]]] = {"auto": [], "none": []}
        for _turn in range(2):  # the paths take turns, so a busy moment of the machine hits both
            for aligned in runs:
                runs[aligned].append(index_with(folder, work / aligned, aligned))
        peer_wall, _peer_cpu, peer_counts = run_peer(folder, work)
        load = os.getloadavg()[1]
        aligned, hog = stored_faces(work / "auto"), stored_faces(work / "none")
        n = len(names)
        timing = {path: (min(w for w, _ in times), min(c for _, c in times)) for path, times in runs.items()}
        rows = [
            ("aligned (faceaudit, --aligned auto)", *timing["auto"], sum(len(aligned.get(k, [])) for k in names),
             recall_of(aligned, references, names), recall_of(aligned, references, hard_names)),
            ("HOG path (faceaudit, --aligned none)", *timing["none"], sum(len(hog.get(k, [])) for k in names),
             recall_of(hog, references, names), recall_of(hog, references, hard_names)),
            ("face_recognition --cpus 2", peer_wall, None, sum(peer_counts.values()),
             peer_recall(folder, references, names), peer_recall(folder, references, hard_names)),
        ]
        print(f"{'path':38} {'wall s':>7} {'CPU s':>7} {'faces':>6} {'faces/CPU-s':>12} {'faces/s wall':>13} "
              f"{'recall':>7} {'hard':>7}")
        for label, wall, cpu, faces, good, good_hard in rows:
            cpu_text = f"{cpu:7.1f} {faces:6d} {faces / cpu:12.1f}" if cpu else f"{'n/a':>7} {faces:6d} {'n/a':>12}"
            print(f"{label:38} {wall:7.1f} {cpu_text} {faces / wall:13.1f} {good / n:7.1%} "
                  f"{good_hard:3d}/{len(hard_names)}")
        per_cpu = [faces / cpu for _l, _w, cpu, faces, _g, _h in rows[:2]]
        per_wall = [faces / wall for _l, wall, _c, faces, _g, _h in rows]
        print(f"aligned vs HOG path: {per_cpu[0] / per_cpu[1]:.2f}x faces per CPU second "
              f"({per_wall[0] / per_wall[1]:.2f}x by the wall clock), recall {rows[0][4] / n:.1%} vs "
              f"{rows[1][4] / n:.1%}"
              f" (hard crops {rows[0][5]} vs {rows[1][5]} of {len(hard_names)}); vs face_recognition: "
              f"{per_wall[0] / per_wall[2]:.2f}x by the wall clock")
        print(f"load average over the runs: {load:.1f} on {os.cpu_count()} CPUs (other programs' share of the "
              "machine inflates wall-clock times, not CPU seconds); face_recognition's pool workers are not "
              "waited for, so its CPU seconds are not counted: compare it by the wall clock")
        cores = 2
        for label, rate in (("aligned path", n / rows[0][2]), ("HOG path", n / rows[1][2])):
            hours = MILLIONS / (rate * cores) / 3600
            print(f"extrapolation: {MILLIONS / 1e6:.1f}M crops (MS1M-ArcFace) by the {label} at {rate:.1f} crops per "
                  f"CPU second = {hours:.1f} hours on {cores} fully used cores (goal: under 4 hours)")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
