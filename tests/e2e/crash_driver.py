"""Test-only: make review decisions or save requests in a loop, journalling each commit, until killed.

Run as `python crash_driver.py MODE DATABASE JOURNAL SEED` (MODE: `review` or `requests`). Before each
change it writes `try ...` to the journal, after the core call returns (the change is committed) it
writes `done ...`; both lines are fsync'd, so the journal never claims more than the database holds.
"""

from __future__ import annotations

import os
import random
import sys

from faceaudit.core.letters.requests import add_request, update_request
from faceaudit.core.matching.matches import review
from faceaudit.core.storage.store import Store

DECISIONS = ("me", "not-me", "unsure", "unreviewed")
STATUSES = ("draft", "sent", "answered", "complied", "refused")


def _log(journal, line: str) -> None:
    journal.write(line + "\n")
    journal.flush()
    os.fsync(journal.fileno())


def _reviews(store: Store, journal, rng: random.Random) -> None:
    ids = [row["id"] for row in store.query("SELECT id FROM matches ORDER BY id")]
    while True:
        match_id, decision = rng.choice(ids), rng.choice(DECISIONS)
        _log(journal, f"try {match_id} {decision}")
        review(store, match_id, decision)
        _log(journal, f"done {match_id} {decision}")


def _requests(store: Store, journal, rng: random.Random, tag: str) -> None:
    ids = [row["id"] for row in store.query("SELECT id FROM requests ORDER BY id")]
    for step in range(10**9):
        marker = f"{tag}-{step}"
        if not ids or rng.random() < 0.3:
            _log(journal, f"try add {marker}")
            record = add_request(store, "erasure", "gdpr", f"recipient {marker}", notes=f"[{marker}]")
            ids.append(record.id)
            _log(journal, f"done add {marker} {record.id}")
        else:
            request_id = rng.choice(ids)
            _log(journal, f"try note {marker} {request_id}")
            update_request(store, request_id, status=rng.choice(STATUSES), note=f"[{marker}]")
            _log(journal, f"done note {marker} {request_id}")


def main(mode: str, database: str, journal_path: str, seed: str) -> None:
    rng = random.Random(int(seed))
    store = Store(database)
    with open(journal_path, "a", encoding="utf-8") as journal:
        if mode == "review":
            _reviews(store, journal, rng)
        else:
            _requests(store, journal, rng, f"s{seed}")


if __name__ == "__main__":
    main(*sys.argv[1:])
