"""The docs tell the truth about the code: every repository path they name exists, every command parses."""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

from faceaudit.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "desktop" / "faceaudit"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

#: Where a path in the docs may be written from: the repository, the package, the core, each core domain
#: and each front end's folder (the docs write `core/errors.py`, `matching/scan.scan`, `sources/__init__.py`).
BASES = [ROOT, ROOT / "desktop", PACKAGE, PACKAGE / "core", PACKAGE / "gui",
         *(p for p in sorted((PACKAGE / "core").iterdir()) if p.is_dir() and p.name != "__pycache__")]
#: A path's first folder, for the docs' paths that are the repository's (not a dataset's, `data/train-0.parquet`).
FIRST = {"desktop", "tests", "docs", "bench", "packaging", "resources", "faceaudit", "core", "cli", "gui",
         "letters", "matching", "datasets", "faces", "storage", "sources", "pages", "widgets", "dialogs", "support"}
#: Paths that exist only where something makes them, and what makes them.
MADE = {"resources/fonts/": "the packaging build (packaging/faceaudit.spec copies matplotlib's DejaVu fonts there)"}
_SPAN = re.compile(r"`([^`]+)`", re.S)
_PATHLIKE = re.compile(r"^[\w./*\\-]+$")


def _spans(text: str) -> list[tuple[int, str]]:
    """Inline code spans and indented code lines, with their line numbers."""
    found = [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in _SPAN.finditer(text)]
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("    ") and line.strip():
            found.append((number, line.strip()))
    return found


def _path_words(span: str) -> list[str]:
    words = []
    for word in span.replace("\n", " ").split():
        word = word.strip("(),;:'\"`").replace("\\", "/")
        if not _PATHLIKE.match(word) or word.startswith(("-", ".", "~")) or "://" in word or "..." in word:
            continue
        first = word.split("/")[0]
        if ("/" in word and first in FIRST) or (first.endswith(".py") and "/" not in word):
            words.append(word)
    return words


def _exists(word: str) -> bool:
    if "/" not in word:  # a bare module file name: somewhere in the repository's code
        return any(True for folder in ("desktop", "tests", "bench", "packaging") for _ in (ROOT / folder).rglob(word)) \
            or (ROOT / word).exists()
    tries = [word.rstrip("/")]
    last = tries[0].rsplit("/", 1)[-1]
    if "." in last and not last.endswith((".py", ".md", ".json", ".toml", ".j2", ".txt", ".spec", ".xml", ".desktop",
                                           ".png", ".csv", ".sh", ".svg")):
        tries.append(tries[0][: len(tries[0]) - len(last)] + last.split(".")[0])  # `scan.scan`: module, then name
    for base in BASES:
        for candidate in tries:
            if "*" in candidate:
                if any(base.glob(candidate)):
                    return True
            elif (base / candidate).exists() or (base / f"{candidate}.py").exists():
                return True
    return False


def _doc_paths():
    for doc in DOCS:
        for line, span in _spans(doc.read_text(encoding="utf-8")):
            for word in _path_words(span):
                yield f"{doc.relative_to(ROOT)}:{line}", word


def test_every_path_the_docs_name_exists():
    paths = list(_doc_paths())
    assert len(paths) > 50  # the scan must find the docs' paths, or it checks nothing
    missing = [f"{where}: {word}" for where, word in paths if word not in MADE and not _exists(word)]
    assert not missing, "the docs name files that do not exist:\n" + "\n".join(missing)


def test_the_path_check_finds_a_missing_file():
    assert _path_words("see `tests/core/test_offline.py` and core/models.py") == ["tests/core/test_offline.py",
                                                                                   "core/models.py"]
    assert not _exists("tests/core/test_offline.py") and not _exists("core/models.py")
    assert _exists("core/errors.py") and _exists("matching/scan.scan") and _exists("tests/e2e/*.py")


#: What a placeholder in a synopsis stands for, so the real parser can read the line.
_PLACEHOLDERS = {"ID": "1", "N": "1", "K": "1", "YYYY-MM-DD": "2026-01-31", "DATE": "2026-01-31", "ID,ID": "1,2",
                 "HEX": "ab12"}


def _commands():
    """Every `faceaudit ...` command line in the docs (inline, or a line of a code block), as written."""
    for doc in DOCS:
        for line, span in _spans(doc.read_text(encoding="utf-8")):
            span = span.replace("\n", " ")
            if span.startswith("faceaudit ") and not span.startswith("faceaudit.db"):
                text = re.split(r"\s{2,}|\s#\s", span[len("faceaudit "):])[0]  # the synopsis, not its comment
                yield f"{doc.relative_to(ROOT)}:{line}", text


def _parse(parser: argparse.ArgumentParser, words: list[str]) -> str | None:
    """The parser's complaint about `words`, or None; a missing required argument is no complaint (a synopsis)."""
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            parser.parse_args(words)
    except SystemExit as stop:
        if stop.code and "the following arguments are required" not in err.getvalue():
            return err.getvalue().strip().splitlines()[-1]
    return None


def _variants(text: str) -> list[list[str]]:
    """The command lines a synopsis stands for: each `a | b` alternative and each `x|y` choice once."""
    text = re.sub(r"[\[\]()]", " ", text)
    text = re.sub(r"(?<=\w)\.\.\.", "", text).replace("...", "X")  # `PHOTO...` is PHOTO; `--name ...` has a value
    alternatives = [part.split() for part in re.split(r"\s\|\s", text)]
    lines = [alternatives[0]]
    for other in alternatives[1:]:  # `me list | remove ID`: the others share the first one's group
        group = [w for w in alternatives[0] if not w.startswith("-") and w.islower()][:-1]
        lines.append([*group[: max(len(group), 0)], *other] if other and other[0] not in group else other)
    out = []
    for words in lines:
        try:
            words = shlex.split(" ".join(words))
        except ValueError:
            pass
        words = [_PLACEHOLDERS.get(w, w) for w in words if w and w != "|"]
        first = [w.split("|")[0] or w for w in words]
        out.append(first)
        for i, word in enumerate(words):
            for choice in [c for c in word.split("|")[1:] if c]:
                out.append([*first[:i], choice, *first[i + 1:]])
    return out


def test_every_command_the_docs_name_parses():
    parser = build_parser()
    commands = list(_commands())
    assert len(commands) > 40
    wrong = []
    for where, text in commands:
        for words in _variants(text):
            complaint = _parse(parser, words)
            if complaint:
                wrong.append(f"{where}: faceaudit {' '.join(words)}: {complaint}")
    assert not wrong, "the docs name commands the parser refuses:\n" + "\n".join(wrong)


@pytest.mark.parametrize("line", ["faceaudit dataset lst", "faceaudit index --detector dnn", "faceaudit scan --xml"])
def test_the_command_check_finds_a_wrong_command(line):
    assert any(_parse(build_parser(), words) for words in _variants(line[len("faceaudit "):]))


def test_the_map_names_every_module_folder_and_core_module():
    # docs/architecture.md is the newcomer's map: every package folder, and every module at the core's
    # top (errors, limits, ...), is on it; a new one that is not fails here until the map says what it is.
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    folders = [p.relative_to(PACKAGE).as_posix() for p in sorted(PACKAGE.rglob("__init__.py"))
               if p.parent != PACKAGE]
    core_modules = [p.name for p in sorted((PACKAGE / "core").glob("*.py")) if p.name != "__init__.py"]
    missing = [f for f in folders if f.removesuffix("/__init__.py").rsplit("/", 1)[-1] + "/" not in text]
    missing += [m for m in core_modules if m not in text]
    assert not missing, f"docs/architecture.md does not name: {missing}"
