"""The letter writer's identity: asked for once, kept in the local database, used where a letter needs it."""

from __future__ import annotations

from dataclasses import dataclass, fields

from faceaudit.core.errors import FaceAuditError
from faceaudit.core.storage.store import Store

__all__ = ["Identity", "IdentityError", "SETTINGS", "load_identity", "save_identity", "email_problem"]

#: Declared settings: key -> (default, what it is).
SETTINGS: dict[str, tuple[str, str]] = {
    "identity.name": ("", "your full name, as the recipient may know it"),
    "identity.address": ("", "your postal address (several lines allowed)"),
    "identity.email": ("", "the e-mail address answers should go to"),
    "identity.country": ("", "the country you live in (decides the data-protection authority)"),
}


class IdentityError(FaceAuditError, ValueError):
    """Identity details that are missing or unusable."""


def email_problem(email: str) -> str | None:
    """Why `email` cannot be an e-mail address for answers, or None (an empty one is allowed: no e-mail)."""
    email = email.strip()
    if email and ("@" not in email or email.startswith("@") or email.endswith("@")):
        return f"{email!r} does not look like an e-mail address"
    return None


@dataclass(frozen=True)
class Identity:
    """Who is writing."""

    name: str = ""
    address: str = ""
    email: str = ""
    country: str = ""

    @property
    def complete(self) -> bool:
        """True when name and either address or e-mail are known."""
        return bool(self.name and (self.address or self.email))

    def address_lines(self) -> list[str]:
        """The postal address, one line per item."""
        return [line.strip() for line in self.address.replace("\r", "").split("\n") if line.strip()]


def load_identity(store: Store) -> Identity:
    """The stored identity (empty fields where nothing was given)."""
    values = {f.name: store.get_setting(f"identity.{f.name}", SETTINGS[f"identity.{f.name}"][0])
              for f in fields(Identity)}
    return Identity(**values)


def save_identity(store: Store, **changes: str | None) -> Identity:
    """Store some identity fields (None leaves a field as it is).

    Raises:
        IdentityError: an unknown field or an e-mail address without '@'.
    """
    known = {f.name for f in fields(Identity)}
    unknown = set(changes) - known
    if unknown:
        raise IdentityError(f"unknown identity field(s): {', '.join(sorted(unknown))}")
    problem = email_problem(changes.get("email") or "")
    if problem:
        raise IdentityError(problem)
    for key, value in changes.items():
        if value is not None:
            store.set_setting(f"identity.{key}", value.strip() if key != "address" else value.strip("\n "))
    return load_identity(store)
