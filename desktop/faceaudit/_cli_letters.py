"""The `letter`, `requests`, `registry`, `identity` and `verify-erasure` commands (thin handlers)."""

from __future__ import annotations

import argparse
import json
from datetime import date

__all__ = ["_add_letter_commands"]

_TYPES = ("erasure", "access", "objection", "reminder", "dpa-complaint", "ccpa-delete", "ccpa-know", "ftc-complaint")
_LAWS = ("gdpr", "uk-gdpr", "ccpa", "ftc")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-31") from None


def _add_letter_commands(commands) -> None:
    """Add the letter-related sub-commands to the `faceaudit` parser."""
    letter = commands.add_parser("letter", help="write a data-protection letter (PDF, text, e-mail draft)",
                                 description="Write a letter about a dataset: PDF with an annex of your confirmed "
                                 "matches, optionally as text and as an unsent .eml draft. It is tracked as a draft request.")
    letter.add_argument("--type", required=True, choices=_TYPES, help="which letter")
    letter.add_argument("--dataset", required=True, help="dataset name in the app, or a registry name")
    letter.add_argument("--lang", default="en", help="letter language: en, de or any folder in resources/letters")
    letter.add_argument("--law", choices=_LAWS, help="gdpr (default), uk-gdpr; ccpa and ftc follow from the type")
    letter.add_argument("--out", required=True, metavar="FILE.pdf", help="where to write the PDF")
    letter.add_argument("--text", metavar="FILE.txt", help="also write plain text")
    letter.add_argument("--eml", metavar="FILE.eml", help="also write an e-mail draft with the PDF attached (never sent)")
    letter.add_argument("--date", type=_date, help="the letter's date (default today)")
    letter.add_argument("--request", type=int, metavar="ID", help="for a reminder or complaint: the tracked request it follows up")
    letter.add_argument("--recipient-name", help="address the letter to this name instead of the registry's")
    letter.add_argument("--recipient-address", help="postal address lines, separated by '\\\\n' or real newlines")
    letter.add_argument("--recipient-email", help="the recipient's e-mail address")
    letter.add_argument("--details", default="", help="a paragraph of your own, printed as written")
    letter.add_argument("--crops", action="store_true", help="opt in: show crops of your confirmed faces from the dataset")
    letter.add_argument("--my-photos", action="store_true", help="opt in separately: also show your own reference faces")
    letter.add_argument("--no-track", action="store_true", help="do not record the letter as a request")
    letter.set_defaults(handler=_letter)

    requests = commands.add_parser("requests", help="track letters, deadlines and answers",
                                   description="Track data-protection requests: deadlines, status, replies, follow-ups.")
    req = requests.add_subparsers(dest="action", metavar="ACTION", required=True)
    r_list = req.add_parser("list", help="list requests (overdue ones flagged)", description="List requests, newest first.")
    r_list.set_defaults(handler=_requests_list)
    r_show = req.add_parser("show", help="one request with notes and replies", description="Show one request.")
    r_show.add_argument("id", type=int, help="request id")
    r_show.set_defaults(handler=_requests_show)
    r_add = req.add_parser("add", help="record a request written elsewhere", description="Record a request by hand.")
    r_add.add_argument("--type", required=True, choices=_TYPES, help="request type")
    r_add.add_argument("--law", required=True, choices=_LAWS, help="the law it is made under")
    r_add.add_argument("--recipient", required=True, help="who it went to")
    r_add.add_argument("--email", default="", help="the recipient's e-mail address")
    r_add.add_argument("--channel", default="email", choices=["email", "post", "web-form", "other"], help="how it was sent")
    r_add.add_argument("--dataset", help="the dataset it is about")
    r_add.add_argument("--lang", default="en", help="language of the letter")
    r_add.add_argument("--sent", type=_date, help="the day it was sent (sets the deadline)")
    r_add.add_argument("--notes", default="", help="notes")
    r_add.set_defaults(handler=_requests_add)
    r_upd = req.add_parser("update", help="change status, sent date, extension or add a note",
                           description="Update a request; the deadline follows the sent date and extension.")
    r_upd.add_argument("id", type=int, help="request id")
    r_upd.add_argument("--status", choices=["draft", "sent", "answered", "complied", "refused", "overdue"], help="new status")
    r_upd.add_argument("--sent", type=_date, help="the day it was sent")
    r_upd.add_argument("--extended", action=argparse.BooleanOptionalAction, default=None,
                       help="the recipient claimed the legal extension (GDPR +2 months, CCPA +45 days)")
    r_upd.add_argument("--note", help="a note to append")
    r_upd.add_argument("--channel", choices=["email", "post", "web-form", "other"], help="how it was sent")
    r_upd.set_defaults(handler=_requests_update)
    r_reply = req.add_parser("reply", help="attach an answer you received", description="Record a reply to a request.")
    r_reply.add_argument("id", type=int, help="request id")
    r_reply.add_argument("--received", type=_date, default=None, help="the day it arrived (default today)")
    r_reply.add_argument("--summary", required=True, help="what they said")
    r_reply.add_argument("--file", help="where you saved the reply")
    r_reply.add_argument("--status", default="answered", choices=["answered", "complied", "refused"], help="resulting status")
    r_reply.set_defaults(handler=_requests_reply)
    r_follow = req.add_parser("follow-up", help="draft the reminder, or the complaint after it",
                              description="Draft the next letter for an overdue or refused request.")
    r_follow.add_argument("id", type=int, help="request id")
    r_follow.add_argument("--out", required=True, metavar="FILE.pdf", help="where to write the PDF")
    r_follow.add_argument("--text", metavar="FILE.txt", help="also write plain text")
    r_follow.add_argument("--eml", metavar="FILE.eml", help="also write an e-mail draft")
    r_follow.set_defaults(handler=_requests_follow_up)
    r_ics = req.add_parser("export-ics", help="deadlines as a calendar file",
                           description="Write the deadlines of open requests as an iCalendar (.ics) file.")
    r_ics.add_argument("path", metavar="FILE.ics", help="where to write it")
    r_ics.set_defaults(handler=_requests_ics)

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
    g_add = reg.add_parser("add", help="add a dataset the registry lacks", description="Add your own registry entry.")
    g_add.add_argument("id", help="short id: lower-case letters, digits, dashes")
    g_add.add_argument("--name", required=True, help="the dataset's name")
    g_add.add_argument("--source", required=True, help="where the facts come from (title and URL)")
    g_add.add_argument("changes", nargs="*", metavar="FIELD=VALUE", help="further fields")
    g_add.set_defaults(handler=_registry_add)
    g_reset = reg.add_parser("reset", help="drop your corrections of an entry", description="Drop local corrections.")
    g_reset.add_argument("name", help="id, name or alias")
    g_reset.set_defaults(handler=_registry_reset)
    g_link = reg.add_parser("link", help="say which registry entry a dataset is",
                            description="Link a dataset added to the app to its registry entry.")
    g_link.add_argument("dataset", help="dataset name in the app")
    g_link.add_argument("entry", help="registry id, name or alias")
    g_link.set_defaults(handler=_registry_link)

    identity = commands.add_parser("identity", help="your name and address for letters",
                                   description="Your details for letters, stored only in the local database.")
    ident = identity.add_subparsers(dest="action", metavar="ACTION", required=True)
    i_set = ident.add_parser("set", help="set your details", description="Set some or all of your details.")
    i_set.add_argument("--name", help="your full name")
    i_set.add_argument("--address", help="postal address; separate lines with '\\\\n'")
    i_set.add_argument("--email", help="your e-mail address")
    i_set.add_argument("--country", help="the country you live in")
    i_set.set_defaults(handler=_identity_set)
    i_show = ident.add_parser("show", help="show your stored details", description="Show your stored details.")
    i_show.set_defaults(handler=_identity_show)

    verify = commands.add_parser("verify-erasure", help="check a new release for your confirmed faces",
                                 description="After a deletion: compare your confirmed matches in OLD with the indexed "
                                 "newer release NEW (same file by SHA-256, same face by embedding).")
    verify.add_argument("old", help="the dataset where you confirmed matches")
    verify.add_argument("new", help="the newer release, added and indexed")
    verify.set_defaults(handler=_verify_erasure)


def _store():
    from .core.store import Store

    return Store()


def _lines(text: str | None) -> str:
    return (text or "").replace("\\n", "\n")


def _letter(args) -> int:
    from .core.letter_files import make_letter
    from .core.letters import Original, Recipient
    from .core.requests import get_request

    store = _store()
    original = None
    if args.request:
        record = get_request(store, args.request)
        if record.sent_date:
            original = Original(record.type, record.sent_date, record.deadline, f"#{record.id}")
    recipient = None
    if args.recipient_name or args.recipient_address or args.recipient_email:
        name = args.recipient_name or ""
        lines = tuple(x for x in [name, *_lines(args.recipient_address).split("\n")] if x.strip())
        recipient = Recipient(name=name, lines=lines, email=args.recipient_email or "")
    files = make_letter(store, args.type, args.dataset, args.lang, args.out, law=args.law, text_path=args.text,
                        eml_path=args.eml, on=args.date, include_crops=args.crops, include_references=args.my_photos,
                        recipient=recipient, original=original, details=_lines(args.details),
                        track=not args.no_track, parent_id=args.request)
    for path in (files.pdf, files.text, files.eml):
        if path:
            print(f"wrote {path}")
    print(f"{len(files.letter.annex)} confirmed match(es) in the annex"
          + (f"; answer due {files.letter.deadline}" if files.letter.deadline else ""))
    if files.request_id:
        print(f"tracked as request {files.request_id} (draft): once sent, run "
              f"faceaudit requests update {files.request_id} --sent YYYY-MM-DD")
    for warning in files.warnings:
        print(f"note: {warning}")
    return 0


def _requests_list(args) -> int:
    from .core.requests import list_requests

    records = list_requests(_store())
    if not records:
        print("no requests yet: faceaudit letter --type erasure --dataset NAME --out letter.pdf")
    for r in records:
        flag = "  OVERDUE: faceaudit requests follow-up %d" % r.id if r.overdue else ""
        print(f"#{r.id:<4} {r.status:<9} {r.type:<14} {r.law:<8} {r.recipient or '-'}"
              f"  sent {r.sent_date or '-'}  due {r.deadline or '-'}{' (extended)' if r.extended else ''}{flag}")
    return 0


def _requests_show(args) -> int:
    from .core.requests import get_request, replies

    store = _store()
    r = get_request(store, args.id)
    for key, value in r.__dict__.items():
        print(f"{key}: {value}")
    for reply in replies(store, r.id):
        print(f"reply {reply.received}: {reply.summary}" + (f" [{reply.path}]" if reply.path else ""))
    return 0


def _requests_add(args) -> int:
    from .core.requests import add_request

    r = add_request(_store(), args.type, args.law, args.recipient, recipient_email=args.email, channel=args.channel,
                    lang=args.lang, dataset_name=args.dataset, sent=args.sent, notes=args.notes)
    print(f"request {r.id}: {r.status}" + (f", due {r.deadline}" if r.deadline else ""))
    return 0


def _requests_update(args) -> int:
    from .core.requests import update_request

    r = update_request(_store(), args.id, status=args.status, sent=args.sent, extended=args.extended,
                       note=args.note, channel=args.channel)
    print(f"request {r.id}: {r.status}" + (f", due {r.deadline}" if r.deadline else ""))
    return 0


def _requests_reply(args) -> int:
    from .core.requests import add_reply

    reply = add_reply(_store(), args.id, args.received or date.today(), args.summary, args.file, args.status)
    print(f"reply recorded for request {reply.request_id} ({args.status})")
    return 0


def _requests_follow_up(args) -> int:
    from .core.letter_files import draft_follow_up

    files = draft_follow_up(_store(), args.id, args.out, text_path=args.text, eml_path=args.eml)
    print(f"drafted a {files.letter.type} letter: {files.pdf} (request {files.request_id})")
    return 0


def _requests_ics(args) -> int:
    from .core.calendar_ics import write_deadlines_ics
    from .core.requests import list_requests

    path = write_deadlines_ics(list_requests(_store()), args.path)
    print(f"wrote {path}")
    return 0


def _registry_list(args) -> int:
    from .core.registry import list_entries

    for e in list_entries():
        contact = "contact known" if e.has_contact else "no public contact"
        print(f"{e.id:<20} {e.name} ({e.year or '?'}) - {e.custodian}; {e.status}; {contact}"
              + ("" if e.origin == "bundled" else f" [{e.origin}]"))
    return 0


def _registry_show(args) -> int:
    from .core.registry import find_entry

    e = find_entry(args.name)
    if args.json:
        print(json.dumps(e.as_dict(), indent=1, ensure_ascii=False))
        return 0
    for key, value in e.as_dict().items():
        if key == "sources":
            for source in value:
                print(f"source: {source['title']} {source.get('url', '')}")
        elif key == "contact":
            for sub, text in value.items():
                print(f"contact.{sub}: {text or '(not publicly known)'}")
        else:
            print(f"{key}: {', '.join(value) if isinstance(value, list) else value}")
    return 0


def _pairs(changes: list[str]) -> dict[str, str]:
    from .core.registry import RegistryError

    out = {}
    for change in changes:
        key, sep, value = change.partition("=")
        if not sep:
            raise RegistryError(f"write changes as FIELD=VALUE (not {change!r})")
        out[key.strip()] = _lines(value)
    return out


def _registry_edit(args) -> int:
    from .core.registry import edit_entry

    e = edit_entry(args.name, _pairs(args.changes))
    print(f"{e.id}: corrected {', '.join(e.corrected)} (stored in your data folder)")
    return 0


def _registry_add(args) -> int:
    from .core.registry import add_entry

    e = add_entry(args.id, args.name, args.source, **_pairs(args.changes))
    print(f"added {e.id}: {e.name}")
    return 0


def _registry_reset(args) -> int:
    from .core.registry import reset_entry

    reset_entry(args.name)
    print(f"{args.name}: local corrections dropped")
    return 0


def _registry_link(args) -> int:
    from .core.registry import link_dataset

    e = link_dataset(_store(), args.dataset, args.entry)
    print(f"dataset {args.dataset!r} is {e.name} ({e.id})")
    return 0


def _identity_set(args) -> int:
    from .core.identity import save_identity

    who = save_identity(_store(), name=args.name, address=_lines(args.address) if args.address else None,
                        email=args.email, country=args.country)
    print(f"stored: {who.name or '(no name)'}; {len(who.address_lines())} address line(s); {who.email or '(no e-mail)'}")
    return 0


def _identity_show(args) -> int:
    from .core.identity import load_identity

    who = load_identity(_store())
    print(f"name: {who.name}\naddress: {' / '.join(who.address_lines())}\nemail: {who.email}\ncountry: {who.country}")
    return 0


def _verify_erasure(args) -> int:
    from .core.erasure_check import verify_erasure

    report = verify_erasure(_store(), args.old, args.new)
    if not report.new_fully_indexed:
        print(f"note: {args.new} is not fully indexed; run faceaudit index {args.new}")
    for f in report.findings:
        where = f" -> {f.new_key}" if f.new_key else ""
        dist = f" (distance {f.distance:.3f})" if f.distance is not None else ""
        print(f"match {f.match_id} {f.key}: {f.status}{where}{dist}")
    verdict = "erased" if report.erased else (f"{len(report.still_present)} still present, {len(report.to_review)} to review")
    print(f"{len(report.findings)} confirmed match(es) checked: {verdict}")
    return 0 if report.erased else 1
