"""`python -m faceaudit.cli` runs the command line."""

import sys

from faceaudit.cli.main import main

sys.exit(main())
