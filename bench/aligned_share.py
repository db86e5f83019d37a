"""Pre-aligned crops with both face models: the aligned path's share of what the networks alone allow.

The same ArcFace 112x112 crops as `bench/aligned_speed.py` (made from LFW photos the way InsightFace
made MS1M-ArcFace) are indexed for real, in the same run, three ways:

- `faceaudit index --model dlib` of a dataset added with `--aligned auto`: no detection, dlib's
  landmarks on the template's box, the 150x150 chip, dlib's network;
- `faceaudit index --model both`: the same, then MobileFaceNet's numbers for every face (the crop
  is already ArcFace-aligned: it is read again and embedded as it is);
- the networks alone (the peer that bounds them): dlib's ONNX network on the chips of these faces
  and MobileFaceNet on the crops, in batches, with no decoding, landmarks, hashing or database.

Each is timed in CPU seconds (the process and its workers, from getrusage), which other programs on
the machine do not inflate. The share is network-only CPU per face / the path's CPU per face: the part
of the path's work that is the networks' own (1.0 would be a path that costs nothing but them).

    python bench/aligned_share.py [--crops 500]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _facedata import REPO, require_facedata
from aligned_speed import make_crops, stored_faces, timed_run

sys.path.insert(0, str(REPO))


def _tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def index_cpu(folder: Path, home: Path, model: str) -> float:
    """CPU seconds of `faceaudit index --model MODEL` of the crops, in a fresh data folder."""
    shutil.rmtree(home, ignore_errors=True)
    env = {**os.environ, "FACEAUDIT_HOME": str(home)}
    subprocess.run([_tool("faceaudit"), "dataset", "add", str(folder), "--name", "crops", "--aligned", "auto"],
                   env=env, check=True, capture_output=True)
    _wall, cpu, _out = timed_run([_tool("faceaudit"), "index", "--workers", "2", "--model", model], env)
    return cpu


def networks_alone(folder: Path, names: list[str]) -> tuple[float, float, int]:
    """(dlib's network CPU s, MobileFaceNet's CPU s, faces): each network on every crop, in batches."""
    from faceaudit.core.faces.engine import FaceEngine
    from faceaudit.core.faces.images import decode_image
    from faceaudit.core.faces.mobilefacenet import MobileFaceNet

    crops = np.stack([decode_image((folder / name).read_bytes()).rgb for name in names])
    engine = FaceEngine("hog", 1, "onnx", "cpu")
    side = crops.shape[1]
    chips = np.stack([engine.face_at(crop, (0, side, side, 0)).chip for crop in crops])  # not timed
    engine.prepare()
    net = MobileFaceNet()
    net.prepare()
    engine.embed_chips(chips[:8])  # warm both sessions
    net.embed(crops[:8])
    start = _cpu()
    engine.embed_chips(chips)
    dlib_cpu = _cpu() - start
    start = _cpu()
    net.embed(crops)
    return dlib_cpu, _cpu() - start, len(crops)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crops", type=int, default=500)
    args = parser.parse_args()
    require_facedata()
    work = Path(tempfile.mkdtemp(prefix="faceaudit-share-"))
    try:
        started = time.perf_counter()
        folder = work / "crops"
        references, _hard = make_crops(args.crops, folder)
        names = sorted(references)
        print(f"{len(names)} ArcFace 112x112 crops from LFW, made in {time.perf_counter() - started:.0f} s; "
              f"machine: {os.cpu_count()} CPUs")
        runs: dict[str, list[float]] = {"dlib": [], "both": []}
        for _turn in range(2):  # the two take turns, so a busy moment of the machine hits both
            for model in runs:
                runs[model].append(index_cpu(folder, work / model, model))
        faces = sum(len(v) for v in stored_faces(work / "both").values())
        dlib_net, mfn_net, n = networks_alone(folder, names)
        per_face = {model: min(times) / max(faces, 1) for model, times in runs.items()}
        limit = {"dlib": dlib_net / n, "both": (dlib_net + mfn_net) / n}
        print(f"{faces} faces indexed; load average {os.getloadavg()[1]:.1f}")
        print("| path | CPU ms per face | networks alone, CPU ms per face | share of the path that is the networks |")
        print("|---|---|---|---|")
        for model in runs:
            print(f"| aligned, --model {model} | {1000 * per_face[model]:.2f} | {1000 * limit[model]:.2f} | "
                  f"{limit[model] / per_face[model]:.2f} |")
        print(f"MobileFaceNet alone: {1000 * mfn_net / n:.2f} CPU ms per face ({n / mfn_net:.0f} per CPU second); "
              f"dlib's network alone: {1000 * dlib_net / n:.2f} ({n / dlib_net:.0f} per CPU second); both models cost "
              f"{per_face['both'] / per_face['dlib']:.2f}x dlib alone on the aligned path")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
