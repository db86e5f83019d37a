"""The `faceaudit` command: build the parser from the command modules, run one command, word its errors."""

from __future__ import annotations

import argparse
import sqlite3
import sys

from faceaudit import __version__
from faceaudit.cli import datasets, erasure, identity, indexing, letter, me, registry, requests, scanning, security
from faceaudit.cli.common import shown
from faceaudit.cli.hints import hint_for
from faceaudit.core.errors import FaceAuditError
from faceaudit.core.storage.encryption import DataLocked, is_locked

__all__ = ["main", "build_parser"]

#: The command groups, in the order `faceaudit --help` lists them.
_GROUPS = (me, datasets, indexing, scanning, letter, requests, registry, identity, erasure, security)
#: Commands that must run while the data is locked.
_WHILE_LOCKED = ("lock", "unlock", "wipe")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used by the test that checks every command has help)."""
    parser = argparse.ArgumentParser(
        prog="faceaudit",
        description="Find your face in published face datasets, offline, and ask for it to be deleted.")
    parser.add_argument("--version", action="version", version=f"faceaudit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for group in _GROUPS:
        group.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 done, 2 refused with a message, 130 stopped)."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # argparse ends a `nargs="*"` positional at the first option, so `registry add ID --name N F=V`
    # would reject F=V; commands that allow it take such trailing FIELD=VALUE pairs.
    if extra and getattr(args, "intermixed", False) and all("=" in x and not x.startswith("-") for x in extra):
        args.changes = [*args.changes, *extra]
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        _finish_interrupted_lock()
        if args.command not in _WHILE_LOCKED and is_locked():
            raise DataLocked()
        status = args.handler(args) or 0
        sys.stdout.flush()  # a reader that went away (`| head`) is noticed here, not at exit
        return status
    except FaceAuditError as exc:
        return _refused(exc)
    except BrokenPipeError:  # `faceaudit requests list | head`: the reader has all it wanted
        _quiet_stdout()
        return 0
    except (sqlite3.Error, OSError) as exc:
        from faceaudit.core.storage.problems import explain

        problem = explain(exc)
        if problem is not None:
            return _refused(problem)
        if isinstance(exc, OSError):  # a file or folder the command was given: the person can act on it
            where = f" {exc.filename}" if exc.filename else ""
            print(shown(f"faceaudit: could not use{where}: {exc.strerror or exc}"), file=sys.stderr)
            return 2
        raise  # a database error that is not the disk's nor the file's: a bug, its traceback is for the report
    except KeyboardInterrupt:
        print("\nfaceaudit: stopped; work done so far is saved", file=sys.stderr)
        return 130


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that Python's flush at exit does not report the closed pipe again."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _refused(error: FaceAuditError) -> int:
    print(f"faceaudit: {shown(error)}", file=sys.stderr)
    hint = hint_for(error)
    if hint:
        print(f"faceaudit: {shown(hint)}", file=sys.stderr)
    return 2


def _finish_interrupted_lock() -> None:
    """A lock or unlock cut off earlier is finished or undone before anything else; say which copy is good."""
    from faceaudit.core.storage import paths
    from faceaudit.core.storage.lock_journal import finish_interrupted

    home = paths.data_home(create=False)
    if home.is_dir():
        message = finish_interrupted(home / "faceaudit.db")
        if message:
            print(f"faceaudit: {shown(message)}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
