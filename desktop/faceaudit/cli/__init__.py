"""The `faceaudit` command line: one module per command group, each thin over core calls.

Each module has `register(commands)`, which adds its sub-commands and their handlers. Handlers
import the core inside themselves: `faceaudit --help` and the light commands then start without
loading numpy, ONNX Runtime or the PDF library (about a second saved on every call).
"""

from faceaudit.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
