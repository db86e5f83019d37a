"""No dead code: vulture reads the package, the tests and the benches ([tool.vulture] in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_vulture_finds_no_dead_code():
    vulture = shutil.which("vulture", path=str(Path(sys.executable).parent))
    assert vulture, "vulture is a dev dependency"
    done = subprocess.run([vulture], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, ("dead code (remove it, or add the name to [tool.vulture] ignore_names with why):\n"
                                  + done.stdout + done.stderr)


def test_vulture_finds_a_dead_function(tmp_path):
    # The check above must be able to fail.
    (tmp_path / "m.py").write_text("def used():\n    return 1\n\n\ndef never_called():\n    return 2\n\n\nused()\n")
    vulture = shutil.which("vulture", path=str(Path(sys.executable).parent))
    done = subprocess.run([vulture, str(tmp_path)], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode != 0 and "never_called" in done.stdout
