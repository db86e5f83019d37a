"""Decisions survive re-indexing: a decision is on a face at a place in a photo, not on a face number.

When an item's faces are remade (other detector settings, or the file changed), each decided match
on them keeps its face's box and lets go of the face number (`face_idx` <= -2; -1 is a whole
photo). Once the item is indexed again, the decision goes to the new face that overlaps that box
most; a decision whose face the new settings do not find keeps its box, and is still listed and
cited. Matches nobody decided on are deleted: the next scan finds them again.
"""

from __future__ import annotations

from faceaudit.core.storage.store import Store

__all__ = ["detach_decisions", "attach_decisions", "MIN_OVERLAP"]

#: Intersection over union above which a new face is the face a decision was made on. Boxes of one
#: face from HOG and from the CNN detector overlap by 0.5-0.8; two faces in a photo hardly overlap.
MIN_OVERLAP = 0.3


def detach_decisions(store: Store, *, dataset_id: int | None = None, item_id: int | None = None) -> int:
    """Before the faces of a dataset (or one item) are deleted: decided matches keep their box and
    let go of their face number; unreviewed matches are deleted. Call inside a transaction.

    Returns:
        How many decisions were detached.
    """
    column, value = ("dataset_id", dataset_id) if dataset_id is not None else ("item_id", item_id)
    conn = store.conn
    rows = conn.execute(
        "SELECT m.id, m.item_id, f.top, f.right, f.bottom, f.left FROM matches m"
        " LEFT JOIN faces f ON f.item_id = m.item_id AND f.idx = m.face_idx"
        f" WHERE m.{column} = ? AND m.decision != 'unreviewed' AND m.face_idx >= 0 ORDER BY m.id", [value]).fetchall()
    lowest = dict(conn.execute(
        f"SELECT item_id, MIN(face_idx) FROM matches WHERE {column} = ? AND face_idx <= -2 GROUP BY item_id", [value]))
    for match_id, item, top, right, bottom, left in rows:
        number = min(lowest.get(item, -1), -1) - 1
        lowest[item] = number
        conn.execute("UPDATE matches SET face_idx = ?, top = COALESCE(?, top), right = COALESCE(?, right),"
                     " bottom = COALESCE(?, bottom), left = COALESCE(?, left) WHERE id = ?",
                     [number, top, right, bottom, left, match_id])
    conn.execute(f"DELETE FROM matches WHERE {column} = ? AND decision = 'unreviewed'", [value])
    return len(rows)


def attach_decisions(store: Store, item_id: int) -> int:
    """After an item's new faces are written: give each detached decision the new face at its place.
    Call inside the transaction that wrote the faces.

    Returns:
        How many decisions found their face.
    """
    conn = store.conn
    detached = conn.execute(
        "SELECT id, top, right, bottom, left FROM matches WHERE item_id = ? AND face_idx <= -2 AND top IS NOT NULL"
        " ORDER BY decision = 'me' DESC, decided_at, id", [item_id]).fetchall()
    if not detached:
        return 0
    faces = conn.execute("SELECT idx, top, right, bottom, left FROM faces WHERE item_id = ?", [item_id]).fetchall()
    taken = {row[0] for row in conn.execute("SELECT face_idx FROM matches WHERE item_id = ? AND face_idx >= 0",
                                            [item_id])}
    attached = 0
    for match_id, *box in detached:
        choices = [(_overlap(box, face[1:]), face) for face in faces if face[0] not in taken]
        if not choices:
            break
        overlap, face = max(choices)
        if overlap < MIN_OVERLAP:
            continue
        taken.add(face[0])
        conn.execute("UPDATE matches SET face_idx = ?, top = ?, right = ?, bottom = ?, left = ? WHERE id = ?",
                     [*face, match_id])
        attached += 1
    return attached


def _overlap(a, b) -> float:
    """Intersection over union of two (top, right, bottom, left) boxes."""
    top, right, bottom, left = max(a[0], b[0]), min(a[1], b[1]), min(a[2], b[2]), max(a[3], b[3])
    inter = max(0, right - left) * max(0, bottom - top)
    union = (a[1] - a[3]) * (a[2] - a[0]) + (b[1] - b[3]) * (b[2] - b[0]) - inter
    return inter / union if union > 0 else 0.0
