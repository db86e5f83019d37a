"""`faceaudit registry`: who holds each published face dataset, and where to write to them."""

from __future__ import annotations

import json
import sys

from faceaudit.cli.common import lines, open_store, shown
from faceaudit.core.letters.registry import (
    RegistryError,
    add_entry,
    edit_entry,
    find_entry,
    link_dataset,
    list_entries,
    local_path,
    repair_local,
    reset_entry,
)

__all__ = ["register"]


def register(commands) -> None:
    """Add the registry command(s) to the `faceaudit` parser."""
    registry = commands.add_parser("registry", help="published face datasets and whom to write to",
                                   description="The dataset registry: custodians, contacts, status, sources.")
    reg = registry.add_subparsers(dest="action", metavar="ACTION", required=True)
    g_list = reg.add_parser("list", help="list registry entries", description="List every registry entry.")
    g_list.set_defaults(handler=_registry_list)
    g_show = reg.add_parser("show", help="show one entry", description="Show one entry, with its sources.")
    g_show.add_argument("name", help="id, name or alias")
    g_show.add_argument("--json", action="store_true", help="print JSON")
    g_show.set_defaults(handler=_registry_show)
    g_edit = reg.add_parser("edit", help="correct fields locally", description="Correct an entry; stored in your data "
                            "folder. Example: registry edit lfw contact.email=privacy@example.org")
    g_edit.add_argument("name", help="id, name or alias")
    g_edit.add_argument("changes", nargs="+", metavar="FIELD=VALUE", help="e.g. contact.postal='Street 1\\nTown'")
    g_edit.set_defaults(handler=_registry_edit)
    g_add = reg.add_parser("add", help="add a dataset the registry lacks", description="Add your own registry entry. "
                           "Options may come before or after the id: registry add my-set --name 'My Set' --source URL")
    g_add.add_argument("id", help="short id: lower-case letters, digits, dashes")
    g_add.add_argument("--name", required=True, help="the dataset's name")
    g_add.add_argument("--source", required=True, help="where the facts come from (title and URL)")
    g_add.add_argument("changes", nargs="*", metavar="FIELD=VALUE", help="further fields")
    g_add.set_defaults(handler=_registry_add, intermixed=True)
    g_reset = reg.add_parser("reset", help="drop your corrections of an entry", description="Drop local corrections.")
    g_reset.add_argument("name", help="id, name or alias")
    g_reset.set_defaults(handler=_registry_reset)
    g_repair = reg.add_parser("repair", help="repair a damaged file of your corrections",
                              description="Keep what can be read of registry/local.json (your corrections and "
                              "additions), set the damaged file aside beside it, and write the readable part back.")
    g_repair.set_defaults(handler=_registry_repair)
    g_link = reg.add_parser("link", help="say which registry entry a dataset is",
                            description="Link a dataset added to the app to its registry entry.")
    g_link.add_argument("dataset", help="dataset name in the app")
    g_link.add_argument("entry", help="registry id, name or alias")
    g_link.set_defaults(handler=_registry_link)

def _registry_list(args) -> int:
    for e in list_entries():
        contact = "contact known" if e.has_contact else "no public contact"
        kind = "" if e.entry_kind == "dataset" else f" [{e.entry_kind}]"
        print(shown(f"{e.id:<20} {e.name}{kind} ({e.year or '?'}) - {e.custodian}; {e.status}; {contact}"
                    + ("" if e.origin == "bundled" else f" [{e.origin}]")))
    return 0


def _registry_show(args) -> int:
    e = find_entry(args.name)
    if args.json:
        print(json.dumps(e.as_dict(), indent=1, ensure_ascii=False))
        return 0
    for key, value in e.as_dict().items():
        if key == "sources":
            for source in value:
                print(shown(f"source: {source['title']} {source.get('url', '')}"))
        elif key == "contact":
            for sub, text in value.items():
                print(shown(f"contact.{sub}: {text or '(not publicly known)'}"))
        elif key == "events":
            for event in value:
                source = event.get("source", {})
                print(shown(f"event: {event.get('year') or '?'} {event.get('kind', '')}: {event.get('text', '')} "
                            f"[{source.get('title', '')} {source.get('url', '')}]"))
        elif key == "controllers":
            for controller in value:
                print(shown(f"controller for {controller.get('region', '?')}: {controller.get('custodian', '')} "
                            f"({controller.get('custodian_country', '?')}); source: "
                            f"{controller.get('source', {}).get('url', '')}"))
        elif isinstance(value, dict):
            for sub, text in value.items():
                print(shown(f"{key}.{sub}: {text}"))
        elif isinstance(value, list):
            print(shown(f"{key}: {', '.join(str(item) for item in value)}"))
        else:
            print(shown(f"{key}: {', '.join(value) if isinstance(value, list) else value}"))
    return 0


def _pairs(changes: list[str]) -> dict[str, str]:
    out = {}
    for change in changes:
        key, sep, value = change.partition("=")
        if not sep:
            raise RegistryError(f"write changes as FIELD=VALUE (not {change!r})")
        out[key.strip()] = lines(value)
    return out


def _registry_edit(args) -> int:
    _repair()  # an edit repairs a damaged local.json first: what can be read is kept, the file set aside
    e = edit_entry(args.name, _pairs(args.changes))
    print(shown(f"{e.id}: corrected {', '.join(e.corrected)} (stored in your data folder)"))
    return 0


def _registry_repair(args) -> int:
    if not _repair():
        print("your registry corrections are readable; nothing to repair")
    return 0


def _repair() -> bool:
    """Repair a damaged local.json, saying what was kept aside; True when there was something to repair."""
    kept, dropped = repair_local()
    if kept is None:
        return False
    for problem in dropped:
        print(f"dropped: {shown(problem)}", file=sys.stderr)
    print(f"repaired {shown(local_path())}: what could be read is kept; the damaged file is {shown(kept)}")
    return True


def _registry_add(args) -> int:
    e = add_entry(args.id, args.name, args.source, **_pairs(args.changes))
    print(shown(f"added {e.id}: {e.name}"))
    return 0


def _registry_reset(args) -> int:
    reset_entry(args.name)
    print(shown(f"{args.name}: local corrections dropped"))
    return 0


def _registry_link(args) -> int:
    e = link_dataset(open_store(), args.dataset, args.entry)
    print(shown(f"dataset {args.dataset!r} is {e.name} ({e.id})"))
    return 0
