"""My identifiers: what a person can type, how each is kept, and one photo whatever address form points at it."""

from __future__ import annotations

import hashlib

import pytest

from faceaudit.core.matching.identifiers import (
    IdentifierError,
    IdentifierKind,
    add_identifier,
    add_photo_hashes,
    list_identifiers,
    parse_identifier,
    remove_identifier,
)
from faceaudit.core.matching.urls import base58_decode, base58_encode, flickr_ref, name_forms, under, url_key
from faceaudit.core.storage.store import Store

PHOTO = "8812345678"
SAME_PHOTO = [
    f"https://farm9.staticflickr.com/8123/{PHOTO}_0a1b2c3d4e_b.jpg",
    f"http://farm9.static.flickr.com/8123/{PHOTO}_0a1b2c3d4e.jpg",
    f"live.staticflickr.com/65535/{PHOTO}_9f8e7d6c5b_o.jpg?x=1#top",
    f"https://c2.staticflickr.com/9/8123/{PHOTO}_0a1b2c3d4e_z_d.jpg",
    f"https://www.flickr.com/photos/friendly_cat/{PHOTO}/in/photostream/",
    f"//m.flickr.com/photos/12345678%40N01/{PHOTO}",
    f"https://flic.kr/p/{base58_encode(int(PHOTO))}",
    f"https://www.flickr.com/photo.gne?id={PHOTO}",
]


@pytest.mark.parametrize("address", SAME_PHOTO)
def test_every_address_form_names_the_same_photo(address):
    assert flickr_ref(address).photo == PHOTO


@pytest.mark.parametrize("address, owner", [
    ("https://www.flickr.com/photos/JDoe/", "jdoe"),
    ("flickr.com/people/12345678@N01", "12345678@n01"),
    ("https://www.flickr.com/photos/12345678%40N01/albums/7215", "12345678@n01"),
    (f"https://www.flickr.com/photos/jdoe/{PHOTO}/", "jdoe"),
])
def test_accounts_in_addresses(address, owner):
    assert flickr_ref(address).owner == owner


@pytest.mark.parametrize("address", [
    "https://www.flickr.com/photos/tags/jdoe/", "https://example.com/photos/jdoe/1/", "Jane Doe", "ftp://flickr.com/x",
    f"https://farm9.staticflickr.com/8123/{PHOTO}.jpg",  # no secret: not a Flickr photo file name
])
def test_what_is_not_a_flickr_photo_or_account(address):
    ref = flickr_ref(address)
    assert ref is None or (ref.photo is None and ref.owner is None)


def test_base58_round_trip():
    for number in (1, 57, 58, 8812345678, 53_000_000_000):
        assert base58_decode(base58_encode(number)) == number
    assert base58_decode("0OIl") is None  # letters flic.kr never uses


def test_generic_addresses_and_pages_below_them():
    profile = url_key("https://www.Example.org/people/jane-doe/")
    assert profile == "example.org/people/jane-doe"
    assert under(url_key("http://example.org/people/jane-doe/photo.jpg?size=l"), profile)
    assert under(url_key("example.org/people/jane%2Ddoe"), profile)  # an escaped unreserved character
    assert not under(url_key("https://example.org/people/jane-doe2/photo.jpg"), profile)
    assert not under(url_key("https://example.net/people/jane-doe/x.jpg"), profile)
    exact = url_key("https://example.org/photo.php?id=12")
    assert under(url_key("https://example.org/photo.php?id=12"), exact)
    assert not under(url_key("https://example.org/photo.php?id=123"), exact)


def test_names_are_compared_whole():
    assert name_forms("Doe, Jane") == {"doe, jane", "jane doe"}
    assert name_forms("JANE_DOE") == {"jane doe"}
    assert "jane doe" not in name_forms("Jane Doerr")


@pytest.mark.parametrize("text, kind, value", [
    ("flickr:jdoe", IdentifierKind.FLICKR_ACCOUNT, "jdoe"),
    ("flickr:12345678@n01", IdentifierKind.FLICKR_ACCOUNT, "12345678@n01"),
    ("https://www.flickr.com/photos/JDoe/", IdentifierKind.FLICKR_ACCOUNT, "jdoe"),
    (f"flickr:https://www.flickr.com/photos/friendly_cat/{PHOTO}/", IdentifierKind.FLICKR_PHOTO, PHOTO),
    (f"url:https://live.staticflickr.com/65535/{PHOTO}_9f8e7d6c5b_b.jpg", IdentifierKind.FLICKR_PHOTO, PHOTO),
    ("url:https://www.example.org/people/jane-doe/", IdentifierKind.URL, "example.org/people/jane-doe"),
    ('name:"Jane  Doe"', IdentifierKind.NAME, "jane doe"),
    ("name:Zoë Ångström", IdentifierKind.NAME, "zoë ångström"),
    ("sha256:" + "AB" * 32, IdentifierKind.SHA256, "ab" * 32),
    ("cd" * 16, IdentifierKind.MD5, "cd" * 16),
])
def test_parse(text, kind, value):
    found = parse_identifier(text)
    assert (found.kind, found.value) == (kind, value)


@pytest.mark.parametrize("text, words", [
    ("jdoe", "not an identifier"), ("flickr:", "Flickr user name"), ("url:https://example.org", "whole site"),
    ("url:https://www.flickr.com/explore", "neither a photo nor a profile"), ("sha256:abc", "64 hexadecimal"),
    ("name:x", "give a name"), ("url:not an address", "not a web address"),
])
def test_parse_refuses_with_a_reason(text, words):
    with pytest.raises(IdentifierError, match=words):
        parse_identifier(text)


def test_identifiers_are_kept_once_and_removed(data_home):
    with Store() as store:
        first = add_identifier(store, "flickr:JDoe")
        again = add_identifier(store, "https://www.flickr.com/photos/jdoe/")
        assert first.id == again.id and first.label == "flickr:JDoe"
        add_identifier(store, 'name:"Jane Doe"')
        assert [i.kind for i in list_identifiers(store)] == [IdentifierKind.FLICKR_ACCOUNT, IdentifierKind.NAME]
        remove_identifier(store, first.id)
        assert [i.value for i in list_identifiers(store)] == ["jane doe"]
        with pytest.raises(IdentifierError, match="no identifier"):
            remove_identifier(store, first.id)


def test_reference_photos_hashes_are_identifiers(data_home):
    data = b"a reference photo"
    with Store() as store:
        with store.transaction():
            store.conn.execute("INSERT INTO reference_photos (name, sha256, md5, added) VALUES (?, ?, ?, 'now')",
                               ["me.jpg", hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest()])
            store.conn.execute("INSERT INTO reference_photos (name, sha256, added) VALUES ('old.jpg', ?, 'now')",
                               ["AA" * 32])  # kept before MD5s were: only its SHA-256
        found = {(i.kind, i.value): i for i in list_identifiers(store)}
        sha256 = found[(IdentifierKind.SHA256, hashlib.sha256(data).hexdigest())]
        assert sha256.label == "sha256 of reference photo me.jpg"
        assert (IdentifierKind.MD5, hashlib.md5(data).hexdigest()) in found
        assert (IdentifierKind.SHA256, "aa" * 32) in found
        assert all(i.source == "reference-photo" and i.id is None for i in found.values())


def test_a_folder_of_photos_gives_only_hashes(data_home, tmp_path):
    folder = tmp_path / "uploads"
    (folder / "2014").mkdir(parents=True)
    (folder / "2014" / "IMG_1.JPG").write_bytes(b"one")
    (folder / "b.png").write_bytes(b"two")
    (folder / "notes.txt").write_bytes(b"not a photo")
    with Store() as store:
        *steps, last = add_photo_hashes(store, folder)
        assert (last.photos, last.added) == (2, 4)
        rows = store.query("SELECT kind, value, label, source FROM my_identifiers ORDER BY id")
        assert {r["value"] for r in rows} == {hashlib.sha256(b"one").hexdigest(), hashlib.md5(b"one").hexdigest(),
                                              hashlib.sha256(b"two").hexdigest(), hashlib.md5(b"two").hexdigest()}
        assert all("IMG" not in r["label"] and "png" not in r["label"] for r in rows)  # no file names kept
        *_, again = add_photo_hashes(store, folder)
        assert (again.photos, again.added) == (2, 0)
        with pytest.raises(IdentifierError, match="not a folder"):
            list(add_photo_hashes(store, tmp_path / "missing"))
