"""`faceaudit me`: my reference photos (the faces to look for)."""

from __future__ import annotations

import sys

from faceaudit.cli.common import open_store, shown

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
                  f"confirm it is you (faceaudit me confirm {face.id})")
    return status


def _me_list(args) -> int:
    from faceaudit.core.matching.references import list_references

    faces = list_references(open_store())
    if not faces:
        print("no reference photos yet: faceaudit me add PHOTO")
    for face in faces:
        print(shown(
            f"{face.id:>4}  {face.name}  {face.size} px  added {face.added[:10]}"
            + (f"  ({face.hint})" if face.hint else "")
            + ("" if face.matching else "  [does not look like your other faces: not used; faceaudit me confirm "
               f"{face.id}]")
        ))
    return 0


def _me_remove(args) -> int:
    from faceaudit.core.matching.references import remove_reference

    remove_reference(open_store(), args.id)
    print(f"removed reference face {args.id}")
    return 0


def _me_confirm(args) -> int:
    from faceaudit.core.matching.references import confirm_reference

    confirm_reference(open_store(), args.id)
    print(f"reference face {args.id} confirmed as you: scans use it")
    return 0
