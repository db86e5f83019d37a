"""`faceaudit verify-erasure`: after a deletion, check a new release for my confirmed faces."""

from __future__ import annotations

from faceaudit.cli.common import open_store, shown
from faceaudit.cli.hints import Step, command

__all__ = ["register"]


def register(commands) -> None:
    """Add the verify-erasure command(s) to the `faceaudit` parser."""
    verify = commands.add_parser("verify-erasure", help="check a new release for your confirmed faces",
                                 description="After a deletion: compare your confirmed matches in OLD with the indexed "
                                 "newer release NEW (same file by SHA-256, same face by embedding).")
    verify.add_argument("old", help="the dataset where you confirmed matches")
    verify.add_argument("new", help="the newer release, added and indexed")
    verify.set_defaults(handler=_verify_erasure)

def _verify_erasure(args) -> int:
    from faceaudit.core.matching.erasure_check import verify_erasure

    report = verify_erasure(open_store(), args.old, args.new)
    if not report.new_fully_indexed:
        print(shown(f"note: {args.new} is not fully indexed; run {command(Step.INDEX, name=args.new)}"))
    for f in report.findings:
        where = f" -> {f.new_key}" if f.new_key else ""
        dist = f" (distance {f.distance:.3f})" if f.distance is not None else ""
        print(shown(f"match {f.match_id} {f.key}: {f.status}{where}{dist}"))
    verdict = (
        "erased" if report.erased else (f"{len(report.still_present)} still present, {len(report.to_review)} to review")
    )
    print(f"{len(report.findings)} confirmed match(es) checked: {verdict}")
    return 0 if report.erased else 1
