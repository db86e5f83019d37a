"""The `faceaudit` command: build the parser from the command modules, run one command, word its errors."""

from __future__ import annotations

import argparse
import sys

from faceaudit import __version__
from faceaudit.cli import datasets, erasure, identity, indexing, letter, me, registry, requests, scanning, security
from faceaudit.cli.common import shown
from faceaudit.cli.hints import hint_for
from faceaudit.core.errors import FaceAuditError
from faceaudit.core.storage import paths
from faceaudit.core.storage.encryption import DataLocked, is_locked
from faceaudit.core.storage.faults import Fault, sort_error
from faceaudit.core.storage.lock_journal import finish_interrupted

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
    except BrokenPipeError:  # `faceaudit requests list | head`: the reader has all it wanted
        _quiet_stdout()
        return 0
    except KeyboardInterrupt:
        print("\nfaceaudit: stopped; work done so far is saved", file=sys.stderr)
        return 130
    except Exception as exc:
        fault, error = sort_error(exc)  # the one place that sorts errors (core/storage/faults.py)
        if fault is Fault.BUG:
            raise  # its traceback is for the report
        if isinstance(error, FaceAuditError):
            return _refused(error)
        where = f" {error.filename}" if error.filename else ""  # a file or folder the command was given
        print(shown(f"faceaudit: could not use{where}: {error.strerror or error}"), file=sys.stderr)
        return 2


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
    home = paths.data_home(create=False)
    if home.is_dir():
        message = finish_interrupted(home / "faceaudit.db")
        if message:
            print(f"faceaudit: {shown(message)}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
