"""`faceaudit lock`, `unlock` and `wipe`: encryption at rest and deleting everything FaceAudit made."""

from __future__ import annotations

import getpass
import sys

from faceaudit.cli.common import shown
from faceaudit.cli.hints import Step, command
from faceaudit.core.storage import paths
from faceaudit.core.storage.encryption import LOST_PASSPHRASE, EncryptionError, lock, unlock
from faceaudit.core.storage.wipe import wipe_all, wipe_plan

__all__ = ["register"]


def register(commands) -> None:
    """Add the lock, unlock and wipe command(s) to the `faceaudit` parser."""
    lock = commands.add_parser("lock", help="encrypt the database with a passphrase (off by default)",
                               description="Encrypt the database into faceaudit.db.enc (AES-256-GCM, key from "
                               "scrypt) and overwrite, then delete, the plain file. Until `faceaudit unlock`, every "
                               "command refuses to run. A lost passphrase means lost data. Close the app first.")
    lock.add_argument(
        "--passphrase-stdin", action="store_true", help="read the passphrase from the first line of stdin"
    )
    lock.set_defaults(handler=_lock)
    unlock = commands.add_parser("unlock", help="decrypt the database for a session",
                                 description="Decrypt faceaudit.db.enc back into the database. While unlocked the "
                                 "database is plain on disk; run `faceaudit lock` when you are done.")
    unlock.add_argument(
        "--passphrase-stdin", action="store_true", help="read the passphrase from the first line of stdin"
    )
    unlock.set_defaults(handler=_unlock)

    wipe = commands.add_parser("wipe", help="delete all local FaceAudit data",
                               description="Delete every file FaceAudit created: database, caches, letters.")
    wipe.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    wipe.set_defaults(handler=_wipe)

def _passphrase(args, confirm: bool) -> str:
    if args.passphrase_stdin:
        return sys.stdin.readline().rstrip("\n")

    first = getpass.getpass("Passphrase: ")
    if confirm and getpass.getpass("Passphrase again: ") != first:
        raise EncryptionError("the two passphrases differ; nothing was changed")
    return first


def _lock(args) -> int:
    print(f"warning: {LOST_PASSPHRASE}", file=sys.stderr)
    path = lock(_passphrase(args, confirm=True))
    print(shown(f"locked: the database is now only {path}; run {command(Step.UNLOCK)} to use it again"))
    return 0


def _unlock(args) -> int:
    path = unlock(_passphrase(args, confirm=False))
    print(shown(f"unlocked: {path} (plain on disk until you run {command(Step.LOCK)})"))
    return 0


def _wipe(args) -> int:
    plan = wipe_plan()
    if not plan:
        print("nothing to delete")
        return 0
    print("This deletes all FaceAudit data:")
    for path in plan:
        print(f"  {shown(path)}")
    if not args.yes and (not sys.stdin.isatty() or input("Type 'delete' to confirm: ").strip() != "delete"):
        print("nothing deleted", file=sys.stderr)
        return 1

    home = paths.data_home(create=False)
    wipe_all()
    kept = f" (the folder {home} stays: FaceAudit did not make it)" if home.exists() else ""
    print(shown(f"all FaceAudit data deleted{kept}"))
    return 0
