"""Helpers for the letter tests: a store with confirmed, unconfirmed and rejected matches made by SQL."""

from __future__ import annotations

import numpy as np

from faceaudit.core.storage.store import Store, to_blob

CONFIRMED = [("people/Jane_Doe/Jane_Doe_0001.jpg", "a1" * 32), ("people/Jane_Doe/Jane_Doe_0003.jpg", "c3" * 32)]
UNCONFIRMED = [("people/Other/Other_0001.jpg", "ee" * 32, "unreviewed"),
               ("people/Other/Other_0002.jpg", "ff" * 32, "not_me"),
               ("people/Other/Other_0003.jpg", "dd" * 32, "unsure")]


def embedding(seed: int) -> np.ndarray:
    """A deterministic 128-d unit vector."""
    vector = np.random.default_rng(seed).normal(size=128)
    return (vector / np.linalg.norm(vector) * 0.9).astype("<f4")


def add_dataset(store: Store, name: str, path: str, rows: list[tuple[str, str, str]], registry_id: str | None = None,
                seeds: list[int] | None = None) -> int:
    """Insert a dataset with one face per item and a match row per item; rows: (key, sha256, decision)."""
    with store.transaction():
        dataset_id = store.conn.execute(
            "INSERT INTO datasets (name, path, kind, added, model, registry_id) VALUES (?, ?, 'folder', '2026-01-01',"
            " 'dlib_face_recognition_resnet_model_v1', ?)", [name, path, registry_id]).lastrowid
        scan_id = store.conn.execute("INSERT INTO scans (started, finished) VALUES ('2026-03-01T10:00:00+00:00',"
                                     " '2026-03-01T10:05:00+00:00')").lastrowid
        for number, (key, sha, decision) in enumerate(rows):
            item_id = store.conn.execute(
                "INSERT INTO items (dataset_id, key, sha256, status, label) VALUES (?, ?, ?, 'done', ?)",
                [dataset_id, key, sha, key.split("/")[1]]).lastrowid
            seed = seeds[number] if seeds else number
            store.conn.execute(
                "INSERT INTO faces (item_id, dataset_id, idx, top, right, bottom, left, embedding)"
                " VALUES (?, ?, 0, 40, 150, 160, 30, ?)",
                [item_id, dataset_id, to_blob(embedding(seed))])
            if decision:
                store.conn.execute(
                    "INSERT INTO matches (dataset_id, item_id, face_idx, scan_id, distance, band, decision, first_seen)"
                    " VALUES (?, ?, 0, ?, ?, 'strong', ?, '2026-03-01')",
                    [dataset_id, item_id, scan_id, 0.38 + number / 100, decision])
    return dataset_id


def store_with_matches() -> Store:
    """A store holding dataset 'lfw-copy' (linked to the registry's LFW) with 2 confirmed and 3 other matches,
    written by someone living in Berlin (DE / DE-BE)."""
    store = Store()
    store.set_setting("identity.country", "DE")
    store.set_setting("identity.region", "DE-BE")
    rows = [(k, s, "me") for k, s in CONFIRMED] + list(UNCONFIRMED)
    add_dataset(store, "lfw-copy", "/nonexistent/lfw.tgz", rows, registry_id="lfw")
    return store


def write_letter(store, kind, dataset, lang, pdf, *, text_path=None, eml_path=None, track=True,
                 allow_placeholder=True, **choice):
    """Save a letter through the one pipeline (what `faceaudit letter` does): a LetterChoice, then `save`.

    Most tests are about the letter, not its address: a recipient without a published address is
    allowed here unless the test asks otherwise (`save` refuses it by default).
    """
    from faceaudit.core.letters.pipeline import LetterChoice, save

    return save(store, LetterChoice(kind=kind, dataset=dataset, lang=lang, **choice), pdf=pdf, text=text_path,
                eml=eml_path, track=track, allow_placeholder=allow_placeholder)


def write_follow_up(store, request_id, pdf, *, today=None, text_path=None, eml_path=None):
    """Draft the reminder or complaint for a request (what `faceaudit requests follow-up` does)."""
    from faceaudit.core.letters.pipeline import follow_up_choice, save

    return save(store, follow_up_choice(store, request_id, today=today), pdf=pdf, text=text_path, eml=eml_path,
                allow_placeholder=True)
