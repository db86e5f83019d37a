"""The database schema, changed only through numbered migrations applied in order."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import sqlite_utils

__all__ = ["MIGRATIONS", "apply_migrations"]


def _script(db: sqlite_utils.Database, script: str) -> None:
    """Run statements one by one inside the migrations' transaction (executescript would commit it first)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"an incomplete statement in a migration: {statement.strip()[:60]}")


def _m001_initial(db: sqlite_utils.Database) -> None:
    _script(db,
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
    _script(db,
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
    _script(db,
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


def _m004_unavailable_items(db: sqlite_utils.Database) -> None:
    # 'unavailable': a known item that could not be read this time (an unreadable folder, a disk not
    # mounted, a cut archive, a read error). It keeps its faces and the decisions on them, and is
    # looked at again at the next index; `prior_status` is what it goes back to when it is readable
    # and unchanged. SQLite cannot change a CHECK in place: the table is rebuilt (apply_migrations
    # runs this with foreign keys off, so dropping the old table deletes no face or match).
    old_check = "CHECK (status IN ('pending', 'done', 'error'))"
    new_check = "CHECK (status IN ('pending', 'done', 'error', 'unavailable'))"
    sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'items'").fetchone()[0]
    if old_check not in sql:
        raise RuntimeError("the items table is not as migration 1 made it; this database cannot be migrated")
    indexes = [row[0] for row in db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'items' AND sql IS NOT NULL")]
    db.execute(sql.replace("CREATE TABLE items", "CREATE TABLE items_new", 1).replace(old_check, new_check))
    db.execute("INSERT INTO items_new SELECT * FROM items")
    db.execute("DROP TABLE items")
    db.execute("ALTER TABLE items_new RENAME TO items")
    for index in indexes:
        db.execute(index)
    db.execute("ALTER TABLE items ADD COLUMN prior_status TEXT")


def _m005_match_boxes(db: sqlite_utils.Database) -> None:
    # A decision is on a face: its box is kept with the match, so that re-indexing with other
    # settings (other face numbers) can give the decision to the new face at the same place, and a
    # decision whose face the new settings do not find keeps its box (face_idx <= -2 then; -1 is a
    # whole photo).
    _script(db,
        """
        ALTER TABLE matches ADD COLUMN top INTEGER;
        ALTER TABLE matches ADD COLUMN right INTEGER;
        ALTER TABLE matches ADD COLUMN bottom INTEGER;
        ALTER TABLE matches ADD COLUMN left INTEGER;
        CREATE INDEX matches_item ON matches (item_id, decision);
        """
    )


def _m006_twin_index(db: sqlite_utils.Database) -> None:
    # The twin lookup asks for a finished item with the same bytes; with an index on sha256 alone it
    # walked every failed copy of a file (200,000 identical broken files: quadratic, hours).
    _script(db,
        """
        CREATE INDEX items_sha256_status ON items (sha256, status);
        DROP INDEX items_sha256;
        """
    )


def _m010_dataset_forms(db: sqlite_utils.Database) -> None:
    # locator: what reading one item later needs (an offset, a row group and row), so showing or
    # cropping a candidate does not scan its archive from the start. aligned: whether the
    # dataset's photos are pre-aligned face crops (auto, arcface, none); datasets added before
    # keep the detection they were indexed with. listing_gaps: the parts of the dataset its last
    # listing could not read (JSON list of [key prefix, reason]).
    _script(db,
        """
        ALTER TABLE items ADD COLUMN locator TEXT;
        ALTER TABLE datasets ADD COLUMN aligned TEXT;
        UPDATE datasets SET aligned = 'none';
        ALTER TABLE datasets ADD COLUMN listing_gaps TEXT;
        """
    )


def _m011_square_crops(db: sqlite_utils.Database) -> None:
    # The geometry of a dataset of small square face crops, learned once from its first photos:
    # NULL = not looked at yet, '[]' = not such a dataset, '[side, top, right, bottom, left]'.
    _script(db, "ALTER TABLE datasets ADD COLUMN square_crop TEXT;")


def _m020_letter_facts(db: sqlite_utils.Database) -> None:
    # What a follow-up letter and a deadline need to be true for the sender: when the letter
    # really arrived, where the sender lived (whose holidays count), whom a letter to an
    # organisation went to and about which account, which matches it cited, and what an answer
    # said (the ground a reminder or complaint states).
    _script(db,
        """
        ALTER TABLE requests ADD COLUMN received_date TEXT;
        ALTER TABLE requests ADD COLUMN sender_country TEXT NOT NULL DEFAULT '';
        ALTER TABLE requests ADD COLUMN sender_region TEXT NOT NULL DEFAULT '';
        ALTER TABLE requests ADD COLUMN organisation TEXT;
        ALTER TABLE requests ADD COLUMN account TEXT NOT NULL DEFAULT '';
        ALTER TABLE requests ADD COLUMN evidence TEXT NOT NULL DEFAULT '';
        ALTER TABLE requests ADD COLUMN match_ids TEXT;
        ALTER TABLE request_replies ADD COLUMN ground TEXT NOT NULL DEFAULT '';
        """
    )


def _m080_request_reference(db: sqlite_utils.Database) -> None:
    # The reference a letter prints ("FA-12"), so that its reminder and complaint cite what the
    # recipient has in hand; the letter it follows up and the reminder travel with a complaint.
    _script(db,
        """
        ALTER TABLE requests ADD COLUMN reference TEXT NOT NULL DEFAULT '';
        """
    )


def _m030_identifiers(db: sqlite_utils.Database) -> None:
    # My identifiers besides my face: accounts, photo addresses, names and file hashes, searched
    # for in datasets published as lists of links. The MD5 of each reference photo is kept from
    # now on (FFHQ lists the MD5 of its originals); photos added earlier have none.
    _script(db,
        """
        ALTER TABLE reference_photos ADD COLUMN md5 TEXT;
        CREATE TABLE my_identifiers (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('flickr-account', 'flickr-photo', 'url', 'name', 'sha256', 'md5')),
            value TEXT NOT NULL, label TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT 'typed' CHECK (source IN ('typed', 'photo-hashes')),
            added TEXT NOT NULL,
            UNIQUE (kind, value)
        );
        """
    )


def _m031_list_matches(db: sqlite_utils.Database) -> None:
    # A link list's files are its items; what was learnt reading each (form, columns, rows, its
    # token index, which of my identifiers it has been searched for) is kept beside it. A row
    # found by my identifiers is a candidate of its own kind, reviewed like a face.
    _script(db,
        """
        ALTER TABLE datasets ADD COLUMN list_columns TEXT;
        CREATE TABLE list_files (
            item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
            form TEXT, columns TEXT, rows INTEGER, index_fingerprint TEXT, index_name TEXT,
            searched TEXT, searched_fingerprint TEXT
        );
        CREATE TABLE identifier_matches (
            id INTEGER PRIMARY KEY,
            dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
            file TEXT NOT NULL, locator TEXT NOT NULL, position INTEGER NOT NULL,
            url TEXT, matched TEXT NOT NULL, fields TEXT NOT NULL,
            scan_id INTEGER REFERENCES scans(id),
            decision TEXT NOT NULL DEFAULT 'unreviewed'
                CHECK (decision IN ('unreviewed', 'me', 'not_me', 'unsure')),
            decided_at TEXT, first_seen TEXT NOT NULL,
            UNIQUE (dataset_id, file, locator)
        );
        CREATE INDEX identifier_matches_scan ON identifier_matches (scan_id);
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


def _m060_ledger(db: sqlite_utils.Database) -> None:
    # The coverage ledger's files and members that no reader took as photos or a list: companion
    # metadata (reason NULL: inspected, no photo and no identifier in it) or not read, with why and
    # its size. Rewritten by each listing; items (photos, list files) stay in `items`.
    db.execute(
        "CREATE TABLE ledger ("
        " dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
        " key TEXT NOT NULL, size INTEGER NOT NULL, form TEXT NOT NULL, reason TEXT,"
        " PRIMARY KEY (dataset_id, key))")
    # A dataset indexed before the ledger existed has files nobody accounted for: it is not checked until
    # it is listed again (which clears this). Datasets added from now on start with a ledger.
    db.execute("ALTER TABLE datasets ADD COLUMN ledger_stale INTEGER NOT NULL DEFAULT 0")
    db.execute("UPDATE datasets SET ledger_stale = 1 WHERE last_indexed IS NOT NULL")
def _m070_identity_matches(db: sqlite_utils.Database) -> None:
    # Identity-level evidence in labelled datasets (core/matching/identities.py): an identity whose
    # photos, together, are close to my references; its close photos are face matches that point
    # at it, so that they are confirmed or rejected together and a letter cites the identity.
    _script(db,
        """
        CREATE TABLE identity_matches (
            id INTEGER PRIMARY KEY,
            dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
            label TEXT NOT NULL, scan_id INTEGER REFERENCES scans(id),
            photos INTEGER NOT NULL, close INTEGER NOT NULL, expected REAL NOT NULL, band TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            UNIQUE (dataset_id, label)
        );
        CREATE INDEX identity_matches_scan ON identity_matches (scan_id);
        ALTER TABLE matches ADD COLUMN identity_id INTEGER REFERENCES identity_matches(id) ON DELETE SET NULL;
        CREATE INDEX matches_identity ON matches (identity_id);
        """
    )


def _m110_index_parts(db: sqlite_utils.Database) -> None:
    # Index parts made on a cluster and brought home (core/datasets/part_import.py): one row per
    # shard, so an import run again skips a part already in (same digest, same shard fingerprint)
    # and says why one was refused.
    db.execute(
        "CREATE TABLE index_parts ("
        " dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
        " shard TEXT NOT NULL, fingerprint TEXT, digest TEXT, status TEXT NOT NULL, reason TEXT,"
        " items INTEGER, faces INTEGER, imported_at TEXT NOT NULL, PRIMARY KEY (dataset_id, shard))")


def _m111_scan_searches(db: sqlite_utils.Database) -> None:
    # A dataset above the exact-search limit is searched through an approximate index: the scan
    # keeps that, with the index's measured recall, so finding nothing there is not worded as an
    # all-clear (core/matching/approximate.py).
    db.execute(
        "CREATE TABLE scan_searches ("
        " scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,"
        " dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
        " search TEXT NOT NULL, recall REAL, per_reference INTEGER, PRIMARY KEY (scan_id, dataset_id))")


def _m050_model_embeddings(db: sqlite_utils.Database) -> None:
    # A second face model's numbers beside dlib's (kept in faces.embedding): one row per face and
    # model, for dataset faces and my reference faces. Adding or removing them bumps the dataset's
    # generation, so a cached matrix of that model is rebuilt. Matches say which model saw them.
    _script(db,
        """
        CREATE TABLE face_embeddings (
            face_id INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
            dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
            model TEXT NOT NULL, embedding BLOB NOT NULL,
            PRIMARY KEY (face_id, model)
        );
        CREATE INDEX face_embeddings_dataset ON face_embeddings (dataset_id, model);
        CREATE TABLE reference_embeddings (
            reference_face_id INTEGER NOT NULL REFERENCES reference_faces(id) ON DELETE CASCADE,
            model TEXT NOT NULL, embedding BLOB NOT NULL,
            PRIMARY KEY (reference_face_id, model)
        );
        CREATE TRIGGER face_embeddings_insert_generation AFTER INSERT ON face_embeddings BEGIN
            INSERT INTO face_generations (dataset_id, generation) VALUES (NEW.dataset_id, 1)
                ON CONFLICT (dataset_id) DO UPDATE SET generation = generation + 1;
        END;
        CREATE TRIGGER face_embeddings_delete_generation AFTER DELETE ON face_embeddings BEGIN
            UPDATE face_generations SET generation = generation + 1 WHERE dataset_id = OLD.dataset_id;
        END;
        ALTER TABLE matches ADD COLUMN model TEXT;
        ALTER TABLE scans ADD COLUMN models TEXT;
        """
    )


#: (number, name, function). Append only; never edit a migration that has shipped.
MIGRATIONS: list[tuple[int, str, Callable[[sqlite_utils.Database], None]]] = [
    (1, "initial schema", _m001_initial),
    (2, "data-protection requests and their replies", _m002_requests),
    (3, "a generation per dataset's faces, for cached embedding matrices", _m003_face_generations),
    (4, "items a listing could not read are kept as unavailable", _m004_unavailable_items),
    (5, "the box of a decided face is kept with its match", _m005_match_boxes),
    (6, "the twin lookup is indexed by bytes and status", _m006_twin_index),
    (10, "item locators, pre-aligned crops, listing gaps", _m010_dataset_forms),
    (11, "the learned geometry of square face crops", _m011_square_crops),
    (20, "requests: receipt, sender's residence, organisation, account, evidence, cited matches; reply grounds",
     _m020_letter_facts),
    (30, "my identifiers (accounts, photo addresses, names, hashes) and reference photos' MD5", _m030_identifiers),
    (31, "link-list files and the rows my identifiers found in them", _m031_list_matches),
    (40, "reference faces I confirmed as me", _m040_confirmed_references),
    (41, "a small cache of face crops for review", _m041_face_crops),
    (50, "a second face model's embeddings beside dlib's, and which model saw a match", _m050_model_embeddings),
    (60, "the coverage ledger: files no reader took, companion or not read", _m060_ledger),
    (70, "identities of labelled datasets whose photos together are close to mine", _m070_identity_matches),
    (80, "requests: the reference the letter printed", _m080_request_reference),
    (110, "index parts imported from a cluster, one per shard", _m110_index_parts),
    (111, "how a scan searched each dataset: exact, or an approximate index and its recall", _m111_scan_searches),
]


def apply_migrations(db: sqlite_utils.Database) -> list[int]:
    """Apply every migration not yet applied, all in one transaction (or none).

    The write lock is taken before looking at what is applied, so two processes opening a new
    database at once do not both migrate it. Foreign keys are off meanwhile (a rebuilt table must
    not cascade), and checked before the commit.

    Returns:
        The numbers of the migrations applied now.
    """
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (id INTEGER PRIMARY KEY, name TEXT, applied TEXT)")
    wanted = {number for number, _, _ in MIGRATIONS}
    if wanted <= {row[0] for row in db.execute("SELECT id FROM _migrations").fetchall()}:
        return []
    conn = db.conn
    foreign_keys = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    conn.execute("PRAGMA foreign_keys = OFF")  # a no-op inside a transaction: set before BEGIN
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            done = {row[0] for row in conn.execute("SELECT id FROM _migrations").fetchall()}
            applied = []
            for number, name, migrate in MIGRATIONS:
                if number in done:
                    continue
                migrate(db)
                conn.execute("INSERT INTO _migrations (id, name, applied) VALUES (?, ?, datetime('now'))",
                             [number, name])
                applied.append(number)
            broken = conn.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"a migration left {len(broken)} broken reference(s); nothing was changed")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    finally:
        conn.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
    return applied
