"""Companion metadata or not: a text file beside photos is inspected to its end, never judged by its name.

A text file (or archive member) is a companion, holding no photo and no identifier, when its whole
content was looked at and has no photo encoded as text (base64 or hex JPEG/PNG), no web address,
and, for a file in a folder, no column that a list of links would be searched by (names, accounts,
photo addresses, hashes: `LinkListSource.refusal` decides, as for a dataset of lists). A JSON
document must also be small and shallow enough to parse safely, and hold no long array of strings
(MegaFace's `{"id": [...], "path": [...]}` names people). Anything else is not read, with why.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from faceaudit.core import limits
from faceaudit.core.datasets.sources.base import open_regular

__all__ = ["inspect_text", "inspect_file", "json_depth", "loads_bounded", "LIST_BESIDE_PHOTOS"]

#: A photo encoded as base64 or hex inside text.
_EMBEDDED = re.compile(rb"/9j/[0-9A-Za-z+/]{8}|iVBORw0KGgo|ffd8ffe[0-9a-f]|89504e470d0a1a0a", re.IGNORECASE)
_LINK = re.compile(rb"https?://|www\.", re.IGNORECASE)
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
#: A JSON array holding more strings than this is a list of names or paths, not metadata.
_MAX_STRINGS = 16
_CHUNK = 1 << 20

LIST_BESIDE_PHOTOS = ("a list of links beside photos (its rows are not searched with the photos): "
                      "add it as a dataset of its own")


def json_depth(data: bytes) -> int:
    """How deep a JSON text nests, counted without parsing it (brackets inside strings do not count)."""
    import numpy as np  # loaded when a JSON is first measured: `faceaudit --help` and the catalog need none

    bare = np.frombuffer(_STRING.sub(b'""', data), dtype=np.uint8)
    if not bare.size:
        return 0
    step = ((bare == ord("[")) | (bare == ord("{"))).astype(np.int64) - ((bare == ord("]")) | (bare == ord("}")))
    return int(np.cumsum(step).max(initial=0))


def loads_bounded(data: bytes | str, max_bytes: int = limits.MAX_COMPANION_JSON_BYTES,
                  max_depth: int = limits.MAX_LIST_NESTING) -> object:
    """`json.loads`, refused before parsing when the text is too long or nests too deep.

    Raises:
        ValueError: too long, too deep, or not JSON (the message says which).
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise ValueError(f"JSON text of {len(raw):,} bytes, over the {max_bytes:,}-byte limit")
    depth = json_depth(raw)
    if depth > max_depth:
        raise ValueError(f"JSON nested {depth:,} deep, over the limit of {max_depth}")
    try:
        return json.loads(raw)
    except RecursionError:  # unreachable after the depth count; kept so no traceback can escape
        raise ValueError("JSON nested too deep") from None


def _many_strings(value: object) -> bool:
    """True when an array holds more than a few strings, other than a ClassLabel's `names` (the class names of
    a label column: the labels of the photos read beside it, as in `dataset_info.json`)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            if sum(isinstance(x, str) for x in item) > _MAX_STRINGS:
                return True
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(v for k, v in item.items() if not (k == "names" and item.get("_type") == "ClassLabel"))
    return False


def inspect_text(data: bytes, links: bool = False) -> str | None:
    """Why this whole text is not a companion (None: it is one).

    Args:
        data: all of it.
        links: web addresses allowed (a WebDataset sidecar describes the photo read beside it).
    """
    if _EMBEDDED.search(data):
        return "text holding photos encoded as text (base64 or hex): FaceAudit does not read them here"
    if not links and _LINK.search(data):
        return "text holding web addresses: FaceAudit does not search it here"
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        try:
            value = loads_bounded(data)
        except ValueError as exc:
            return f"JSON not read: {exc}"
        if _many_strings(value):
            return "JSON holding arrays of names or paths (MegaFace's form): FaceAudit does not read it"
    return None


def inspect_file(path: Path, size: int) -> str | None:
    """Why a text file beside photos is not a companion (None: it is one). Read to its end, in blocks: no
    photo encoded in it, and no identifier column by the list reader's own judgement (web addresses in
    a README are not rows)."""
    from faceaudit.core.datasets.sources.link_lists import LinkListSource  # lists import the photo readers

    if size > limits.MAX_COMPANION_BYTES:
        return f"text file over {limits.MAX_COMPANION_BYTES // 2**20} MiB: too large to inspect"
    with open_regular(path) as handle:
        head = handle.read(limits.MAX_COMPANION_JSON_BYTES + 1)
        if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
            return inspect_text(head, links=True)
        why = inspect_text(head, links=True)
        tail = head[-64:]
        while why is None and (block := handle.read(_CHUNK)):
            why = inspect_text(tail + block, links=True)
            tail = block[-64:]
    if why is None and LinkListSource.refusal(path) is None:
        return LIST_BESIDE_PHOTOS
    return why
