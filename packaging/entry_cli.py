"""Frozen entry point of the `faceaudit` command line (PyInstaller runs this file as __main__)."""

import multiprocessing
import sys

if __name__ == "__main__":
    # Indexing starts "spawn" worker processes, which re-run this executable: hand them over first.
    multiprocessing.freeze_support()
    from faceaudit.cli.main import main

    sys.exit(main())
