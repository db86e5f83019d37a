"""`faceaudit me`: my reference photos (the faces to look for), and my other identifiers (accounts, names)."""

from __future__ import annotations

import sys

from faceaudit.cli.common import open_store, shown
from faceaudit.cli.hints import Step, command
from faceaudit.core.matching.identifiers import (
    IdentifierError,
    IdentifierSource,
    add_identifier,
    add_photo_hashes,
    list_identifiers,
    remove_identifier,
)

__all__ = ["register"]


def register(commands) -> None:
    """Add the me command(s) to the `faceaudit` parser."""
    me = commands.add_parser("me", help="your reference photos (the faces to look for)",
                             description="Manage your reference photos.")
    me_commands = me.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = me_commands.add_parser("add", help="add photos of yourself", description="Add photos of yourself. "
                                 "In a group photo, say which face is yours with --face (numbered largest first).")
    add.add_argument("paths", nargs="+", metavar="PATH", help="photo files")
    add.add_argument("--face", type=int, metavar="N", help="which face is you in a group photo (1 = largest)")
    add.set_defaults(handler=_me_add)
    me_list = me_commands.add_parser("list", help="list your reference faces", description="List your reference faces.")
    me_list.set_defaults(handler=_me_list)
    remove = me_commands.add_parser("remove", help="remove a reference face", description="Remove a reference face.")
    remove.add_argument("id", type=int, help="the face's id (see `faceaudit me list`)")
    remove.set_defaults(handler=_me_remove)
    confirm = me_commands.add_parser("confirm", help="say a flagged reference face is you",
                                     description="A reference face that does not look like your others is left "
                                     "out of matching; confirm it to use it anyway.")
    confirm.add_argument("id", type=int, help="the face's id (see `faceaudit me list`)")
    confirm.set_defaults(handler=_me_confirm)
    _register_identifiers(me_commands)


def _register_identifiers(me_commands) -> None:
    ids = me_commands.add_parser(
        "id", help="your identifiers: accounts, photo addresses, names (to search lists of links)",
        description="Your identifiers besides your face, searched for in datasets published as lists of links "
                    "(MegaFace, FaceScrub, FFHQ, LAION...). The SHA-256 and MD5 of your reference photos count too.")
    id_commands = ids.add_subparsers(dest="id_action", metavar="ACTION", required=True)
    add = id_commands.add_parser(
        "add", help="add identifiers",
        description="Add identifiers: flickr:USERNAME, flickr:NSID (such as 12345678@N01), a Flickr photo or "
                    "profile address, url:ADDRESS (a photo, or a profile page: pages below it count), "
                    "name:\"First Last\", sha256:HEX, md5:HEX.")
    add.add_argument("identifiers", nargs="+", metavar="IDENTIFIER", help="one or more identifiers, as above")
    add.set_defaults(handler=_id_add)
    listing = id_commands.add_parser("list", help="list your identifiers", description="List your identifiers.")
    listing.set_defaults(handler=_id_list)
    remove = id_commands.add_parser("remove", help="remove an identifier", description="Remove an identifier.")
    remove.add_argument("id", type=int, help="the identifier's number (see `faceaudit me id list`)")
    remove.set_defaults(handler=_id_remove)
    hashes = me_commands.add_parser(
        "hashes", help="add the hashes of a folder of photos you once uploaded",
        description="Keep the SHA-256 and MD5 of every photo in a folder (and its sub-folders), to find those "
                    "files in lists of links. Only the hashes are kept: no photo, no file name.")
    hashes.add_argument("folder", help="the folder of photos")
    hashes.set_defaults(handler=_me_hashes)

def _me_add(args) -> int:
    from faceaudit.core.matching.references import NeedFaceChoice, add_reference

    store, status = open_store(), 0
    for path in args.paths:
        try:
            face = add_reference(store, path, args.face)
        except NeedFaceChoice as choice:
            print(shown(f"{choice}:"))
            for number, found in enumerate(choice.faces, 1):
                top, right, bottom, left = found.box
                print(f"  {number}: {right - left} px wide at x={left}, y={top}")
            if not sys.stdin.isatty():
                print("  run again with --face N", file=sys.stderr)
                status = 2
                continue
            answer = input("Which face is you? ").strip() or "0"
            number = int(answer) if answer.isdigit() else 0
            face = add_reference(store, path, number)
        print(shown(
            f"added face {face.id} from {face.name} ({face.size} px)" + (f" - note: {face.hint}" if face.hint else "")
        ))
        if not face.matching:
            print(f"  face {face.id} does not look like your other reference faces: it is not used until you "
                  f"confirm it is you ({command(Step.CONFIRM_REFERENCE, id=face.id)})")
    return status


def _me_list(args) -> int:
    from faceaudit.core.matching.references import list_references

    faces = list_references(open_store())
    if not faces:
        print("no reference photos yet: " + command(Step.ADD_REFERENCE))
    for face in faces:
        print(shown(
            f"{face.id:>4}  {face.name}  {face.size} px  added {face.added[:10]}"
            + (f"  ({face.hint})" if face.hint else "")
            + ("" if face.matching else "  [does not look like your other faces: not used; "
               f"{command(Step.CONFIRM_REFERENCE, id=face.id)}]")
        ))
    return 0


def _me_remove(args) -> int:
    from faceaudit.core.matching.references import remove_reference

    remove_reference(open_store(), args.id)
    print(f"removed reference face {args.id}")
    return 0


def _id_add(args) -> int:
    store, status = open_store(), 0
    for text in args.identifiers:
        try:
            found = add_identifier(store, text)
        except IdentifierError as exc:
            print(f"faceaudit: {shown(exc)}", file=sys.stderr)
            status = 2
            continue
        print(f"{found.id:>4}  {found.kind:<15} {shown(found.label)}")
    return status


def _id_list(args) -> int:
    found = list_identifiers(open_store())
    if not found:
        print("no identifiers yet: " + command(Step.ADD_IDENTIFIER))
    typed = [i for i in found if i.source == IdentifierSource.TYPED]
    for identifier in typed:
        print(f"{identifier.id:>4}  {identifier.kind:<15} {shown(identifier.label)}")
    folder = [i for i in found if i.source == IdentifierSource.PHOTO_HASHES]
    if folder:
        print(f"      {len(folder) // 2} photo(s) hashed with `{command(Step.HASH_PHOTOS)}` (SHA-256 and MD5 each)")
    for identifier in (i for i in found if i.source == IdentifierSource.REFERENCE_PHOTO):
        print(f"      {identifier.kind:<15} {shown(identifier.label)}: {identifier.value}")
    return 0


def _id_remove(args) -> int:
    remove_identifier(open_store(), args.id)
    print(f"removed identifier {args.id}")
    return 0


def _me_hashes(args) -> int:
    last = None
    for last in add_photo_hashes(open_store(), args.folder):
        pass
    print(f"{last.photos} photo(s) hashed, {last.added} new identifier(s) kept (SHA-256 and MD5; no photo, no name)")
    for problem in last.unreadable:
        print(f"not read: {shown(problem)}", file=sys.stderr)
def _me_confirm(args) -> int:
    from faceaudit.core.matching.references import confirm_reference

    confirm_reference(open_store(), args.id)
    print(f"reference face {args.id} confirmed as you: scans use it")
    return 0
