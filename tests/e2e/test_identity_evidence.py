"""Acceptance (issue 23): identity-level evidence in labelled datasets, on real LFW photos.

One person's held-out photos among stranger identities of several photos each, published as a
folder per person and as Hub parquet shards with a ClassLabel column. The scan finds the person
as an identity (a card: "<label>: n of its m photos are close to yours; stranger identities
expected this close: x"), no stranger identity is strong, one decision confirms all its close
photos together, and the letter's annex cites the identity with its photos.
"""

from __future__ import annotations

import random
import shutil

import pytest

from faceaudit.core.datasets.catalog import add_dataset
from faceaudit.core.datasets.indexing import index_dataset
from faceaudit.core.letters.annex import confirmed_matches
from faceaudit.core.letters.identity import save_identity
from faceaudit.core.letters.registry import link_dataset
from faceaudit.core.matching.identities import decide_identity, identity_candidates
from faceaudit.core.matching.matches import candidates
from faceaudit.core.matching.references import add_reference
from faceaudit.core.matching.scan import scan
from faceaudit.core.storage.store import Store
from tests.support.dataset_forms import hub_parquet
from tests.support.letter_fixtures import write_letter
from tests.support.lfw_sets import person_photos

PERSON = "Jack_Straw"
ENROLLED = 3
#: Stranger identities, each with 4-8 photos in the dataset.
STRANGER_PEOPLE = 20


@pytest.fixture(scope="module")
def labelled(lfw, tmp_path_factory):
    """A store with the same labelled photos as a folder per person and as Hub parquet, both indexed."""
    base = tmp_path_factory.mktemp("identities")
    others = sorted(p for p in lfw.iterdir()
                    if p.is_dir() and p.name != PERSON and 4 <= len(list(p.glob("*.jpg"))) <= 8)
    chosen = random.Random(23).sample(others, STRANGER_PEOPLE)
    photos = [(path, path.parent.name) for person in chosen for path in person_photos(lfw, person.name)]
    photos += [(path, PERSON) for path in person_photos(lfw, PERSON)[ENROLLED:]]
    folder = base / "lfw-people"
    for path, name in photos:
        (folder / name).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, folder / name / path.name)
    store = Store(base / "home" / "faceaudit.db")
    save_identity(store, country="DE", region="DE-BE")  # a GDPR letter to LFW (US) reaches a sender in the EU
    for name, path in (("folder", folder), ("parquet", hub_parquet(photos, base / "lfw-hub", shards=2))):
        add_dataset(store, path, name)
        for progress in index_dataset(store, name, workers=2):
            pass
        assert progress.phase == "finished" and progress.done == progress.total
        link_dataset(store, name, "lfw")  # a copy of LFW: its letters go to LFW's custodian
    for photo in person_photos(lfw, PERSON)[:ENROLLED]:
        add_reference(store, photo)
    yield store, len(person_photos(lfw, PERSON)) - ENROLLED
    store.close()
    shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("dataset", ["folder", "parquet"])
def test_the_person_is_found_as_an_identity_and_confirmed_together(labelled, dataset, tmp_path):
    store, held_out = labelled
    for progress in scan(store, [dataset]):
        pass
    identities = identity_candidates(store, progress.scan_id, dataset=dataset)
    mine = [i for i in identities if i.label == PERSON]
    assert len(mine) == 1 and mine[0].band == "strong", [i.as_json() for i in identities]
    card = mine[0]
    assert card.photos == held_out and 5 <= card.close <= held_out and len(card.match_ids) == card.close
    assert card.expected <= 0.01
    assert card.as_json()["text"].startswith(f"{PERSON}: {card.close} of its {held_out} photos are close to yours; "
                                             "stranger identities expected this close: ")
    assert not [i for i in identities if i.label != PERSON and i.band == "strong"]
    # Its photos are face matches of the person's identity, listed for review as well.
    photos = {c.id: c for c in candidates(store, progress.scan_id, dataset=dataset, decided_too=False)}
    assert set(card.match_ids) <= set(photos) and {photos[m].label for m in card.match_ids} == {PERSON}

    changed = decide_identity(store, card.ref, "me")
    assert set(card.match_ids) <= set(changed)
    assert identity_candidates(store, progress.scan_id, dataset=dataset)[0].decision == "me"
    cited = [e for e in confirmed_matches(store, dataset) if e.identity]
    assert len(cited) == card.close and {e.identity["label"] for e in cited} == {PERSON}
    letter = write_letter(store, "erasure", dataset, "en", None, text_path=tmp_path / "letter.txt", track=False)
    text = (tmp_path / "letter.txt").read_text(encoding="utf-8")
    assert letter and f"Identity in dataset: {PERSON}: {card.close} of its {held_out} photos are close" in text
    assert text.count(f"Identity in dataset: {PERSON}") == card.close  # every photo of it, each cited
    decide_identity(store, card.ref, "unreviewed")  # leave the store as the other form's test finds it
