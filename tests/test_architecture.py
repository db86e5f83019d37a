"""The shape of the house: a Qt-free core, and a CLI whose every command explains itself."""

from __future__ import annotations

import argparse
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
