"""Acceptance for the second face model: the find-me flow per model, re-indexing keeps decisions, scan --model.

Real LFW photos: 3 people with 2 reference photos each, their held-out photos among 300 strangers.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from faceaudit.core.datasets.catalog import add_dataset
from faceaudit.core.datasets.indexing import index_dataset
from faceaudit.core.faces.face_models import MODEL_CHOICES, FaceModel, is_available
from faceaudit.core.matching.matches import candidates, decide
from faceaudit.core.matching.references import add_reference, list_references, remove_reference
from faceaudit.core.matching.scan import scan
from faceaudit.core.storage.store import Store
from tests.support.lfw_sets import PEOPLE, build_dataset, person_photos

pytestmark = pytest.mark.skipif(not is_available(FaceModel.MOBILEFACENET),
                                reason="MobileFaceNet is not set up (python3 run.py test does it, once, online)")

ENROLLED = 2
STRANGERS = 300


def _index(store: Store, name: str, model: str) -> None:
    for progress in index_dataset(store, name, workers=2, model=model):
        pass
    assert progress.phase == "finished" and progress.done == progress.total


@pytest.fixture(scope="module")
def flow(lfw, tmp_path_factory):
    """One dataset indexed with dlib alone, then again with both models (the second pass adds MobileFaceNet)."""
    base = tmp_path_factory.mktemp("models")
    folder = build_dataset(lfw, base / "dataset", PEOPLE, ENROLLED, STRANGERS)
    store = Store(base / "home" / "faceaudit.db")
    add_dataset(store, folder, "lfw")
    _index(store, "lfw", "dlib")
    yield store, base
    store.close()
    shutil.rmtree(base, ignore_errors=True)


def _enrol(store: Store, lfw, person: str) -> None:
    for face in list_references(store):
        remove_reference(store, face.id)
    for photo in person_photos(lfw, person)[:ENROLLED]:
        add_reference(store, photo)


def _scan(store: Store, model: str):
    for progress in scan(store, ["lfw"], model=model):
        pass
    return candidates(store, progress.scan_id, dataset="lfw", decided_too=False)


def test_reindexing_an_old_store_adds_mobilefacenet_and_keeps_every_decision(flow, lfw):
    store, _ = flow
    _enrol(store, lfw, PEOPLE[0])
    found = _scan(store, "dlib")
    assert found and all(c.model == "dlib" for c in found)
    for n, candidate in enumerate(found[:6]):
        decide(store, [candidate.id], "me" if n % 2 == 0 else "not_me")
    before_faces = store.query("SELECT id, item_id, idx, embedding FROM faces ORDER BY id")
    before_decisions = store.query("SELECT id, item_id, face_idx, decision FROM matches ORDER BY id")
    assert store.scalar("SELECT COUNT(*) FROM face_embeddings") == 0
    _index(store, "lfw", "both")
    assert store.query("SELECT id, item_id, idx, embedding FROM faces ORDER BY id") == before_faces
    assert store.query("SELECT id, item_id, face_idx, decision FROM matches ORDER BY id") == before_decisions
    assert store.scalar("SELECT COUNT(*) FROM face_embeddings WHERE model = 'mobilefacenet'") == len(before_faces)
    # Done once: a second index has nothing to add.
    _index(store, "lfw", "both")
    assert store.scalar("SELECT COUNT(*) FROM face_embeddings") == len(before_faces)


@pytest.mark.parametrize("model", MODEL_CHOICES)
@pytest.mark.parametrize("person", PEOPLE)
def test_find_me_with_each_model(flow, lfw, person, model):
    store, _ = flow
    if not store.scalar("SELECT COUNT(*) FROM face_embeddings"):
        _index(store, "lfw", "both")
    _enrol(store, lfw, person)
    found = _scan(store, model)
    held_out = {f"{person}/{p.name}" for p in person_photos(lfw, person)[ENROLLED:]}
    confident = {c.key for c in found if c.band in ("strong", "possible")}
    missed = sorted(held_out - confident)
    assert not missed, f"{model}: held-out photos of {person} not strong or possible: {missed}"
    wrong_strong = [c.key for c in found if c.band == "strong" and not c.key.startswith(person + "/")]
    assert wrong_strong == [], f"{model}: other people in 'strong': {wrong_strong}"
    assert {c.model for c in found} == {model}


def test_scan_command_takes_each_model_and_says_which_saw_each_candidate(flow, lfw):
    store, base = flow
    if not store.scalar("SELECT COUNT(*) FROM face_embeddings"):
        _index(store, "lfw", "both")
    _enrol(store, lfw, PEOPLE[1])
    env = {**os.environ, "FACEAUDIT_HOME": str(base / "home")}
    for model in MODEL_CHOICES:
        done = subprocess.run([sys.executable, "-m", "faceaudit.cli", "scan", "lfw", "--model", model, "--json"],
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        # Candidates decided after an earlier scan are listed too, and say which model saw them then.
        found = [c for c in json.loads(done.stdout) if c["kind"] == "face" and c["decision"] == "unreviewed"]
        assert found, f"{model}: no candidate"
        assert {c["model"] for c in found} == {model}
    refused = subprocess.run([sys.executable, "-m", "faceaudit.cli", "scan", "lfw", "--model", "arcface"],
                             env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "invalid choice" in refused.stderr
