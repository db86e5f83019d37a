"""`faceaudit dataset`: add, list, inspect and remove face datasets."""

from __future__ import annotations

import sys
from itertools import groupby

from faceaudit.cli.common import open_store, see_hint, shown
from faceaudit.cli.hints import Step, command
from faceaudit.core.datasets.catalog import add_dataset, dataset_errors, get_dataset, list_datasets, remove_dataset
from faceaudit.core.datasets.kinds import DatasetKind
from faceaudit.core.datasets.ledger import human_size
from faceaudit.core.datasets.lists import list_files
from faceaudit.core.datasets.sources.forms import plural_of
from faceaudit.core.datasets.states import Aligned, DatasetState

#: How the command line names each dataset state.
STATE_WORDS = {
    DatasetState.NEW: "not indexed",
    DatasetState.INDEXING: "partly indexed",
    DatasetState.NOTHING_READABLE: "NOTHING READABLE",
    DatasetState.NO_FACES: "NO FACES FOUND",
    DatasetState.FEW_FACES: "FEW FACES FOUND",
    DatasetState.PARTLY_UNREADABLE: "indexed, PARTLY UNREADABLE",
    DatasetState.READY: "indexed",
}

__all__ = ["register"]


def register(commands) -> None:
    """Add the dataset command(s) to the `faceaudit` parser."""
    dataset = commands.add_parser("dataset", help="face datasets to search",
                                  description="Manage face datasets, and datasets published as lists of links.")
    ds_commands = dataset.add_subparsers(dest="action", metavar="ACTION", required=True)
    ds_add = ds_commands.add_parser(
        "add", help="add a dataset folder, archive, parquet shard, RecordIO pack or list of links",
        description="Add a dataset, read in place: a folder (of photos, or of archives, parquet shards or a RecordIO "
                    "pack, as one dataset), a zip/tar archive, a .parquet shard or a .rec pack; or a list of links "
                    "(text, CSV, TSV, JSON, JSON Lines or parquet, possibly gzip-compressed), or a folder of them, "
                    "which is searched for your identifiers.")
    ds_add.add_argument("path", help="folder, .zip, .tar, .tar.gz, .tgz, .tar.bz2, .tar.xz, .parquet, .rec, "
                                     "or a list file")
    ds_add.add_argument("--name", required=True, help="a short name for the dataset")
    ds_add.add_argument("--labels", metavar="CSV", help="CSV of key,label giving each image's identity")
    ds_add.add_argument("--aligned", choices=list(Aligned), default=Aligned.AUTO.value,
                        help="pre-aligned face crops: auto (default: ArcFace 112x112 crops skip face detection), "
                             "arcface (every photo is an ArcFace-aligned crop), none (always detect faces)")
    ds_add.add_argument("--columns", metavar="ROLE=COLUMN,...",
                        help="for a list of links: the columns that hold identifiers, ROLE one of url, account, photo, "
                             "name, sha256, md5 (columns without a header are numbered from 1)")
    ds_add.set_defaults(handler=_dataset_add)
    ds_list = ds_commands.add_parser("list", help="list datasets", description="List datasets with their counts.")
    ds_list.set_defaults(handler=_dataset_list)
    ds_errors = ds_commands.add_parser("errors", help="what of a dataset was not read, and why",
                                       description="List what of a dataset was not read, grouped by what it is: "
                                                   "files no reader takes and items that could not be indexed, "
                                                   "each with its reason.")
    ds_errors.add_argument("name", help="dataset name")
    ds_errors.add_argument("--unavailable", action="store_true",
                           help="instead: files that could not be read this time (kept; read again at the next index)")
    ds_errors.set_defaults(handler=_dataset_errors)
    ds_remove = ds_commands.add_parser("remove", help="forget a dataset",
                                       description="Forget a dataset, its index and its matches (its files stay).")
    ds_remove.add_argument("name", help="dataset name")
    ds_remove.set_defaults(handler=_dataset_remove)

def _dataset_add(args) -> int:
    info = add_dataset(open_store(), args.path, args.name, args.labels, aligned=args.aligned, columns=args.columns)
    if info.kind == DatasetKind.LINK_LIST:
        print(f"added dataset {shown(info.name)!r} (a list of links: {shown(info.path)}); search it for your "
              f"identifiers ({command(Step.ADD_IDENTIFIERS)}) with: {command(Step.SCAN, name=shown(info.name))}")
        return 0
    print(f"added dataset {shown(info.name)!r} ({info.kind}: {shown(info.path)}); now run: "
          + command(Step.INDEX, name=shown(info.name)))
    return 0


def _dataset_list(args) -> int:
    store = open_store()
    datasets = list_datasets(store)
    if not datasets:
        print("no datasets yet: " + command(Step.ADD_DATASET))
    for d in datasets:
        if d.kind == DatasetKind.LINK_LIST:
            print(_list_line(store, d))
        else:
            unavailable = f", {d.unavailable} unavailable" if d.unavailable else ""
            print(f"{shown(d.name)}: {d.items} items, {d.faces} faces, {d.errors} errors{unavailable},"
                  f" {STATE_WORDS[d.state]}  [{d.kind}] {shown(d.path)}")
        if d.state not in (DatasetState.READY, DatasetState.NEW, DatasetState.INDEXING):
            print(f"  not really checked: {shown(d.reason)}{see_hint(d.name, d.state)}")
    return 0


def _dataset_errors(args) -> int:
    store = open_store()
    errors = dataset_errors(store, args.name, unavailable=args.unavailable)
    if args.unavailable:
        for row in errors:
            print(f"{shown(row['key'])}: {shown(row['reason'])}")
    else:  # the ledger's not-read part, by what the files are, then each file with why
        for form, rows in groupby(sorted(errors, key=lambda row: row["form"]), key=lambda row: row["form"]):
            rows = list(rows)
            print(f"{shown(plural_of(form))} ({len(rows):,} file(s), {human_size(sum(r['size'] or 0 for r in rows))}):")
            for row in rows:
                print(f"  {shown(row['key'])}: {shown(row['reason'])}")
    info = get_dataset(store, args.name)
    gaps = info.gaps
    for prefix, reason in gaps:
        print(f"{shown(prefix) or '(the whole dataset)'}: could not be listed: {shown(reason)}")
    parts = f", {len(gaps)} part(s) could not be listed" if gaps else ""
    what = "could not be read this time" if args.unavailable else "could not be indexed"
    if not args.unavailable and info.ledger.files_not_read > info.errors:  # files beside the items too
        what = f"not read ({info.ledger.summary().removeprefix('partly read: ')})"
    print(f"{len(errors)} file(s) {what}{parts}", file=sys.stderr)
    return 0


def _dataset_remove(args) -> int:
    removed = remove_dataset(open_store(), args.name)
    decided = sum(removed.decisions.values())
    print(f"removed dataset {shown(args.name)!r} with its index ({removed.faces} faces), {removed.candidates}"
          f" candidates and {decided} decisions (its files were not touched)")
    return 0


def _list_line(store, d) -> str:
    files = list_files(store, d.id)
    rows = sum(f.rows or 0 for f in files)
    state = "not searched yet" if d.done == 0 and not d.errors else (
        "searched" if not d.pending else f"{d.pending} file(s) not searched yet")
    unavailable = f", {d.unavailable} not readable now" if d.unavailable else ""
    return (f"{shown(d.name)}: a list of links, {d.items} file(s), {rows:,} rows read, {d.errors} file(s) refused"
            f"{unavailable}, {state}  [{d.kind}] {shown(d.path)}")
