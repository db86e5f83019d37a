"""Link lists as the real datasets publish them, written by the tests (nothing is downloaded).

Each builder imitates one real list, says which, and returns where each row it wrote can be found
(its locator), so a test can plant rows and know exactly which must be found:

- `facescrub_tsv`: FaceScrub's `facescrub_actors.txt` (tab-separated: name, image_id, face_id, url,
  bbox, sha256, with a header line).
- `megaface_json_files`: MegaFace's per-photo JSON files (Flickr photo id, owner NSID, addresses,
  licence), one file per photo in a folder per owner; `megaface_json_array`: the same records as
  one JSON array.
- `ffhq_json`: FFHQ's `ffhq-dataset-v2.json` (an object keyed "0".."69999", each entry with
  `metadata.photo_url`, `author`, `license`, and `in_the_wild.file_md5`), pretty-printed as published.
- `laion_parquet`: a LAION-400M/5B metadata shard (URL, TEXT, WIDTH, HEIGHT, similarity, hash,
  punsafe, pwatermark), snappy-compressed, in row groups.
- `pubfig_urls`: PubFig's `dev_urls.txt` (a `#` header line, then person, imagenum, url, rect, md5sum).

`Person` holds the identifiers of the person looking and rows that must match them (`planted_*`)
beside rows that must not (`near_*`: similar NSIDs, user names that contain theirs, their photo's
id inside other numbers, other photos of the same owner, similar names and hashes).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from faceaudit.core.matching.urls import base58_encode

__all__ = ["Person", "facescrub_tsv", "megaface_json_files", "megaface_json_array", "ffhq_json", "laion_parquet",
           "pubfig_urls", "mix", "filler_url", "write_bytes"]

_WORDS = ("portrait", "family", "beach", "wedding", "festival", "street", "friends", "summer", "party", "city",
          "smile", "holiday", "concert", "garden", "snow", "market", "museum", "park", "sunset", "studio")


@dataclass(frozen=True)
class Person:
    """The person looking: their identifiers, and list values that must (or must not) match them.

    Their photo `photo` was uploaded by a friend (`friendly_cat`), so it is found by its id in
    every address form, while the friend's other photos are not.
    """

    alias: str = "jdoe"
    nsid: str = "12345678@N01"
    photo: str = "8812345678"
    friend: str = "friendly_cat"
    profile: str = "https://example.org/people/jane-doe/"
    name: str = "Jane Doe"
    photo_bytes: bytes = b"\xff\xd8\xff\xe0 a reference photo of Jane Doe \xff\xd9"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.photo_bytes).hexdigest()

    @property
    def md5(self) -> str:
        return hashlib.md5(self.photo_bytes).hexdigest()

    def identifiers(self) -> list[str]:
        """What the person types (the hashes come from their photo)."""
        return [f"flickr:{self.alias}", f"flickr:{self.nsid}",
                f"https://www.flickr.com/photos/{self.friend}/{self.photo}/", f"url:{self.profile}",
                f'name:"{self.name}"', f"sha256:{self.sha256}", f"md5:{self.md5}"]

    def planted_urls(self) -> list[str]:
        """Addresses of the person's photo (every form), their accounts' pages, and pages under their profile."""
        p = self.photo
        return [
            f"https://farm9.staticflickr.com/8123/{p}_0a1b2c3d4e_b.jpg",
            f"farm9.static.flickr.com/8123/{p}_0a1b2c3d4e.jpg?zz=1",
            f"https://live.staticflickr.com/8123/{p}_9f8e7d6c5b_o.jpg",
            f"http://flickr.com/photos/{self.friend}/{p}",
            f"https://flic.kr/p/{base58_encode(int(p))}",
            f"https://c1.staticflickr.com/9/8123/{p}_0a1b2c3d4e_z.jpg",
            f"https://www.flickr.com/photos/{self.alias}/5551234567/",
            "https://flickr.com/people/JDoe/",
            f"https://www.flickr.com/photos/{self.nsid}/4441234567/in/photostream/",
            f"flickr.com/photos/{self.nsid.replace('@', '%40')}/4441234568",
            "https://example.org/people/jane-doe/photo1.jpg",
            "http://www.example.org/people/jane-doe",
        ]

    def near_urls(self) -> list[str]:
        """Addresses that look close and must not match."""
        p, other = self.photo, str(int(self.photo) + 1)
        return [
            f"https://www.flickr.com/photos/{self.friend}/{other}/",
            f"https://farm9.staticflickr.com/8123/{other}_0a1b2c3d4e_b.jpg",
            f"https://flic.kr/p/{base58_encode(int(other))}",
            f"https://farm9.staticflickr.com/8123/{p}1_0a1b2c3d4e_b.jpg",
            f"https://live.staticflickr.com/65535/1{p}_ffeeddccbb_z.jpg",
            f"https://example.com/img.jpg?id={p}",
            f"https://example.com/{p}/x.jpg",
            f"https://www.flickr.com/photos/{self.alias}2/5551234567/",
            f"https://www.flickr.com/photos/x{self.alias}/",
            f"https://www.flickr.com/photos/{self.alias}_photos/123/",
            f"https://www.flickr.com/photos/tags/{self.alias}/",
            f"https://example.com/{self.alias}/photo.jpg",
            "https://www.flickr.com/photos/12345678@N02/4441234567/",
            "https://www.flickr.com/photos/112345678@N01/1/",
            "https://www.flickr.com/photos/2345678@N01/",
            "https://example.org/people/jane-doe2/photo.jpg",
            "https://example.org/people/jane-doe-smith/x.jpg",
            "https://example.net/people/jane-doe/x.jpg",
        ]

    def planted_accounts(self) -> list[str]:
        return [self.nsid, self.nsid.lower(), self.alias, "JDoe"]

    def near_accounts(self) -> list[str]:
        return ["12345678@N02", "112345678@N01", "2345678@N01", f"{self.alias}2", f"{self.alias}_photos",
                f"x{self.alias}", "j doe"]

    def planted_names(self) -> list[str]:
        return ["Jane Doe", "JANE DOE", "Jane_Doe", "Doe, Jane", "jane  doe"]

    def near_names(self) -> list[str]:
        return ["Jane Doerr", "Janet Doe", "Mary Jane Doe", "Jane Doe-Smith", "Doe, Janet"]

    def near_sha256(self) -> list[str]:
        sha = self.sha256
        return [sha[:-1] + ("0" if sha[-1] != "0" else "1"), "f" + sha[1:] if sha[0] != "f" else "e" + sha[1:]]

    def near_md5(self) -> list[str]:
        md5 = self.md5
        return [md5[:-1] + ("0" if md5[-1] != "0" else "1")]

    def caption_with_needles(self) -> str:
        """Text holding every needle, for columns that hold no identifiers (a caption): never a match."""
        return (f"photo by {self.alias} of {self.name} #{self.photo} {self.nsid} {self.sha256} {self.md5} "
                f"{self.profile}")


def mix(planted: list[dict], others: list[dict], seed: int = 0) -> tuple[list[dict], set[int]]:
    """The rows in a shuffled order, and the positions of the planted ones."""
    rows = [(True, r) for r in planted] + [(False, r) for r in others]
    random.Random(seed).shuffle(rows)
    return [r for _, r in rows], {n for n, (is_planted, _) in enumerate(rows) if is_planted}


def filler_url(rng: random.Random, n: int) -> str:
    """A realistic address of someone else's photo (Flickr forms and other hosts)."""
    photo = rng.randrange(10**9, 6 * 10**10)
    secret = _hex(rng, 40)
    form = n % 5
    if form == 0:
        return f"https://farm{rng.randrange(1, 10)}.staticflickr.com/{rng.randrange(1000, 9999)}/{photo}_{secret}_b.jpg"
    if form == 1:
        return f"https://www.flickr.com/photos/{rng.randrange(10**7, 10**9)}@N0{rng.randrange(1, 9)}/{photo}/"
    if form == 2:
        return f"https://live.staticflickr.com/65535/{photo}_{secret}_k.jpg"
    if form == 3:
        return f"https://www.flickr.com/photos/user{rng.randrange(10**6)}/{photo}/"
    width = rng.randrange(200, 2000)
    return f"https://images.example.net/{rng.choice(_WORDS)}/{_hex(rng, 64)}.jpg?w={width}"


def _hex(rng: random.Random, bits: int) -> str:
    return f"{rng.getrandbits(bits):0{bits // 4}x}"


def _name(rng: random.Random) -> str:
    first = rng.choice(("Anna", "Ben", "Carla", "David", "Eva", "Frank", "Greta", "Hugo", "Ida", "Jonas"))
    last = rng.choice(("Miller", "Schmidt", "Garcia", "Rossi", "Novak", "Kowalski", "Dubois", "Larsen", "Silva"))
    return f"{first} {last}"


def write_bytes(path: Path, data: bytes, compress: bool = False) -> Path:
    """Write `data` (gzip-compressed when asked) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data, compresslevel=6, mtime=0) if compress else data)
    return path


def facescrub_tsv(path: Path, rows: list[dict], compress: bool = False, seed: int = 1) -> list[str]:
    """FaceScrub's actors file: a header, then name, image_id, face_id, url, bbox, sha256 per line.

    Args:
        rows: dicts with any of name, url, sha256 (the rest is filled in).

    Returns:
        The locator of each row ("line 2" for the first).
    """
    rng = random.Random(seed)
    lines = ["name\timage_id\tface_id\turl\tbbox\tsha256"]
    for n, row in enumerate(rows):
        bbox = ",".join(str(rng.randrange(10, 400)) for _ in range(4))
        fields = [row.get("name", _name(rng)), str(n + 1), str(100000 + n), row.get("url", filler_url(rng, n)), bbox,
                  row.get("sha256", _hex(rng, 256))]
        lines.append("\t".join(fields))
    write_bytes(path, ("\n".join(lines) + "\n").encode("utf-8"), compress)
    return [f"line {n + 2}" for n in range(len(rows))]


def _megaface_record(row: dict, rng: random.Random, n: int) -> dict:
    photo = row.get("id", str(rng.randrange(10**9, 6 * 10**10)))
    owner = row.get("owner", f"{rng.randrange(10**7, 10**9)}@N0{rng.randrange(1, 9)}")
    return {"id": photo, "owner": owner, "secret": _hex(rng, 40), "server": str(rng.randrange(1000, 9999)),
            "farm": rng.randrange(1, 10), "title": row.get("title", rng.choice(_WORDS)),
            "url": row.get("url", f"https://farm5.staticflickr.com/4321/{photo}_{_hex(rng, 40)}.jpg"),
            "page_url": row.get("page_url", f"https://www.flickr.com/photos/{owner}/{photo}/"),
            "license": rng.choice(("Attribution License", "Attribution-NonCommercial License")),
            "bounding_box": {"x": rng.randrange(400), "y": rng.randrange(400), "width": 120, "height": 140}}


def megaface_json_files(root: Path, rows: list[dict], seed: int = 2) -> list[tuple[str, str]]:
    """MegaFace's per-photo JSON: one file per photo, `OWNER/PHOTO.json`.

    Args:
        rows: dicts with any of id, owner, url, page_url, title.

    Returns:
        (file key, locator) of each row: the file's path in the folder, and "whole file".
    """
    rng = random.Random(seed)
    out = []
    for n, row in enumerate(rows):
        record = _megaface_record(row, rng, n)
        key = f"{record['owner'].replace('@', '_')}/{n:06d}_{record['id']}.json"
        write_bytes(root / key, json.dumps(record).encode())
        out.append((key, "whole file"))
    return out


def megaface_json_array(path: Path, rows: list[dict], compress: bool = False, seed: int = 3) -> list[str]:
    """MegaFace's photo records as one JSON array; returns each row's locator ("entry 0", ...)."""
    rng = random.Random(seed)
    records = [_megaface_record(row, rng, n) for n, row in enumerate(rows)]
    write_bytes(path, json.dumps(records).encode(), compress)
    return [f"entry {n}" for n in range(len(rows))]


def ffhq_json(path: Path, rows: list[dict], compress: bool = False, seed: int = 4) -> list[str]:
    """FFHQ's `ffhq-dataset-v2.json`: {"0": {category, metadata{photo_url, author, license, …}, image, thumbnail,
    in_the_wild{file_md5, …}}, …}, indented by 2 as published.

    Args:
        rows: dicts with any of photo_url, author, md5 (in_the_wild.file_md5), title.

    Returns:
        Each row's locator ("entry 0", ...).
    """
    rng = random.Random(seed)
    document = {}
    for n, row in enumerate(rows):
        owner = f"user{rng.randrange(10**6)}"
        photo = rng.randrange(10**9, 6 * 10**10)
        document[str(n)] = {
            "category": "training" if n % 10 else "validation",
            "metadata": {
                "photo_url": row.get("photo_url", f"https://www.flickr.com/photos/{owner}/{photo}/"),
                "photo_title": row.get("title", rng.choice(_WORDS)),
                "author": row.get("author", _name(rng)),
                "country": rng.choice(("", "Germany", "Brazil", "Japan")),
                "license": "Attribution-NonCommercial License",
                "license_url": "https://creativecommons.org/licenses/by-nc/2.0/",
                "date_uploaded": f"2012-0{rng.randrange(1, 10)}-1{rng.randrange(10)}",
                "date_crawled": "2018-10-10"},
            "image": {"file_url": f"https://drive.google.com/uc?id={_hex(rng, 120)}",
                      "file_path": f"images1024x1024/{n // 1000:02d}000/{n:05d}.png",
                      "file_size": rng.randrange(10**6, 2 * 10**6),
                      "file_md5": _hex(rng, 128), "pixel_size": [1024, 1024],
                      "pixel_md5": _hex(rng, 128),
                      "face_landmarks": [[round(rng.uniform(200, 800), 2), round(rng.uniform(200, 800), 2)]
                                         for _ in range(68)]},
            "thumbnail": {"file_url": f"https://drive.google.com/uc?id={_hex(rng, 120)}",
                          "file_path": f"thumbnails128x128/{n // 1000:02d}000/{n:05d}.png", "file_size": 30000,
                          "file_md5": _hex(rng, 128), "pixel_size": [128, 128],
                          "pixel_md5": _hex(rng, 128)},
            "in_the_wild": {"file_url": f"https://drive.google.com/uc?id={_hex(rng, 120)}",
                            "file_path": f"in-the-wild-images/{n // 1000:02d}000/{n:05d}.png",
                            "file_size": rng.randrange(10**6, 10**7),
                            "file_md5": row.get("md5", _hex(rng, 128)),
                            "pixel_size": [2000, 1500], "pixel_md5": _hex(rng, 128),
                            "face_rect": [rng.randrange(500) for _ in range(4)]},
        }
    write_bytes(path, json.dumps(document, indent=2).encode(), compress)
    return [f"entry {n}" for n in range(len(rows))]


def laion_parquet(path: Path, rows: list[dict], row_group_size: int = 1000, seed: int = 5) -> list[str]:
    """A LAION-5B metadata shard: URL, TEXT, WIDTH, HEIGHT, similarity, hash, punsafe, pwatermark.

    Args:
        rows: dicts with any of URL, TEXT.

    Returns:
        Each row's locator ("row 0", ...: parquet rows counted from 0).
    """
    rng = random.Random(seed)
    table = pa.table({
        "URL": [row.get("URL", filler_url(rng, n)) for n, row in enumerate(rows)],
        "TEXT": [row.get("TEXT", f"{rng.choice(_WORDS)} {rng.choice(_WORDS)} photo") for row in rows],
        "WIDTH": [rng.randrange(200, 2000) for _ in rows],
        "HEIGHT": [rng.randrange(200, 2000) for _ in rows],
        "similarity": [rng.uniform(0.28, 0.45) for _ in rows],
        "hash": [rng.getrandbits(63) for _ in rows],
        "punsafe": [rng.random() / 10 for _ in rows],
        "pwatermark": [rng.random() for _ in rows],
    })
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, row_group_size=row_group_size, compression="snappy")
    return [f"row {n}" for n in range(len(rows))]


def pubfig_urls(path: Path, rows: list[dict], seed: int = 6) -> list[str]:
    """PubFig's `dev_urls.txt`: `# person	imagenum	url	rect	md5sum`, then tab-separated rows."""
    rng = random.Random(seed)
    lines = ["# PubFig Dataset v1.2 - dev_urls.txt", "# person\timagenum\turl\trect\tmd5sum"]
    for n, row in enumerate(rows):
        lines.append("\t".join([row.get("person", _name(rng)), str(n + 1), row.get("url", filler_url(rng, n)),
                                "95,82,208,195", row.get("md5sum", _hex(rng, 128))]))
    write_bytes(path, ("\n".join(lines) + "\n").encode())
    return [f"line {n + 3}" for n in range(len(rows))]
