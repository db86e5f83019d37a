"""Exact matching of a list's rows against my identifiers, and the needles that find candidate rows fast.

A row matches an identifier only on a column of the right kind and only exactly: an account
equals the owner in a Flickr address or an owner column (never a substring: `jdoe` is not
`jdoe2`); a photo is the same Flickr photo id whatever address form the row gives; an address
matches itself or a page below it; a name matches a name column as a whole (`Doe, Jane` too);
a hash matches a hash column in any letter case.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from faceaudit.core.datasets.sources.link_lists import Role
from faceaudit.core.datasets.sources.link_lists.prefilter import Needles
from faceaudit.core.matching.identifiers import Identifier, IdentifierKind
from faceaudit.core.matching.urls import (
    base58_encode,
    flickr_ref,
    is_nsid,
    name_forms,
    normalise_account,
    split_url,
    under,
    url_key,
)

__all__ = ["RowMatcher", "needles_of", "index_words"]

_ASCII_RUN = re.compile(r"[A-Za-z0-9]+")
_TOKEN_RUN = re.compile(r"[^\W_]+")
#: Words as a token index sees them: runs of letters, digits and any non-ASCII character.
_TOKEN_WORDS = re.compile(r"[A-Za-z0-9\u0080-\U0010ffff]+")
#: Parts of addresses that millions of rows share: never a needle when the address has another piece.
_COMMON_WORDS = frozenset({
    "www", "com", "net", "org", "http", "https", "html", "htm", "php", "jpg", "jpeg", "png", "gif", "webp",
    "people", "photos", "photo", "images", "image", "img", "albums", "album", "pictures", "picture", "users", "user",
    "profile", "media", "static", "upload", "uploads", "content", "files", "file", "gallery", "index", "cdn", "wp",
    "assets", "thumb", "thumbs", "large", "small", "medium", "original", "blog", "post", "posts"})


class RowMatcher:
    """The exact test of a row against a set of identifiers (callable as a list search's `verify`).

    Args:
        identifiers: my identifiers.

    Attributes:
        needles: what any matching row contains, for the fast search.
    """

    def __init__(self, identifiers: list[Identifier]):
        self.identifiers = list(identifiers)
        self._by_key: dict[tuple[IdentifierKind, str], list[Identifier]] = {}
        for identifier in self.identifiers:
            self._by_key.setdefault((identifier.kind, identifier.value), []).append(identifier)
        self._urls = [i for i in self.identifiers if i.kind is IdentifierKind.URL]
        self.needles = needles_of(self.identifiers)

    def __bool__(self) -> bool:
        return bool(self.identifiers)

    def __call__(self, record: Mapping[str, str], roles: Mapping[str, Role]) -> tuple[Identifier, ...] | None:
        """The identifiers a row matches (each once, in my order), or None."""
        keys: set[tuple[IdentifierKind, str]] = set()
        urls: list[str] = []
        for column, role in roles.items():
            value = (record.get(column) or "").strip()
            if value:
                self._keys_of(value, role, keys, urls)
        matched = [i for key in keys for i in self._by_key.get(key, ())]
        matched += [i for i in self._urls if any(under(u, i.value) for u in urls)]
        if not matched:
            return None
        order = {id(i): n for n, i in enumerate(self.identifiers)}
        return tuple(sorted({id(i): i for i in matched}.values(), key=lambda i: order[id(i)]))

    @staticmethod
    def _keys_of(value: str, role: Role, keys: set, urls: list[str]) -> None:
        if role in (Role.SHA256, Role.MD5):
            keys.add((IdentifierKind(role.value), value.lower()))
            return
        if role is Role.NAME:
            keys.update((IdentifierKind.NAME, form) for form in name_forms(value))
            return
        if role is Role.PHOTO:
            if value.isdigit():
                keys.add((IdentifierKind.FLICKR_PHOTO, str(int(value))))
            return
        parts = split_url(value) if role is Role.URL or "/" in value else None
        if parts is None:
            if role is Role.ACCOUNT:
                keys.add((IdentifierKind.FLICKR_ACCOUNT, normalise_account(value)))
            return
        ref = flickr_ref(parts)
        if ref is not None:
            if ref.photo:
                keys.add((IdentifierKind.FLICKR_PHOTO, ref.photo))
            if ref.owner:
                keys.add((IdentifierKind.FLICKR_ACCOUNT, ref.owner))
        urls.append(url_key(parts))


def needles_of(identifiers: list[Identifier]) -> Needles:
    """What a row that matches one of `identifiers` must contain somewhere (letter case aside).

    A photo id's digits and its flic.kr code; an NSID's number (the `@` may be written `%40`);
    an alias's or an address's longest run of letters and digits; a name's longest ASCII word
    (so `Zoë` is found written in either Unicode form), or for a name in another script the
    longest word in each case and normal form; hashes whole.
    """
    literals: set[bytes] = set()
    hashes: set[str] = set()
    for identifier in identifiers:
        kind, value = identifier.kind, identifier.value
        if kind in (IdentifierKind.SHA256, IdentifierKind.MD5):
            hashes.add(value)
        elif kind is IdentifierKind.FLICKR_PHOTO:
            literals.update({value.encode(), base58_encode(int(value)).lower().encode()})
        elif kind is IdentifierKind.FLICKR_ACCOUNT and is_nsid(value):
            literals.add(value.split("@", 1)[0].encode())
        elif kind is IdentifierKind.NAME:
            literals.update(_name_needles(value))
        elif kind is IdentifierKind.URL:
            literals.add(_address_needle(value))
        else:
            runs = _ASCII_RUN.findall(value)
            literals.update({max(runs, key=len).lower().encode()} if runs else _name_needles(value))
    return Needles(literals, hashes)


def _address_needle(key: str) -> bytes:
    """The piece of an address most likely to be rare: from its path (the last part first), never a common word.

    Any piece would be correct (the row is compared exactly afterwards); a rare one keeps the
    rows compared few. A host is shared by millions of rows of a list such as LAION.
    """
    host, _, path = key.partition("/")
    segments = [s for s in path.split("?", 1)[0].split("/") if s]
    for strict in (True, False):
        candidates = []
        for position, segment in enumerate(segments):
            for run in _ASCII_RUN.findall(segment):
                word = run.lower()
                if len(word) < 3 or word in _COMMON_WORDS or (strict and word.isdigit() and len(word) < 6):
                    continue
                candidates.append((position == len(segments) - 1, not word.isalpha() and not word.isdigit(),
                                   len(word), word))
        if candidates:
            return max(candidates)[3].encode()
    runs = [r.lower() for r in _ASCII_RUN.findall(host) if r.lower() not in _COMMON_WORDS] or _ASCII_RUN.findall(key)
    return max(runs, key=len).lower().encode()


def _name_needles(name: str) -> set[bytes]:
    # Runs of the composed form: they are in the decomposed form too (only non-ASCII letters decompose).
    runs = [run for run in _ASCII_RUN.findall(unicodedata.normalize("NFC", name)) if len(run) >= 2]
    if runs:
        return {max(runs, key=len).lower().encode()}
    words = _TOKEN_RUN.findall(name) or [name]
    word = max(words, key=len)
    forms = {word, word.lower(), word.upper(), word.title(), word.casefold()}
    return {unicodedata.normalize(nf, form).encode() for form in forms for nf in ("NFC", "NFD")}


def index_words(identifier: Identifier) -> list[list[str]] | None:
    """The words a row matching `identifier` certainly holds, for a token index: alternatives, each a list
    of words that are all there; None when the index cannot serve this identifier (read the whole list).

    A word must be whole in every row the identifier matches: a photo's id (or its flic.kr code), an
    NSID's number, every word of an alias or of a name in ASCII letters, an address's host (its path may
    be written with escapes), a hash.
    """
    kind, value = identifier.kind, identifier.value
    if kind in (IdentifierKind.SHA256, IdentifierKind.MD5):
        return [[value]]
    if kind is IdentifierKind.FLICKR_PHOTO:
        return [[value], [base58_encode(int(value)).lower()]]
    if kind is IdentifierKind.FLICKR_ACCOUNT and is_nsid(value):
        return [[value.split("@", 1)[0]]]
    if kind is IdentifierKind.URL:
        value = value.split("/", 1)[0]
    words = _TOKEN_WORDS.findall(value)
    if not words or not all(w.isascii() for w in words):
        return None  # letters outside ASCII: the index's words are lower-cased in ASCII only
    return [[w.lower() for w in words]]
