"""The dataset registry: who holds each published face dataset, and where to write to them.

Bundled entries live in `resources/datasets/<id>.json`. A person's additions and corrections
live in `registry/local.json` in their data folder and win over the bundled values field by field.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field, fields
from pathlib import Path

from faceaudit.core.errors import Action, FaceAuditError
from faceaudit.core.letters.types import ORGANISATION_KINDS, EntryKind, Purpose, RecipientKind
from faceaudit.core.storage import paths
from faceaudit.core.storage.private_files import write_private
from faceaudit.core.storage.resources import resources_dir
from faceaudit.core.storage.store import Store

__all__ = ["RegistryEntry", "RegistryError", "REQUIRED_FIELDS", "STATUSES", "CONTACT_FIELDS", "load_registry",
           "list_entries", "list_organisations", "find_entry", "find_organisation", "validate_entry", "edit_entry",
           "add_entry", "reset_entry", "link_dataset", "entry_for_dataset", "entry_for_unlisted", "local_path",
           "repair_local"]

STATUSES = ("available", "withdrawn", "retracted", "unknown")
CONTACT_FIELDS = ("name", "email", "postal", "web_form")
#: Fields every entry carries (values may be empty or "unknown", never absent).
REQUIRED_FIELDS = ("id", "name", "aliases", "custodian", "contact", "year", "image_source", "size", "licence",
                   "status", "related", "homepage", "sources")


class RegistryError(FaceAuditError, ValueError):
    """A registry entry that is missing, malformed or cannot be changed."""


@dataclass(frozen=True)
class RegistryEntry:
    """One published face dataset.

    Attributes:
        contact: name, email, postal and web_form of whoever takes data-protection requests;
            empty strings where no public contact is known.
        sources: the public documents these facts come from: [{"title", "url"}].
        entry_kind: a dataset, or an organisation (platform, developer): EntryKind.
        custodian_kind: company, university, public body or other (RecipientKind): decides which
            laws reach it.
        custodian_country: ISO 3166-1 code of where the custodian is established ("" unknown).
        purpose: what the dataset was compiled for (Purpose; "" unknown).
        events: for organisations, publicly reported facts a letter may cite:
            [{"kind", "year", "with", "text", "text_de", "source": {"title", "url"}}].
        origin: "bundled", "corrected" (bundled with local changes) or "user" (added locally).
        extra: fields this version does not know, kept as they are.
        distribution: how a dataset published as a list of links is had: {"form": "link-list", "files":
            [{"name", "format", "note"}]} (the file to download, its format, what it holds); empty otherwise.
        controllers: an organisation's controller per region where it differs from the custodian:
            [{"region": "EEA" or an ISO country code, "custodian", "custodian_country", "contact", "source"}]
            (OkCupid: MTCH Technology Services Limited, Dublin, for people in the EU/EEA).
    """

    id: str
    name: str
    aliases: list[str]
    custodian: str
    contact: dict
    year: int | None
    image_source: str
    size: str
    licence: str
    status: str
    related: list[str]
    homepage: str
    sources: list[dict]
    status_note: str = ""
    notes: str = ""
    entry_kind: str = EntryKind.DATASET
    custodian_kind: str = RecipientKind.OTHER
    custodian_country: str = ""
    purpose: str = ""
    events: list[dict] = field(default_factory=list)
    origin: str = "bundled"
    corrected: list[str] = field(default_factory=list)
    distribution: dict = field(default_factory=dict)
    controllers: list[dict] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @property
    def is_organisation(self) -> bool:
        """True for a platform or developer, False for a dataset."""
        return self.entry_kind in ORGANISATION_KINDS

    def events_of(self, kind: str, with_id: str | None = None) -> list[dict]:
        """The reported events of one kind (and with one other organisation, when given)."""
        return [e for e in self.events if e.get("kind") == kind and (with_id is None or e.get("with") == with_id)]

    @property
    def has_contact(self) -> bool:
        """True when a postal address, e-mail or web form is known."""
        return any(self.contact.get(key) for key in ("email", "postal", "web_form"))

    def as_dict(self) -> dict:
        """The entry as plain JSON-able data (fields this version does not know included)."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        return {**self.extra, **data}


def local_path() -> Path:
    """The file holding the user's own entries and corrections."""
    folder = paths.data_home() / "registry"
    folder.mkdir(exist_ok=True, mode=0o700)
    return folder / "local.json"


def load_registry() -> dict[str, RegistryEntry]:
    """Every entry, bundled and local, by id (local values override bundled ones)."""
    entries: dict[str, dict] = {}
    for path in sorted((resources_dir() / "datasets").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        entries[data["id"]] = {**data, "origin": "bundled"}
    for entry_id, changes in _read_local().items():
        if entry_id in entries:
            base = entries[entry_id]
            contact = {**base.get("contact", {}), **changes.get("contact", {})}
            entries[entry_id] = {**base, **changes, "contact": contact, "origin": "corrected",
                                 "corrected": sorted(_changed_keys(changes))}
        else:
            entries[entry_id] = {**_blank(entry_id), **changes, "origin": "user"}
    return {entry_id: _entry(data) for entry_id, data in entries.items()}


def list_entries() -> list[RegistryEntry]:
    """Every entry, sorted by name."""
    return sorted(load_registry().values(), key=lambda e: e.name.lower())


def list_organisations() -> list[RegistryEntry]:
    """The platforms and developers, sorted by name."""
    return [e for e in list_entries() if e.is_organisation]


def find_organisation(name: str) -> RegistryEntry:
    """A platform or developer by id, name or alias.

    Raises:
        RegistryError: no organisation has that name.
    """
    entry = None
    try:
        entry = find_entry(name)
    except RegistryError:
        pass
    if entry is None or not entry.is_organisation:
        known = ", ".join(e.id for e in list_organisations())
        raise RegistryError(f"no organisation named {name!r} in the registry (known: {known})",
                            action=Action.CHOOSE_REGISTRY_ENTRY)
    return entry


def find_entry(name: str) -> RegistryEntry:
    """An entry by id, name or alias (case and punctuation ignored).

    Raises:
        RegistryError: no entry has that name.
    """
    wanted = _fold(name)
    for entry in load_registry().values():
        if wanted in {_fold(entry.id), _fold(entry.name), *(_fold(a) for a in entry.aliases)}:
            return entry
    raise RegistryError(f"no dataset named {name!r} in the registry", action=Action.CHOOSE_REGISTRY_ENTRY)


def validate_entry(data: dict) -> list[str]:
    """Problems with an entry's data (empty when it is complete)."""
    problems = [f"missing field {key!r}" for key in REQUIRED_FIELDS if key not in data]
    if data.get("status") not in STATUSES:
        problems.append(f"status must be one of {', '.join(STATUSES)}")
    if not isinstance(data.get("contact"), dict) or set(data["contact"]) != set(CONTACT_FIELDS):
        problems.append(f"contact must have exactly: {', '.join(CONTACT_FIELDS)}")
    sources = data.get("sources")
    if not sources or not all(isinstance(s, dict) and s.get("title") for s in sources):
        problems.append("at least one source (title, url) is required")
    if not str(data.get("name", "")).strip():
        problems.append("name is empty")
    for key, allowed in (("entry_kind", EntryKind), ("custodian_kind", RecipientKind), ("purpose", Purpose)):
        if data.get(key) and data[key] not in list(allowed):
            problems.append(f"{key} must be one of {', '.join(allowed)}")
    return problems


def edit_entry(entry_id: str, changes: dict[str, str]) -> RegistryEntry:
    """Correct fields of an entry locally.

    Args:
        entry_id: the entry's id, name or alias.
        changes: field -> new value; `contact.email` style keys set one contact field;
            list fields (aliases, related) take comma-separated text; `source` adds a source.

    Raises:
        RegistryError: unknown entry or field, or a value the registry cannot hold.
    """
    entry = find_entry(entry_id)
    local = _read_local()
    own = local.setdefault(entry.id, {})
    for key, value in changes.items():
        _apply(own, key, value)
    merged = {**entry.as_dict(), **own, "contact": {**entry.contact, **own.get("contact", {})}}
    problems = validate_entry(merged)
    if problems:
        raise RegistryError("; ".join(problems))
    _write_local(local)
    return load_registry()[entry.id]


def add_entry(entry_id: str, name: str, source: str, **changes: str) -> RegistryEntry:
    """Add a dataset the bundled registry lacks.

    Args:
        entry_id: a short id (letters, digits, dashes).
        name: the dataset's name.
        source: where the facts come from (a paper, a homepage).
        **changes: further fields, as for `edit_entry`.

    Raises:
        RegistryError: the id is taken or malformed, or a field is invalid.
    """
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", entry_id):
        raise RegistryError("an id is lower-case letters, digits and dashes")
    if entry_id in load_registry():
        raise RegistryError(f"the registry already has {entry_id!r}; correct it with `registry edit`")
    local = _read_local()
    own = {"name": name}
    _apply(own, "source", source)
    for key, value in changes.items():
        _apply(own, key, value)
    blank = _blank(entry_id)
    problems = validate_entry({**blank, **own, "contact": {**blank["contact"], **own.get("contact", {})}})
    if problems:
        raise RegistryError("; ".join(problems))
    local[entry_id] = own
    _write_local(local)
    return load_registry()[entry_id]


def reset_entry(entry_id: str) -> None:
    """Drop the local corrections of an entry (or a user-added entry altogether)."""
    entry = find_entry(entry_id)
    local = _read_local()
    local.pop(entry.id, None)
    _write_local(local)


def link_dataset(store: Store, dataset_name: str, registry_id: str) -> RegistryEntry:
    """Record which registry entry a dataset added to the app is a copy of.

    Raises:
        RegistryError: unknown dataset or entry.
    """
    entry = find_entry(registry_id)
    with store.transaction():
        changed = store.conn.execute("UPDATE datasets SET registry_id = ? WHERE name = ?",
                                     [entry.id, dataset_name]).rowcount
    if not changed:
        raise RegistryError(f"no dataset named {dataset_name!r} in the app", action=Action.CHOOSE_DATASET)
    return entry


def entry_for_dataset(store: Store, name: str) -> RegistryEntry:
    """The registry entry of a dataset: its link if the app has it, else the name looked up.

    Raises:
        RegistryError: neither linked nor found by name.
    """
    linked = store.scalar("SELECT registry_id FROM datasets WHERE name = ?", [name])
    return find_entry(linked or name)


def entry_for_unlisted(name: str, custodian: str = "") -> RegistryEntry:
    """A stand-in entry for a dataset the registry does not know, named as the person names it.

    Nothing about it is known: status, size and source stay "unknown", so no letter claims them.
    """
    data = {**_blank(_fold(name) or "unlisted"), "name": name, "custodian": custodian or "unknown",
            "origin": "unlisted"}
    return _entry(data)


_LIST_FIELDS = ("aliases", "related")
_TEXT_FIELDS = ("name", "custodian", "image_source", "size", "licence", "status", "homepage", "status_note", "notes",
                "entry_kind", "custodian_kind", "custodian_country", "purpose")


def _apply(own: dict, key: str, value: str) -> None:
    value = value.strip()
    if key.startswith("contact."):
        sub = key.split(".", 1)[1]
        if sub not in CONTACT_FIELDS:
            raise RegistryError(f"contact fields are {', '.join(CONTACT_FIELDS)}")
        own.setdefault("contact", {})[sub] = value
    elif key in _LIST_FIELDS:
        own[key] = [part.strip() for part in value.split(",") if part.strip()]
    elif key == "year":
        if value and not value.isdigit():
            raise RegistryError("year must be a number")
        own["year"] = int(value) if value else None
    elif key == "source":
        title, _, url = value.partition(" http")
        own.setdefault("sources", []).append({"title": title.strip() or value, "url": ("http" + url) if url else ""})
    elif key in _TEXT_FIELDS:
        own[key] = value
    else:
        raise RegistryError(f"unknown field {key!r}; fields: {', '.join(_TEXT_FIELDS + _LIST_FIELDS)}, year, "
                            f"source, contact.name, contact.email, contact.postal, contact.web_form")


def _changed_keys(changes: dict) -> list[str]:
    keys = [k for k in changes if k != "contact"]
    return keys + [f"contact.{k}" for k in changes.get("contact", {})]


def _blank(entry_id: str) -> dict:
    return {"id": entry_id, "name": entry_id, "aliases": [], "custodian": "unknown",
            "contact": {key: "" for key in CONTACT_FIELDS}, "year": None, "image_source": "unknown",
            "size": "unknown", "licence": "unknown", "status": "unknown", "related": [], "homepage": "",
            "sources": []}


def _entry(data: dict) -> RegistryEntry:
    known = {f.name for f in fields(RegistryEntry)} - {"extra"}
    contact = {key: data.get("contact", {}).get(key, "") for key in CONTACT_FIELDS}
    extra = {k: v for k, v in data.items() if k not in known and not k.startswith("_")}
    values = {k: v for k, v in data.items() if k in known and k not in ("contact", "sources")}
    return RegistryEntry(**values, contact=contact, sources=_unique_sources(data.get("sources", [])), extra=extra)


def _unique_sources(sources: list) -> list:
    """The sources once each: an entry corrected or merged may name the same document twice."""
    seen, out = set(), []
    for source in sources:
        key = (source.get("url") or source.get("title", "")).rstrip("/") if isinstance(source, dict) else str(source)
        if key not in seen:
            seen.add(key)
            out.append(source)
    return out


def _fold(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def _read_local() -> dict:
    """The local entries.

    Raises:
        RegistryError: local.json is damaged or of the wrong shape (action: repair it); the message
            says what is wrong and where.
    """
    path = local_path()
    if not path.exists():
        return {}
    entries, problems = _parse_local(path)
    if problems:
        raise RegistryError(f"your own registry corrections in {path} cannot be used: {problems[0]}"
                            + (f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""),
                            action=Action.REPAIR_LOCAL_REGISTRY)
    return entries


def repair_local() -> tuple[Path | None, list[str]]:
    """Keep what can be read of a damaged local.json and set the damaged file aside.

    Every entry and field of the right shape is kept; the rest is dropped (and named). The
    damaged file stays beside it as `local.json.damaged-<time>`.

    Returns:
        (the damaged file's copy, or None when nothing was wrong; what was dropped).
    """
    path = local_path()
    if not path.exists():
        return None, []
    entries, problems = _parse_local(path)
    if not problems:
        return None, []
    kept = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    path.replace(kept)
    _write_local(entries)
    return kept, problems


def _parse_local(path: Path) -> tuple[dict, list[str]]:
    """(the entries and fields of the right shape, what is wrong with the rest)."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise RegistryError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        return {}, [f"it is not JSON text ({exc})"]
    if not isinstance(data, dict):
        return {}, [f"it holds {_kind(data)}, not an object with \"entries\""]
    entries = data.get("entries", {})
    if not isinstance(entries, dict):
        return {}, [f"\"entries\" is {_kind(entries)}, not an object of entries by id"]
    good, problems = {}, []
    for entry_id, changes in entries.items():
        if not isinstance(changes, dict):
            problems.append(f"entry {entry_id!r} is {_kind(changes)}, not an object of fields")
            continue
        good[entry_id] = {}
        for key, value in changes.items():
            problem = _field_problem(key, value)
            if problem:
                problems.append(f"entry {entry_id!r}: {problem}")
            else:
                good[entry_id][key] = value
    return good, problems


def _field_problem(key: str, value) -> str | None:
    if key in _TEXT_FIELDS and not isinstance(value, str):
        return f"{key} is {_kind(value)}, not text"
    if key in _LIST_FIELDS and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return f"{key} is {_kind(value)}, not a list of texts"
    if key == "year" and not (value is None or (isinstance(value, int) and not isinstance(value, bool))):
        return f"year is {_kind(value)}, not a number"
    if key == "contact" and not (isinstance(value, dict) and set(value) <= set(CONTACT_FIELDS)
                                 and all(isinstance(v, str) for v in value.values())):
        return f"contact is {_kind(value)}, not an object of {', '.join(CONTACT_FIELDS)} texts"
    if key == "sources" and not (isinstance(value, list) and all(
            isinstance(s, dict) and isinstance(s.get("title"), str) and isinstance(s.get("url", ""), str)
            for s in value)):
        return "sources is not a list of {title, url} objects"
    return None


def _kind(value) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return f"a {type(value).__name__.replace('str', 'text').replace('int', 'number').replace('float', 'number')}"


def _write_local(local: dict) -> None:
    write_private(local_path(), json.dumps({"entries": local}, indent=2, ensure_ascii=False), atomic=True)
