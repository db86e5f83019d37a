"""Find Unicode TrueType fonts for letters on this machine (nothing is downloaded)."""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from faceaudit.core.errors import FaceAuditError
from faceaudit.core.storage.resources import resources_dir

__all__ = ["LetterFonts", "FontError", "find_fonts"]

# Each style: candidate file names, best first. DejaVu covers Latin, Greek and Cyrillic (Serif)
# and Arabic and Hebrew (Sans); the fallbacks add CJK where the system has such a font.
_SERIF = {
    "": ["DejaVuSerif.ttf", "LiberationSerif-Regular.ttf", "times.ttf"],
    "B": ["DejaVuSerif-Bold.ttf", "LiberationSerif-Bold.ttf", "timesbd.ttf"],
    "I": ["DejaVuSerif-Italic.ttf", "LiberationSerif-Italic.ttf", "timesi.ttf"],
}
_MONO = ["DejaVuSansMono.ttf", "LiberationMono-Regular.ttf", "cour.ttf"]
_FALLBACKS = ["DejaVuSans.ttf", "arial.ttf", "NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf",
              "wqy-microhei.ttc", "wqy-zenhei.ttc", "DroidSansFallbackFull.ttf", "DroidSansFallback.ttf",
              "msyh.ttc", "simsun.ttc", "Arial Unicode.ttf", "arialuni.ttf", "unifont.ttf"]


class FontError(FaceAuditError, OSError):
    """No usable Unicode font was found."""


@dataclass(frozen=True)
class LetterFonts:
    """The font files a letter is set in.

    Attributes:
        serif: style ("", "B", "I") -> file of the body font.
        mono: the file for digests and file names.
        fallbacks: files tried, in order, for characters the body font lacks.
    """

    serif: dict[str, Path]
    mono: Path
    fallbacks: tuple[Path, ...]


def find_fonts() -> LetterFonts:
    """The fonts for letters: `resources/fonts`, then matplotlib's bundled DejaVu, then the system's.

    Raises:
        FontError: no regular and bold Unicode serif font was found.
    """
    index = _index(tuple(_font_dirs()))
    serif = {style: _first(index, names) for style, names in _SERIF.items()}
    if serif[""] is None or serif["B"] is None:
        raise FontError("no Unicode font found for letters: put DejaVuSerif.ttf and DejaVuSerif-Bold.ttf "
                        f"into {resources_dir() / 'fonts'}")
    serif["I"] = serif["I"] or serif[""]
    mono = _first(index, _MONO) or serif[""]
    fallbacks = tuple(dict.fromkeys(p for name in _FALLBACKS if (p := index.get(name.lower()))))
    return LetterFonts(serif=serif, mono=mono, fallbacks=fallbacks)


def _font_dirs() -> list[Path]:
    dirs = [resources_dir() / "fonts"]
    spec = importlib.util.find_spec("matplotlib")
    if spec and spec.origin:
        dirs.append(Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf")
    dirs += [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts",
             Path.home() / ".local/share/fonts", Path("/Library/Fonts"), Path("/System/Library/Fonts"),
             Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts"]
    return [d for d in dirs if d.is_dir()]


@lru_cache(maxsize=4)
def _index(dirs: tuple[Path, ...]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in dirs:
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in {".ttf", ".ttc", ".otf"}:
                found.setdefault(path.name.lower(), path)
    return found


def _first(index: dict[str, Path], names: list[str]) -> Path | None:
    return next((index[n.lower()] for n in names if n.lower() in index), None)
