"""Acceptance: real LFW photos, held-out images of enrolled people among 2,000+ strangers."""

from __future__ import annotations

import shutil
import tarfile
import zipfile

import pytest

from faceaudit.core.datasets.catalog import add_dataset
from faceaudit.core.datasets.indexing import index_dataset
from faceaudit.core.matching.matches import candidates
from faceaudit.core.matching.references import add_reference, list_references, remove_reference
from faceaudit.core.matching.scan import scan
from faceaudit.core.storage.store import Store
from tests.support.lfw_sets import PEOPLE, build_dataset, person_photos

ENROLLED = 2
STRANGERS = 2000


@pytest.fixture(scope="module")
def indexed(lfw, tmp_path_factory):
    """One store with the same LFW set as a folder, a .tar.gz and a .zip, all indexed."""
    base = tmp_path_factory.mktemp("lfw-scan")
    folder = build_dataset(lfw, base / "dataset", PEOPLE, ENROLLED, STRANGERS)
    with tarfile.open(base / "dataset.tar.gz", "w:gz") as archive:
        archive.add(folder, arcname="dataset")
    with zipfile.ZipFile(base / "dataset.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*.jpg")):
            archive.write(path, path.relative_to(folder).as_posix())
    store = Store(base / "home" / "faceaudit.db")
    for name, path in (("folder", folder), ("targz", base / "dataset.tar.gz"), ("zip", base / "dataset.zip")):
        add_dataset(store, path, name)
        for progress in index_dataset(store, name, workers=2):
            pass
        assert progress.phase == "finished" and progress.done == progress.total
    yield store
    store.close()
    shutil.rmtree(base, ignore_errors=True)


def _scan_for(store: Store, lfw, person: str, dataset: str):
    for face in list_references(store):
        remove_reference(store, face.id)
    for photo in person_photos(lfw, person)[:ENROLLED]:
        add_reference(store, photo)
    for progress in scan(store, [dataset]):
        pass
    return candidates(store, progress.scan_id, dataset=dataset, decided_too=False)


@pytest.mark.parametrize("person", PEOPLE)
def test_held_out_photos_are_found_and_strangers_are_not_strong(indexed, lfw, person):
    found = _scan_for(indexed, lfw, person, "folder")
    held_out = {f"{person}/{p.name}" for p in person_photos(lfw, person)[ENROLLED:]}
    assert len(held_out) >= 6
    confident = {c.key for c in found if c.band in ("strong", "possible")}
    recall = len(held_out & confident) / len(held_out)
    assert recall >= 0.9, f"{person}: only {recall:.0%} of held-out photos strong or possible"
    wrong_strong = [c.key for c in found if c.band == "strong" and not c.key.startswith(person + "/")]
    assert wrong_strong == [], f"other people in 'strong': {wrong_strong}"
    # The confidence is about this dataset's size: every candidate reports it.
    assert all(c.expected_lookalikes is not None for c in found if not c.exact_photo)


def test_archives_give_the_same_result_as_the_folder(indexed, lfw):
    person = PEOPLE[0]
    results = {}
    for dataset in ("folder", "targz", "zip"):
        found = _scan_for(indexed, lfw, person, dataset)
        # The tar archive keeps the top folder in its member names.
        results[dataset] = sorted((c.key.removeprefix("dataset/"), c.band, round(c.distance, 6)) for c in found)
    assert results["folder"], "the scan found nothing"
    assert results["targz"] == results["folder"]
    assert results["zip"] == results["folder"]
