"""`faceaudit dataset`: add, list, inspect and remove face datasets."""

from __future__ import annotations

import sys

from faceaudit.cli.common import open_store, shown

__all__ = ["register"]


def register(commands) -> None:
    """Add the dataset command(s) to the `faceaudit` parser."""
    dataset = commands.add_parser("dataset", help="face datasets to search", description="Manage face datasets.")
    ds_commands = dataset.add_subparsers(dest="action", metavar="ACTION", required=True)
    ds_add = ds_commands.add_parser("add", help="add a dataset folder or archive",
                                    description="Add a dataset: a folder or a zip/tar archive, read in place.")
    ds_add.add_argument("path", help="folder, .zip, .tar, .tar.gz, .tgz, .tar.bz2 or .tar.xz")
    ds_add.add_argument("--name", required=True, help="a short name for the dataset")
    ds_add.add_argument("--labels", metavar="CSV", help="CSV of key,label giving each image's identity")
    ds_add.set_defaults(handler=_dataset_add)
    ds_list = ds_commands.add_parser("list", help="list datasets", description="List datasets with their counts.")
    ds_list.set_defaults(handler=_dataset_list)
    ds_errors = ds_commands.add_parser("errors", help="files that could not be indexed",
                                       description="List a dataset's files that could not be indexed, with reasons.")
    ds_errors.add_argument("name", help="dataset name")
    ds_errors.add_argument("--unavailable", action="store_true",
                           help="instead: files that could not be read this time (kept; read again at the next index)")
    ds_errors.set_defaults(handler=_dataset_errors)
    ds_remove = ds_commands.add_parser("remove", help="forget a dataset",
                                       description="Forget a dataset, its index and its matches (its files stay).")
    ds_remove.add_argument("name", help="dataset name")
    ds_remove.set_defaults(handler=_dataset_remove)

def _dataset_add(args) -> int:
    from faceaudit.core.datasets.catalog import add_dataset

    info = add_dataset(open_store(), args.path, args.name, args.labels)
    print(f"added dataset {shown(info.name)!r} ({info.kind}: {shown(info.path)}); now run: faceaudit index"
          f" {shown(info.name)}")
    return 0


def _dataset_list(args) -> int:
    from faceaudit.core.datasets.catalog import list_datasets

    datasets = list_datasets(open_store())
    if not datasets:
        print("no datasets yet: faceaudit dataset add PATH --name NAME")
    for d in datasets:
        state = "indexed" if d.indexed else ("not indexed" if d.done == 0 else f"{d.pending} pending")
        unavailable = f", {d.unavailable} unavailable" if d.unavailable else ""
        print(f"{shown(d.name)}: {d.items} items, {d.faces} faces, {d.errors} errors{unavailable}, {state}"
              f"  [{d.kind}] {shown(d.path)}")
    return 0


def _dataset_errors(args) -> int:
    from faceaudit.core.datasets.catalog import dataset_errors

    errors = dataset_errors(open_store(), args.name, unavailable=args.unavailable)
    for row in errors:
        print(f"{shown(row['key'])}: {shown(row['reason'])}")
    what = "could not be read this time" if args.unavailable else "could not be indexed"
    print(f"{len(errors)} file(s) {what}", file=sys.stderr)
    return 0


def _dataset_remove(args) -> int:
    from faceaudit.core.datasets.catalog import remove_dataset

    removed = remove_dataset(open_store(), args.name)
    decided = sum(removed.decisions.values())
    print(f"removed dataset {shown(args.name)!r} with its index ({removed.faces} faces), {removed.candidates}"
          f" candidates and {decided} decisions (its files were not touched)")
    return 0
