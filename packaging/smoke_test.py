#!/usr/bin/env python3
"""Check the frozen build against the source install on real LFW photos; time its start-up.

    python3 packaging/smoke_test.py     after `python3 packaging/build.py`

Builds a 40-photo dataset from ../shared/facedata (2 reference photos of one person, 3 more
of them among 37 strangers), runs `me add`, `dataset add`, `index` and `scan --json` with
dist/FaceAudit/faceaudit (offline, under `unshare -n` where that works) and with
.venv/bin/faceaudit, each with its own FACEAUDIT_HOME, and compares the candidates. Then it
times `--version` and the desktop app's time to its first shown window (offscreen), and
prints the size of the build. Exits 1 when anything differs or fails.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LFW = ROOT.parent / "shared" / "facedata" / "lfw-deepfunneled" / "data" / "lfw-deepfunneled"
DIST = ROOT / "dist"
FOLDER = DIST / "FaceAudit"
EXE = ".exe" if os.name == "nt" else ""
FROZEN_CLI = FOLDER / f"faceaudit{EXE}"
FROZEN_APP = FOLDER / f"faceaudit-app{EXE}"
VENV_BIN = ROOT / ".venv" / ("Scripts" if os.name == "nt" else "bin")
SOURCE_CLI = VENV_BIN / f"faceaudit{EXE}"
SOURCE_PYTHON = VENV_BIN / f"python{EXE}"
PERSON, STRANGERS = "Al_Gore", 37
TOLERANCE = 1e-6


def build_dataset(work: Path) -> tuple[list[Path], Path]:
    """Two reference photos of PERSON, and a folder with 3 more of them and 37 strangers."""
    photos = sorted((LFW / PERSON).glob("*.jpg"))
    references, dataset = photos[:2], work / "dataset"
    dataset.mkdir()
    for photo in photos[2:5]:
        shutil.copy2(photo, dataset / photo.name)
    people = sorted(p for p in LFW.iterdir() if p.is_dir() and p.name != PERSON)
    for person in people[::len(people) // STRANGERS][:STRANGERS]:
        photo = sorted(person.glob("*.jpg"))[0]
        shutil.copy2(photo, dataset / photo.name)
    return references, dataset


def offline_prefix() -> list[str]:
    """`unshare -n` (no network at all) when this machine lets us use it, else nothing."""
    if shutil.which("unshare"):
        probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
        if probe.returncode == 0:
            return ["unshare", "-n"]
        probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True)
        if probe.returncode == 0:
            return ["unshare", "-rn"]
    return []


def run_flow(cli: list[str], home: Path, references: list[Path], dataset: Path) -> list[dict]:
    """enrol, add, index (2 worker processes), scan; returns the scan's JSON."""
    env = {**os.environ, "FACEAUDIT_HOME": str(home)}
    env.pop("FACEAUDIT_RESOURCES", None)

    def faceaudit(*args: str) -> str:
        done = subprocess.run([*cli, *args], env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise SystemExit(f"FAILED: {' '.join(cli)} {' '.join(args)} -> {done.returncode}\n"
                             f"{done.stdout}\n{done.stderr}")
        return done.stdout

    faceaudit("me", "add", *map(str, references))
    faceaudit("dataset", "add", str(dataset), "--name", "lfw-sample")
    faceaudit("index", "lfw-sample", "--workers", "2")
    return json.loads(faceaudit("scan", "--json"))


def compare(frozen: list[dict], source: list[dict]) -> list[str]:
    """The differences between two scans (an empty list when they agree)."""
    if len(frozen) != len(source):
        return [f"{len(frozen)} candidates frozen, {len(source)} from source"]
    problems = []
    key = lambda c: (c.get("dataset"), c.get("key"), c.get("box") or [])  # noqa: E731
    if [key(c) for c in frozen] != [key(c) for c in source]:
        problems.append("the candidates come in a different order")
    for a, b in zip(sorted(frozen, key=key), sorted(source, key=key)):
        where = f"{a.get('dataset')}/{a.get('key')}"
        if set(a) != set(b):
            problems.append(f"{where}: keys differ: {sorted(set(a) ^ set(b))}")
            continue
        for field in a:
            x, y = a[field], b[field]
            if isinstance(x, float) or isinstance(y, float):
                if x is None or y is None or abs(x - y) > TOLERANCE:
                    problems.append(f"{where}: {field} {x} != {y}")
            elif field != "id" and x != y:
                problems.append(f"{where}: {field} {x!r} != {y!r}")
    return problems


def time_version(exe: Path, runs: int = 5) -> tuple[float, float]:
    """Wall time of `exe --version`: the first (cold-ish) run and the median of the others."""
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        subprocess.run([str(exe), "--version"], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times[0], statistics.median(times[1:])


def time_to_window(command: list[str], home: Path, runs: int = 3) -> float | None:
    """Median seconds from launch to the main window shown (offscreen Qt), or None if it fails.

    packaging/entry_app.py prints "window shown" and quits when FACEAUDIT_STARTUP_PROBE is set;
    the clock stops when that line arrives here, so it counts the bootloader too.
    """
    env = {**os.environ, "FACEAUDIT_HOME": str(home), "QT_QPA_PLATFORM": "offscreen",
           "FACEAUDIT_STARTUP_PROBE": "1"}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        shown = None
        for line in process.stdout:
            if line.startswith("window shown"):
                shown = time.perf_counter() - start
        _, errors = process.communicate(timeout=120)
        if process.returncode != 0 or shown is None:
            print(f"  time-to-window failed ({' '.join(command)}): {process.returncode}\n{errors}")
            return None
        times.append(shown)
    return statistics.median(times)


def size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main() -> int:
    for needed in (FROZEN_CLI, FROZEN_APP, SOURCE_CLI):
        if not needed.exists():
            print(f"smoke_test.py: {needed} is missing (run python3 packaging/build.py / run.py first)")
            return 2
    if not LFW.is_dir():
        print(f"smoke_test.py: real photos not present: {LFW}")
        return 2
    failures = []
    with tempfile.TemporaryDirectory(prefix="faceaudit-smoke-") as tmp:
        work = Path(tmp)
        references, dataset = build_dataset(work)
        print(f"dataset: {len(list(dataset.iterdir()))} LFW photos, "
              f"{len(references)} reference photos of {PERSON}")

        offline = offline_prefix()
        start = time.perf_counter()
        frozen = run_flow([*offline, str(FROZEN_CLI)], work / "home-frozen", references, dataset)
        frozen_s = time.perf_counter() - start
        start = time.perf_counter()
        source = run_flow([str(SOURCE_CLI)], work / "home-source", references, dataset)
        source_s = time.perf_counter() - start
        how = f"offline ({' '.join(offline)})" if offline else "(unshare unavailable: network not cut)"
        print(f"frozen CLI flow: {frozen_s:.1f} s {how}")
        print(f"source CLI flow: {source_s:.1f} s")
        problems = compare(frozen, source)
        bands = sorted({c.get("band") for c in frozen})
        if len(frozen) == len(source):
            gap = max((abs(a["distance"] - b["distance"]) for a, b in zip(frozen, source)
                       if a.get("distance") is not None and b.get("distance") is not None), default=0.0)
            print(f"largest distance difference, frozen vs source: {gap:.2e}")
        print(f"scan: {len(frozen)} candidates, bands {bands}; "
              f"{'identical to the source install' if not problems else 'DIFFERENT from the source install'}")
        failures += problems
        if not frozen:
            failures.append("the scan found no candidates: the comparison proves nothing")

        for exe in (FROZEN_CLI, FROZEN_APP):
            out = subprocess.run([str(exe), "--version"], capture_output=True, text=True)
            # A Windows GUI executable has no stdout: there only its exit status can be checked.
            silent = os.name == "nt" and exe == FROZEN_APP
            if out.returncode != 0 or not (silent or out.stdout.strip()):
                failures.append(f"{exe.name} --version failed: {out.returncode} {out.stderr}")
            first, median = time_version(exe)
            print(f"{exe.name} --version: {out.stdout.strip()!r}, first {first:.2f} s, median {median:.2f} s")

        if os.name == "nt":
            print("faceaudit-app time to window: not measured on Windows (a GUI executable has no stdout)")
            gui_frozen = gui_source = 0.0
        else:
            gui_frozen = time_to_window([str(FROZEN_APP)], work / "home-gui-frozen")
            gui_source = time_to_window([str(SOURCE_PYTHON), str(ROOT / "packaging" / "entry_app.py")],
                                        work / "home-gui-source")
        if gui_frozen is None:
            failures.append("the frozen desktop app did not show its window")
        elif os.name != "nt":
            print(f"faceaudit-app time to window (offscreen, median of 3): frozen {gui_frozen:.2f} s, "
                  f"source {gui_source if gui_source is None else f'{gui_source:.2f}'} s")

    print(f"size: {FOLDER.relative_to(ROOT)} {size(FOLDER) / 2**20:.0f} MiB")
    for tarball in sorted(DIST.glob("FaceAudit-*.tar.gz")):
        print(f"size: {tarball.relative_to(ROOT)} {size(tarball) / 2**20:.0f} MiB")
    for problem in failures:
        print(f"FAIL: {problem}")
    print("smoke test: " + ("FAILED" if failures else "passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
