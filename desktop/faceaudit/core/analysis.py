"""What indexing learns from one photo: hashes, size and faces, as plain picklable records."""

from __future__ import annotations

from dataclasses import dataclass, field

from .faces import FaceEngine
from .images import ImageError, decode_image
from .photohash import photo_hash
from .sources import sha256_hex

__all__ = ["PhotoRecord", "analyse_photos"]


@dataclass
class PhotoRecord:
    """The result for one photo; `error` is set (and faces empty) when it could not be read."""

    item_id: int
    sha256: str | None = None
    phash: int | None = None
    dhash: int | None = None
    width: int | None = None
    height: int | None = None
    faces: list = field(default_factory=list)
    error: str | None = None


def analyse_photos(engine: FaceEngine, batch: list[tuple[int, bytes]], embed: bool = True) -> list[PhotoRecord]:
    """Decode, hash and find faces in a batch of photos; embed all their faces in one batch.

    Args:
        engine: the face engine (its settings decide detector and embedder).
        batch: (item id, file bytes) pairs.
        embed: embed the faces here; when False each face keeps its aligned chip, for a
            batched embedder elsewhere.

    Returns:
        One record per photo, in order. A bad photo gives a record with `error`, never an
        exception.
    """
    records, faces = [], []
    for item_id, data in batch:
        record = PhotoRecord(item_id=item_id, sha256=sha256_hex(data))
        try:
            image = decode_image(data)
            record.width, record.height = image.width, image.height
            record.phash, record.dhash = photo_hash(image.rgb)
            record.faces = engine.analyse(image.rgb, embed=False)
            faces.extend(record.faces)
        except ImageError as exc:
            record.error = str(exc)
        except MemoryError:
            record.error = "ran out of memory decoding this image"
        records.append(record)
    if embed:
        engine.embed_faces(faces)
    return records
