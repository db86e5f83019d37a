"""The desktop app and its bundle do not carry Ray: the cluster extra stays out of what a desktop user gets."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _spec_list(name: str) -> list[str]:
    tree = ast.parse((ROOT / "packaging" / "faceaudit.spec").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} is not in the spec")


def test_the_bundle_excludes_ray_and_faiss():
    spec = (ROOT / "packaging" / "faceaudit.spec").read_text(encoding="utf-8")
    assert {"ray", "faiss"} <= set(_spec_list("CLUSTER_ONLY"))
    assert "EXCLUDES += CLUSTER_ONLY" in spec


def test_the_app_and_the_plain_cli_never_import_ray():
    # Ray is installed here (the dev group carries it for the cluster tests): opening the app's
    # modules and running a plain command must still not load it.
    code = ("import sys, faceaudit.gui.app, faceaudit.cli.main, faceaudit.core.datasets.indexing;"
            "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('ray', 'faiss'));"
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stdout + done.stderr


def test_ray_is_only_an_extra():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not any(dep.startswith("ray") for dep in project["dependencies"])
    assert any(dep.startswith("ray") for dep in project["optional-dependencies"]["cluster"])
