"""Which columns of a list hold identifiers: found from the header and the values, or named by the person."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum

from faceaudit.core.datasets.sources.base import SourceError

__all__ = ["Role", "detect_roles", "parse_column_spec", "looks_like_url", "ListError"]


class ListError(SourceError):
    """A list file that FaceAudit refuses to read, or a column choice it cannot follow; the message says why."""


class Role(StrEnum):
    """What a column of a list holds."""

    URL = "url"
    ACCOUNT = "account"
    PHOTO = "photo"
    NAME = "name"
    SHA256 = "sha256"
    MD5 = "md5"


#: Column names (lower case, letters and digits only) and the role they announce.
_HEADERS: dict[Role, frozenset[str]] = {
    Role.URL: frozenset({
        "url", "urls", "photourl", "imageurl", "imgurl", "link", "href", "src", "uri", "flickrurl", "originalurl",
        "fileurl", "downloadurl", "pageurl", "sourceurl", "urlo", "urlb", "urlc", "urlz", "urlm", "urll", "urlk",
        "urlh", "urlt", "urln", "urlq", "largeurl", "profileurl"}),
    Role.ACCOUNT: frozenset({
        "owner", "nsid", "ownernsid", "ownerid", "userid", "usernsid", "username", "user", "flickruser", "account",
        "uploader", "pathalias", "flickrowner", "ownerusername", "useralias", "flickrusername", "flickrnsid"}),
    Role.PHOTO: frozenset({"photoid", "flickrid", "flickrphotoid", "flickrimageid", "photoflickrid"}),
    Role.NAME: frozenset({
        "name", "person", "identity", "celebrity", "subject", "author", "realname", "ownername", "photographer",
        "creator", "fullname", "personname", "celebname", "displayname", "actor", "actress"}),
}
#: Role names accepted in a column choice (`--columns url=COL,...`).
_SPEC_NAMES = {"url": Role.URL, "account": Role.ACCOUNT, "owner": Role.ACCOUNT, "user": Role.ACCOUNT,
               "nsid": Role.ACCOUNT, "photo": Role.PHOTO, "photo_id": Role.PHOTO, "name": Role.NAME,
               "sha256": Role.SHA256, "md5": Role.MD5}

_URL = re.compile(r"^(?:https?:)?//\S+$|^(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?/\S*$", re.IGNORECASE)
_NSID = re.compile(r"^\d+@N\d+$", re.IGNORECASE)
_HEX = re.compile(r"^[0-9a-fA-F]+$")


def looks_like_url(value: str) -> bool:
    """True for text shaped like a web address (with or without its scheme)."""
    return bool(_URL.match(value.strip()))


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _header_role(name: str) -> Role | None:
    last = _squash(name.rsplit(".", 1)[-1])
    for role, names in _HEADERS.items():
        if last in names or _squash(name) in names:
            return role
    if "sha256" in last:
        return Role.SHA256
    if "md5" in last:
        return Role.MD5
    return None


def _value_role(values: list[str]) -> Role | None:
    values = [v.strip() for v in values if v and v.strip()]
    if not values:
        return None
    if sum(looks_like_url(v) for v in values) >= 0.6 * len(values):
        return Role.URL
    if all(_NSID.match(v) for v in values):
        return Role.ACCOUNT
    for role, length in ((Role.SHA256, 64), (Role.MD5, 32)):
        if all(len(v) == length and _HEX.match(v) for v in values):
            return role
    return None


#: Generic column names that hold a person's name when their values are names.
_ID_HEADERS = frozenset({"id", "label", "class", "identityid", "personid", "classname"})
_PERSON = re.compile(r"^[^\W\d_][\w'.\-]*(?:[ _][^\W\d_][\w'.\-]*){1,4}$")


def _names_of_people(values: list[str]) -> bool:
    """True when nearly all values are two to five words of letters (`Aaron Eckhart`, `Aaron_Eckhart`),
    each starting with a capital, and some repeat (one person, many photos)."""
    values = [v.strip() for v in values if v and v.strip()]
    if len(values) < 2:
        return False
    named = [v for v in values if _PERSON.match(v) and all(w[:1].isupper() for w in re.split("[ _]", v))]
    return len(named) >= 0.9 * len(values) and len(set(values)) < len(values)


def detect_roles(names: Iterable[str], sample: Iterable[Mapping[str, str]]) -> dict[str, Role]:
    """The identifier columns of a list, by name first and then by what a sample of rows holds.

    Args:
        names: the column names (a header's, flattened JSON paths, or positions "1", "2", ...).
        sample: some rows, as {column: text}.

    Returns:
        {column: role} for every column that holds identifiers (empty when none does).
    """
    names = list(dict.fromkeys(names))
    rows = list(sample)
    roles: dict[str, Role] = {}
    for name in names:
        values = [row.get(name) or "" for row in rows]
        by_values = _value_role(values)
        by_name = _header_role(name)
        if by_name is Role.NAME and by_values is Role.URL:
            by_name = None  # a "link" or "src" column named oddly: its values decide
        if by_name in (Role.SHA256, Role.MD5) and by_values not in (None, by_name):
            by_name = None
        role = by_name or by_values
        if role is None and _squash(name) in _ID_HEADERS and _names_of_people(values):
            role = Role.NAME  # MegaFace's FaceScrub list: its "id" column holds the person's name
        if role is not None:
            roles[name] = role
    return roles


def parse_column_spec(text: str | None) -> dict[str, Role] | None:
    """A person's column choice: "url=URL,name=person" as {column: role}; None for no choice.

    Raises:
        ListError: a part without `=`, or a role FaceAudit does not know.
    """
    if text is None or not text.strip():
        return None
    roles: dict[str, Role] = {}
    for part in text.split(","):
        role_name, equals, column = part.partition("=")
        role = _SPEC_NAMES.get(role_name.strip().lower())
        if not equals or not column.strip() or role is None:
            raise ListError(f"{part.strip()!r}: name columns as ROLE=COLUMN, ROLE one of url, account, photo, name, "
                            "sha256, md5 (columns without a header are numbered from 1)")
        roles[column.strip()] = role
    return roles
