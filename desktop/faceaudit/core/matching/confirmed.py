"""What I confirmed, as letters read it: the faces and list rows decided "me", by dataset.

The letters never query matching's tables (matches, identifier_matches, reference_faces, scans)
themselves; they ask here.
"""

from __future__ import annotations

from faceaudit.core.matching.matches import Decision
from faceaudit.core.storage.store import Store

__all__ = ["confirmed_face_rows", "confirmed_list_rows", "reference_thumbnail", "confirmed_counts"]


def confirmed_face_rows(store: Store, dataset: str | None = None) -> list[dict]:
    """Every face match confirmed as me (of one dataset, or all), with its dataset, item, face box and scan date,
    and the identity it was found as (`identity_label`, `_photos`, `_close`, `_expected`; None for a photo
    found alone).

    Ordered by dataset and item key. The box is the face's as indexed, or the match's own when
    the face has been remade since.
    """
    sql = (
        "SELECT m.id, m.item_id, m.distance, m.band, m.exact_photo, m.reference_face_id, m.first_seen,"
        " m.model AS seen_by, d.name AS dataset, d.path, d.model, d.settings, d.last_indexed, i.key, i.sha256, i.label,"
        " COALESCE(f.top, m.top) AS top, COALESCE(f.right, m.right) AS right,"
        " COALESCE(f.bottom, m.bottom) AS bottom, COALESCE(f.left, m.left) AS left, s.started AS scan_started,"
        " im.label AS identity_label, im.photos AS identity_photos, im.close AS identity_close,"
        " im.expected AS identity_expected"
        " FROM matches m JOIN datasets d ON d.id = m.dataset_id JOIN items i ON i.id = m.item_id"
        " LEFT JOIN faces f ON f.item_id = m.item_id AND f.idx = m.face_idx"
        " LEFT JOIN scans s ON s.id = m.scan_id LEFT JOIN identity_matches im ON im.id = m.identity_id"
        " WHERE m.decision = ?"
    )
    params: list = [Decision.ME.value]
    if dataset:
        sql += " AND d.name = ?"
        params.append(dataset)
    return store.query(sql + " ORDER BY d.name, i.key, m.face_idx", params)


def confirmed_list_rows(store: Store, dataset: str | None = None) -> list[dict]:
    """Every row of a list of links confirmed as naming me (of one dataset, or all), in file order."""
    sql = ("SELECT m.*, d.name AS dataset, d.path, d.settings, s.started AS scan_started FROM identifier_matches m"
           " JOIN datasets d ON d.id = m.dataset_id LEFT JOIN scans s ON s.id = m.scan_id WHERE m.decision = ?")
    params: list = [Decision.ME.value]
    if dataset:
        sql += " AND d.name = ?"
        params.append(dataset)
    return store.query(sql + " ORDER BY d.name, m.file, m.position, m.id", params)


def reference_thumbnail(store: Store, match_id: int) -> bytes | None:
    """The thumbnail of my reference face that a face match was found with, or None."""
    face_id = store.scalar("SELECT reference_face_id FROM matches WHERE id = ?", [match_id])
    return store.scalar("SELECT thumbnail FROM reference_faces WHERE id = ?", [face_id]) if face_id else None


def confirmed_counts(store: Store) -> list[tuple[str, int]]:
    """(dataset, number of matches confirmed as me) for each dataset that has any, by name: faces and rows of
    lists of links."""
    rows = store.query("SELECT name, SUM(n) AS n FROM ("
                       " SELECT d.name, COUNT(*) AS n FROM matches m JOIN datasets d ON d.id = m.dataset_id"
                       " WHERE m.decision = ? GROUP BY d.name"
                       " UNION ALL SELECT d.name, COUNT(*) FROM identifier_matches m JOIN datasets d"
                       " ON d.id = m.dataset_id WHERE m.decision = ? GROUP BY d.name)"
                       " GROUP BY name ORDER BY name", [Decision.ME.value, Decision.ME.value])
    return [(row["name"], row["n"]) for row in rows]
