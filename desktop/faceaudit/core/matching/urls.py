"""Addresses of photos and accounts: one photo whatever URL form points at it, one account by NSID or path alias.

Flickr serves one photo under many addresses: `farmN.staticflickr.com/SERVER/ID_SECRET_SIZE.jpg`,
`farmN.static.flickr.com/…`, `live.staticflickr.com/…`, `cN.staticflickr.com/FARM/SERVER/…`, the
photo page `flickr.com/photos/OWNER/ID/` (OWNER an NSID such as `12345678@N01` or a path alias)
and the short `flic.kr/p/BASE58`. `flickr_ref` reduces each to (photo id, owner); any other
address reduces to host and path (`url_key`), so scheme, `www.`, a trailing slash or a fragment
do not matter.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["FlickrRef", "SplitUrl", "split_url", "flickr_ref", "url_key", "under", "normalise_account",
           "normalise_name", "name_forms", "base58_encode", "base58_decode", "is_nsid", "unquote"]

_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$|^\d{1,3}(?:\.\d{1,3}){3}$")
_UNRESERVED_ESCAPE = re.compile(r"%(2[dDeE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])")
_STATIC_FILE = re.compile(r"^(\d+)_[0-9a-f]+(?:_[a-z0-9]{1,3})*\.(?:jpe?g|png|gif|webp|mp4)$", re.IGNORECASE)
_NSID = re.compile(r"^\d+@n\d+$", re.IGNORECASE)
_SPACE = re.compile(r"\s")
_BASE58 = "123456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
_BASE58_INDEX = {char: n for n, char in enumerate(_BASE58)}
#: First path parts under /photos/ that are Flickr's own pages, not accounts.
_NOT_OWNERS = frozenset({"tags", "search", "upload", "organize", "friends", "me", "browse", "recent"})


@dataclass(frozen=True)
class SplitUrl:
    """An address in parts: host lower-cased without `www.` and default port, path without trailing slash."""

    host: str
    path: str
    query: str


@dataclass(frozen=True)
class FlickrRef:
    """What a Flickr address points at: a photo (its id), an account (NSID or path alias, lower case), or both."""

    photo: str | None
    owner: str | None


def split_url(text: str) -> SplitUrl | None:
    """The parts of a web address, with or without its scheme; None when the text is not one."""
    text = text.strip().strip("<>\"'")
    if not text or _SPACE.search(text):
        return None
    match = _SCHEME.match(text)
    if match:
        if match.group(1).lower() not in ("http", "https"):
            return None
        text = text[match.end():]
        if not text.startswith("//"):
            return None
    text = text.lstrip("/") if text.startswith("//") else text
    text = text.split("#", 1)[0]
    rest, _, query = text.partition("?")
    host, slash, path = rest.partition("/")
    host = host.rsplit("@", 1)[-1].lower().rstrip(".")
    if host.endswith((":80", ":443")):
        host = host.rsplit(":", 1)[0]
    if not _HOST.match(host.split(":", 1)[0]):
        return None
    if host.startswith("www."):
        host = host[4:]
    path = _UNRESERVED_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), "/" + path if slash else "")
    return SplitUrl(host, path.rstrip("/"), query)


def flickr_ref(text: str | SplitUrl) -> FlickrRef | None:
    """The photo and/or account a Flickr address points at; None for any other address."""
    parts = split_url(text) if isinstance(text, str) else text
    if parts is None:
        return None
    host, segments = parts.host, [s for s in parts.path.split("/") if s]
    if host.endswith(("staticflickr.com", "static.flickr.com")) and segments:
        match = _STATIC_FILE.match(segments[-1])
        return FlickrRef(_photo_id(match.group(1)), None) if match else None
    if host == "flic.kr" and len(segments) == 2 and segments[0] == "p":
        photo = base58_decode(segments[1])
        return FlickrRef(str(photo), None) if photo else None
    if host not in ("flickr.com", "m.flickr.com", "secure.flickr.com"):
        return None
    if segments[:1] == ["photo.gne"]:
        found = re.search(r"(?:^|&)id=(\d+)", parts.query)
        return FlickrRef(_photo_id(found.group(1)), None) if found else None
    if len(segments) >= 2 and segments[0] in ("photos", "people") and segments[1].lower() not in _NOT_OWNERS:
        owner = normalise_account(unquote(segments[1]))
        if segments[0] == "photos" and len(segments) >= 3 and segments[2].isdigit():
            return FlickrRef(_photo_id(segments[2]), owner)
        return FlickrRef(None, owner)
    return None


def url_key(text: str | SplitUrl) -> str | None:
    """An address as FaceAudit compares it: host and path (and query, if any); None when not an address."""
    parts = split_url(text) if isinstance(text, str) else text
    if parts is None:
        return None
    return parts.host + parts.path + (f"?{parts.query}" if parts.query else "")


def under(row_key: str, wanted: str) -> bool:
    """True when the address `row_key` is `wanted` or lies below it (at a `/`), both as `url_key` gives them.

    A wanted address with a query must be met exactly; one without matches whatever query the
    row's address has.
    """
    if "?" in wanted:
        return row_key == wanted
    path = row_key.split("?", 1)[0]
    return path == wanted or path.startswith(wanted + "/")


def normalise_account(text: str) -> str:
    """An account as compared: NSID or path alias, `%40` read as `@`, lower case."""
    return unquote(text.strip()).strip().lower()


def is_nsid(text: str) -> bool:
    """True for a Flickr NSID such as `12345678@N01`."""
    return bool(_NSID.match(text.strip()))


def normalise_name(text: str) -> str:
    """A person's name as compared: Unicode NFC, lower case, `_` as a space, spaces collapsed.

    Lower case rather than case folding: folding turns `ß` into `ss`, and the fast search looks
    for a piece of the name as it is written.
    """
    text = unicodedata.normalize("NFC", text).replace("_", " ")
    return " ".join(text.lower().split())


def name_forms(text: str) -> set[str]:
    """The names a field holds: itself, and `First Last` for a `Last, First` field."""
    name = normalise_name(text)
    forms = {name} if name else set()
    last, comma, first = name.partition(",")
    if comma and first.strip() and "," not in first:
        forms.add(f"{first.strip()} {last.strip()}")
    return forms


def base58_encode(number: int) -> str:
    """A photo id as flic.kr writes it."""
    out = ""
    while number:
        number, digit = divmod(number, 58)
        out = _BASE58[digit] + out
    return out or _BASE58[0]


def base58_decode(text: str) -> int | None:
    """A flic.kr code back to the photo id; None when it is not one."""
    number = 0
    for char in text:
        if char not in _BASE58_INDEX or number > 10**20:
            return None
        number = number * 58 + _BASE58_INDEX[char]
    return number or None


def unquote(text: str) -> str:
    """Percent-escapes decoded (`%40` is `@`, `%C3%A9` is `é`). Written here: no module of the app imports urllib."""
    if "%" not in text:
        return text
    raw = re.sub(rb"%([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), text.encode("utf-8"))
    return raw.decode("utf-8", "replace")


def _photo_id(digits: str) -> str:
    return str(int(digits))
