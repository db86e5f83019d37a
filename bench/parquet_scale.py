"""A 100,000-item Hub parquet dataset, indexed by `faceaudit index`: peak memory, time, database size per face.

The dataset is a Hub snapshot of parquet shards (500 MB-class shards of 100-row groups, as
`datasets.push_to_hub` writes them) holding LFW's 13,233 photos repeated under new names to
100,000 rows. Repeats of a photo already indexed are copied as twins (same bytes, same faces),
as FaceAudit does for datasets redistributed inside one another, so the face work is that of
13,233 photos while listing, reading and writing handle all 100,000 items. Peak memory is the
largest resident size of the indexing process and of any of its workers (getrusage).

    python bench/parquet_scale.py [--rows 100000] [--shards 8]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _facedata import LFW, REPO, require_facedata

sys.path.insert(0, str(REPO))

LIMIT_BYTES = int(1.5 * 2**30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--shards", type=int, default=8)
    args = parser.parse_args()
    require_facedata()
    from tests.support.dataset_forms import hub_parquet

    work = Path(tempfile.mkdtemp(prefix="faceaudit-parquet-scale-"))
    try:
        photos = sorted(LFW.glob("*/*.jpg"))
        rows = [(photos[n % len(photos)], photos[n % len(photos)].parent.name) for n in range(args.rows)]
        started = time.perf_counter()
        snapshot = hub_parquet(rows, work / "lfw-100k", shards=args.shards, rows_per_group=100)
        size = sum(p.stat().st_size for p in snapshot.rglob("*.parquet"))
        print(f"built {args.rows:,} rows in {args.shards} shards ({size / 2**20:,.0f} MiB) in "
              f"{time.perf_counter() - started:.0f} s; machine: {os.cpu_count()} CPUs")
        env = {**os.environ, "FACEAUDIT_HOME": str(work / "home")}
        cli = [str(Path(sys.executable).parent / "faceaudit")]
        subprocess.run([*cli, "dataset", "add", str(snapshot), "--name", "lfw-100k"], env=env, check=True,
                       capture_output=True)
        started = time.perf_counter()
        subprocess.run([*cli, "index", "--workers", "2"], env=env, check=True, capture_output=True)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # Linux: KiB
        database = work / "home" / "faceaudit.db"
        with sqlite3.connect(database) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            items, faces, done = conn.execute(
                "SELECT (SELECT COUNT(*) FROM items), (SELECT COUNT(*) FROM faces),"
                " (SELECT COUNT(*) FROM items WHERE status = 'done')").fetchone()
        db_bytes = database.stat().st_size
        listed = subprocess.run([*cli, "dataset", "list"], env=env, check=True, capture_output=True, text=True).stdout
        subprocess.run([*cli, "me", "add", str(LFW / "Zico" / "Zico_0001.jpg")], env=env, check=True,
                       capture_output=True)
        started = time.perf_counter()
        subprocess.run([*cli, "scan"], env=env, check=True, capture_output=True)
        scan_s = time.perf_counter() - started
        cache = sum(p.stat().st_size for p in (work / "home" / "cache").glob("vectors-*"))
        print(f"indexed {items:,} items ({done:,} done, {faces:,} faces) in {seconds / 60:.1f} min "
              f"({items / seconds:.0f} items/s)")
        print(f"peak memory of the indexing process or any worker: {peak / 2**20:,.0f} MiB "
              f"({'under' if peak < LIMIT_BYTES else 'OVER'} the 1.5 GB goal)")
        print(f"database: {db_bytes / 2**20:,.0f} MiB = {db_bytes / max(1, faces):,.0f} bytes per face "
              f"({db_bytes / max(1, items):,.0f} per item); scan matrix cache: {cache / max(1, faces):,.0f} bytes "
              f"per face; a scan of it took {scan_s:.1f} s")
        print("dataset list:", listed.strip())
        return 0 if peak < LIMIT_BYTES else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
