"""Build face datasets in the forms they are really published in, from LFW photos (nothing downloaded).

Each builder takes photos with their identity and writes one published form, byte for byte in
the layout its real counterpart uses (see shared/notes/dataset-forms.md):

- `hub_parquet`: a Hugging Face Hub snapshot, as `datasets.push_to_hub` writes LFW, CelebA and
  their re-uploads: `README.md` with the card's front matter, `data/train-0000K-of-0000N.parquet`
  with an Image column `struct<bytes, path>`, a ClassLabel column and the `huggingface` schema metadata.
- `insightface_pack`: an InsightFace RecordIO pack as `faces_emore` / `faces_webface_112x112` are
  distributed: `train.rec` + `train.idx` + `property`, ArcFace-aligned 112x112 JPEG crops, record 0
  a header record, identity records after the images, and a verification file `lfw.bin`;
  `zip_folder` packs it as the published zip.
- `webdataset_shards`: an img2dataset / LAION-Face style WebDataset export: `00000.tar …` whose
  samples are `KEY.jpg` + `KEY.cls` + `KEY.json`, with `00000_stats.json` and `00000.parquet`
  (per-shard metadata, no images) beside each shard.
- `zip_parts`: a download split into `part1.zip … partN.zip`, each with the one-folder-per-person
  layout inside (as multi-part face-set downloads are offered).
"""

from __future__ import annotations

import io
import json
import pickle
import struct
import tarfile
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

__all__ = ["Photo", "index_all", "hub_parquet", "insightface_pack", "zip_folder", "webdataset_shards", "zip_parts",
           "recordio_frame", "ir_record", "RECORDIO_MAGIC"]

#: (the photo file, the identity it shows).
Photo = tuple[Path, str]

RECORDIO_MAGIC = 0xCED7230A


def index_all(store, paths: dict[str, Path]) -> None:
    """Add each path as a dataset of that name and index it: each must finish, every item read, and be checked."""
    from faceaudit.core.datasets.catalog import add_dataset, get_dataset
    from faceaudit.core.datasets.indexing import index_dataset

    for name, path in paths.items():
        add_dataset(store, path, name)
        for progress in index_dataset(store, name, workers=2):
            pass
        assert progress.phase == "finished" and progress.done == progress.total, name
        assert get_dataset(store, name).checked, (name, get_dataset(store, name).reason)


# -- Hugging Face Hub parquet -----------------------------------------------------------------

def hub_parquet(photos: list[Photo], target: Path, shards: int = 3, rows_per_group: int = 100) -> Path:
    """A Hub snapshot folder of parquet shards; returns the folder."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = sorted({name for _path, name in photos})
    class_of = {name: index for index, name in enumerate(names)}
    features = {"image": {"_type": "Image"}, "label": {"names": names, "_type": "ClassLabel"}}
    metadata = {"huggingface": json.dumps({"info": {"features": features}})}
    image_type = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    schema = pa.schema([("image", image_type), ("label", pa.int64())], metadata=metadata)
    (target / "data").mkdir(parents=True, exist_ok=True)
    per_shard = -(-len(photos) // shards)
    for shard in range(shards):
        rows = photos[shard * per_shard:(shard + 1) * per_shard]
        table = pa.table({
            "image": pa.array([{"bytes": path.read_bytes(), "path": path.name} for path, _ in rows], image_type),
            "label": pa.array([class_of[name] for _, name in rows], pa.int64()),
        }, schema=schema)
        pq.write_table(table, target / "data" / f"train-{shard:05d}-of-{shards:05d}.parquet",
                       row_group_size=rows_per_group)
    card = ["---", "dataset_info:", "  features:", "  - name: image", "    dtype: image", "  - name: label",
            "    dtype:", "      class_label:", "        names:"]
    card += [f"          '{index}': {name}" for index, name in enumerate(names)]
    card += ["  splits:", "  - name: train", f"    num_examples: {len(photos)}", "configs:", "- config_name: default",
             "  data_files:", "  - split: train", "    path: data/train-*", "---", "", "# LFW (test copy)", ""]
    (target / "README.md").write_text("\n".join(card), encoding="utf-8")
    return target


# -- InsightFace RecordIO ---------------------------------------------------------------------

def recordio_frame(payload: bytes, split: int = 0) -> bytes:
    """One RecordIO frame: magic, length word (3 bits of split flag), payload, padding to 4 bytes."""
    return struct.pack("<II", RECORDIO_MAGIC, (split << 29) | len(payload)) + payload + bytes(-len(payload) % 4)


def ir_record(label: float | list[float], record_id: int, image: bytes = b"") -> bytes:
    """An IRHeader payload: (flag, label, id, id2), the extra labels when flag > 0, then the image."""
    if isinstance(label, list):
        return struct.pack("<IfQQ", len(label), 0.0, record_id, 0) + struct.pack(f"<{len(label)}f", *label) + image
    return struct.pack("<IfQQ", 0, float(label), record_id, 0) + image


def insightface_pack(crops: list[tuple[np.ndarray, str]], target: Path, pairs: int = 20) -> Path:
    """A `faces_*_112x112` folder: train.rec/.idx/property of the crops, and lfw.bin of the first pairs."""
    target.mkdir(parents=True, exist_ok=True)
    names = sorted({name for _crop, name in crops})
    identity = {name: index for index, name in enumerate(names)}
    ordered = sorted(crops, key=lambda item: identity[item[1]])  # records are grouped by identity
    jpegs = [(_jpeg(crop), identity[name]) for crop, name in ordered]
    records: list[bytes] = []
    starts: dict[int, int] = {}
    for number, (jpeg, label) in enumerate(jpegs, 1):
        starts.setdefault(label, number)
        records.append(ir_record(label, number, jpeg))
    first_identity = len(jpegs) + 1
    ends = {label: starts.get(label + 1, first_identity) for label in starts}
    for offset, label in enumerate(sorted(starts)):
        records.append(ir_record([float(starts[label]), float(ends[label])], first_identity + offset))
    header = ir_record([float(first_identity), float(first_identity + len(starts))], 0)
    with open(target / "train.rec", "wb") as rec, open(target / "train.idx", "w") as idx:
        for number, payload in enumerate([header, *records]):
            idx.write(f"{number}\t{rec.tell()}\n")
            rec.write(recordio_frame(payload))
    (target / "property").write_text(f"{len(names)},112,112")
    images = [jpeg for jpeg, _label in jpegs[:2 * pairs]]
    flags = [jpegs[i][1] == jpegs[i + 1][1] for i in range(0, len(images) - 1, 2)]
    with open(target / "lfw.bin", "wb") as handle:
        pickle.dump((images, flags), handle, protocol=4)
    return target


def zip_folder(folder: Path, target: Path, compression: int = zipfile.ZIP_STORED) -> Path:
    """The folder as the published zip (`faces_emore.zip` holds `faces_emore/...`)."""
    with zipfile.ZipFile(target, "w", compression) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return target


def _jpeg(rgb: np.ndarray, quality: int = 95) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


# -- WebDataset ---------------------------------------------------------------------------------

def webdataset_shards(photos: list[Photo], target: Path, per_shard: int = 400) -> Path:
    """A folder of WebDataset shards with img2dataset's sidecars and per-shard metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    target.mkdir(parents=True, exist_ok=True)
    classes = {name: index for index, name in enumerate(sorted({name for _path, name in photos}))}
    for shard, start in enumerate(range(0, len(photos), per_shard)):
        rows = []
        with tarfile.open(target / f"{shard:05d}.tar", "w", format=tarfile.PAX_FORMAT) as archive:
            for number, (path, name) in enumerate(photos[start:start + per_shard]):
                key = f"{shard:05d}{number:04d}"
                meta = {"url": f"https://example.org/photos/{path.name}", "caption": name.replace("_", " "),
                        "key": key, "status": "success", "width": 250, "height": 250}
                for suffix, data in ((".cls", str(classes[name]).encode()), (".jpg", path.read_bytes()),
                                     (".json", json.dumps(meta).encode())):
                    info = tarfile.TarInfo(key + suffix)
                    info.size, info.mtime = len(data), 1_700_000_000
                    archive.addfile(info, io.BytesIO(data))
                rows.append(meta)
        pq.write_table(pa.Table.from_pylist(rows), target / f"{shard:05d}.parquet")
        (target / f"{shard:05d}_stats.json").write_text(json.dumps({"count": len(rows), "successes": len(rows)}))
    return target


# -- archive parts ------------------------------------------------------------------------------

def zip_parts(photos: list[Photo], target: Path, parts: int = 3) -> Path:
    """A folder of `partK.zip`, each holding some people's folders (NAME/NAME_0001.jpg)."""
    target.mkdir(parents=True, exist_ok=True)
    people = sorted({name for _path, name in photos})
    part_of = {name: index % parts for index, name in enumerate(people)}
    archives = [zipfile.ZipFile(target / f"part{k + 1}.zip", "w", zipfile.ZIP_DEFLATED) for k in range(parts)]
    try:
        for path, name in photos:
            archives[part_of[name]].write(path, f"{name}/{path.name}")
    finally:
        for archive in archives:
            archive.close()
    return target
