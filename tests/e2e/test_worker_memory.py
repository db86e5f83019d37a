"""Issue 13: memory per indexing worker is bounded, and the default worker count fits the machine.

16 RGBA TIFFs of 100 Mpx once peaked at 4.9 GB with 2 workers (about 19 GB at one worker per core
on 8 cores). Each worker now stays under limits.WORKER_MEMORY_BYTES on the largest photos it
decodes, in every colour mode, and `default_workers` starts no more workers than memory holds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from faceaudit.core import limits
from faceaudit.core.datasets import indexing

SIDE = 10_000  # 100 Mpx: limits.MAX_IMAGE_PIXELS

_INDEX_AND_MEASURE = """
import resource, sys
from faceaudit.core.datasets.catalog import add_dataset
from faceaudit.core.datasets.indexing import index_dataset
from faceaudit.core.storage.store import Store

if __name__ == "__main__":
    with Store() as store:
        add_dataset(store, sys.argv[1], "big")
        final = list(index_dataset(store, "big", workers=2))[-1]
        errors = store.query("SELECT key, reason FROM items WHERE status != 'done'")
    print(final.done, final.total, errors, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)
"""


def _big_photos(folder: Path, count: int) -> Path:
    folder.mkdir()
    modes = ["RGBA", "F", "RGB", "L"]
    for number in range(count):
        mode = modes[number % len(modes)]
        shape = {"RGBA": (SIDE, SIDE, 4), "RGB": (SIDE, SIDE, 3)}.get(mode, (SIDE, SIDE))
        pixels = np.zeros(shape, np.float32 if mode == "F" else np.uint8)
        pixels[::7] = 200
        if mode == "RGBA":
            pixels[..., 3] = 255
        Image.fromarray(pixels, mode).save(folder / f"{number:02d}-{mode}.tif", compression="tiff_adobe_deflate")
        del pixels
    return folder


@pytest.mark.timeout(900)
@pytest.mark.parametrize("count", [4, pytest.param(16, marks=pytest.mark.slow)])
def test_each_worker_stays_within_its_memory_on_100_mpx_photos(tmp_path, data_home, count):
    folder = _big_photos(tmp_path / "big", count)
    done = subprocess.run([sys.executable, "-c", _INDEX_AND_MEASURE, str(folder)], capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    indexed, total, rest = done.stdout.strip().split(" ", 2)
    refused, peak = rest.rsplit(" ", 1)
    assert (int(indexed), int(total), refused) == (count, count, "[]"), done.stdout  # all indexed, none refused
    peak = int(peak)
    assert peak < limits.WORKER_MEMORY_BYTES, f"a worker peaked at {peak / 2**20:.0f} MiB"
    print(f"\n{count} photos of 100 Mpx (RGBA, float, RGB, grey TIFFs), 2 workers: largest worker peak"
          f" {peak / 2**20:.0f} MiB (budget {limits.WORKER_MEMORY_BYTES / 2**20:.0f} MiB)")


@pytest.mark.parametrize(("cores", "memory_gib", "expected"), [(8, 64, 8), (8, 8, 5), (8, 2, 1), (2, None, 2),
                                                                  (16, 0.5, 1)])
def test_default_workers_fit_the_memory_available(monkeypatch, cores, memory_gib, expected):
    monkeypatch.setattr(indexing.os, "cpu_count", lambda: cores)
    memory = None if memory_gib is None else int(memory_gib * 2**30)
    monkeypatch.setattr(indexing, "available_memory", lambda: memory)
    assert indexing.default_workers() == expected
