"""Lists of links searched for my identifiers at LAION scale: FaceAudit vs `grep -F -f` / `zgrep`, same run and files.

Generates under bench/.cache/ (ignored by git; deleted afterwards unless --keep):

- a LAION-like parquet file of at least 2 GB (URL, TEXT, WIDTH, HEIGHT, similarity, hash, punsafe,
  pwatermark; snappy, row groups of 500,000 rows as in LAION's metadata shards);
- a FaceScrub-like TSV of at least 1 GB (name, image_id, face_id, url, bbox, sha256), and the
  same TSV gzip-compressed (gzip -1);

with 20 identifiers of one person planted in known rows (their Flickr photos under several
address forms, their accounts' pages, pages under their profiles elsewhere, their name, their
photos' SHA-256) among near misses (similar NSIDs, user names that contain theirs, their photo's
id inside other numbers). FaceAudit searches each file in a child process (`search_lists`, what
`faceaudit scan` runs for a list), so its peak memory is its own; grep gets the 20 identifiers as
literal patterns, as a person would type them, and can neither normalise Flickr's address forms
nor tell `jdoe` from `jdoe2`. Both read each file from the page cache (every file is read once
before timing); each tool runs twice, alternately, and the faster run counts. Throughput is file
bytes per second of wall time (FaceAudit's whole process, interpreter start included, and its
search alone). FaceAudit's rows found are checked against the planted rows.

    python bench/identifier_speed.py [--parquet-gb 2] [--tsv-gb 1] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "desktop"))
CACHE = REPO / "bench" / ".cache" / "identifier_speed"
ROWS_PER_GROUP = 500_000
_TIME = shutil.which("time", path="/usr/bin:/bin")  # GNU time, for each child's own peak memory
_ALNUM = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789", np.uint8)
_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)
_HOSTS = ["i.pinimg.com", "cdn.shopify.com", "images.example.net", "upload.wikimedia.org", "media.istockphoto.com",
          "s3.amazonaws.com", "i.ytimg.com", "img.alicdn.com", "static.wixstatic.com", "ae01.alicdn.com"]


class Person:
    """20 identifiers, the rows that must match them, and near misses."""

    def __init__(self) -> None:
        self.photos = ["8812345678", "30231123456", "4455667788", "52011223344", "7002003004", "16180339887"]
        self.accounts = ["jdoe", "12345678@N01", "anna_k", "99887766@N05"]
        self.profiles = ["https://example.org/people/jane-doe/", "https://www.portfolio-site.net/u/janed",
                         "https://photos.example.com/albums/jd-2015", "https://blog.example.info/jane/pictures"]
        self.names = ["Jane Doe", "Joanna Dorothea Example", "Jan Novak-Doe"]
        self.hashes = [f"{n:064x}" for n in (0xA1B2C3D4E5F6 << 180, 0xDEADBEEF << 200, 0x1234567890ABCDEF << 150)]
        #: In the list from the start, one of my identifiers only later (the re-scan after adding one identifier).
        self.later = "https://www.flickr.com/photos/late_friend/61803398874/"

    def identifiers(self) -> list[str]:
        return ([f"https://www.flickr.com/photos/friend{n}/{p}/" for n, p in enumerate(self.photos)]
                + [f"flickr:{a}" for a in self.accounts] + [f"url:{u}" for u in self.profiles]
                + [f'name:"{n}"' for n in self.names] + [f"sha256:{h}" for h in self.hashes])

    def grep_patterns(self) -> list[str]:
        """The literal each identifier gives grep (a photo's id, an account, an address without its scheme)."""
        return (list(self.photos) + list(self.accounts)
                + [u.split("://", 1)[1].removeprefix("www.").rstrip("/") for u in self.profiles]
                + list(self.names) + list(self.hashes))

    def urls(self) -> tuple[list[str], list[str]]:
        """(addresses that must match, near misses)."""
        planted, near = [], []
        for n, p in enumerate(self.photos):
            planted += [f"https://farm{n + 1}.staticflickr.com/{4000 + n}/{p}_0a1b2c3d4e_b.jpg",
                        f"https://live.staticflickr.com/65535/{p}_9f8e7d6c5b_o.jpg",
                        f"http://flickr.com/photos/someone_else/{p}"]
            near += [f"https://farm{n + 1}.staticflickr.com/{4000 + n}/{int(p) + 1}_0a1b2c3d4e_b.jpg",
                     f"https://live.staticflickr.com/65535/1{p}_9f8e7d6c5b_z.jpg"]
        for a in self.accounts:
            planted += [f"https://www.flickr.com/photos/{a}/5551234567/", f"https://flickr.com/people/{a}/"]
            near += [f"https://www.flickr.com/photos/{a}2/5551234567/", f"https://www.flickr.com/photos/x{a}/"]
        near.append("https://www.flickr.com/photos/12345678@N02/1/")
        for u in self.profiles:
            planted += [u.rstrip("/") + "/photo1.jpg", u.replace("https://", "http://").rstrip("/")]
            near.append(u.rstrip("/") + "2/photo.jpg")
        return planted, near


# --- generating the files -------------------------------------------------------------------------------

def _strings(rng, n: int, length: int, alphabet=_ALNUM) -> pa.Array:
    data = alphabet[rng.integers(0, len(alphabet), n * length)]
    offsets = np.arange(0, (n + 1) * length, length, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data.tobytes()))


def _numbers(rng, n: int, low: int, high: int) -> pa.Array:
    return pc.cast(pa.array(rng.integers(low, high, n)), pa.string())


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _urls(rng, n: int) -> pa.Array:
    """LAION-like addresses: 10 % Flickr farm files, 4 % live files, 3 % Flickr pages, the rest elsewhere."""
    shares = [int(n * 0.10), int(n * 0.04), int(n * 0.03)]
    shares.append(n - sum(shares))
    farm = _join("https://farm", _numbers(rng, shares[0], 1, 10), ".staticflickr.com/",
                 _numbers(rng, shares[0], 1000, 9999), "/", _numbers(rng, shares[0], 10**9, 6 * 10**10), "_",
                 _strings(rng, shares[0], 10, _HEX), "_b.jpg")
    live = _join("https://live.staticflickr.com/65535/", _numbers(rng, shares[1], 10**9, 6 * 10**10), "_",
                 _strings(rng, shares[1], 10, _HEX), "_k.jpg")
    page = _join("https://www.flickr.com/photos/", _strings(rng, shares[2], 8), "/",
                 _numbers(rng, shares[2], 10**9, 6 * 10**10), "/")
    hosts = pa.array(_HOSTS).take(pa.array(rng.integers(0, len(_HOSTS), shares[3])))
    other = _join("https://", hosts, "/", _strings(rng, shares[3], 2), "/", _strings(rng, shares[3], 8), "/",
                  _strings(rng, shares[3], 24), ".jpg")
    every = pa.concat_arrays([farm, live, page, other])
    return every.take(pa.array(rng.permutation(n)))


def _captions(rng, n: int, vocabulary: pa.Array) -> pa.Array:
    words = [vocabulary.take(pa.array(rng.integers(0, len(vocabulary), n))) for _ in range(8)]
    return pc.binary_join_element_wise(*words, " ")


def _plant(column: pa.Array, rows: dict[int, str]) -> pa.Array:
    if not rows:
        return column
    mask = np.zeros(len(column), bool)
    mask[list(rows)] = True
    return pc.replace_with_mask(column, pa.array(mask), pa.array([rows[i] for i in sorted(rows)], column.type))


def _within(placed: dict[int, str], start: int, n: int) -> dict[int, str]:
    return {r - start: v for r, v in placed.items() if start <= r < start + n}


def _placements(rng, values: list[str], total_rows: int) -> dict[int, str]:
    rows = rng.choice(total_rows, size=len(values), replace=False)
    return {int(r): v for r, v in zip(rows, values)}


def make_parquet(path: Path, target: int, person: Person, rng) -> tuple[set[str], int]:
    """The LAION-like file; returns the locators of the planted rows and the row count."""
    planted, near = person.urls()
    estimate = int(target / 100) + ROWS_PER_GROUP  # about 100 bytes per row once compressed
    at = _placements(rng, planted + near, estimate)
    expected = {f"row {r}" for r, v in at.items() if v in planted}
    later_row = estimate * 3 // 10  # (the identifier added later: well inside the file)
    at[later_row] = person.later
    vocabulary = _strings(rng, 3000, 7)
    writer = None
    start = 0
    try:
        while start == 0 or path.stat().st_size < target:
            n = ROWS_PER_GROUP
            urls = _plant(_urls(rng, n), _within(at, start, n))
            table = pa.table({
                "URL": urls, "TEXT": _captions(rng, n, vocabulary),
                "WIDTH": rng.integers(200, 4000, n), "HEIGHT": rng.integers(200, 4000, n),
                "similarity": rng.uniform(0.28, 0.45, n), "hash": rng.integers(-2**62, 2**62, n),
                "punsafe": rng.uniform(0, 0.2, n).astype(np.float32),
                "pwatermark": rng.uniform(0, 1, n).astype(np.float32),
            })
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression="snappy")
            writer.write_table(table, row_group_size=ROWS_PER_GROUP)
            start += n
    finally:
        if writer is not None:
            writer.close()
    if start < estimate - ROWS_PER_GROUP:
        expected = {loc for loc in expected if int(loc.split()[1]) < start}
    return expected, start, f"row {later_row}"


def make_tsv(path: Path, target: int, person: Person, rng) -> tuple[set[str], int]:
    """The FaceScrub-like TSV; returns the locators of the planted lines and the line count."""
    planted_urls, near_urls = person.urls()
    estimate = int(target / 180) + 200_000  # about 180 bytes per line
    url_at = _placements(rng, planted_urls + near_urls, estimate)
    later_row = estimate * 3 // 10
    url_at[later_row] = person.later
    names = [n for n in person.names for _ in range(2)] + ["Jane Doerr", "Janet Doe", "Mary Jane Doe"]
    hashes = [h if k == 0 else h.upper() for h in person.hashes for k in range(2)] + [person.hashes[0][:-1] + "f"]
    taken = set(url_at)
    free = [r for r in rng.choice(estimate, size=len(names) + len(hashes) + 100, replace=False) if r not in taken]
    name_at = {int(r): v for r, v in zip(free, names)}
    hash_at = {int(r): v for r, v in zip(free[len(names):], hashes)}
    expected = {r for r, v in url_at.items() if v in planted_urls}
    expected |= {r for r, v in name_at.items() if v in person.names}
    expected |= {r for r, v in hash_at.items() if v.lower() in person.hashes}
    vocabulary = _strings(rng, 400, 6)
    start = 0
    batch = 200_000
    with open(path, "wb") as handle:
        header = b"name\timage_id\tface_id\turl\tbbox\tsha256\n"
        handle.write(header)
        written = len(header)
        while written < target:
            n = batch
            first = pc.binary_join_element_wise(vocabulary.take(pa.array(rng.integers(0, 400, n))),
                                                vocabulary.take(pa.array(rng.integers(0, 400, n))), " ")
            name = _plant(first, _within(name_at, start, n))
            url = _plant(_urls(rng, n), _within(url_at, start, n))
            sha = _plant(_strings(rng, n, 64, _HEX), _within(hash_at, start, n))
            bbox = _join(_numbers(rng, n, 10, 900), ",", _numbers(rng, n, 10, 900), ",", _numbers(rng, n, 10, 900), ",",
                         _numbers(rng, n, 10, 900))
            ids = _numbers(rng, n, 1, 10**6)
            lines = _join(pc.binary_join_element_wise(name, ids, ids, url, bbox, sha, "\t"), "\n")
            offsets = np.frombuffer(lines.buffers()[1], np.int32)
            data = lines.buffers()[2].to_pybytes()[offsets[0]:offsets[len(lines)]]
            handle.write(data)
            written += len(data)
            start += n
    return {f"line {r + 2}" for r in expected if r < start}, start + 1, f"line {later_row + 2}"


# --- running ----------------------------------------------------------------------------------------------

def _run(argv: list[str], env: dict | None = None) -> tuple[float, int, str]:
    """(wall seconds, peak resident bytes, stdout) of a child process.

    The peak comes from GNU time (`%M`): a child's own maximum, not counting this process, whose
    memory (the generated tables) a child forked from it would otherwise start with.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".peak") as peak_file:
        command = [_TIME, "-f", "%M", "-o", peak_file.name, *argv] if _TIME else argv
        begin = time.perf_counter()
        done = subprocess.run(command, capture_output=True, env=env)
        seconds = time.perf_counter() - begin
        if done.returncode not in (0, 1):  # grep says 1 when nothing matched
            raise RuntimeError(f"{argv[0]} failed ({done.returncode}): {done.stderr.decode(errors='replace')[-2000:]}")
        peak = int(peak_file.read().split()[-1]) * 1024 if _TIME else -1
    return seconds, peak, done.stdout.decode()


def child(path: str, identifiers: list[str], later: str | None) -> None:
    """In a fresh process: a data folder of its own, the identifiers, the list, one search; prints the result.

    With `later`: the list's token index is built first, then searched for the identifiers, then for
    `later` once it is added (the re-scan after adding one identifier).
    """
    from faceaudit.core.datasets.catalog import add_dataset
    from faceaudit.core.datasets.list_index import token_hash
    from faceaudit.core.datasets.lists import index_lists, index_of, list_files
    from faceaudit.core.matching.identifiers import add_identifier
    from faceaudit.core.matching.list_scan import list_datasets_of, search_lists
    from faceaudit.core.matching.row_match import index_words
    from faceaudit.core.storage.store import Store

    def search(store) -> tuple[float, list[str]]:
        scan_id = store.db["scans"].insert({"started": "now"}).last_pk
        begin = time.perf_counter()
        for _ in search_lists(store, scan_id, list_datasets_of(store)):
            pass
        seconds = time.perf_counter() - begin
        return seconds, [r[0] for r in store.conn.execute(
            "SELECT locator FROM identifier_matches WHERE scan_id = ?", [scan_id])]

    result: dict = {}
    with Store() as store:
        for text in identifiers:
            add_identifier(store, text)
        add_dataset(store, path, "bench")
        if later:
            begin = time.perf_counter()
            for _ in index_lists(store, 1):
                pass
            result["index_s"] = time.perf_counter() - begin
            result["peak_after"] = {"index": _high_water()}
            result["index_bytes"] = sum(f.stat().st_size for f in (Path(os.environ["FACEAUDIT_HOME"]) / "cache")
                                        .rglob("*") if f.is_file())
        result["seconds"], result["found"] = search(store)
        if later:
            new = add_identifier(store, later)
            file = list_files(store, 1)[0]
            from faceaudit.core.datasets.lists import list_source

            index = index_of(store, file, list_source(store, 1).layout(file.key))
            words = [[token_hash(w.encode()) for w in alt] for alt in index_words(new)]
            result["blocks"] = [len(index.blocks_for([words])), len(index.blocks)]
            result["peak_after"]["first scan"] = _high_water()
            result["rescan_s"], result["rescan_found"] = search(store)
            result["peak_after"]["re-scan"] = _high_water()
        result["refused"] = store.query("SELECT key, reason FROM items WHERE status = 'error'")
    print(json.dumps(result))


def _high_water() -> int:
    """This process's peak resident memory so far, in bytes (Linux; 0 elsewhere)."""
    try:
        line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return 0
    return int(line.split()[1]) * 1024


def faceaudit(path: Path, identifiers: list[str], later: str | None = None) -> tuple[float, int, dict]:
    home = Path(tempfile.mkdtemp(prefix="faceaudit-bench-"))
    try:
        env = {**os.environ, "FACEAUDIT_HOME": str(home)}
        argv = [sys.executable, __file__, "--child", str(path), json.dumps(identifiers)]
        wall, peak, out = _run(argv + (["--later", later] if later else []), env)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    result = json.loads(out.strip().splitlines()[-1])
    if result["refused"]:
        raise RuntimeError(f"FaceAudit refused {result['refused']}")
    return wall, peak, result


def grep(path: Path, patterns: Path, gzip: bool) -> tuple[float, int, int]:
    tool = ["zgrep"] if gzip else ["grep"]
    wall, peak, out = _run([*tool, "-F", "-c", "-f", str(patterns), str(path)])
    return wall, peak, int(out.strip() or 0)


def compare(label: str, path: Path, person: Person, patterns: Path, expected: set[str], gzip: bool,
            later: str) -> dict:
    size = path.stat().st_size
    with open(path, "rb") as handle:  # into the page cache, for both
        while handle.read(1 << 24):
            pass
    runs_fa, runs_grep = [], []
    for _ in range(2):
        runs_grep.append(grep(path, patterns, gzip))
        runs_fa.append(faceaudit(path, person.identifiers()))
    g_wall, g_peak, g_lines = min(runs_grep)
    f_wall, f_peak, result = min(runs_fa, key=lambda r: r[0])
    f_search, found = result["seconds"], result["found"]
    exact = set(found) == expected
    mb = size / 1e6
    print(f"\n{label}: {size / 2**30:.2f} GiB")
    peer = "zgrep -F -f" if gzip else "grep -F -f "
    print(f"  {peer}:   {g_wall:6.2f} s  {mb / g_wall:7.0f} MB/s  peak {g_peak / 2**20:6.0f} MiB"
          f"  {g_lines} line(s) matched (its literals: near misses and other columns too)")
    print(f"  FaceAudit:      {f_wall:6.2f} s  {mb / f_wall:7.0f} MB/s  peak {f_peak / 2**20:6.0f} MiB"
          f"  (search alone {f_search:.2f} s, {mb / f_search:.0f} MB/s)  {len(found)} row(s) found")
    print(f"  ratio FaceAudit / grep throughput: {g_wall / f_wall:.2f} (whole process),"
          f" {g_wall / f_search:.2f} (search)")
    missing, extra = sorted(expected - set(found))[:5], sorted(set(found) - expected)[:5]
    print(f"  rows found == rows planted ({len(expected)}): {exact}"
          + ("" if exact else f"; missing {missing}, extra {extra}"))
    _wall, i_peak, indexed = faceaudit(path, person.identifiers(), person.later)
    index_found = set(indexed["found"]) == expected and set(indexed["rescan_found"]) == expected | {later}
    print(f"  token index: built in {indexed['index_s']:.1f} s ({indexed['index_bytes'] / 2**20:.0f} MiB), first scan"
          f" through it {indexed['seconds']:.2f} s; after adding one identifier the re-scan took"
          f" {indexed['rescan_s']:.2f} s ({f_search / max(indexed['rescan_s'], 1e-3):.0f}x faster than a pass), reading"
          f" {indexed['blocks'][0]} of {indexed['blocks'][1]} blocks; peak {i_peak / 2**20:.0f} MiB ("
          + ", ".join(f"{k} {v / 2**20:.0f}" for k, v in indexed["peak_after"].items()) + ");"
          f" rows found as planted: {index_found}")
    return {"label": label, "bytes": size, "grep_s": g_wall, "grep_peak": g_peak, "faceaudit_s": f_wall,
            "search_s": f_search, "faceaudit_peak": f_peak, "exact": exact, "index_s": indexed["index_s"],
            "index_bytes": indexed["index_bytes"], "rescan_s": indexed["rescan_s"], "blocks": indexed["blocks"],
            "index_exact": index_found, "index_peak": i_peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parquet-gb", type=float, default=2.0, help="size of the parquet file (default 2)")
    parser.add_argument("--tsv-gb", type=float, default=1.0, help="size of the TSV (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files in bench/.cache/")
    parser.add_argument("--child", nargs=2, metavar=("PATH", "IDENTIFIERS"), help=argparse.SUPPRESS)
    parser.add_argument("--later", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], json.loads(args.child[1]), args.later)
        return
    needed = int((args.parquet_gb + 2 * args.tsv_gb) * 2**30 * 1.2) + 2**30
    CACHE.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(CACHE).free
    if free < needed:
        sys.exit(f"needs about {needed / 2**30:.1f} GiB free under {CACHE}, has {free / 2**30:.1f} GiB")
    person = Person()
    rng = np.random.default_rng(16)
    patterns = CACHE / "patterns.txt"
    patterns.write_text("\n".join(person.grep_patterns()) + "\n")
    parquet, tsv = CACHE / "laion-like.parquet", CACHE / "facescrub-like.tsv"
    try:
        begin = time.perf_counter()
        parquet_expected, parquet_rows, parquet_later = make_parquet(parquet, int(args.parquet_gb * 2**30), person, rng)
        tsv_expected, tsv_lines, tsv_later = make_tsv(tsv, int(args.tsv_gb * 2**30), person, rng)
        subprocess.run(f"gzip -1 -c {tsv} > {tsv}.gz", shell=True, check=True)
        print(f"generated in {time.perf_counter() - begin:.0f} s: {parquet_rows:,} parquet rows, {tsv_lines:,} TSV"
              f" lines; 20 identifiers, {len(parquet_expected)} and {len(tsv_expected)} rows planted;"
              f" {os.cpu_count()} CPUs")
        results = [compare("LAION-like parquet", parquet, person, patterns, parquet_expected, False, parquet_later),
                   compare("FaceScrub-like TSV", tsv, person, patterns, tsv_expected, False, tsv_later),
                   compare("FaceScrub-like TSV, gzip", Path(f"{tsv}.gz"), person, patterns, tsv_expected, True,
                           tsv_later)]
        print("\n" + json.dumps(results))
    finally:
        if not args.keep:
            for path in (parquet, tsv, Path(f"{tsv}.gz"), patterns):
                path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
