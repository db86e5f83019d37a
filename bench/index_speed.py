"""Indexing speed: FaceAudit's `faceaudit index` vs face_recognition's own CLI, same 1,000 LFW images.

FaceAudit runs twice: with dlib's model alone (`--model dlib`) and with both models (`--model both`:
dlib's numbers, then MobileFaceNet's ArcFace crops and numbers for every face).

Both run on the same copied folder in the same run, with two processes each
(`face_recognition --cpus 2`, `faceaudit index --workers 2`), from a cold start. Afterwards
the faces FaceAudit stored are compared with face_recognition's API on every image: same
boxes, embeddings within 1e-4.

    python bench/index_speed.py [--images 1000]
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
from _facedata import LFW, require_facedata


def _tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def _pick(count: int) -> list[Path]:
    return sorted(LFW.glob("*/*.jpg"))[:count]


def run_face_recognition(known: Path, unknown: Path) -> tuple[float, dict[str, int]]:
    start = time.perf_counter()
    done = subprocess.run([_tool("face_recognition"), "--cpus", "2", str(known), str(unknown)],
                          capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    # Two processes write to one pipe, so lines can interleave: find every "FILE.jpg," token
    # rather than splitting lines. Each face prints one token; a photo without faces prints
    # one token followed by no_persons_found.
    faces: dict[str, int] = {}
    for path, nobody in re.findall(r"([^\s,/]+\.jpg),(no_persons_found)?", done.stdout):
        faces[path] = faces.get(path, 0) + (0 if nobody else 1)
    return seconds, faces


def run_faceaudit(unknown: Path, home: Path, model: str = "dlib") -> float:
    env = {**os.environ, "FACEAUDIT_HOME": str(home)}
    subprocess.run([_tool("faceaudit"), "dataset", "add", str(unknown), "--name", "bench"], env=env,
                   check=True, capture_output=True)
    start = time.perf_counter()
    subprocess.run([_tool("faceaudit"), "index", "--workers", "2", "--model", model], env=env, check=True,
                   capture_output=True)
    return time.perf_counter() - start


def faceaudit_faces(home: Path) -> dict[str, list[tuple[tuple[int, ...], np.ndarray]]]:
    faces: dict[str, list] = {}
    with sqlite3.connect(home / "faceaudit.db") as conn:
        rows = conn.execute("SELECT i.key, f.top, f.right, f.bottom, f.left, f.embedding FROM items i"
                            " LEFT JOIN faces f ON f.item_id = i.id ORDER BY i.key, f.idx").fetchall()
    for key, *box, blob in rows:
        faces.setdefault(key, [])
        if blob is not None:
            faces[key].append((tuple(box), np.frombuffer(blob, "<f4")))
    return faces


def compare(images: list[Path], ours: dict) -> tuple[int, int, float]:
    """(images whose boxes agree, images compared, max |embedding diff|) against face_recognition's API."""
    import face_recognition

    same, worst = 0, 0.0
    for photo in images:
        rgb = face_recognition.load_image_file(photo)
        boxes = face_recognition.face_locations(rgb, 1, "hog")
        vectors = face_recognition.face_encodings(rgb, boxes)
        mine = ours.get(photo.name, [])
        if sorted(boxes) == sorted(b for b, _ in mine):
            same += 1
            by_box = dict((b, v) for b, v in mine)
            for box, vector in zip(boxes, vectors):
                worst = max(worst, float(np.abs(by_box[box] - vector).max()))
    return same, len(images), worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1000)
    args = parser.parse_args()
    require_facedata()
    work = Path(tempfile.mkdtemp(prefix="faceaudit-bench-"))
    try:
        images = _pick(args.images)
        unknown, known = work / "images", work / "known"
        unknown.mkdir()
        known.mkdir()
        for photo in images:
            shutil.copyfile(photo, unknown / photo.name)
        shutil.copyfile(LFW / "Zico" / "Zico_0001.jpg", known / "zico.jpg")

        peer_seconds, peer_faces = run_face_recognition(known, unknown)
        ours_seconds = run_faceaudit(unknown, work / "home")
        both_seconds = run_faceaudit(unknown, work / "home-both", "both")
        ours = faceaudit_faces(work / "home")
        same_counts = sum(peer_faces.get(p.name, 0) == len(ours.get(p.name, [])) for p in images)
        agree, compared, worst = compare(images, ours)

        n = len(images)
        print(f"images: {n} LFW photos, 2 processes each, cold start (machine: {os.cpu_count()} CPUs)")
        print(f"face_recognition --cpus 2 : {peer_seconds:7.1f} s  {n / peer_seconds:6.1f} images/s")
        print(f"faceaudit index --workers 2: {ours_seconds:7.1f} s  {n / ours_seconds:6.1f} images/s")
        print(f"faceaudit index --workers 2 --model both: {both_seconds:7.1f} s  {n / both_seconds:6.1f} images/s")
        print(f"speed ratio (faceaudit / face_recognition): {peer_seconds / ours_seconds:.2f}x")
        print(f"speed ratio (both models / dlib alone): {ours_seconds / both_seconds:.2f}x; "
              f"(both models / face_recognition): {peer_seconds / both_seconds:.2f}x")
        print(f"face counts equal to the peer CLI's: {same_counts}/{n} images")
        print(f"boxes equal to face_recognition's API: {agree}/{compared} images; "
              f"max |embedding difference| {worst:.2e} ({'within' if worst <= 1e-4 else 'NOT within'} 1e-4)")
        return 0 if agree == compared and worst <= 1e-4 else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
