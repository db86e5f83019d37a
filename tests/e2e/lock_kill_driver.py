"""Test-only: run `lock` or `unlock`, killing this process (SIGKILL) just before its Nth file step.

Run as `python lock_kill_driver.py OPERATION DATABASE PASSPHRASE N`. The steps counted are every
write, rename, sync, overwrite and unlink the two operations make; with N past the last step the
operation completes and `completed STEPS` is printed.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from faceaudit.core.storage import encryption, lock_journal

_calls = 0


def _counted(function, kill_at: int):
    def step(*args, **kwargs):
        global _calls
        _calls += 1
        if _calls == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return function(*args, **kwargs)
    return step


def main(operation: str, database: str, passphrase: str, kill_at: str) -> None:
    n = int(kill_at)
    for module in (encryption, lock_journal):
        for name in ("overwrite", "sync_folder", "write_private", "_seal", "_decrypt_to"):
            if hasattr(module, name):
                setattr(module, name, _counted(getattr(module, name), n))
    os.replace = _counted(os.replace, n)
    Path.unlink = _counted(Path.unlink, n)
    getattr(encryption, operation)(passphrase, Path(database))
    print("completed", _calls)


if __name__ == "__main__":
    main(*sys.argv[1:])
