"""`faceaudit letter`: write a data-protection letter as PDF, text and an unsent e-mail draft."""

from __future__ import annotations

from faceaudit.cli.common import LAWS, LETTER_TYPES, lines, open_store, parse_date, print_saved
from faceaudit.core.errors import FaceAuditError
from faceaudit.core.letters.requests import get_request

__all__ = ["register"]

_GROUNDS = ["no-answer", "refused", "refused-research", "refused-public", "refused-identify", "partial", "excessive-id"]


def register(commands) -> None:
    """Add the letter command(s) to the `faceaudit` parser."""
    letter = commands.add_parser(
        "letter", help="write a data-protection letter (PDF, text, e-mail draft)",
        description="Write a letter about a dataset (with an annex of your confirmed matches) or to an organisation "
        "(--to: a platform where you had an account, or an AI developer), as PDF, optionally as text and as an unsent "
        ".eml draft. It is tracked as a draft request. The law follows where you live (faceaudit identity set "
        "--country ... --region ...); laws that do not reach you or the recipient are refused with the reason.")
    letter.add_argument("--type", required=True, choices=LETTER_TYPES, help="which letter")
    letter.add_argument("--dataset", help="dataset name in the app, or a registry name")
    letter.add_argument("--to", metavar="ORGANISATION",
                        help="a platform or developer in the registry (platform-access, developer-erasure)")
    letter.add_argument("--account", default="", metavar="ID", help="your account ID at the platform")
    letter.add_argument("--via", metavar="PLATFORM",
                        help="developer-erasure: the platform where you had the account (default: the one the "
                        "registry says the developer got photos from)")
    letter.add_argument("--collected", default="", metavar="YYYY[-MM[-DD]]",
                        help="when the recipient got your photos: duties that did not exist then are not claimed "
                        "(Art. 13/14 GDPR before 25 May 2018; the CCPA's look-back); default: not known, nothing "
                        "assumed")
    letter.add_argument("--lang", default="en", help="letter language: en, de or any folder in resources/letters")
    letter.add_argument("--law", choices=LAWS,
                        help="gdpr, uk-gdpr, ccpa, ftc or bipa (default: the one of your residence)")
    letter.add_argument("--out", required=True, metavar="FILE.pdf", help="where to write the PDF")
    letter.add_argument("--text", metavar="FILE.txt", help="also write plain text")
    letter.add_argument("--eml", metavar="FILE.eml",
                        help="also write an e-mail draft with the PDF attached (never sent)")
    letter.add_argument("--date", type=parse_date, help="the letter's date (default today)")
    letter.add_argument("--channel", choices=["email", "post", "web-form", "other"],
                        help="how you will send it (the deadline counts from receipt; default: e-mail when the "
                        "recipient's address is known, else post)")
    letter.add_argument("--request", type=int, metavar="ID",
                        help="for a reminder or complaint: the tracked request it follows up")
    letter.add_argument("--ground", choices=_GROUNDS, default="",
                        help="for a reminder or complaint: what happened to the request (default for --request: "
                        "as recorded)")
    letter.add_argument("--matches", metavar="ID,ID",
                        help="cite only these confirmed matches, by their ids in `faceaudit scan`: a number for a "
                             "face, L and a number for a row of a list (default: all)")
    letter.add_argument("--recipient-name", help="address the letter to this name instead of the registry's")
    letter.add_argument("--recipient-address", help="postal address lines, separated by '\\\\n' or real newlines")
    letter.add_argument("--recipient-email", help="the recipient's e-mail address")
    letter.add_argument("--details", default="", help="a paragraph of your own, printed as written")
    letter.add_argument("--crops", action="store_true",
                        help="opt in: show crops of your confirmed faces from the dataset")
    letter.add_argument("--my-photos", action="store_true",
                        help="opt in separately: also show your own reference faces")
    letter.add_argument("--no-track", action="store_true", help="do not record the letter as a request")
    letter.set_defaults(handler=_letter)


def _letter(args) -> int:
    from faceaudit.core.letters.compose import LetterError, Recipient
    from faceaudit.core.letters.pipeline import LetterChoice, follow_up_choice, original_of, save

    if not (args.dataset or args.to):
        raise LetterError("name what the letter is about: --dataset NAME (a dataset) or --to ORGANISATION "
                          "(a platform or developer)")
    store = open_store()
    original, ground = None, args.ground
    if args.request:
        original = original_of(get_request(store, args.request))
        if not ground:
            try:
                ground = follow_up_choice(store, args.request).ground
            except FaceAuditError:  # a request that needs no follow-up has no ground to state
                ground = ""
    recipient = None
    if args.recipient_name or args.recipient_address or args.recipient_email:
        name = args.recipient_name or ""
        address = tuple(x for x in [name, *lines(args.recipient_address).split("\n")] if x.strip())
        recipient = Recipient(name=name, lines=address, email=args.recipient_email or "")
    matches = tuple(x.strip().upper() for x in args.matches.split(",") if x.strip()) if args.matches else None
    choice = LetterChoice(kind=args.type, dataset=args.dataset or "", organisation=args.to, account=args.account,
                          via=args.via, lang=args.lang, law=args.law, recipient=recipient, include_crops=args.crops,
                          include_references=args.my_photos, details=lines(args.details), on=args.date,
                          original=original, parent_id=args.request, ground=ground, channel=args.channel,
                          match_ids=matches, collected=args.collected)
    saved = save(store, choice, pdf=args.out, text=args.text, eml=args.eml, track=not args.no_track)
    print_saved(saved)
    return 0
