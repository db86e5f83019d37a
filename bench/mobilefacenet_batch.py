"""MobileFaceNet on the CPU: faces per second by batch size and threads, in one run.

The network runs on ArcFace-aligned 112x112 crops in batches. A batch's activations grow with it
(64 crops: about 200 MB at the first layers), and once they no longer fit the CPU's caches each
face costs more: this measures it, the app's own settings against the others in the same run, on
real crops (LFW photos through the app's detector and landmarks; random pixels with --random).

    python bench/mobilefacenet_batch.py [--faces 448] [--random]

Prints wall and CPU throughput per (threads, batch), and each one's ratio to the app's setting.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from _facedata import REPO

sys.path.insert(0, str(REPO / "desktop"))
from faceaudit.core.faces import mobilefacenet

BATCHES = (1, 4, 8, 16, 32, 64)
THREADS = (None, 1)


def _crops(count: int, random: bool) -> np.ndarray:
    if random:
        return np.random.default_rng(0).integers(0, 255, (count, 112, 112, 3), dtype=np.uint8)
    import _lfw_embed
    from _facedata import LFW, require_facedata

    require_facedata()
    from _lfw_all import lfw_paths

    _lfw_embed._worker_init()  # the detectors the LFW caches use (HOG, the CNN where HOG finds none)

    crops = []
    for path in lfw_paths()[::7]:
        rgb, _, _, central = _lfw_embed.central_detection(str(LFW / path))
        if central is not None:
            crops.append(mobilefacenet.arcface_crop(rgb, central[0]))
        if len(crops) >= count:
            break
    return np.stack(crops)


def _rate(crops: np.ndarray, threads: int | None, batch: int, repeats: int = 3) -> tuple[float, float]:
    saved = mobilefacenet.BATCH
    mobilefacenet.BATCH = batch
    try:
        network = mobilefacenet.MobileFaceNet(threads=threads)
        network.embed(crops[:batch])  # load and warm up
        best_wall = best_cpu = 0.0
        for _ in range(repeats):
            wall, cpu = time.perf_counter(), time.process_time()
            network.embed(crops)
            best_wall = max(best_wall, len(crops) / (time.perf_counter() - wall))
            best_cpu = max(best_cpu, len(crops) / max(time.process_time() - cpu, 1e-9))
        return best_wall, best_cpu
    finally:
        mobilefacenet.BATCH = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--faces", type=int, default=448)
    parser.add_argument("--random", action="store_true", help="random pixels instead of LFW crops")
    args = parser.parse_args()
    crops = _crops(args.faces, args.random)
    app = (None, mobilefacenet.BATCH)
    results = {(threads, batch): _rate(crops, threads, batch) for threads in THREADS for batch in BATCHES}
    base_wall, base_cpu = results[app]
    print(f"{len(crops)} crops; the app's setting: threads {app[0] or 'all'}, batch {app[1]}")
    print(f"  {'threads':>7} {'batch':>5} | {'faces/s':>8} {'x app':>6} | {'faces/CPU-s':>11} {'x app':>6}")
    for (threads, batch), (wall, cpu) in results.items():
        print(f"  {threads or 'all':>7} {batch:>5} | {wall:>8.0f} {wall / base_wall:>6.2f} | {cpu:>11.0f} "
              f"{cpu / base_cpu:>6.2f}")


if __name__ == "__main__":
    main()
