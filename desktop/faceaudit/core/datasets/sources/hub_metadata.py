"""Class names of a Hugging Face Hub dataset: from a shard's schema metadata, the README's front matter,
or `dataset_info.json` (in that order).

A Hub shard's `label` column holds class ids; the names sit in the schema metadata key
`huggingface` (`{"info": {"features": {"label": {"_type": "ClassLabel", "names": [...]}}}}`),
and in the dataset card's YAML front matter (`dataset_info: features: - name: label, dtype:
class_label: names: {'0': ..., '1': ...}`). Only that shape of the front matter is read (no
YAML library): a small, bounded line reader.
"""

from __future__ import annotations

import re
from pathlib import Path

from faceaudit.core.datasets.sources.base import open_regular
from faceaudit.core.datasets.sources.companions import loads_bounded

__all__ = ["features_from_schema", "class_names"]

_MAX_CARD_BYTES = 4 * 1024 * 1024
_NAME_LINE = re.compile(r"""^\s*['"]?(\d+)['"]?\s*:\s*(.*?)\s*$""")
_LIST_LINE = re.compile(r"^\s*-\s+(.*?)\s*$")


def features_from_schema(metadata: dict[bytes, bytes] | None) -> dict:
    """The `features` dict of a shard's `huggingface` schema metadata ({} when absent or unreadable)."""
    raw = (metadata or {}).get(b"huggingface")
    if not raw or len(raw) > _MAX_CARD_BYTES:
        return {}
    try:
        info = loads_bounded(raw, _MAX_CARD_BYTES)  # nesting counted first: 100,000 deep is refused, no recursion
    except ValueError:
        return {}
    features = info.get("info", {}).get("features") if isinstance(info, dict) else None
    return features if isinstance(features, dict) else {}


def class_names(column: str, features: dict, roots: list[Path]) -> list[str] | None:
    """The class names of a label column, from the schema's features, else a README or dataset_info.json
    found in one of `roots` (the dataset folder and the shard's folders)."""
    names = _from_features(features.get(column))
    if names:
        return names
    for root in roots:
        names = _from_card(root / "README.md", column) or _from_info(root / "dataset_info.json", column)
        if names:
            return names
    return None


def _from_features(feature) -> list[str] | None:
    if isinstance(feature, dict) and feature.get("_type") == "ClassLabel":
        names = feature.get("names")
        if isinstance(names, list) and all(isinstance(n, str) for n in names):
            return names
    return None


def _from_info(path: Path, column: str) -> list[str] | None:
    try:
        if not path.is_file() or path.stat().st_size > _MAX_CARD_BYTES:
            return None
        with open_regular(path) as handle:
            info = loads_bounded(handle.read(_MAX_CARD_BYTES + 1), _MAX_CARD_BYTES)
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict):
        return None
    candidates = [info] + [value for value in info.values() if isinstance(value, dict)]  # one entry per config
    for candidate in candidates:
        features = candidate.get("features")
        if isinstance(features, dict):
            names = _from_features(features.get(column))
            if names:
                return names
    return None


def _from_card(path: Path, column: str) -> list[str] | None:
    """Names under `- name: COLUMN` ... `class_label:` ... `names:` in the card's front matter."""
    try:
        if not path.is_file() or path.stat().st_size > _MAX_CARD_BYTES:
            return None
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    front = []
    for line in lines[1:]:
        if line.strip() == "---":
            break
        front.append(line)
    in_column = in_names = False
    names: dict[int, str] = {}
    listed: list[str] = []
    names_indent = 0
    for line in front:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if stripped.startswith("- name:"):
            if names or listed:
                break  # the next feature: the column's names are complete
            in_column = _unquote(stripped[len("- name:"):]) == column
            in_names = False
            continue
        if not in_column:
            continue
        if stripped == "names:":
            in_names, names_indent = True, indent
            continue
        if in_names:
            if indent <= names_indent and stripped:
                break
            if match := _NAME_LINE.match(line):
                names[int(match.group(1))] = _unquote(match.group(2))
            elif match := _LIST_LINE.match(line):
                listed.append(_unquote(match.group(1)))
    if names and sorted(names) == list(range(len(names))):
        return [names[i] for i in range(len(names))]
    return listed or None


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1].replace("''", "'") if text[0] == "'" else text[1:-1]
    return text
