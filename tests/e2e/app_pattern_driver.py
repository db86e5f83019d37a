"""Test-only: write to the database the way the app does, journalling each commit, until killed.

The app keeps one Store open in its window's thread and opens one more per background job in
the job's thread (gui/support/workers.py). Run as `python app_pattern_driver.py DATABASE JOURNAL
TAG`: the main thread's Store and a Store opened and closed by a job thread in turn each commit a
setting `TAG-N`; `done TAG-N` is written to the journal (fsync'd) after the commit returns, so
the journal never claims more than the database holds.
"""

from __future__ import annotations

import os
import sys
import threading

from faceaudit.core.storage.store import Store


def _log(journal, line: str) -> None:
    journal.write(line + "\n")
    journal.flush()
    os.fsync(journal.fileno())


def _commit(store: Store, journal, marker: str) -> None:
    with store.transaction():
        store.set_setting(marker, "written")
    _log(journal, f"done {marker}")


def _job(database: str, journal, marker: str) -> None:
    with Store(database) as store:  # a background job's own Store, in its own thread
        _commit(store, journal, marker)


def main(database: str, journal_path: str, tag: str) -> None:
    window = Store(database)  # the window's Store stays open for the whole run
    with open(journal_path, "a", encoding="utf-8") as journal:
        for step in range(10**9):
            thread = threading.Thread(target=_job, args=(database, journal, f"{tag}-job-{step}"))
            thread.start()
            thread.join()
            _commit(window, journal, f"{tag}-window-{step}")


if __name__ == "__main__":
    main(*sys.argv[1:])
