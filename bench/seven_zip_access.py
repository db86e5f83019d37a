"""What random access costs in a 7-Zip archive, against the same photos in a zip, in the same run.

A 7-Zip archive packs its members into solid blocks that decompress only from their start, so
reading one member for review (or an annex crop) decompresses its block up to that member. This
builds one solid 7z (py7zr's default: LZMA2, one block) and one deflate zip of the same LFW photos,
then times, for each: listing (the header / central directory: all FaceAudit keeps as the
per-dataset index is each member's locator in the items table, whose size is printed), reading
the first, middle and last member alone (`read_one`), and reading every member in one pass (what
indexing does). Ratios are 7z / zip. Files were just written: reads are from the page cache.

    python bench/seven_zip_access.py [--members 1000]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from _facedata import LFW, REPO, require_facedata

sys.path.insert(0, str(REPO))


def timed(call, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000)
    args = parser.parse_args()
    require_facedata()
    import py7zr

    from faceaudit.core.datasets.sources.base import Entry
    from faceaudit.core.datasets.sources.seven_zip import SevenZipSource
    from faceaudit.core.datasets.sources.zip_archive import ZipSource

    photos = sorted(LFW.glob("*/*.jpg"))[:args.members]
    work = Path(tempfile.mkdtemp(prefix="faceaudit-7z-"))
    try:
        seven, deflated = work / "lfw.7z", work / "lfw.zip"
        with py7zr.SevenZipFile(seven, "w") as archive:
            for photo in photos:
                archive.write(photo, f"{photo.parent.name}/{photo.name}")
        with zipfile.ZipFile(deflated, "w", zipfile.ZIP_DEFLATED) as archive:
            for photo in photos:
                archive.write(photo, f"{photo.parent.name}/{photo.name}")
        raw = sum(p.stat().st_size for p in photos)
        print(f"{len(photos)} LFW photos, {raw / 2**20:.1f} MiB; 7z {seven.stat().st_size / 2**20:.1f} MiB "
              f"(solid, one block), zip {deflated.stat().st_size / 2**20:.1f} MiB")
        rows = []
        sources = {"7z": SevenZipSource(seven), "zip": ZipSource(deflated)}
        listed = {name: [e for e in source.entries() if isinstance(e, Entry)] for name, source in sources.items()}
        for name, entries in listed.items():
            assert len(entries) == len(photos), name
        locators = sum(len(e.locator or "") for e in listed["7z"])
        print(f"7z locators kept in the items table: {locators:,} bytes ({locators / len(photos):.0f} per member); "
              "no other index file")
        rows.append(("list (header / central directory)",
                     {name: timed(lambda s=s: list(s.entries())) for name, s in sources.items()}))
        for label, index in (("first", 0), ("middle", len(photos) // 2), ("last", len(photos) - 1)):
            rows.append((f"read_one, {label} member", {
                name: timed(lambda s=s, e=listed[name][index]: s.read_one(e.key, e.locator))
                for name, s in sources.items()}))
        rows.append(("read all (one indexing pass)", {
            name: timed(lambda s=s, keys=[e.key for e in listed[name]]: sum(1 for _ in s.read(keys)), repeat=1)
            for name, s in sources.items()}))
        print(f"{'':38} {'7z s':>9} {'zip s':>9} {'7z/zip':>8}")
        for label, times in rows:
            print(f"{label:38} {times['7z']:9.4f} {times['zip']:9.4f} {times['7z'] / times['zip']:8.1f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
