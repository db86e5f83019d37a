"""The shape of the house: a Qt-free core, and a CLI whose every command explains itself."""

from __future__ import annotations

import argparse
import ast
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import faceaudit.core
from faceaudit.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]


def test_core_never_imports_qt():
    modules = [m.name for m in pkgutil.walk_packages(faceaudit.core.__path__, "faceaudit.core.")]
    code = (f"import sys, importlib\nfor m in {modules!r}: importlib.import_module(m)\n"
            "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'faceaudit.gui')))\n"
            "assert not bad, bad\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_import_linter_contract_holds():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is a dev dependency"
    done = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def _commands(parser: argparse.ArgumentParser, prefix=()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield prefix + (name,), helps.get(name), sub
                yield from _commands(sub, prefix + (name,))


def test_every_command_has_help():
    commands = list(_commands(build_parser()))
    assert len(commands) >= 12
    for path, summary, sub in commands:
        assert summary, f"`faceaudit {' '.join(path)}` has no help summary"
        assert sub.description, f"`faceaudit {' '.join(path)}` has no description"
        for action in sub._actions:
            if action.dest != "help" and not isinstance(action, argparse._SubParsersAction):
                assert action.help, f"`faceaudit {' '.join(path)}` argument {action.dest} has no help"


def test_cli_help_runs_through_the_entry_point():
    exe = shutil.which("faceaudit", path=str(Path(sys.executable).parent))
    done = subprocess.run([exe, "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "scan" in done.stdout
    version = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert version.stdout.startswith("faceaudit ")


#: The layers, highest first; a module may import only from its own layer and those below it.
LAYERS = ("front ends", "letters", "matching", "datasets", "faces", "storage", "base")


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[:2] in (["faceaudit", "gui"], ["faceaudit", "cli"]):
        return "front ends"
    if parts[:2] == ["faceaudit", "core"] and len(parts) > 2:
        return parts[2] if parts[2] in LAYERS else "base"
    return None


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    """Every faceaudit module a file imports, anywhere in it (function-local imports too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: -node.level]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
    return [(line, name) for line, name in found if name.startswith("faceaudit")]


def test_no_module_imports_a_higher_layer():
    package = ROOT / "desktop" / "faceaudit"
    wrong = []
    for path in package.rglob("*.py"):
        module = ".".join(path.relative_to(ROOT / "desktop").with_suffix("").parts).removesuffix(".__init__")
        mine = _layer(module)
        if mine is None:
            continue
        for line, target in _imports(path, module):
            theirs = _layer(target)
            if theirs is not None and LAYERS.index(theirs) < LAYERS.index(mine):
                wrong.append(f"{path.relative_to(ROOT)}:{line} ({mine}) imports {target} ({theirs})")
            if mine != "front ends" and target.split(".")[0] in ("PySide6", "shiboken6"):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports Qt")
    assert not wrong, "\n".join(wrong)


def test_the_layer_check_finds_a_violation(tmp_path):
    # The check above must be able to fail: a storage module that imports a letters module.
    bad = tmp_path / "faceaudit" / "core" / "storage" / "bad.py"
    bad.parent.mkdir(parents=True)
    bad.write_text("from faceaudit.core.letters.types import LetterKind\nimport PySide6\n")
    imports = _imports(bad, "faceaudit.core.storage.bad")
    assert [_layer(name) for _, name in imports] == ["letters"]
    assert LAYERS.index(_layer(imports[0][1])) < LAYERS.index(_layer("faceaudit.core.storage.bad"))


def test_unit_tests_run_without_qt():
    # tests/unit is the core's own tier: nothing in it may need PySide6 (napari runs its core
    # tests without any Qt binding installed; this keeps that possible).
    offenders = []
    for path in (ROOT / "tests" / "unit").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.relative_to(ROOT)}:{node.lineno} {n}" for n in names
                          if n.split(".")[0] in ("PySide6", "shiboken6", "pytestqt") or n.startswith("faceaudit.gui")]
    assert not offenders, offenders


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))
    assert ruff, "ruff is a dev dependency"
    done = subprocess.run([ruff, "check", "--no-cache", "desktop", "tests", "bench", "packaging"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr


def test_dataset_forms_stand_below_the_catalog():
    # Inside datasets, a form (sources/) is read by the catalog, the index and the lists; it never imports
    # them back (pyproject.toml names today's modules for import-linter; this walk covers new ones too).
    sources = ROOT / "desktop" / "faceaudit" / "core" / "datasets" / "sources"
    allowed = ("faceaudit.core.datasets.sources", "faceaudit.core.datasets.kinds")
    wrong = []
    for path in sources.rglob("*.py"):
        module = ".".join(path.relative_to(ROOT / "desktop").with_suffix("").parts).removesuffix(".__init__")
        for line, target in _imports(path, module):
            if target.startswith("faceaudit.core.datasets.") and not target.startswith(allowed):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_letters_ask_matching_for_what_was_confirmed():
    # Matching's tables are matching's: the letters read them through core/matching/confirmed.py.
    import re

    tables = re.compile(r"\b(FROM|JOIN|UPDATE|INTO)\s+(matches|identifier_matches|reference_faces|scans)\b", re.I)
    letters = ROOT / "desktop" / "faceaudit" / "core" / "letters"
    found = [f"{path.relative_to(ROOT)}: {m.group(0)}" for path in letters.rglob("*.py")
             for m in tables.finditer(path.read_text(encoding="utf-8"))]
    assert not found, found
