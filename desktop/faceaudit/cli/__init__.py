"""The `faceaudit` command line: one module per command group, each thin over core calls.

Each module has `register(commands)`, which adds its sub-commands and their handlers. The parser
is built from light modules only, and a handler imports inside itself only what would load a heavy
library (numpy, PIL, ONNX Runtime, pyarrow, the PDF library): `faceaudit --help` and the light
commands start without them (tests/test_startup_budget.py).
"""

from faceaudit.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
