"""`faceaudit index`: find and embed every face of a dataset, resumably, with a progress bar."""

from __future__ import annotations

import argparse

from faceaudit.cli.common import open_store, see_hint, shown
from faceaudit.cli.hints import Step, command
from faceaudit.cli.progress import ProgressBar
from faceaudit.core.datasets.catalog import DatasetError, DatasetState, get_dataset
from faceaudit.core.datasets.kinds import DatasetKind
from faceaudit.core.faces.face_models import MODEL_CHOICES, chosen_model
from faceaudit.core.faces.settings import Detector, Device, EmbeddingEngine
from faceaudit.core.limits import MAX_UPSAMPLE

__all__ = ["register"]


def register(commands) -> None:
    """Add the index command(s) to the `faceaudit` parser."""
    index = commands.add_parser("index", help="find and embed every face of a dataset",
                                description="Index datasets (all, or one by name). Resumes where it stopped.")
    index.add_argument("name", nargs="?", help="dataset name (default: every dataset); `import` brings index parts"
                       " home: faceaudit index import NAME PARTS_DIR")
    index.add_argument("more", nargs="*", metavar="NAME PARTS_DIR", help=argparse.SUPPRESS)
    index.add_argument("--workers", type=int, help="worker processes (default: one per CPU core)")
    index.add_argument("--detector", choices=list(Detector),
                       help="hog: fast (default); cnn: finds more faces, slow without a GPU")
    index.add_argument("--upsample", type=int, metavar="K",
                       help=f"enlarge photos K times (0-{MAX_UPSAMPLE}) to find small faces (default 1)")
    index.add_argument("--engine", choices=list(EmbeddingEngine), help="embedding engine (default auto)")
    index.add_argument("--device", choices=list(Device),
                       help="where the ONNX engine runs (default auto: a CUDA GPU if onnxruntime-gpu finds one)")
    index.add_argument("--model", choices=list(MODEL_CHOICES),
                       help="face model(s) to embed with: dlib, mobilefacenet or both (dlib's numbers are always made;"
                            " mobilefacenet and both add MobileFaceNet's, to old faces too; default: the one chosen in"
                            " Settings, else the best measured)")
    index.add_argument("--cluster", nargs="?", const="", metavar="ADDRESS",
                       help="index on a Ray cluster (the 'cluster' extra; a local Ray when no address is given),"
                       " one task per shard, each part imported as it finishes")
    index.add_argument("--parts", metavar="DIR", help="where the cluster writes index parts (default: index-parts/ID"
                       " in the data folder; with a remote cluster, a folder both it and this machine reach)")
    index.add_argument("--large-index", action="store_true",
                       help="with --cluster: also build the index a scan uses above the exact limit where the parts"
                       " are, and bring it home (done anyway above 20 million faces)")
    index.add_argument("--passphrase-stdin", action="store_true",
                       help="seal the index parts with a passphrase read from stdin (or open sealed ones)")
    index.set_defaults(handler=_index)

def _index(args) -> int:
    if args.name == "import" or args.cluster is not None:
        from faceaudit.cli.cluster import run_cluster

        return run_cluster(args)
    from faceaudit.core.datasets.indexing import Phase, check_workers, index_dataset, settings_for_all, settings_with

    if args.large_index:
        raise DatasetError("--large-index is built where a cluster's parts are: use it with --cluster")

    store = open_store()
    check_workers(args.workers)
    changes = {"detector": args.detector, "upsample": args.upsample, "engine": args.engine, "device": args.device}
    if args.name:  # options not given keep the dataset's recorded values
        plan = {args.name: settings_with(store, get_dataset(store, args.name).id, **changes)}
    else:  # every dataset with its own settings; refused before anything when options would change one
        plan = settings_for_all(store, **changes)
    chosen = chosen_model(store, args.model)
    if args.model and chosen != args.model:
        print(f"{args.model} is not set up on this computer (run python3 run.py app or cli once online): indexing "
              "with dlib's face model alone")
    for name, settings in plan.items():
        bar = ProgressBar(f"indexing {shown(name)}")
        last = None
        for last in index_dataset(store, name, settings, workers=args.workers, model=args.model):
            if last.phase != Phase.LISTING:
                bar.update(last.done, last.total, last.rate, last.eta_seconds,
                           f"{last.faces} faces, {last.errors} errors")
        bar.close()
        info = get_dataset(store, name)
        if info.kind == DatasetKind.LINK_LIST:
            print(f"{shown(name)}: {last.total - last.errors}/{last.total} list file(s) indexed, {last.errors} refused"
                  " (later scans read only the parts where an identifier can be)")
        else:
            print(f"{shown(name)}: {last.done}/{last.total} items, {last.faces} faces, {last.errors} errors"
                  + (f", {last.unavailable} unavailable" if last.unavailable else ""))
        for reason in last.gaps:
            print(f"  could not be read this time: {shown(reason)}")
        if last.unavailable:
            print(f"  {last.unavailable} item(s) could not be read this time; they keep their faces and your decisions,"
                  f" and are read again at the next index (see: {command(Step.UNAVAILABLE_ITEMS, name=shown(name))})")
        if info.state not in (DatasetState.READY, DatasetState.INDEXING):
            print(f"  not really checked: {shown(info.reason)}{see_hint(name, info.state)}")
    return 0
