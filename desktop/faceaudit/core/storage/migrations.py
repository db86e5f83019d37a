"""The database schema, changed only through numbered migrations applied in order."""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

__all__ = ["MIGRATIONS", "apply_migrations"]


def _m001_initial(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE reference_photos (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL,
            phash INTEGER, dhash INTEGER, width INTEGER, height INTEGER, added TEXT NOT NULL
        );
        CREATE TABLE reference_faces (
            id INTEGER PRIMARY KEY,
            photo_id INTEGER NOT NULL REFERENCES reference_photos(id) ON DELETE CASCADE,
            top INTEGER, right INTEGER, bottom INTEGER, left INTEGER,
            score REAL, size INTEGER, sharpness REAL, model TEXT NOT NULL,
            embedding BLOB NOT NULL, thumbnail BLOB
        );
        CREATE TABLE datasets (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, path TEXT NOT NULL, kind TEXT NOT NULL,
            labels_csv TEXT, added TEXT NOT NULL, model TEXT, settings TEXT, registry_id TEXT,
            last_indexed TEXT
        );
        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
            key TEXT NOT NULL, size INTEGER, fingerprint TEXT, sha256 TEXT,
            phash INTEGER, dhash INTEGER, width INTEGER, height INTEGER, label TEXT,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'error')),
            reason TEXT, n_faces INTEGER, indexed_at TEXT,
            UNIQUE (dataset_id, key)
        );
        CREATE INDEX items_status ON items (dataset_id, status);
        CREATE INDEX items_sha256 ON items (sha256);
        CREATE TABLE faces (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL, top INTEGER, right INTEGER, bottom INTEGER, left INTEGER,
            score REAL, size INTEGER, sharpness REAL, embedding BLOB NOT NULL,
            UNIQUE (item_id, idx)
        );
        CREATE INDEX faces_dataset ON faces (dataset_id);
        CREATE TABLE scans (
            id INTEGER PRIMARY KEY, started TEXT NOT NULL, finished TEXT, datasets TEXT,
            n_references INTEGER, n_faces INTEGER, n_candidates INTEGER, model TEXT, method TEXT
        );
        CREATE TABLE matches (
            id INTEGER PRIMARY KEY,
            dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            face_idx INTEGER NOT NULL,
            scan_id INTEGER REFERENCES scans(id),
            distance REAL, combined REAL, agree INTEGER, n_references INTEGER,
            expected_lookalikes REAL, band TEXT, exact_photo INTEGER NOT NULL DEFAULT 0,
            reference_face_id INTEGER,
            decision TEXT NOT NULL DEFAULT 'unreviewed'
                CHECK (decision IN ('unreviewed', 'me', 'not_me', 'unsure')),
            decided_at TEXT, first_seen TEXT NOT NULL,
            UNIQUE (item_id, face_idx)
        );
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);
        """
    )


def _m002_requests(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE requests (
            id INTEGER PRIMARY KEY,
            type TEXT NOT NULL, law TEXT NOT NULL, lang TEXT NOT NULL DEFAULT 'en',
            recipient TEXT NOT NULL DEFAULT '', recipient_email TEXT NOT NULL DEFAULT '',
            channel TEXT NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'post', 'web-form', 'other')),
            dataset_name TEXT, registry_id TEXT,
            parent_id INTEGER REFERENCES requests(id) ON DELETE SET NULL,
            sent_date TEXT, deadline TEXT, extended INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'draft'
                CHECK (status IN ('draft', 'sent', 'answered', 'complied', 'refused', 'overdue')),
            notes TEXT NOT NULL DEFAULT '', letter_path TEXT,
            created TEXT NOT NULL, updated TEXT NOT NULL
        );
        CREATE TABLE request_replies (
            id INTEGER PRIMARY KEY,
            request_id INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
            received TEXT NOT NULL, summary TEXT NOT NULL DEFAULT '', path TEXT, added TEXT NOT NULL
        );
        CREATE INDEX request_replies_request ON request_replies (request_id);
        """
    )


def _m003_face_generations(db: sqlite_utils.Database) -> None:
    # Every change to a dataset's faces bumps its generation, so cached embedding matrices
    # (core/vectors.py) notice a re-index even when it reuses the same face ids and count.
    db.executescript(
        """
        CREATE TABLE face_generations (dataset_id INTEGER PRIMARY KEY, generation INTEGER NOT NULL);
        INSERT INTO face_generations (dataset_id, generation) SELECT DISTINCT dataset_id, 1 FROM faces;
        CREATE TRIGGER faces_insert_generation AFTER INSERT ON faces BEGIN
            INSERT INTO face_generations (dataset_id, generation) VALUES (NEW.dataset_id, 1)
                ON CONFLICT (dataset_id) DO UPDATE SET generation = generation + 1;
        END;
        CREATE TRIGGER faces_delete_generation AFTER DELETE ON faces BEGIN
            UPDATE face_generations SET generation = generation + 1 WHERE dataset_id = OLD.dataset_id;
        END;
        CREATE TRIGGER faces_update_generation AFTER UPDATE OF embedding, dataset_id, item_id, idx ON faces BEGIN
            INSERT INTO face_generations (dataset_id, generation) VALUES (NEW.dataset_id, 1)
                ON CONFLICT (dataset_id) DO UPDATE SET generation = generation + 1;
            UPDATE face_generations SET generation = generation + 1 WHERE dataset_id = OLD.dataset_id;
        END;
        """
    )


def _m040_confirmed_references(db: sqlite_utils.Database) -> None:
    # A reference face that does not look like my other references is kept out of matching
    # until I say it is me (core/matching/references.py); this records that I did.
    db.execute("ALTER TABLE reference_faces ADD COLUMN confirmed_at TEXT")


def _m041_face_crops(db: sqlite_utils.Database) -> None:
    # A small cache of face crops for the Review grid (core/datasets/crops_cache.py), so a crop
    # is read from a (perhaps huge) archive once. `fingerprint` is the item's when it was cut:
    # a changed file is cut again.
    db.execute(
        "CREATE TABLE face_crops ("
        " item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
        " face_idx INTEGER NOT NULL, fingerprint TEXT, jpeg BLOB NOT NULL, used TEXT NOT NULL,"
        " PRIMARY KEY (item_id, face_idx))")
    db.execute("CREATE INDEX face_crops_used ON face_crops (used)")


#: (number, name, function). Append only; never edit a migration that has shipped.
MIGRATIONS: list[tuple[int, str, Callable[[sqlite_utils.Database], None]]] = [
    (1, "initial schema", _m001_initial),
    (2, "data-protection requests and their replies", _m002_requests),
    (3, "a generation per dataset's faces, for cached embedding matrices", _m003_face_generations),
    (40, "reference faces I confirmed as me", _m040_confirmed_references),
    (41, "a small cache of face crops for review", _m041_face_crops),
]


def apply_migrations(db: sqlite_utils.Database) -> list[int]:
    """Apply every migration not yet applied, each in its own transaction.

    Returns:
        The numbers of the migrations applied now.
    """
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (id INTEGER PRIMARY KEY, name TEXT, applied TEXT)")
    done = {row[0] for row in db.execute("SELECT id FROM _migrations").fetchall()}
    applied = []
    for number, name, migrate in MIGRATIONS:
        if number in done:
            continue
        with db.conn:
            migrate(db)
            db.execute("INSERT INTO _migrations (id, name, applied) VALUES (?, ?, datetime('now'))", [number, name])
        applied.append(number)
    return applied
