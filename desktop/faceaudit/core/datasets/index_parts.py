"""Index parts: what a cluster found in one shard, as one parquet file, private like the store.

A part holds one row per item of its shard: the key and fingerprint the shard's listing gave,
whether it was read (`done`), refused (`error`) or not read this time (`unavailable`) and why, its
size, hashes, face boxes and embeddings. Embeddings are kept per model (`embeddings:<model>`), so
a second model's column can sit beside the first. The footer's metadata names the shard, its
fingerprint, the face settings and the shard's coverage: items read, items not read with their
bytes, and the parts of it that could not be listed.

Parts hold biometric data of everyone in the dataset: they are written with mode 0600, atomically
(a part is whole or absent), and sealed with a passphrase when one is given (the database's
format, see storage/encryption).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from faceaudit.core.datasets.worker import PhotoRecord
from faceaudit.core.faces.engine import Face
from faceaudit.core.storage.encryption import EncryptionError, is_sealed, open_sealed, seal_bytes
from faceaudit.core.storage.private_files import open_private

__all__ = ["PartItem", "Part", "PartError", "write_part", "read_part", "FORMAT"]

FORMAT = "faceaudit-index-part/1"
_META = b"faceaudit.part"


class PartError(ValueError):
    """A part that cannot be used (damaged, cut short, sealed with another passphrase, not a part); says why."""


@dataclass
class PartItem:
    """One item of a shard as a part records it: a photo record, with its key, size and status."""

    key: str
    fingerprint: str
    size: int
    status: str  # "done", "error" or "unavailable"
    record: PhotoRecord


@dataclass
class Part:
    """A whole part: its items and what its footer says."""

    shard: str
    fingerprint: str
    settings: dict
    items: list[PartItem] = field(default_factory=list)
    gaps: list[tuple[str, str]] = field(default_factory=list)

    @property
    def coverage(self) -> dict:
        """Items read, and items not read with their bytes, by status."""
        counts: dict = {"read": 0, "not_read": 0, "not_read_bytes": 0, "faces": 0}
        for item in self.items:
            if item.status == "done":
                counts["read"] += 1
                counts["faces"] += len(item.record.faces)
            else:
                counts["not_read"] += 1
                counts["not_read_bytes"] += item.size
        counts["gaps"] = len(self.gaps)
        return counts


def _schema(model: str):
    import pyarrow as pa

    box = pa.struct([("top", pa.int32()), ("right", pa.int32()), ("bottom", pa.int32()), ("left", pa.int32()),
                     ("score", pa.float64()), ("size", pa.int32()), ("sharpness", pa.float64())])
    return pa.schema([("key", pa.string()), ("fingerprint", pa.string()), ("size", pa.int64()),
                      ("status", pa.string()), ("reason", pa.string()), ("sha256", pa.string()),
                      ("phash", pa.int64()), ("dhash", pa.int64()), ("width", pa.int32()), ("height", pa.int32()),
                      ("faces", pa.list_(box)), (f"embeddings:{model}", pa.list_(pa.list_(pa.float32(), 128)))])


def write_part(path: Path, part: Part, passphrase: str | None = None) -> str:
    """Write a part (mode 0600, whole or not at all); returns the SHA-256 of the file written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    model = part.settings["model"]
    rows = [item.record for item in part.items]
    columns = {
        "key": [i.key for i in part.items], "fingerprint": [i.fingerprint for i in part.items],
        "size": [i.size for i in part.items], "status": [i.status for i in part.items],
        "reason": [r.error for r in rows], "sha256": [r.sha256 for r in rows], "phash": [r.phash for r in rows],
        "dhash": [r.dhash for r in rows], "width": [r.width for r in rows], "height": [r.height for r in rows],
        "faces": [[dict(zip(("top", "right", "bottom", "left"), f.box, strict=True), score=f.score, size=f.size,
                        sharpness=f.sharpness) for f in r.faces] for r in rows],
        f"embeddings:{model}": [[np.asarray(f.embedding, dtype=np.float32) for f in r.faces] for r in rows],
    }
    meta = {"format": FORMAT, "shard": part.shard, "fingerprint": part.fingerprint, "settings": part.settings,
            "gaps": part.gaps, "coverage": part.coverage}
    table = pa.table(columns, schema=_schema(model).with_metadata({_META: json.dumps(meta).encode()}))
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    data = buffer.getvalue()
    if passphrase:
        data = seal_bytes(passphrase, data)
    # A temporary name of its own: a task run again elsewhere (Ray's retry of a worker thought lost) may
    # be writing the same part at the same time; each writes whole, and the last rename wins.
    temp = Path(path).with_name(f"{Path(path).name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open_private(temp) as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return hashlib.sha256(data).hexdigest()


def read_part(path: Path, passphrase: str | None = None) -> tuple[Part, str]:
    """A part and the SHA-256 of its file.

    Raises:
        PartError: the file is damaged, cut short, sealed (and no or another passphrase given), or not a part.
    """
    import pyarrow.parquet as pq

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise PartError(f"cannot be read: {exc.strerror or exc}") from None
    digest = hashlib.sha256(data).hexdigest()
    if is_sealed(data[:16]):
        if not passphrase:
            raise PartError("it is sealed with a passphrase, and none was given")
        try:
            data = open_sealed(Path(path), passphrase)
        except EncryptionError as exc:
            raise PartError(str(exc)) from None
    try:
        table = pq.read_table(io.BytesIO(data))
        meta = json.loads(table.schema.metadata[_META])
        if meta.get("format") != FORMAT:
            raise ValueError(f"its format is {meta.get('format')!r}, not {FORMAT}")
        model = meta["settings"]["model"]
        part = Part(meta["shard"], meta["fingerprint"], meta["settings"], gaps=[tuple(g) for g in meta["gaps"]])
        columns = table.to_pydict()
        embeddings = columns[f"embeddings:{model}"]
        for row, key in enumerate(columns["key"]):
            faces = [Face((f["top"], f["right"], f["bottom"], f["left"]), f["score"], f["size"], f["sharpness"],
                          np.asarray(vector, dtype=np.float32))
                     for f, vector in zip(columns["faces"][row], embeddings[row], strict=True)]
            record = PhotoRecord(0, columns["sha256"][row], columns["phash"][row], columns["dhash"][row],
                                 columns["width"][row], columns["height"][row], faces, columns["reason"][row])
            part.items.append(PartItem(key, columns["fingerprint"][row], columns["size"][row], columns["status"][row],
                                       record))
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise PartError(f"damaged or not an index part ({type(exc).__name__}: {str(exc)[:200]})") from None
    return part, digest

