"""`faceaudit identity`: my name and address for letters, kept only in the local database."""

from __future__ import annotations

from faceaudit.cli.common import lines, open_store, shown
from faceaudit.core.letters.identity import load_identity, residence_name, save_identity

__all__ = ["register"]


def register(commands) -> None:
    """Add the identity command(s) to the `faceaudit` parser."""
    identity = commands.add_parser("identity", help="your name and address for letters",
                                   description="Your details for letters, stored only in the local database.")
    ident = identity.add_subparsers(dest="action", metavar="ACTION", required=True)
    i_set = ident.add_parser("set", help="set your details", description="Set some or all of your details.")
    i_set.add_argument("--name", help="your full name")
    i_set.add_argument("--address", help="postal address; separate lines with '\\\\n'")
    i_set.add_argument("--email", help="your e-mail address")
    i_set.add_argument("--country", help="the country you live in: ISO 3166-1 code (DE, FR, GB, US); decides laws "
                       "and the authority")
    i_set.add_argument("--region", help="your Land or state: ISO 3166-2 code (DE-BE, US-CA); in Germany it decides the "
                       "authority, in the US the CCPA (US-CA) and BIPA (US-IL)")
    i_set.set_defaults(handler=_identity_set)
    i_show = ident.add_parser("show", help="show your stored details", description="Show your stored details.")
    i_show.set_defaults(handler=_identity_show)

def _identity_set(args) -> int:
    who = save_identity(open_store(), name=args.name, address=lines(args.address) if args.address else None,
                        email=args.email, country=args.country, region=args.region)
    residence = residence_name(who.country, who.region) or "(no country)"
    print(shown(f"stored: {who.name or '(no name)'}; {len(who.address_lines())} address line(s); "
                f"{who.email or '(no e-mail)'}; residence: {residence}"))
    return 0


def _identity_show(args) -> int:
    who = load_identity(open_store())
    for label, value in (("name", who.name), ("address", " / ".join(who.address_lines())), ("email", who.email),
                         ("country", who.country), ("region", who.region)):
        print(f"{label}: {shown(value)}")
    return 0
