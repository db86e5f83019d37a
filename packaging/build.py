#!/usr/bin/env python3
"""Build FaceAudit's one-folder bundle with PyInstaller, and on Linux its install tarball.

    python3 packaging/build.py            dist/FaceAudit/ (+ dist/FaceAudit-<version>-linux-<arch>.tar.gz)
    python3 packaging/build.py --no-sync  skip `uv sync` (the environment is already set up)

Needs only Python >= 3.11 and pip, like run.py: it installs uv into `.tools/` when uv is not
on PATH, and uv installs the locked dependencies plus the `packaging` group (PyInstaller).
"""

from __future__ import annotations

import argparse
import platform
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from run import _uv  # noqa: E402  (the same bootstrap as `python3 run.py`)

DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
LINUX = ROOT / "packaging" / "linux"
ICONS = ROOT / "resources" / "icons"
APP_ID = "io.github.faceaudit.FaceAudit"


def version() -> str:
    """The version in pyproject.toml."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def freeze(uv: str, sync: bool) -> Path:
    """Run PyInstaller on packaging/faceaudit.spec; returns dist/FaceAudit."""
    if sync:
        subprocess.run([uv, "sync", "--frozen", "--quiet", "--group", "packaging"], cwd=ROOT, check=True)
    # The second face model is made at set-up; a bundle without it would run with dlib alone.
    subprocess.run([uv, "run", "--frozen", "--no-sync", "python", str(ROOT / "packaging" / "fetch_models.py")],
                   cwd=ROOT, check=True)
    subprocess.run([uv, "run", "--frozen", "--no-sync", "pyinstaller", "--noconfirm", "--clean",
                    "--log-level", "WARN", "--distpath", str(DIST), "--workpath", str(WORK),
                    str(ROOT / "packaging" / "faceaudit.spec")], cwd=ROOT, check=True)
    return DIST / "FaceAudit"


def linux_tarball(folder: Path) -> Path:
    """dist/FaceAudit-<version>-linux-<arch>.tar.gz: the app folder, desktop files, install.sh."""
    name = f"FaceAudit-{version()}-linux-{platform.machine()}"
    stage = ROOT / "build" / name
    shutil.rmtree(stage, ignore_errors=True)
    shutil.copytree(folder, stage / "FaceAudit", symlinks=True)
    share = stage / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copy2(LINUX / f"{APP_ID}.desktop", share / "applications")
    (share / "metainfo").mkdir()
    shutil.copy2(LINUX / f"{APP_ID}.metainfo.xml", share / "metainfo")
    for png in ICONS.glob("faceaudit-*.png"):
        size = png.stem.split("-")[1]
        target = share / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        target.mkdir(parents=True)
        shutil.copy2(png, target / f"{APP_ID}.png")
    scalable = share / "icons" / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True)
    shutil.copy2(ICONS / "faceaudit.svg", scalable / f"{APP_ID}.svg")
    for script in ("install.sh", "uninstall.sh"):
        shutil.copy2(LINUX / script, stage / script)
        (stage / script).chmod(0o755)
    tarball = DIST / f"{name}.tar.gz"
    with tarfile.open(tarball, "w:gz", compresslevel=6) as tar:
        tar.add(stage, arcname=name)
    return tarball


def _size(path: Path) -> str:
    total = path.stat().st_size if path.is_file() else sum(
        p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
    return f"{total / 2**20:.0f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--no-sync", action="store_true", help="do not run `uv sync` first")
    args = parser.parse_args()
    start = time.monotonic()
    folder = freeze(_uv(), sync=not args.no_sync)
    print(f"build.py: {folder.relative_to(ROOT)} ({_size(folder)})")
    if sys.platform.startswith("linux"):
        tarball = linux_tarball(folder)
        print(f"build.py: {tarball.relative_to(ROOT)} ({_size(tarball)})")
    print(f"build.py: done in {time.monotonic() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
