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

    python bench/aligned_speed.py [--crops 2000]
"""

from __future__ import annotations

import argparse
import os
import re
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


def index_with(folder: Path, home: Path, aligned: str) -> float:
    env = {**os.environ, "FACEAUDIT_HOME": str(home)}
    subprocess.run([_tool("faceaudit"), "dataset", "add", str(folder), "--name", "crops", "--aligned", aligned],
                   env=env, check=True, capture_output=True)
    start = time.perf_counter()
    subprocess.run([_tool("faceaudit"), "index", "--workers", "2"], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def stored_faces(home: Path) -> dict[str, list[np.ndarray]]:
    faces: dict[str, list[np.ndarray]] = {}
    with sqlite3.connect(home / "faceaudit.db") as conn:
        for key, blob in conn.execute("SELECT i.key, f.embedding FROM items i LEFT JOIN faces f ON f.item_id = i.id"):
            faces.setdefault(key, [])
            if blob is not None:
                faces[key].append(np.frombuffer(blob, "<f4"))
    return faces


def run_peer(folder: Path, work: Path) -> tuple[float, dict[str, list[np.ndarray]]]:
    known = work / "known"
    known.mkdir()
    shutil.copyfile(LFW / "Zico" / "Zico_0001.jpg", known / "zico.jpg")
    start = time.perf_counter()
    done = subprocess.run([_tool("face_recognition"), "--cpus", "2", "--show-distance", "true", str(known),
                           str(folder)], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    # The CLI prints one token per face found; photos without faces print no_persons_found.
    counts: dict[str, int] = {}
    for name, nobody in re.findall(r"([^\s,/]+\.jpg),(no_persons_found)?", done.stdout):
        counts[name] = counts.get(name, 0) + (0 if nobody else 1)
    return seconds, counts


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
        aligned_s = index_with(folder, work / "aligned", "auto")
        hog_s = index_with(folder, work / "hog", "none")
        peer_s, peer_counts = run_peer(folder, work)
        aligned, hog = stored_faces(work / "aligned"), stored_faces(work / "hog")
        n = len(names)
        rows = [
            ("aligned (faceaudit, --aligned auto)", aligned_s, sum(len(aligned.get(k, [])) for k in names),
             recall_of(aligned, references, names), recall_of(aligned, references, hard_names)),
            ("HOG path (faceaudit, --aligned none)", hog_s, sum(len(hog.get(k, [])) for k in names),
             recall_of(hog, references, names), recall_of(hog, references, hard_names)),
            ("face_recognition --cpus 2", peer_s, sum(peer_counts.values()),
             peer_recall(folder, references, names), peer_recall(folder, references, hard_names)),
        ]
        print(f"{'path':38} {'seconds':>8} {'crops/s':>8} {'faces/s':>8} {'recall':>8} {'hard recall':>12}")
        for label, seconds, faces, good, good_hard in rows:
            print(f"{label:38} {seconds:8.1f} {n / seconds:8.1f} {faces / seconds:8.1f} {good / n:8.1%} "
                  f"{good_hard}/{len(hard_names):<5}")
        aligned_rate, hog_rate = rows[0][2] / rows[0][1], rows[1][2] / rows[1][1]
        print(f"aligned vs HOG path: {aligned_rate / hog_rate:.2f}x faces/s, {hog_s / aligned_s:.2f}x crops/s; "
              f"vs face_recognition: {aligned_rate / (rows[2][2] / rows[2][1]):.2f}x faces/s")
        hours = MILLIONS / (n / aligned_s) / 3600
        print(f"extrapolation: {MILLIONS / 1e6:.1f}M crops (MS1M-ArcFace) at {n / aligned_s:.1f} crops/s on this "
              f"machine = {hours:.1f} hours of indexing (goal: under 4 hours on 2 cores); the HOG path: "
              f"{MILLIONS / (n / hog_s) / 3600:.1f} hours")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
