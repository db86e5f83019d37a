"""`faceaudit letter`: write a data-protection letter as PDF, text and an unsent e-mail draft."""

from __future__ import annotations

from faceaudit.cli.common import LAWS, LETTER_TYPES, lines, open_store, parse_date, print_saved

__all__ = ["register"]


def register(commands) -> None:
    """Add the letter command(s) to the `faceaudit` parser."""
    letter = commands.add_parser(
        "letter",
        help="write a data-protection letter (PDF, text, e-mail draft)",
        description="Write a letter about a dataset: PDF with an annex of your confirmed "
        "matches, optionally as text and as an unsent .eml draft. It is tracked as a draft request.",
    )
    letter.add_argument("--type", required=True, choices=LETTER_TYPES, help="which letter")
    letter.add_argument("--dataset", required=True, help="dataset name in the app, or a registry name")
    letter.add_argument("--lang", default="en", help="letter language: en, de or any folder in resources/letters")
    letter.add_argument("--law", choices=LAWS, help="gdpr (default), uk-gdpr; ccpa and ftc follow from the type")
    letter.add_argument("--out", required=True, metavar="FILE.pdf", help="where to write the PDF")
    letter.add_argument("--text", metavar="FILE.txt", help="also write plain text")
    letter.add_argument(
        "--eml", metavar="FILE.eml", help="also write an e-mail draft with the PDF attached (never sent)"
    )
    letter.add_argument("--date", type=parse_date, help="the letter's date (default today)")
    letter.add_argument(
        "--request", type=int, metavar="ID", help="for a reminder or complaint: the tracked request it follows up"
    )
    letter.add_argument("--recipient-name", help="address the letter to this name instead of the registry's")
    letter.add_argument("--recipient-address", help="postal address lines, separated by '\\\\n' or real newlines")
    letter.add_argument("--recipient-email", help="the recipient's e-mail address")
    letter.add_argument("--details", default="", help="a paragraph of your own, printed as written")
    letter.add_argument(
        "--crops", action="store_true", help="opt in: show crops of your confirmed faces from the dataset"
    )
    letter.add_argument(
        "--my-photos", action="store_true", help="opt in separately: also show your own reference faces"
    )
    letter.add_argument("--no-track", action="store_true", help="do not record the letter as a request")
    letter.set_defaults(handler=_letter)

def _letter(args) -> int:
    from faceaudit.core.letters.compose import Recipient
    from faceaudit.core.letters.pipeline import LetterChoice, original_of, save
    from faceaudit.core.letters.requests import get_request

    store = open_store()
    original = original_of(get_request(store, args.request)) if args.request else None
    recipient = None
    if args.recipient_name or args.recipient_address or args.recipient_email:
        name = args.recipient_name or ""
        address = tuple(x for x in [name, *lines(args.recipient_address).split("\n")] if x.strip())
        recipient = Recipient(name=name, lines=address, email=args.recipient_email or "")
    choice = LetterChoice(kind=args.type, dataset=args.dataset, lang=args.lang, law=args.law, recipient=recipient,
                          include_crops=args.crops, include_references=args.my_photos, details=lines(args.details),
                          on=args.date, original=original, parent_id=args.request)
    saved = save(store, choice, pdf=args.out, text=args.text, eml=args.eml, track=not args.no_track)
    print_saved(saved)
    return 0
