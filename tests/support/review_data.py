"""A data folder ready for review, built once from LFW: my reference faces, an indexed dataset, a finished scan.

It imitates a person who enrolled three photos of themselves (Al Gore's first three in LFW) and
downloaded a folder-of-people dataset laid out as LFW is, holding their five other photos among
strangers. Tests copy the folder into their own data folder (`copy_home`), so each starts from
the same state without indexing again.
"""

from __future__ import annotations

import shutil
from pathlib import Path

__all__ = ["build_review_home", "copy_home", "PERSON", "STRANGERS"]

PERSON = "Al_Gore"
#: Strangers in the dataset: enough for a few weak look-alikes to be listed.
STRANGERS = 150


def build_review_home(lfw: Path, where: Path) -> Path:
    """Build the data folder at `where`/home (the dataset at `where`/lfw-people); returns the data folder."""
    import os

    from faceaudit.core.datasets.catalog import add_dataset
    from faceaudit.core.datasets.indexing import index_dataset
    from faceaudit.core.matching.references import add_reference
    from faceaudit.core.matching.scan import scan
    from faceaudit.core.storage.store import Store
    from tests.support.lfw_sets import build_dataset

    home = where / "home"
    dataset = build_dataset(lfw, where / "lfw-people", (PERSON,), enrolled=3, strangers=STRANGERS, seed=17)
    before = os.environ.get("FACEAUDIT_HOME")
    os.environ["FACEAUDIT_HOME"] = str(home)
    try:
        with Store() as store:
            for number in (1, 2, 3):
                add_reference(store, lfw / PERSON / f"{PERSON}_000{number}.jpg", jitter=0)
            add_dataset(store, dataset, "lfw-people")
            list(index_dataset(store, "lfw-people", workers=2))
            list(scan(store))
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        if before is None:
            os.environ.pop("FACEAUDIT_HOME", None)
        else:
            os.environ["FACEAUDIT_HOME"] = before
    return home


def copy_home(built: Path, data_home: Path) -> None:
    """Copy a built data folder into a test's own (empty) data folder."""
    shutil.copytree(built, data_home, dirs_exist_ok=True)
