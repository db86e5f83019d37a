"""The dataset registry: complete entries with sources, no invented contacts, local corrections."""

import json

import pytest

from faceaudit.core.letters.registry import (
    REQUIRED_FIELDS,
    RegistryError,
    add_entry,
    edit_entry,
    entry_for_dataset,
    find_entry,
    link_dataset,
    list_entries,
    local_path,
    reset_entry,
    validate_entry,
)
from faceaudit.core.storage.resources import resources_dir
from faceaudit.core.storage.store import Store

WELL_KNOWN = ["LFW", "CelebA", "VGGFace2", "MegaFace", "MS-Celeb-1M", "CASIA-WebFace", "FFHQ", "IJB-C", "UTKFace",
              "FairFace", "FaceScrub", "PubFig", "YouTube Faces", "Diversity in Faces", "WIDER FACE"]


def test_registry_has_the_well_known_datasets():
    entries = list_entries()
    assert len(entries) >= 15
    for name in WELL_KNOWN:
        assert find_entry(name).name


def test_every_registry_entry_is_complete_and_names_a_source():
    for path in sorted((resources_dir() / "datasets").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert validate_entry(data) == [], path.name
        assert path.stem == data["id"]
        for key in REQUIRED_FIELDS:
            assert key in data
        for source in data["sources"]:
            assert source["title"] and source["url"].startswith("http"), path.name


def test_registry_contacts_are_only_documented_ones():
    with_contact = {e.id: e.contact for e in list_entries() if e.has_contact}
    # Only FFHQ publishes a removal contact (README, "Privacy"); every other contact stays empty.
    assert set(with_contact) == {"ffhq"}
    assert with_contact["ffhq"]["email"] == "researchinquiries@nvidia.com"
    assert any("ffhq-dataset" in s["url"] for s in find_entry("ffhq").sources)


def test_local_correction_overrides_and_resets():
    entry = edit_entry("LFW", {"contact.email": "privacy@example.org", "status": "withdrawn"})
    assert entry.contact["email"] == "privacy@example.org" and entry.status == "withdrawn"
    assert entry.origin == "corrected" and "contact.email" in entry.corrected
    assert local_path().exists()
    assert find_entry("lfw").custodian.startswith("University of Massachusetts")
    reset_entry("lfw")
    assert find_entry("lfw").contact["email"] == "" and find_entry("lfw").status == "available"


def test_bad_corrections_are_refused():
    with pytest.raises(RegistryError):
        edit_entry("lfw", {"status": "gone"})
    with pytest.raises(RegistryError):
        edit_entry("lfw", {"colour": "red"})
    with pytest.raises(RegistryError):
        find_entry("no such dataset")


def test_user_can_add_an_entry_and_link_a_dataset():
    entry = add_entry("my-set", "My Face Set", "A blog post https://example.org/post", custodian="Example Lab",
                      **{"contact.email": "dpo@example.org"})
    assert entry.origin == "user" and entry.sources[0]["url"] == "https://example.org/post"
    assert find_entry("My Face Set").contact["email"] == "dpo@example.org"
    with pytest.raises(RegistryError):
        add_entry("my-set", "Again", "source")
    store = Store()
    store.db["datasets"].insert({"name": "local copy", "path": "/x", "kind": "folder", "added": "2026-01-01"})
    link_dataset(store, "local copy", "My Face Set")
    assert entry_for_dataset(store, "local copy").id == "my-set"
    assert entry_for_dataset(store, "FFHQ").id == "ffhq"
