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
              "FairFace", "FaceScrub", "PubFig", "YouTube Faces", "Diversity in Faces", "WIDER FACE", "LAION-Face",
              "IMDB-WIKI", "CelebA-HQ", "VGG Face", "Adience", "YFCC100M"]


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


#: Entries whose publishers state a contact for requests, and the source that states it.
DOCUMENTED_CONTACTS = {
    "ffhq": ("researchinquiries@nvidia.com", "ffhq-dataset"),
    "celeba-hq": ("privacy@nvidia.com", "datenanfragen"),
    "clarifai": ("privacy@clarifai.com", "clarifai.com/privacy-policy"),
    "clearview-ai": ("legal-requests@clearview.ai", "clearview-ai.json"),
    "pimeyes": ("office@pimeyes.com", "tosdr.org"),
    "multi-pie": ("privacy@andrew.cmu.edu", "sei.cmu.edu/legal/privacy-notice"),
    "dukemtmc": ("privacy@duke.edu", "oarc.duke.edu/privacy"),
    "agedb": ("", "imperial.ac.uk/continuing-professional-development"),  # the DPO's postal address
    "ms-celeb-1m": ("", "datenanfragen/data/blob/master/companies/microsoft.json"),  # postal and web form
    "casual-conversations": ("", "datenanfragen/data/blob/master/companies/facebook.json"),
    "dfdc": ("", "datenanfragen/data/blob/master/companies/facebook.json"),
    "pipa": ("", "datenanfragen/data/blob/master/companies/facebook.json"),
    "diversity-in-faces": ("", "datenanfragen/data/blob/master/companies/ibm.json"),
    "yfcc100m": ("dpo-contact@yahooinc.com", "datenanfragen/data/blob/master/companies/verizon-media.json"),
    "pubfig": ("", "cuit.columbia.edu/privacy-notice"),  # the controller's postal address
    "laion-400m": ("", "bud-e.ai"),  # the association's postal address
    "laion-5b": ("", "bud-e.ai"),
    "feret": ("foia@nist.gov", "nist.gov/office-director/freedom-information-act"),
    "ijb-a": ("foia@nist.gov", "nist.gov/office-director/freedom-information-act"),
    "ijb-b": ("foia@nist.gov", "nist.gov/office-director/freedom-information-act"),
    "ijb-c": ("foia@nist.gov", "nist.gov/office-director/freedom-information-act"),
    "vgg-face": ("vgg-webmasters@robots.ox.ac.uk", "robots.ox.ac.uk/~vgg/terms/dataset-privacy-notice"),
    "vggface2": ("vgg-webmasters@robots.ox.ac.uk", "robots.ox.ac.uk/~vgg/terms/dataset-privacy-notice"),
    "voxceleb": ("vgg-webmasters@robots.ox.ac.uk", "robots.ox.ac.uk/~vgg/terms/dataset-privacy-notice"),
    "oxford-town-centre": ("data.protection@admin.ox.ac.uk", "admin.ox.ac.uk/councilsec/compliance/dataprotection"),
    "megaface": ("uwprivacy@uw.edu", "washington.edu/online/privacy"),
    "brainwash": ("privacy@stanford.edu", "stanford.edu/site/privacy"),
    "utkface": ("privacy@tennessee.edu", "tennessee.edu/privacy"),
    "imdb-face": ("cloud9166@gmail.com", "github.com/fwang91/IMDb-Face"),  # the dataset's own removal contact
}

#: The share of datasets whose custodian has a sourced data-protection contact that the bundled registry reaches.
CONTACT_SHARE_REACHED = 0.56


def test_registry_contacts_are_only_documented_ones():
    with_contact = {e.id: e for e in list_entries() if e.has_contact}
    assert set(with_contact) == set(DOCUMENTED_CONTACTS)
    for entry_id, (email, source) in DOCUMENTED_CONTACTS.items():
        entry = with_contact[entry_id]
        assert entry.contact["email"] == email
        assert any(source in s["url"] for s in entry.sources), entry_id


def _bundled() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((resources_dir() / "datasets").glob("*.json"))]


def _has_contact(data: dict) -> bool:
    return any(data["contact"].get(key) for key in ("email", "postal", "web_form"))


def test_most_datasets_name_a_sourced_contact_and_one_custodian_one_answer():
    datasets = [d for d in _bundled() if d.get("entry_kind", "dataset") == "dataset"]
    with_contact = [d for d in datasets if _has_contact(d)]
    assert len(with_contact) / len(datasets) >= CONTACT_SHARE_REACHED, (len(with_contact), len(datasets))
    for data in with_contact:
        contact = data["contact"]
        # The source that states the contact names its e-mail or its street line in its title.
        stated = contact["email"] or (contact["postal"].splitlines() or [""])[0]
        assert stated and any(stated in s["title"] for s in data["sources"]), data["id"]
    # A custodian's datasets share its answer: all with a contact or none.
    by_custodian: dict[str, set[bool]] = {}
    for data in datasets:
        by_custodian.setdefault(data["custodian"], set()).add(_has_contact(data))
    assert all(len(answers) == 1 for answers in by_custodian.values()), by_custodian


def test_no_bundled_entry_names_a_source_twice():
    for data in _bundled():
        keys = [(s.get("url") or s["title"]).rstrip("/") for s in data["sources"]]
        assert len(keys) == len(set(keys)), data["id"]


def test_registry_facts_are_corrected_and_sourced():
    datasets = [e for e in list_entries() if e.entry_kind == "dataset"]
    assert len(list_entries()) >= 45 and len(datasets) >= 40
    for name in ("VoxCeleb", "CACD", "AgeDB", "MORPH", "FERET", "Multi-PIE", "RFW", "Oxford Town Centre", "PIPA",
                 "IMDb-Face", "DukeMTMC", "UCCS", "Brainwash", "Casual Conversations", "DFDC"):
        assert find_entry(name).entry_kind == "dataset" and find_entry(name).sources, name
    for name in ("LAION-Face", "IMDB-WIKI", "CelebA-HQ", "VGG Face", "Adience", "YFCC100M", "MS1M-ArcFace", "MS1MV3",
                 "Glint360K", "WebFace260M"):
        assert find_entry(name).entry_kind == "dataset", name
    ijbc = find_entry("IJB-C")
    assert ijbc.status == "withdrawn" and "14 March 2023" in ijbc.status_note
    assert any("nist.gov" in s["url"] for s in ijbc.sources)
    vgg2 = find_entry("VGGFace2")
    assert vgg2.status == "withdrawn" and "December 2020" in vgg2.status_note
    assert any("vgg_face2/issues/50" in s["url"] for s in vgg2.sources)
    megaface = find_entry("MegaFace")
    assert "4,753,320 faces" in megaface.size and "3,311,471 photos" in megaface.size and megaface.status == "withdrawn"
    assert find_entry("CelebA-HQ").custodian == "NVIDIA Corporation"
    # Derivatives of MS-Celeb-1M are their own entries: a letter about them never goes to Microsoft.
    for name in ("MS1M-ArcFace", "MS1MV2", "MS1MV3", "Glint360K", "WebFace260M"):
        entry = find_entry(name)
        assert entry.id != "ms-celeb-1m" and "Microsoft" not in entry.custodian, name
    assert not {"MS1MV2", "MS1M-ArcFace"} & set(find_entry("ms-celeb-1m").aliases)


def test_organisations_are_in_the_registry_with_sources():
    from faceaudit.core.letters.registry import find_organisation, list_organisations

    assert {"okcupid", "match-group", "clarifai", "clearview-ai", "pimeyes"} <= {e.id for e in list_organisations()}
    okcupid, clarifai = find_organisation("OkCupid"), find_organisation("Clarifai")
    assert okcupid.entry_kind == "platform" and clarifai.entry_kind == "developer"
    shared = okcupid.events_of("shared-photos", "clarifai")[0]
    received = clarifai.events_of("received-photos", "okcupid")[0]
    assert shared["year"] == received["year"] == 2014 and "ftc.gov" in shared["source"]["url"]
    assert clarifai.events_of("deletion-reported", "okcupid")
    with pytest.raises(RegistryError):
        find_organisation("lfw")  # a dataset, not an organisation


def test_every_entry_says_what_kind_of_body_holds_it():
    for entry in list_entries():
        assert entry.custodian_kind in ("company", "university", "public-body", "other"), entry.id
        assert entry.entry_kind in ("dataset", "platform", "developer"), entry.id
        assert not entry.custodian_country or len(entry.custodian_country) == 2, entry.id


def test_unknown_fields_are_kept():
    from faceaudit.core.letters.registry import _blank, _entry

    entry = _entry({**_blank("x"), "name": "X", "distribution": {"form": "link-list"}})
    assert entry.as_dict()["distribution"] == {"form": "link-list"}


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
