"""`faceaudit requests`: track letters, deadlines, answers and follow-ups."""

from __future__ import annotations

import argparse
from datetime import date

from faceaudit.cli.common import LAWS, LETTER_TYPES, open_store, parse_date, print_saved, shown
from faceaudit.cli.hints import Step, command
from faceaudit.core.letters.calendar_ics import write_deadlines_ics
from faceaudit.core.letters.requests import (
    ANSWER_GROUNDS,
    REFUSAL_GROUNDS,
    REPLY_STATUSES,
    Channel,
    RequestError,
    Status,
    add_reply,
    add_request,
    get_request,
    list_requests,
    replies,
    update_request,
)

__all__ = ["register"]


def register(commands) -> None:
    """Add the requests command(s) to the `faceaudit` parser."""
    requests = commands.add_parser("requests", help="track letters, deadlines and answers",
                                   description="Track data-protection requests: deadlines, status, replies, "
                                   "follow-ups.")
    req = requests.add_subparsers(dest="action", metavar="ACTION", required=True)
    r_list = req.add_parser("list", help="list requests (overdue ones flagged)",
                            description="List requests, newest first.")
    r_list.set_defaults(handler=_requests_list)
    r_show = req.add_parser("show", help="one request with notes and replies", description="Show one request.")
    r_show.add_argument("id", type=int, help="request id")
    r_show.set_defaults(handler=_requests_show)
    r_add = req.add_parser("add", help="record a request written elsewhere", description="Record a request by hand.")
    r_add.add_argument("--type", required=True, choices=LETTER_TYPES, help="request type")
    r_add.add_argument("--law", required=True, choices=LAWS, help="the law it is made under")
    r_add.add_argument("--recipient", required=True, help="who it went to")
    r_add.add_argument("--email", default="", help="the recipient's e-mail address")
    r_add.add_argument("--channel", default=Channel.EMAIL.value, choices=list(Channel), help="how it was sent")
    r_add.add_argument("--dataset", help="the dataset it is about")
    r_add.add_argument("--lang", default="en", help="language of the letter")
    r_add.add_argument("--sent", type=parse_date, help="the day it was sent (sets the deadline)")
    r_add.add_argument("--notes", default="", help="notes")
    r_add.add_argument("--reference", default="", help="the reference your letter printed, which a reminder cites")
    r_add.add_argument("--to", dest="organisation", metavar="ORGANISATION",
                       help="the platform or developer it went to (registry id)")
    r_add.set_defaults(handler=_requests_add)
    r_upd = req.add_parser("update", help="change status, sent date, extension or add a note",
                           description="Update a request; the deadline follows the sent date and extension.")
    r_upd.add_argument("id", type=int, help="request id")
    r_upd.add_argument("--status", choices=list(Status), help="new status")
    r_upd.add_argument("--sent", type=parse_date, help="the day it was sent")
    r_upd.add_argument("--extended", action=argparse.BooleanOptionalAction, default=None,
                       help="the recipient claimed the legal extension (GDPR +2 months, CCPA +45 days)")
    r_upd.add_argument("--note", help="a note to append")
    r_upd.add_argument("--channel", choices=list(Channel),
                       help="how it was sent (a posted letter is counted as arriving 4 days later)")
    r_upd.add_argument("--received", type=parse_date,
                       help="the day the recipient got it, when you know (tracked post): the deadline counts from it")
    r_upd.set_defaults(handler=_requests_update)
    r_reply = req.add_parser("reply", help="attach an answer you received", description="Record a reply to a request.")
    r_reply.add_argument("id", type=int, help="request id")
    r_reply.add_argument("--received", type=parse_date, default=None, help="the day it arrived (default today)")
    r_reply.add_argument("--summary", required=True, help="what they said")
    r_reply.add_argument("--file", help="where you saved the reply")
    r_reply.add_argument("--status", default=Status.ANSWERED.value, choices=list(REPLY_STATUSES),
                         help="resulting status")
    r_reply.add_argument("--ground", choices=[*REFUSAL_GROUNDS, *ANSWER_GROUNDS],
                         help="what the answer said: refused (no reason given), refused-research, refused-public, "
                         "refused-identify (with --status refused); partial, excessive-id (with --status answered)")
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

def _requests_list(args) -> int:
    records = list_requests(open_store())
    if not records:
        print("no requests yet: " + command(Step.WRITE_LETTER))
    for r in records:
        flag = f"  OVERDUE: {command(Step.FOLLOW_UP, id=r.id)}" if r.overdue else ""
        print(shown(f"#{r.id:<4} {r.status:<9} {r.type:<14} {r.law:<8} {r.recipient or '-'}"
                    f"  sent {r.sent_date or '-'}  due {r.deadline or '-'}{' (extended)' if r.extended else ''}{flag}"))
    return 0


def _requests_show(args) -> int:
    store = open_store()
    r = get_request(store, args.id)
    for key, value in r.__dict__.items():
        print(shown(f"{key}: {value}"))
    for reply in replies(store, r.id):
        print(shown(f"reply {reply.received}: {reply.summary}" + (f" [{reply.path}]" if reply.path else "")))
    return 0


def _requests_add(args) -> int:
    if args.sent and args.sent > date.today():
        raise RequestError(f"the sent date {args.sent.isoformat()} is in the future: record the day you sent it")
    r = add_request(open_store(), args.type, args.law, args.recipient, recipient_email=args.email, channel=args.channel,
                    lang=args.lang, dataset_name=args.dataset, sent=args.sent, notes=args.notes,
                    reference=args.reference, organisation=args.organisation)
    print(f"request {r.id}: {r.status}" + (f", due {r.deadline}" if r.deadline else ""))
    return 0


def _requests_update(args) -> int:
    r = update_request(open_store(), args.id, status=args.status, sent=args.sent, extended=args.extended,
                       note=args.note, channel=args.channel, received=args.received)
    print(f"request {r.id}: {r.status}" + (f", due {r.deadline}" if r.deadline else ""))
    return 0


def _requests_reply(args) -> int:
    reply = add_reply(open_store(), args.id, args.received or date.today(), args.summary, args.file, args.status,
                      ground=args.ground or "")
    print(f"reply recorded for request {reply.request_id} ({args.status}{', ' + reply.ground if reply.ground else ''})")
    return 0


def _requests_follow_up(args) -> int:
    from faceaudit.core.letters.pipeline import follow_up_choice, save

    store = open_store()
    saved = save(store, follow_up_choice(store, args.id), pdf=args.out, text=args.text, eml=args.eml)
    ground = saved.letter.case.ground if saved.letter.case else ""
    print(f"drafted a {saved.letter.type} letter (follow-up of request {args.id}; ground: {ground or '-'}):")
    print_saved(saved)
    return 0


def _requests_ics(args) -> int:
    path = write_deadlines_ics(list_requests(open_store()), args.path)
    print(shown(f"wrote {path}"))
    return 0
