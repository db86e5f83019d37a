"""`faceaudit index`: find and embed every face of a dataset, resumably, with a progress bar."""

from __future__ import annotations

from faceaudit.cli.common import open_store
from faceaudit.core.faces.engine import Detector, Device, EmbeddingEngine

__all__ = ["register"]


def register(commands) -> None:
    """Add the index command(s) to the `faceaudit` parser."""
    index = commands.add_parser("index", help="find and embed every face of a dataset",
                                description="Index datasets (all, or one by name). Resumes where it stopped.")
    index.add_argument("name", nargs="?", help="dataset name (default: every dataset)")
    index.add_argument("--workers", type=int, help="worker processes (default: one per CPU core)")
    index.add_argument("--detector", choices=list(Detector), default=Detector.HOG.value,
                       help="hog: fast (default); cnn: finds more faces, slow without a GPU")
    index.add_argument(
        "--upsample", type=int, default=1, metavar="K", help="enlarge photos K times to find small faces (default 1)"
    )
    index.add_argument(
        "--engine",
        choices=list(EmbeddingEngine),
        default=EmbeddingEngine.AUTO.value,
        help="embedding engine (default auto)",
    )
    index.add_argument("--device", choices=list(Device), default=Device.AUTO.value,
                       help="where the ONNX engine runs (default auto: a CUDA GPU if onnxruntime-gpu finds one)")
    index.set_defaults(handler=_index)

def _index(args) -> int:
    from faceaudit.cli.progress import ProgressBar
    from faceaudit.core.datasets.catalog import get_dataset, list_datasets
    from faceaudit.core.datasets.indexing import IndexSettings, index_dataset

    store = open_store()
    names = [args.name] if args.name else [d.name for d in list_datasets(store)]
    settings = IndexSettings(args.detector, args.upsample, args.engine, args.device)
    for name in names:
        bar = ProgressBar(f"indexing {name}")
        last = None
        for last in index_dataset(store, name, settings, workers=args.workers):
            if last.phase != "listing":
                bar.update(
                    last.done, last.total, last.rate, last.eta_seconds, f"{last.faces} faces, {last.errors} errors"
                )
        bar.close()
        if get_dataset(store, name).kind == "link-list":
            print(f"{name}: {last.total - last.errors}/{last.total} list file(s) indexed, {last.errors} refused"
                  " (later scans read only the parts where an identifier can be)")
            continue
        print(f"{name}: {last.done}/{last.total} items, {last.faces} faces, {last.errors} errors")
    return 0
