"""`python -m faceaudit` opens the desktop app (`python -m faceaudit.cli.main` is the command line)."""

import sys

if __name__ == "__main__":
    from faceaudit.gui.app import main

    sys.exit(main())
