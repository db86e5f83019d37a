"""Every error's Action is worded by both front ends, and every command line the CLI prints is typed in one place."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from faceaudit.cli.hints import hint_for_action
from faceaudit.core.errors import Action

PACKAGE = Path(__file__).resolve().parents[1] / "desktop" / "faceaudit"


def test_every_action_has_cli_words_and_window_words():
    from faceaudit.gui.wording import ACTION_HINTS

    for action in Action:
        assert hint_for_action(action, "X"), f"cli/hints.py has no words for {action!r}"
        assert ACTION_HINTS.get(action), f"gui/wording.py has no words for {action!r}"


def test_every_action_is_used():
    # An Action nothing raises or suggests is a promise no message keeps.
    used = set()
    for path in PACKAGE.rglob("*.py"):
        if path.name in ("errors.py", "hints.py", "wording.py"):
            continue
        used |= set(re.findall(r"Action\.([A-Z_]+)", path.read_text(encoding="utf-8")))
    assert not {a.name for a in Action} - used, f"never raised nor suggested: {sorted({a.name for a in Action} - used)}"


#: `faceaudit ` and a command word: a command line (not `faceaudit: refused`, `faceaudit.db`, `faceaudit-app`).
_COMMAND = re.compile(r"faceaudit [a-z-]+")


def _typed_commands(path: Path) -> list[str]:
    """The string constants of a module that hold a command line; docstrings and argparse help text left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip.add(id(first.value))
        if isinstance(node, ast.keyword) and node.arg in ("help", "description", "epilog"):
            skip |= {id(n) for n in ast.walk(node.value)}
    return [f"{path.name}:{node.lineno}: {node.value!r}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
            and _COMMAND.search(node.value)]


def test_every_command_line_the_cli_prints_comes_from_hints():
    typed = [line for path in sorted((PACKAGE / "cli").glob("*.py")) if path.name != "hints.py"
             for line in _typed_commands(path)]
    assert not typed, "command lines typed outside cli/hints.py:\n" + "\n".join(typed)


def test_the_command_line_check_finds_one(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('"""`faceaudit index`: docs."""\nadd(help="see `faceaudit me list`")\n'
                      'print(f"run faceaudit unlock {x}")\n')
    assert [line.split(": ", 1)[0] for line in _typed_commands(module)] == ["m.py:3"]


def test_the_windows_words_cover_each_vocabulary():
    # wording.py's tables are keyed by the vocabularies' values: a new member without words fails here.
    from faceaudit.core.letters.requests import Channel
    from faceaudit.core.letters.types import Law, LetterKind
    from faceaudit.core.matching.bands import Band
    from faceaudit.core.matching.matches import Decision
    from faceaudit.gui import wording

    assert set(wording.LETTER_WORDS) == set(LetterKind)
    assert set(wording.LAW_WORDS) == set(Law)
    assert set(wording.CHANNEL_WORDS) == set(Channel)
    assert set(wording.DECISION_WORDS) == set(Decision) == set(wording.DECISION_DONE)
    assert set(wording.BAND_WORDS) == set(Band) - {Band.LISTED}  # a listed row has no confidence to word
    assert set(wording.BAND_COLORS) == set(Band)
    assert set(wording.STATE_WORDS) == set(wording.DatasetState)
