"""My identifiers besides my face: Flickr accounts and photos, addresses, names, and file hashes.

Datasets published as lists of links (MegaFace, FaceScrub, FFHQ, LAION…) are searched with these.
`parse_identifier` reads what a person types (`flickr:jdoe`, `flickr:12345678@N01`, a Flickr
photo or profile address, `url:…`, `name:"Jane Doe"`, `sha256:…`, `md5:…`); the SHA-256 and MD5
of every reference photo are identifiers too, without being stored twice.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from faceaudit.core.datasets.sources.base import IMAGE_SUFFIXES, walk
from faceaudit.core.errors import FaceAuditError
from faceaudit.core.matching.urls import flickr_ref, is_nsid, normalise_account, normalise_name, split_url, url_key
from faceaudit.core.storage.store import Store, now

__all__ = ["IdentifierKind", "IdentifierSource", "Identifier", "IdentifierError", "parse_identifier", "add_identifier",
           "list_identifiers", "remove_identifier", "file_hashes", "add_photo_hashes", "HashProgress"]

_HEX = re.compile(r"^[0-9a-fA-F]+$")
_PREFIXES = ("flickr:", "url:", "name:", "sha256:", "md5:")


class IdentifierKind(StrEnum):
    """What an identifier names, and so which columns of a list it is compared with."""

    FLICKR_ACCOUNT = "flickr-account"
    FLICKR_PHOTO = "flickr-photo"
    URL = "url"
    NAME = "name"
    SHA256 = "sha256"
    MD5 = "md5"


class IdentifierSource(StrEnum):
    """Where an identifier came from."""

    TYPED = "typed"  # the person typed it
    PHOTO_HASHES = "photo-hashes"  # the hashes of a folder of photos the person once uploaded
    REFERENCE_PHOTO = "reference-photo"  # the hashes of one of my reference photos (not stored apart)


class IdentifierError(FaceAuditError, ValueError):
    """Text that is not an identifier FaceAudit understands, or one that does not exist."""


@dataclass(frozen=True)
class Identifier:
    """One of my identifiers.

    Attributes:
        kind: what it names.
        value: the form compared with lists (lower case NSID or alias, photo id, host and path,
            folded name, lower-case hex).
        label: how it is shown: what the person typed, or which photo a hash comes from.
        id: its row in the database; None for the hashes of a reference photo (removed with the photo).
        source: where it came from.
    """

    kind: IdentifierKind
    value: str
    label: str
    id: int | None = None
    source: IdentifierSource = IdentifierSource.TYPED


def parse_identifier(text: str) -> Identifier:
    """An identifier from what a person typed.

    Raises:
        IdentifierError: the text is none of the forms, with the forms that are understood.
    """
    text = text.strip()
    lower = text.lower()
    if lower.startswith("flickr:"):
        return _flickr(text[7:].strip(), text)
    if lower.startswith("url:"):
        return _address(text[4:].strip(), text)
    if lower.startswith("name:"):
        name = normalise_name(text[5:].strip().strip("\"'“”„"))
        if len(name) < 2:
            raise IdentifierError(f"{text!r}: give a name, such as name:\"Jane Doe\"")
        return Identifier(IdentifierKind.NAME, name, f'name:"{text[5:].strip().strip(chr(34) + chr(39))}"')
    for kind, length in ((IdentifierKind.SHA256, 64), (IdentifierKind.MD5, 32)):
        if lower.startswith(f"{kind}:") or (_HEX.match(text) and len(text) == length):
            digest = text.split(":", 1)[-1].strip().lower()
            if len(digest) != length or not _HEX.match(digest):
                raise IdentifierError(f"{text!r}: a {kind.upper()} is {length} hexadecimal digits")
            return Identifier(kind, digest, f"{kind}:{digest}")
    if split_url(text) is not None and "/" in text:
        return _address(text, text)
    raise IdentifierError(
        f"{text!r} is not an identifier: use flickr:USERNAME, flickr:NSID (such as 12345678@N01), a Flickr photo "
        "or profile address, url:ADDRESS, name:\"First Last\", sha256:HEX or md5:HEX")


def _flickr(value: str, typed: str) -> Identifier:
    if "/" in value:
        return _address(value, typed)
    account = normalise_account(value)
    if not account:
        raise IdentifierError(f"{typed!r}: give a Flickr user name, path alias or NSID")
    label = f"flickr:{value.upper() if is_nsid(value) else value}"
    return Identifier(IdentifierKind.FLICKR_ACCOUNT, account, label)


def _address(value: str, typed: str) -> Identifier:
    parts = split_url(value)
    if parts is None:
        raise IdentifierError(f"{typed!r} is not a web address")
    ref = flickr_ref(parts)
    if ref is not None and ref.photo:
        return Identifier(IdentifierKind.FLICKR_PHOTO, ref.photo, f"Flickr photo {ref.photo} ({value})")
    if ref is not None and ref.owner:
        return Identifier(IdentifierKind.FLICKR_ACCOUNT, ref.owner, f"flickr:{ref.owner} ({value})")
    if parts.host.endswith(("flickr.com", "flic.kr")):
        raise IdentifierError(f"{typed!r} is a Flickr address of neither a photo nor a profile")
    if not parts.path:
        raise IdentifierError(f"{typed!r} is a whole site: give the address of a photo or of a profile page")
    return Identifier(IdentifierKind.URL, url_key(parts), f"url:{value}")


def add_identifier(store: Store, text: str, source: IdentifierSource = IdentifierSource.TYPED) -> Identifier:
    """Parse and keep an identifier (adding one already kept returns it unchanged).

    Raises:
        IdentifierError: the text is not an identifier.
    """
    found = parse_identifier(text)
    return _keep(store, found, source)


def _keep(store: Store, found: Identifier, source: IdentifierSource) -> Identifier:
    with store.transaction():
        store.conn.execute(
            "INSERT INTO my_identifiers (kind, value, label, source, added) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (kind, value) DO NOTHING", [found.kind.value, found.value, found.label, source, now()])
    row = store.conn.execute("SELECT id, label, source FROM my_identifiers WHERE kind = ? AND value = ?",
                             [found.kind.value, found.value]).fetchone()
    return Identifier(found.kind, found.value, row[1], row[0], IdentifierSource(row[2]))


def list_identifiers(store: Store, with_reference_photos: bool = True) -> list[Identifier]:
    """Every identifier: those kept, in the order added, then the hashes of my reference photos."""
    rows = store.conn.execute("SELECT id, kind, value, label, source FROM my_identifiers ORDER BY id")
    kept = [Identifier(IdentifierKind(kind), value, label, id_, IdentifierSource(source))
            for id_, kind, value, label, source in rows]
    if not with_reference_photos:
        return kept
    seen = {(i.kind, i.value) for i in kept}
    for name, sha256, md5 in store.conn.execute("SELECT name, sha256, md5 FROM reference_photos ORDER BY id"):
        for kind, digest in ((IdentifierKind.SHA256, sha256), (IdentifierKind.MD5, md5)):
            if digest and (kind, digest.lower()) not in seen:
                seen.add((kind, digest.lower()))
                kept.append(Identifier(kind, digest.lower(), f"{kind} of reference photo {name}",
                                       source=IdentifierSource.REFERENCE_PHOTO))
    return kept


def remove_identifier(store: Store, identifier_id: int) -> None:
    """Forget a kept identifier (the hashes of a reference photo go with the photo).

    Raises:
        IdentifierError: no such identifier.
    """
    with store.transaction():
        gone = store.conn.execute("DELETE FROM my_identifiers WHERE id = ?", [identifier_id]).rowcount
    if not gone:
        raise IdentifierError(f"no identifier with id {identifier_id}")


def file_hashes(path: str | os.PathLike) -> tuple[str, str]:
    """(SHA-256, MD5) of a file's bytes, in lower-case hex, read in pieces.

    Raises:
        OSError: the file cannot be read, or is not a regular file (a pipe named like a photo would
            never end, a device never stop: they are refused before anything is read).
    """
    sha256, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    # O_NONBLOCK: opening a pipe with no writer does not wait for one.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError("not a regular file (a pipe, a device or a socket)")
        while piece := handle.read(1 << 20):
            sha256.update(piece)
            md5.update(piece)
    return sha256.hexdigest(), md5.hexdigest()


@dataclass(frozen=True)
class HashProgress:
    """A point of `add_photo_hashes`: photos hashed so far, identifiers new, and files that could not be read."""

    photos: int
    added: int
    unreadable: tuple[str, ...] = ()


def add_photo_hashes(store: Store, folder: str | os.PathLike) -> Iterator[HashProgress]:
    """Keep the SHA-256 and MD5 of every photo in a folder (and its sub-folders); only the hashes are kept.

    Yields:
        Progress after each photo; the last record holds the totals.

    Raises:
        IdentifierError: the folder does not exist.
    """
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise IdentifierError(f"{folder} is not a folder")
    photos = added = 0
    unreadable: list[str] = []
    before = store.scalar("SELECT COUNT(*) FROM my_identifiers")
    inside = root.resolve()
    for dirpath, _dirs, files in walk(root):  # no recursion: a very deep folder is walked too
        for name in files:
            if Path(name).suffix.lower() not in IMAGE_SUFFIXES:
                continue
            path = Path(dirpath, name)
            try:
                if path.is_symlink():
                    # Only the folder I named is read: a link out of it (to /etc/shadow, say) is not followed.
                    target = path.resolve(strict=True)
                    if not target.is_relative_to(inside):
                        raise OSError("a symbolic link out of the folder: not followed")
                sha256, md5 = file_hashes(target if path.is_symlink() else path)
            except OSError as exc:
                unreadable.append(f"{path.relative_to(root)}: {exc.strerror or exc}")
                continue
            for kind, digest in ((IdentifierKind.SHA256, sha256), (IdentifierKind.MD5, md5)):
                _keep(store, Identifier(kind, digest, f"{kind}:{digest}"), IdentifierSource.PHOTO_HASHES)
            photos += 1
            added = store.scalar("SELECT COUNT(*) FROM my_identifiers") - before
            yield HashProgress(photos, added, tuple(unreadable))
    yield HashProgress(photos, added, tuple(unreadable))
