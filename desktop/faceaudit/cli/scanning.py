"""`faceaudit scan` and `faceaudit review`: candidates, most convincing first, and my decisions."""

from __future__ import annotations

import json
import sys

from faceaudit.cli.common import open_store, shown
from faceaudit.core.matching.matches import Decision

__all__ = ["register"]


def register(commands) -> None:
    """Add the scan and review command(s) to the `faceaudit` parser."""
    scan = commands.add_parser("scan", help="compare your faces with the indexed datasets",
                               description="Scan datasets for your faces and list candidates, most convincing first.")
    scan.add_argument("name", nargs="?", help="dataset name (default: every dataset)")
    scan.add_argument("--json", action="store_true", help="print a JSON array, one object per candidate")
    scan.set_defaults(handler=_scan)

    review = commands.add_parser("review", help="say whether a candidate is you",
                                 description="Record your decision on a candidate match.")
    review.add_argument("match_id", type=int, help="the candidate's id (from `faceaudit scan`)")
    review.add_argument("decision", choices=[d.value.replace("_", "-") for d in Decision], help="your decision")
    review.set_defaults(handler=_review)

def _scan(args) -> int:
    from faceaudit.core.matching.matches import candidates
    from faceaudit.core.matching.scan import scan

    store = open_store()
    final = None
    for final in scan(store, [args.name] if args.name else None):
        pass
    found = candidates(store, final.scan_id, dataset=args.name)
    if args.json:
        json.dump([c.as_json() for c in found], sys.stdout, indent=1)
        print()
        return 0
    if not found:
        print("no candidates: none of the faces in these datasets looks like yours")
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
        print(shown(f"#{c.id:<5} {c.band:<8} {c.dataset}/{c.key}: {what}{odds} [{c.decision}]"))
    return 0


def _review(args) -> int:
    from faceaudit.core.matching.matches import review

    review(open_store(), args.match_id, args.decision)
    print(f"match {args.match_id}: {args.decision}")
    return 0
