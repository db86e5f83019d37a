"""The `faceaudit` command: thin wrappers that parse arguments, call one core function, print."""

from __future__ import annotations

import argparse
import json
import sys

from . import __version__

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used by the test that checks every command has help)."""
    parser = argparse.ArgumentParser(
        prog="faceaudit",
        description="Find your face in published face datasets, offline, and ask for it to be deleted.")
    parser.add_argument("--version", action="version", version=f"faceaudit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    me = commands.add_parser("me", help="your reference photos (the faces to look for)",
                             description="Manage your reference photos.")
    me_commands = me.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = me_commands.add_parser("add", help="add photos of yourself", description="Add photos of yourself. "
                                 "In a group photo, say which face is yours with --face (numbered largest first).")
    add.add_argument("paths", nargs="+", metavar="PATH", help="photo files")
    add.add_argument("--face", type=int, metavar="N", help="which face is you in a group photo (1 = largest)")
    add.set_defaults(handler=_me_add)
    me_list = me_commands.add_parser("list", help="list your reference faces", description="List your reference faces.")
    me_list.set_defaults(handler=_me_list)
    remove = me_commands.add_parser("remove", help="remove a reference face", description="Remove a reference face.")
    remove.add_argument("id", type=int, help="the face's id (see `faceaudit me list`)")
    remove.set_defaults(handler=_me_remove)

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
    ds_errors.set_defaults(handler=_dataset_errors)
    ds_remove = ds_commands.add_parser("remove", help="forget a dataset",
                                       description="Forget a dataset, its index and its matches (its files stay).")
    ds_remove.add_argument("name", help="dataset name")
    ds_remove.set_defaults(handler=_dataset_remove)

    index = commands.add_parser("index", help="find and embed every face of a dataset",
                                description="Index datasets (all, or one by name). Resumes where it stopped.")
    index.add_argument("name", nargs="?", help="dataset name (default: every dataset)")
    index.add_argument("--workers", type=int, help="worker processes (default: one per CPU core)")
    index.add_argument("--detector", choices=["hog", "cnn"], default="hog",
                       help="hog: fast (default); cnn: finds more faces, slow without a GPU")
    index.add_argument("--upsample", type=int, default=1, metavar="K", help="enlarge photos K times to find small faces (default 1)")
    index.add_argument("--engine", choices=["auto", "dlib", "onnx"], default="auto", help="embedding engine (default auto)")
    index.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                       help="where the ONNX engine runs (default auto: a CUDA GPU if onnxruntime-gpu finds one)")
    index.set_defaults(handler=_index)

    scan = commands.add_parser("scan", help="compare your faces with the indexed datasets",
                               description="Scan datasets for your faces and list candidates, most convincing first.")
    scan.add_argument("name", nargs="?", help="dataset name (default: every dataset)")
    scan.add_argument("--json", action="store_true", help="print a JSON array, one object per candidate")
    scan.set_defaults(handler=_scan)

    review = commands.add_parser("review", help="say whether a candidate is you",
                                 description="Record your decision on a candidate match.")
    review.add_argument("match_id", type=int, help="the candidate's id (from `faceaudit scan`)")
    review.add_argument("decision", choices=["me", "not-me", "unsure", "unreviewed"], help="your decision")
    review.set_defaults(handler=_review)

    _add_letter_commands(commands)

    lock = commands.add_parser("lock", help="encrypt the database with a passphrase (off by default)",
                               description="Encrypt the database into faceaudit.db.enc (AES-256-GCM, key from "
                               "scrypt) and overwrite, then delete, the plain file. Until `faceaudit unlock`, every "
                               "command refuses to run. A lost passphrase means lost data. Close the app first.")
    lock.add_argument("--passphrase-stdin", action="store_true", help="read the passphrase from the first line of stdin")
    lock.set_defaults(handler=_lock)
    unlock = commands.add_parser("unlock", help="decrypt the database for a session",
                                 description="Decrypt faceaudit.db.enc back into the database. While unlocked the "
                                 "database is plain on disk; run `faceaudit lock` when you are done.")
    unlock.add_argument("--passphrase-stdin", action="store_true", help="read the passphrase from the first line of stdin")
    unlock.set_defaults(handler=_unlock)

    wipe = commands.add_parser("wipe", help="delete all local FaceAudit data",
                               description="Delete every file FaceAudit created: database, caches, letters.")
    wipe.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    wipe.set_defaults(handler=_wipe)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    from .core.errors import UserError

    try:
        if args.command not in ("lock", "unlock", "wipe"):
            _refuse_if_locked()
        return args.handler(args) or 0
    except UserError as exc:
        print(f"faceaudit: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nfaceaudit: stopped; work done so far is saved", file=sys.stderr)
        return 130


def _refuse_if_locked() -> None:
    from .core.encryption import DataLocked, is_locked

    if is_locked():
        raise DataLocked("the data is locked (encrypted at rest): run `faceaudit unlock` first")


def _passphrase(args, confirm: bool) -> str:
    if args.passphrase_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass("Passphrase: ")
    if confirm and getpass.getpass("Passphrase again: ") != first:
        from .core.encryption import EncryptionError

        raise EncryptionError("the two passphrases differ; nothing was changed")
    return first


def _lock(args) -> int:
    from .core.encryption import LOST_PASSPHRASE, lock

    print(f"warning: {LOST_PASSPHRASE}", file=sys.stderr)
    path = lock(_passphrase(args, confirm=True))
    print(f"locked: the database is now only {path}; run faceaudit unlock to use it again")
    return 0


def _unlock(args) -> int:
    from .core.encryption import unlock

    path = unlock(_passphrase(args, confirm=False))
    print(f"unlocked: {path} (plain on disk until you run faceaudit lock)")
    return 0


def _store():
    from .core.store import Store

    return Store()


def _me_add(args) -> int:
    from .core.references import NeedFaceChoice, add_reference

    store, status = _store(), 0
    for path in args.paths:
        try:
            face = add_reference(store, path, args.face)
        except NeedFaceChoice as choice:
            print(f"{choice}:")
            for number, found in enumerate(choice.faces, 1):
                top, right, bottom, left = found.box
                print(f"  {number}: {right - left} px wide at x={left}, y={top}")
            if not sys.stdin.isatty():
                print("  run again with --face N", file=sys.stderr)
                status = 2
                continue
            number = int(input("Which face is you? ") or "0")
            face = add_reference(store, path, number)
        print(f"added face {face.id} from {face.name} ({face.size} px)" + (f" - note: {face.hint}" if face.hint else ""))
    return status


def _me_list(args) -> int:
    from .core.references import list_references

    faces = list_references(_store())
    if not faces:
        print("no reference photos yet: faceaudit me add PHOTO")
    for face in faces:
        print(f"{face.id:>4}  {face.name}  {face.size} px  added {face.added[:10]}" + (f"  ({face.hint})" if face.hint else ""))
    return 0


def _me_remove(args) -> int:
    from .core.references import remove_reference

    remove_reference(_store(), args.id)
    print(f"removed reference face {args.id}")
    return 0


def _dataset_add(args) -> int:
    from .core.datasets import add_dataset

    info = add_dataset(_store(), args.path, args.name, args.labels)
    print(f"added dataset {info.name!r} ({info.kind}: {info.path}); now run: faceaudit index {info.name}")
    return 0


def _dataset_list(args) -> int:
    from .core.datasets import list_datasets

    datasets = list_datasets(_store())
    if not datasets:
        print("no datasets yet: faceaudit dataset add PATH --name NAME")
    for d in datasets:
        state = "indexed" if d.indexed else ("not indexed" if d.done == 0 else f"{d.pending} pending")
        print(f"{d.name}: {d.items} items, {d.faces} faces, {d.errors} errors, {state}  [{d.kind}] {d.path}")
    return 0


def _dataset_errors(args) -> int:
    from .core.datasets import dataset_errors

    errors = dataset_errors(_store(), args.name)
    for row in errors:
        print(f"{row['key']}: {row['reason']}")
    print(f"{len(errors)} file(s) could not be indexed", file=sys.stderr)
    return 0


def _dataset_remove(args) -> int:
    from .core.datasets import remove_dataset

    remove_dataset(_store(), args.name)
    print(f"removed dataset {args.name!r} (its files were not touched)")
    return 0


def _index(args) -> int:
    from ._progress import ProgressBar
    from .core.datasets import list_datasets
    from .core.indexing import IndexSettings, index_dataset

    store = _store()
    names = [args.name] if args.name else [d.name for d in list_datasets(store)]
    settings = IndexSettings(args.detector, args.upsample, args.engine, args.device)
    for name in names:
        bar = ProgressBar(f"indexing {name}")
        last = None
        for last in index_dataset(store, name, settings, workers=args.workers):
            if last.phase != "listing":
                bar.update(last.done, last.total, last.rate, last.eta_seconds, f"{last.faces} faces, {last.errors} errors")
        bar.close()
        print(f"{name}: {last.done}/{last.total} items, {last.faces} faces, {last.errors} errors")
    return 0


def _scan(args) -> int:
    from .core.search import candidates, scan

    store = _store()
    final = None
    for final in scan(store, [args.name] if args.name else None):
        pass
    found = candidates(store, final.scan_id, dataset=args.name)
    if args.json:
        json.dump([c.as_json() for c in found], sys.stdout, indent=1)
        print()
        return 0
    if not found:
        print("no candidates: none of the faces in these datasets looks like yours")
    for c in found:
        what = "same photo as one of yours" if c.exact_photo else f"distance {c.distance:.3f}, {c.agree}/{c.n_references} references agree"
        odds = "" if c.expected_lookalikes is None else f", about {c.expected_lookalikes:.2g} strangers would look this close"
        print(f"#{c.id:<5} {c.band:<8} {c.dataset}/{c.key}: {what}{odds} [{c.decision}]")
    return 0


def _review(args) -> int:
    from .core.search import review

    review(_store(), args.match_id, args.decision)
    print(f"match {args.match_id}: {args.decision}")
    return 0


def _wipe(args) -> int:
    from .core.wipe import wipe_all, wipe_plan

    plan = wipe_plan()
    if not plan:
        print("nothing to delete")
        return 0
    print("This deletes all FaceAudit data:")
    for path in plan:
        print(f"  {path}")
    if not args.yes:
        if not sys.stdin.isatty() or input("Type 'delete' to confirm: ").strip() != "delete":
            print("nothing deleted", file=sys.stderr)
            return 1
    wipe_all()
    print("all FaceAudit data deleted")
    return 0


from ._cli_letters import _add_letter_commands  # noqa: E402  (letters, requests, registry, identity)

if __name__ == "__main__":
    sys.exit(main())
