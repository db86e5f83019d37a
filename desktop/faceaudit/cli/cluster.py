"""`faceaudit index NAME --cluster [ADDRESS]` and `index import NAME PARTS_DIR`: index parts made on a cluster."""

from __future__ import annotations

import sys
from pathlib import Path

from faceaudit.cli.common import open_store, see_hint, shown
from faceaudit.cli.hints import Step, command

__all__ = ["run_cluster"]


def run_cluster(args) -> int:
    """Index a dataset on a Ray cluster, or import the parts a cluster made; prints what each shard gave."""
    from faceaudit.core.datasets.catalog import DatasetError, DatasetState, get_dataset

    store = open_store()
    passphrase = sys.stdin.readline().rstrip("\n") if args.passphrase_stdin else None
    if args.name == "import":
        if len(args.more) != 2:
            raise DatasetError(f"say which dataset and which folder: {command(Step.IMPORT_PARTS, name='NAME')}")
        name, folder = args.more
        results = _imported(store, name, folder, passphrase)
        _adopt(store, name, Path(folder), passphrase)
    else:
        if not args.name or args.more:
            raise DatasetError("name one dataset to index on a cluster")
        name = args.name
        results, parts = _on_cluster(store, args, passphrase)
        _large_index(store, args, parts, passphrase)
    refused = [result for result in results if result.status == "refused"]
    info = get_dataset(store, name)
    print(f"{shown(name)}: {info.done}/{info.items} items, {info.faces} faces, {info.errors} errors"
          + (f", {info.unavailable} not read" if info.unavailable else ""))
    for result in refused:
        print(f"  shard not read: {shown(result.reason)}")
    if info.state not in (DatasetState.READY, DatasetState.INDEXING):
        print(f"  not really checked: {shown(info.reason)}{see_hint(name, info.state)}")
    return 0


def _imported(store, name: str, folder: str, passphrase: str | None) -> list:
    from faceaudit.cli.progress import ProgressBar
    from faceaudit.core.datasets.part_import import import_parts

    bar = ProgressBar(f"importing parts of {shown(name)}")
    results = []
    for result in import_parts(store, name, Path(folder), passphrase):
        results.append(result)
        bar.update(len(results), len(results), extra=f"{result.shard or 'dataset'}: {result.status}")
    bar.close()
    return results


def _on_cluster(store, args, passphrase: str | None) -> list:
    from faceaudit.cli.progress import ProgressBar
    from faceaudit.core.datasets.catalog import get_dataset
    from faceaudit.core.datasets.cluster import index_on_cluster
    from faceaudit.core.datasets.indexing import settings_with
    from faceaudit.core.storage.paths import data_home

    changes = {"detector": args.detector, "upsample": args.upsample, "engine": args.engine, "device": args.device}
    settings = settings_with(store, get_dataset(store, args.name).id, **changes)
    parts = Path(args.parts) if args.parts else data_home() / "index-parts" / str(get_dataset(store, args.name).id)
    bar = ProgressBar(f"indexing {shown(args.name)} on {'the cluster at ' + args.cluster if args.cluster else 'Ray'}")
    results = []
    for progress in index_on_cluster(store, args.name, parts, address=args.cluster or None, settings=settings,
                                     passphrase=passphrase):
        if progress.last is not None:
            results.append(progress.last)
        if progress.phase != "listing":
            bar.update(progress.shards_done, progress.shards, extra=f"{progress.made} part(s) made")
    bar.close()
    print(f"index parts: {shown(parts)} (they hold the faces of everyone in the dataset; delete them when done)")
    return results, parts


def _large_index(store, args, parts: Path, passphrase: str | None) -> None:
    """Build the large-dataset index where the parts are, when asked or needed, and bring it home."""
    from faceaudit.core.datasets.catalog import get_dataset
    from faceaudit.core.matching import shipped_index
    from faceaudit.core.matching.vectors import APPROX_THRESHOLD

    if not (args.large_index or get_dataset(store, args.name).faces > APPROX_THRESHOLD):
        return
    print(f"building the large-dataset index of {shown(args.name)} where its parts are ...")
    shipped_index.build_on_cluster(parts, passphrase, address=args.cluster or None)
    _adopt(store, args.name, parts, passphrase)


def _adopt(store, name: str, folder: Path, passphrase: str | None) -> None:
    from faceaudit.core.datasets.catalog import get_dataset
    from faceaudit.core.matching import shipped_index

    tied = shipped_index.adopt(store, get_dataset(store, name).id, folder, passphrase)
    if tied is not None:
        print(f"large-dataset index brought home: {tied} entries tied to the faces of {shown(name)}")
