"""Cluster indexing speed: the same LFW photos as parquet shards, indexed locally and on a local Ray.

Four runs on copies of the same shards, in one process, in this order: the local path with one
and with two worker processes (`index_dataset`), then `index_on_cluster` on a local Ray with one
CPU and with two. Prints each run's photos per second, Ray's overhead against the local path with
the same number of cores (by the wall clock and by CPU seconds, which stay meaningful when the
machine is shared), the scaling from one Ray worker to two, Ray's start-up time (not in the
wall-clock rates), and the largest difference between the local path's embeddings and each Ray run's (same
boxes required). Figures from a shared machine are noise in absolute terms; the ratios are the point.

    python bench/cluster_speed.py [--images 2000] [--shards 8]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _facedata import LFW, REPO, require_facedata

sys.path.insert(0, str(REPO))


def _faces(store, name: str) -> dict:
    from faceaudit.core.storage.store import from_blob

    rows = store.query("SELECT i.key, f.idx, f.top, f.right, f.bottom, f.left, f.embedding FROM faces f JOIN items i"
                       " ON i.id = f.item_id JOIN datasets d ON d.id = i.dataset_id WHERE d.name = ?", [name])
    return {(r["key"], r["idx"]): ((r["top"], r["right"], r["bottom"], r["left"]), from_blob(r["embedding"]))
            for r in rows}


def _tree_cpu() -> float:
    """CPU seconds of this process, of its children already ended, and of every live descendant
    (Ray's gcs, raylet and workers are; the local pool's workers have ended by the time it is read)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(name)] = int(fields[1])
        cpu[int(name)] = (int(fields[11]) + int(fields[12])) / tick
    mine, grew = {os.getpid()}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in mine} - mine
        grew = bool(more)
        mine |= more
    mine.discard(os.getpid())
    own = resource.getrusage(resource.RUSAGE_SELF)
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (own.ru_utime + own.ru_stime + ended.ru_utime + ended.ru_stime
            + sum(cpu.get(pid, 0.0) for pid in mine))


def _difference(local: dict, other: dict) -> float:
    if local.keys() != other.keys():
        return float("inf")
    worst = 0.0
    for key, (box, vector) in local.items():
        if other[key][0] != box:
            return float("inf")
        worst = max(worst, float(np.max(np.abs(vector - other[key][1]))))
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--shards", type=int, default=8)
    args = parser.parse_args()
    require_facedata()
    base = Path(tempfile.mkdtemp(prefix="cluster-speed-"))
    os.environ["FACEAUDIT_HOME"] = str(base / "home")
    from faceaudit.core.datasets.catalog import add_dataset
    from faceaudit.core.datasets.cluster import import_ray, index_on_cluster
    from faceaudit.core.datasets.indexing import index_dataset
    from faceaudit.core.storage.store import Store
    from tests.support.dataset_forms import hub_parquet

    ray = import_ray()

    try:
        photos = [(path, path.parent.name) for path in sorted(LFW.glob("*/*.jpg"))[:args.images]]
        shards = hub_parquet(photos, base / "shards", shards=args.shards, rows_per_group=50)
        runs = ("local-1", "local-2", "ray-1", "ray-2")
        # A store per run: in one store the later runs would copy the first one's faces (byte-identical twins).
        stores = {name: Store(base / name / "faceaudit.db") for name in runs}
        for name in runs:
            add_dataset(stores[name], shutil.copytree(shards, base / name / "shards", copy_function=shutil.copy2),
                        name)
        seconds, startup, cpu = {}, {}, {}
        for name in runs:
            workers = int(name[-1])
            before = _tree_cpu()
            if name.startswith("local"):
                began = time.perf_counter()
                for _progress in index_dataset(stores[name], name, workers=workers):
                    pass
                seconds[name] = time.perf_counter() - began
                cpu[name] = _tree_cpu() - before
            else:
                began = time.perf_counter()
                ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False,
                         runtime_env={"env_vars": {"FACEAUDIT_HOME": str(base / "home")}})
                startup[name] = time.perf_counter() - began
                began = time.perf_counter()
                for _progress in index_on_cluster(stores[name], name, base / f"parts-{name}"):
                    pass
                seconds[name] = time.perf_counter() - began
                cpu[name] = _tree_cpu() - before  # Ray's own processes, its start included
                ray.shutdown()
            print(f"{name}: {len(photos) / seconds[name]:.1f} photos/s, {len(photos) / cpu[name]:.1f} photos per CPU"
                  f" second ({seconds[name]:.1f} s wall, {cpu[name]:.1f} CPU s"
                  + (f"; Ray start {startup[name]:.1f} s wall, not in the wall time)" if name in startup else ")"),
                  flush=True)
        local = _faces(stores["local-2"], "local-2")
        print(f"\n{len(photos)} LFW photos, {args.shards} parquet shards, {len(local)} faces; "
              f"{os.cpu_count()} cores (shared with other work: absolute times are noise)")
        for name in ("local-1", "ray-1", "ray-2"):
            print(f"max |embedding difference| local-2 vs {name}: {_difference(local, _faces(stores[name], name)):.2e}")
        print(f"Ray overhead, 1 core:  ray-1 takes {seconds['ray-1'] / seconds['local-1']:.2f}x local-1's time,"
              f" {cpu['ray-1'] / cpu['local-1']:.2f}x its CPU")
        print(f"Ray overhead, 2 cores: ray-2 takes {seconds['ray-2'] / seconds['local-2']:.2f}x local-2's time,"
              f" {cpu['ray-2'] / cpu['local-2']:.2f}x its CPU")
        print(f"scaling 1 -> 2 Ray workers: {seconds['ray-1'] / seconds['ray-2']:.2f}x "
              f"(local: {seconds['local-1'] / seconds['local-2']:.2f}x)")
        print(f"per-core rate on Ray: {len(photos) / cpu['ray-2']:.1f} photos per CPU second (2 workers, Ray's own"
              f" processes counted); load average at the end {os.getloadavg()[0]:.1f}")
        for store in stores.values():
            store.close()
    finally:
        if ray.is_initialized():
            ray.shutdown()
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
