"""Decisions a sent request stands on: changed only when asked for by name, and written into its history.

A letter cites the matches I confirmed (`RequestRecord.match_ids`). Once it is sent, turning one
of them into "unsure" or "not me" changes what the request claims; a keystroke must not do that
unnoticed. `decide_checked` refuses such a change unless `force` is given (the window asks first,
naming the request; the CLI wants `--force`), and appends each change to the notes of every sent
request that cites it (the request's history). A draft protects nothing: it is rewritten anyway.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from faceaudit.core.errors import Action, FaceAuditError
from faceaudit.core.letters.requests import Status, update_request
from faceaudit.core.matching.matches import ROW_PREFIX, decide, restore_decisions, touched
from faceaudit.core.storage.store import Store

__all__ = ["CitedChange", "CitedDecisionError", "cited_changes", "decide_checked", "restore_checked"]

#: How a decision reads in a request's history.
_WORDS = {"me": "this is me", "not_me": "not me", "unsure": "unsure", "unreviewed": "not decided"}


@dataclass(frozen=True)
class CitedChange:
    """A decision that a sent request cites and that a change would alter.

    Attributes:
        ref: the candidate as the request cites it ("12", "L12").
        before: its decision now.
        request_id, recipient, sent: the request that cites it.
    """

    ref: str
    before: str
    request_id: int
    recipient: str
    sent: str

    @property
    def request(self) -> str:
        """The request in words: "request #3 to Publisher, sent 2026-01-05"."""
        return f"request #{self.request_id} to {self.recipient}" + (f", sent {self.sent}" if self.sent else "")


class CitedDecisionError(FaceAuditError):
    """A change to decisions that sent requests cite, asked for without saying so (`changes` lists them)."""

    def __init__(self, changes: list[CitedChange]):
        named = "; ".join(dict.fromkeys(c.request for c in changes))
        refs = ", ".join(dict.fromkeys(c.ref for c in changes))
        many = len(set(c.ref for c in changes)) > 1
        super().__init__(f"{'matches' if many else 'match'} {refs} {'are' if many else 'is'} cited by a request that "
                         f"was sent ({named}): {'their decisions are' if many else 'its decision is'} not changed "
                         "unless you say so", action=Action.CHANGE_CITED_DECISION, subject=changes[0].ref)
        self.changes = changes


def cited_changes(store: Store, match_ids: Iterable[int | str], decision: str) -> list[CitedChange]:
    """The decisions a sent request cites that deciding `decision` on `match_ids` (and their copies) would change."""
    changing = {str(ref): old for ref, old in touched(store, match_ids).items() if old != decision.replace("-", "_")}
    return _citing(store, changing)


def decide_checked(store: Store, match_ids: Iterable[int | str], decision: str, *, force: bool = False,
                   how: str = "") -> dict[int | str, str]:
    """`matches.decide`, refusing to change a decision a sent request cites unless `force`.

    Args:
        how: where the change was made ("in the window", "by the command line"), for the history.

    Returns:
        What `decide` returns (the decisions before, for undo).

    Raises:
        CitedDecisionError: a cited decision would change and `force` is False; nothing is changed.
    """
    ids = list(match_ids)
    changes = cited_changes(store, ids, decision)
    if changes and not force:
        raise CitedDecisionError(changes)
    previous = decide(store, ids, decision)
    _record(store, changes, decision.replace("-", "_"), how)
    return previous


def restore_checked(store: Store, previous: dict[int | str, str], how: str = "undone") -> None:
    """`matches.restore_decisions`, writing what it puts back into the history of the sent requests that cite it."""
    now_decided = {str(ref): old for ref, old in touched(store, previous).items()} if previous else {}
    restore_decisions(store, previous)
    for ref, old in previous.items():
        changes = _citing(store, {str(ref): now_decided.get(str(ref), "")})
        _record(store, changes, old, how)


def _citing(store: Store, changing: dict[str, str]) -> list[CitedChange]:
    if not changing:
        return []
    rows = store.query("SELECT id, recipient, sent_date, match_ids FROM requests"
                       " WHERE status != ? AND match_ids IS NOT NULL ORDER BY id", [Status.DRAFT.value])
    return [CitedChange(ref, changing[ref], r["id"], r["recipient"], r["sent_date"] or "")
            for r in rows for ref in json.loads(r["match_ids"]) if str(ref) in changing]


def _record(store: Store, changes: list[CitedChange], decision: str, how: str) -> None:
    by_request: dict[int, list[CitedChange]] = {}
    for change in changes:
        by_request.setdefault(change.request_id, []).append(change)
    for request_id, cited in by_request.items():
        told = ", ".join(f"{_shown_ref(c.ref)} from “{_WORDS.get(c.before, c.before)}”" for c in cited)
        update_request(store, request_id, note=f"decision changed to “{_WORDS.get(decision, decision)}” on "
                                               f"{told}" + (f" ({how})" if how else ""))


def _shown_ref(ref: str) -> str:
    return f"row {ref}" if ref.startswith(ROW_PREFIX) else f"match {ref}"
