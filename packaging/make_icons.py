"""Render resources/icons/faceaudit.svg to PNGs of the sizes installers need (16 to 512 px)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "icons" / "faceaudit.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(out_dir: Path = SVG.parent) -> list[Path]:
    """Write faceaudit-<size>.png next to the SVG (or into out_dir); returns the files."""
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {SVG}")
    written = []
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = out_dir / f"faceaudit-{size}.png"
        image.save(str(path))
        written.append(path)
    return written


if __name__ == "__main__":
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    for written in render(Path(sys.argv[1]) if len(sys.argv) > 1 else SVG.parent):
        print(written)
