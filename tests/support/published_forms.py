"""More forms face datasets are published in, built from LFW photos (issue 22), each in its exact layout.

- `msceleb_tsv`: MS-Celeb-1M's `FaceImageCroppedWithOutAlignment.tsv`: 7 tab-separated columns, no
  header (MID, ImageSearchRank, ImageURL, PageURL, FaceID, FaceRectangle base64, FaceData base64 JPEG).
- `split_zip`: a download made with `zip -s` (`lfw.z01 …` + `lfw.zip`), by the `zip` program itself.
- `seven_zip`: a 7-Zip archive, one file or `name.7z.001 …` volumes (7-Zip's volumes are the archive
  cut in pieces), as CelebA's in-the-wild photos are served (`img_celeba.7z/img_celeba.7z.001 …`).
- `tar_zst`: a zstd-compressed tar shard (`part-00001.tar.zst`).
- `hf_save_to_disk`: a Hugging Face `save_to_disk` folder (`data-00000-of-00001.arrow` as an Arrow IPC
  stream, `dataset_info.json`, `state.json`), or a DatasetDict (`dataset_dict.json`, a folder per split).
- `lmdb_env`: an LMDB environment of encoded images (`data.mdb` + `lock.mdb`), keys the photo paths.
- `yfcc_bz2`: YFCC100M's `yfcc100m_dataset.bz2` rows (tab-separated, no header).
"""

from __future__ import annotations

import base64
import bz2
import hashlib
import io
import json
import shutil
import struct
import subprocess
import tarfile
from pathlib import Path

from tests.support.dataset_forms import Photo

__all__ = ["mid_of", "msceleb_tsv", "split_zip", "seven_zip", "tar_zst", "hf_save_to_disk", "lmdb_env",
           "yfcc_bz2", "person_tree"]


def mid_of(name: str) -> str:
    """A Freebase MID for a person (`m.0` and five base-32 characters, as real MIDs look)."""
    digits = "0123456789bcdfghjklmnpqrstvwxyz_"
    number = int(hashlib.sha256(name.encode()).hexdigest(), 16)
    return "m.0" + "".join(digits[(number >> (5 * i)) & 31] for i in range(5))


def msceleb_tsv(photos: list[Photo], target: Path) -> Path:
    """MS-Celeb-1M's TSV of cropped faces; each person's photos ranked 1, 2, … with FaceId-0."""
    ranks: dict[str, int] = {}
    with open(target, "wb") as out:
        for path, name in photos:
            rank = ranks[name] = ranks.get(name, 0) + 1
            rectangle = base64.b64encode(struct.pack("<4f", 0.25, 0.2, 0.5, 0.6))
            row = [mid_of(name).encode(), str(rank).encode(), f"http://images.example.org/{path.name}".encode(),
                   f"http://news.example.org/{name}.html".encode(), b"FaceId-0", rectangle,
                   base64.b64encode(path.read_bytes())]
            out.write(b"\t".join(row) + b"\r\n")
    return target


def person_tree(photos: list[Photo], target: Path) -> Path:
    """LFW's own layout: NAME/NAME_0001.jpg."""
    for path, name in photos:
        (target / name).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / name / path.name)
    return target


def split_zip(photos: list[Photo], target: Path, volume_kib: int = 512) -> Path:
    """`lfw.z01 …` + `lfw.zip` made by `zip -s` in `target`; returns the `.zip`."""
    work = target / "work"
    person_tree(photos, work / "lfw")
    subprocess.run(["zip", "-q", "-r", "-s", f"{volume_kib}k", str(target / "lfw.zip"), "lfw"], cwd=work, check=True)
    shutil.rmtree(work)
    return target / "lfw.zip"


def seven_zip(photos: list[Photo], target: Path, volume_bytes: int | None = None) -> Path:
    """A solid 7-Zip archive of NAME/NAME_0001.jpg; cut into `target.001 …` when `volume_bytes` is given.

    Returns the archive, or the first volume.
    """
    import py7zr

    work = target.parent / (target.name + ".work")
    person_tree(photos, work)
    with py7zr.SevenZipFile(target, "w") as archive:
        for folder in sorted(work.iterdir()):
            archive.writeall(folder, folder.name)
    shutil.rmtree(work)
    if volume_bytes is None:
        return target
    data = target.read_bytes()
    target.unlink()
    for number, start in enumerate(range(0, len(data), volume_bytes), 1):
        target.with_name(f"{target.name}.{number:03d}").write_bytes(data[start:start + volume_bytes])
    return target.with_name(f"{target.name}.001")


def tar_zst(photos: list[Photo], target: Path, compression: str = "zstd") -> Path:
    """A tar shard of NAME/NAME_0001.jpg, zstd-compressed (or gzip, for a mixed shard set)."""
    import gzip

    import pyzstd

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for path, name in photos:
            archive.add(path, f"{name}/{path.name}")
    data = buffer.getvalue()
    target.write_bytes(pyzstd.compress(data, 3) if compression == "zstd" else gzip.compress(data))
    return target


def _arrow_split(photos: list[Photo], folder: Path, names: list[str], rows_per_batch: int) -> None:
    import pyarrow as pa

    folder.mkdir(parents=True, exist_ok=True)
    features = {"image": {"_type": "Image"}, "label": {"names": names, "_type": "ClassLabel"}}
    image_type = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    schema = pa.schema([("image", image_type), ("label", pa.int64())],
                       metadata={"huggingface": json.dumps({"info": {"features": features}})})
    with pa.OSFile(str(folder / "data-00000-of-00001.arrow"), "wb") as sink, pa.ipc.new_stream(sink, schema) as out:
        for start in range(0, len(photos), rows_per_batch):
            rows = photos[start:start + rows_per_batch]
            out.write_table(pa.table({
                "image": pa.array([{"bytes": p.read_bytes(), "path": None} for p, _ in rows], image_type),
                "label": pa.array([names.index(n) for _, n in rows], pa.int64())}, schema=schema))
    (folder / "dataset_info.json").write_text(json.dumps(
        {"citation": "", "description": "", "features": features, "homepage": "", "license": ""}, indent=2))
    (folder / "state.json").write_text(json.dumps(
        {"_data_files": [{"filename": "data-00000-of-00001.arrow"}], "_fingerprint": "0123456789abcdef",
         "_format_columns": None, "_format_kwargs": {}, "_format_type": None, "_output_all_columns": False,
         "_split": None}, indent=2))


def hf_save_to_disk(photos: list[Photo], target: Path, splits: tuple[str, ...] = (), rows_per_batch: int = 40) -> Path:
    """`Dataset.save_to_disk` (no splits) or `DatasetDict.save_to_disk` (a folder per split) of Image + ClassLabel."""
    names = sorted({name for _path, name in photos})
    if not splits:
        _arrow_split(photos, target, names, rows_per_batch)
        return target
    target.mkdir(parents=True, exist_ok=True)
    for number, split in enumerate(splits):
        _arrow_split(photos[number::len(splits)], target / split, names, rows_per_batch)
    (target / "dataset_dict.json").write_text(json.dumps({"splits": list(splits)}))
    return target


def lmdb_env(photos: list[Photo], target: Path) -> Path:
    """An LMDB environment folder: key `NAME/NAME_0001.jpg`, value the JPEG bytes."""
    import lmdb

    env = lmdb.open(str(target), map_size=1 << 30)
    with env.begin(write=True) as txn:
        for path, name in photos:
            txn.put(f"{name}/{path.name}".encode(), path.read_bytes())
    env.close()
    return target


def yfcc_bz2(target: Path, rows: list[dict]) -> Path:
    """`yfcc100m_dataset.bz2`: line number, photo id, hash, user NSID, nickname, dates, device, title, ..."""
    lines = []
    for number, row in enumerate(rows):
        photo = str(row.get("photo", 5_000_000_000 + number))
        nsid = row.get("nsid", f"{10_000_000 + number * 7}@N0{number % 8}")
        fields = [str(number), photo, hashlib.md5(photo.encode()).hexdigest(), nsid, row.get("nick", f"user{number}"),
                  "2010-05-01 12:00:00.0", "1272715200", "Canon+EOS+400D", "a+title", "", "tag1,tag2", "",
                  "", "", "", f"http://www.flickr.com/photos/{nsid}/{photo}/",
                  f"http://farm5.staticflickr.com/4000/{photo}_abcdef1234.jpg",
                  "Attribution License", "http://creativecommons.org/licenses/by/2.0/", "4000", "5", "abcdef1234",
                  "abcdef1234", "jpg", "0"]
        lines.append("\t".join(fields))
    target.write_bytes(bz2.compress(("\n".join(lines) + "\n").encode()))
    return target
