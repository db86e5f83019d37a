"""The bundled authorities: every EU/EEA national authority, the German federal and Land ones, the UK, Swiss and US
regulators, each with public sources; complaints go to the authority of the sender's residence."""

from __future__ import annotations

import pytest

from faceaudit.core.letters.identity import Identity
from faceaudit.core.letters.jurisdiction import EEA, authorities, complaint_authority
from faceaudit.core.letters.registry import find_entry

LAENDER = ["DE-BW", "DE-BY", "DE-BE", "DE-BB", "DE-HB", "DE-HH", "DE-HE", "DE-MV", "DE-NI", "DE-NW", "DE-RP", "DE-SL",
           "DE-SN", "DE-ST", "DE-SH", "DE-TH"]


def test_every_authority_names_its_sources():
    for authority in authorities().values():
        assert authority.sources, authority.id
        for source in authority.sources:
            assert source["title"] and source["url"].startswith("http"), authority.id
        assert authority.web_form or authority.email or authority.postal, authority.id
        if not authority.postal:
            assert "no source" in authority.note, f"{authority.id}: say why the address is empty"


def test_every_eu_eea_country_has_its_national_authority():
    national = {a.country for a in authorities().values() if "gdpr" in a.laws and not a.region}
    assert national >= EEA
    assert len(EEA) == 30


@pytest.mark.parametrize("region", LAENDER)
def test_each_land_has_its_authority_with_a_postal_address(region):
    authority, why = complaint_authority("gdpr", Identity(country="DE", region=region))
    assert authority is not None and authority.region == region and authority.postal_lines, why


def test_federal_uk_swiss_and_us_authorities_are_bundled():
    known = authorities()
    assert known["de-bund"].country == "DE" and not known["de-bund"].region
    assert known["gb-ico"].postal_lines[0] == "Wycliffe House"
    assert known["ch-fdpic"].country == "CH"
    assert known["us-ca-cppa"].web_form == "https://cppa.ca.gov/webapplications/complaint"
    assert known["us-ca-ag"].region == "US-CA"
    assert known["us-ftc"].web_form == "https://reportfraud.ftc.gov/" and "20580" in known["us-ftc"].postal


@pytest.mark.parametrize("country", sorted(EEA - {"DE"}))
def test_complaints_go_to_the_authority_of_residence(country):
    authority, why = complaint_authority("gdpr", Identity(country=country))
    assert authority is not None and authority.country == country, why


def test_no_authority_is_guessed():
    assert complaint_authority("gdpr", Identity())[0] is None
    none, why = complaint_authority("gdpr", Identity(country="DE"))
    assert none is None and "Land" in why
    swiss, why = complaint_authority("gdpr", Identity(country="CH"))
    assert swiss is None and "FDPIC" in why
    american, why = complaint_authority("gdpr", Identity(country="US", region="US-NY"))
    assert american is None and "outside the EU/EEA" in why
    assert complaint_authority("uk-gdpr", Identity(country="DE"))[0].id == "gb-ico"
    assert complaint_authority("ccpa", Identity(country="US", region="US-CA"))[0].id == "us-ca-cppa"


def test_bavaria_private_sector_authority_unless_the_recipient_is_a_bavarian_public_body():
    assert complaint_authority("gdpr", Identity(country="DE", region="DE-BY"), find_entry("lfw"))[0].id == "de-by-lda"
