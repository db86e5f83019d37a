"""`faceaudit scan` and `faceaudit review`: candidates, most convincing first, and my decisions."""

from __future__ import annotations

import json
import sys

from faceaudit.cli.common import open_store, see_hint, shown
from faceaudit.core.faces.face_models import MODEL_CHOICES, chosen_model
from faceaudit.core.letters.cited_decisions import decide_checked
from faceaudit.core.matching.matches import Decision, candidates, identifier_candidates, one_per_photo

__all__ = ["register"]


def register(commands) -> None:
    """Add the scan and review command(s) to the `faceaudit` parser."""
    scan = commands.add_parser("scan", help="compare your faces with the indexed datasets, search lists of links",
                               description="Scan datasets for your faces and list candidates, most convincing first; "
                                           "search datasets published as lists of links for your identifiers "
                                           "(faceaudit me id add) and list the rows found.")
    scan.add_argument("name", nargs="?", help="dataset name (default: every dataset)")
    scan.add_argument("--json", action="store_true", help="print a JSON array, one object per candidate")
    scan.add_argument("--model", choices=list(MODEL_CHOICES),
                      help="face model: dlib, mobilefacenet, or both fused (default: the one chosen in Settings, "
                           "else the best measured; see README, Face models)")
    scan.set_defaults(handler=_scan)

    review = commands.add_parser("review", help="say whether a candidate is you",
                                 description="Record your decision on a candidate match. For a row of a list "
                                             "(L12), 'me' means the photo it lists shows you: letters cite it as a "
                                             "photograph of you. For an identity of a labelled dataset (I3), "
                                             "the decision applies to all of its close photos together.")
    review.add_argument("match_id", help="the candidate's id (from `faceaudit scan`): a number, L and a number for "
                                         "a row of a list, or I and a number for an identity")
    review.add_argument("decision", choices=[d.value.replace("_", "-") for d in Decision], help="your decision")
    review.add_argument("--force", action="store_true",
                        help="change a decision that a sent request cites (the request's notes record the change)")
    review.set_defaults(handler=_review)

def _scan(args) -> int:
    # Here, not at the top: identities need numpy, and `faceaudit --help` loads none.
    from faceaudit.core.matching.identities import identity_candidates, identity_text
    from faceaudit.core.matching.scan import scan

    store = open_store()
    final = None
    if args.model and chosen_model(store, args.model) != args.model:
        print(f"{args.model} is not set up on this computer (run python3 run.py app or cli once online): scanning "
              "with dlib's face model alone", file=sys.stderr)
    for final in scan(store, [args.name] if args.name else None, model=args.model):
        pass
    # One photo, one line: copies in several datasets are folded, with the photo's one band.
    found = [c for c in one_per_photo(candidates(store, final.scan_id)) if not args.name or args.name in c.datasets]
    rows = identifier_candidates(store, final.scan_id, dataset=args.name)
    identities = identity_candidates(store, final.scan_id, dataset=args.name)
    # Named whatever the output: finding nothing in these is no all-clear.
    _say_unchecked(final.unchecked, sys.stderr if args.json else sys.stdout)
    if args.json:
        # Identities last: each of their photos is a face above, in its own right.
        listed = [c.as_json() for c in found] + [r.as_json() for r in rows] + [i.as_json() for i in identities]
        json.dump(listed, sys.stdout, indent=1, ensure_ascii=False)
        print()
        return 0
    if not found and not rows and final.all_checked:
        print("no candidates: none of the faces in these datasets looks like yours, and no row of their lists "
              "names you")
    elif not found and not rows:
        print(f"no candidates in what could be searched; {len(final.unchecked)} dataset(s) above could not "
              "really be checked, so this says nothing about them")
    for i in identities:
        print(shown(f"#{i.ref:<5} {i.band:<8} {i.dataset}, identity {identity_text(i)}; its photos: "
                    f"{', '.join(f'#{m}' for m in i.match_ids)} [{i.decision}]"))
    for c in found:
        what = (
            "same photo as one of yours"
            if c.exact_photo
            else f"distance {c.distance:.3f}, {c.agree}/{c.n_references} references agree"
        )
        odds = (
            ""
            if c.expected_lookalikes is None
            else f", about {c.expected_lookalikes:.2g} strangers would look this close"
        )
        also = f" (also in {', '.join(c.also_in)})" if c.also_in else ""
        print(shown(f"#{c.id:<5} {c.band:<8} {c.dataset}/{c.key}{also}: {what}{odds} [{c.decision}]"
                    f" ({c.model or 'dlib'})"))
    for r in rows:
        print(shown(f"#{r.ref:<5} {'row':<8} {r.dataset}/{r.key}: names {', '.join(r.matched)}"
                    + (f" - {r.url}" if r.url else "") + f" [{r.decision}]"))
    return 0


def _say_unchecked(unchecked, out) -> None:
    for item in unchecked:
        hint = see_hint(item.dataset, item.state)
        print(f"not really checked: {shown(item.dataset)}: {shown(item.reason)}{hint}", file=out)


def _review(args) -> int:
    from faceaudit.core.matching.identities import identity_match_ids  # numpy: not for `faceaudit --help`

    store = open_store()
    # An identity (I3) is all its close photos: each is protected as on its own.
    ids = identity_match_ids(store, args.match_id) if str(args.match_id).strip()[:1].upper() == "I" \
        else [args.match_id]
    decide_checked(store, ids, args.decision, force=args.force, how="on the command line, with --force")
    print(f"match {args.match_id}: {args.decision}")
    return 0
