"""The token index of a list: every word found again, few false "maybe"s, words never cut between pieces."""

from __future__ import annotations

import numpy as np

from faceaudit.core.datasets import list_index
from faceaudit.core.datasets.list_index import _bloom, _positions, token_hash, token_hashes, tokens_of


def test_tokens_are_words_in_lower_case():
    text = "https://www.Flickr.com/photos/JDoe/8812345678/ 12345678%40N01 Zoë_x"
    assert tokens_of(text) == [b"https", b"www", b"flickr", b"com", b"photos", b"jdoe", b"8812345678", b"12345678",
                               b"40n01", "zoë".encode(), b"x"]
    hashes = set(token_hashes(text.encode()).tolist())
    assert {token_hash(w) for w in (b"jdoe", b"JDOE", b"8812345678", b"40n01")} <= hashes
    assert token_hash(b"jdoe2") not in hashes and token_hash(b"jdo") not in hashes


def test_words_across_pieces_are_whole(monkeypatch):
    monkeypatch.setattr(list_index, "_TOKENISE", 7)
    data = b"abcdefghij klm nopqrstuvwxyz0123 x"
    assert set(token_hashes(data).tolist()) == {token_hash(w) for w in data.split()}


def test_bloom_never_misses_and_rarely_says_maybe():
    rng = np.random.default_rng(3)
    words = [f"w{n}x{rng.integers(10**9)}".encode() for n in range(20000)]
    hashes = np.unique(np.array([token_hash(w) for w in words], np.uint64))
    filt = _bloom(hashes)
    bits = len(filt) * 8

    def maybe(h: int) -> bool:
        positions = _positions(np.array([h], np.uint64), bits).ravel()
        return bool(np.all((filt[positions >> 3] >> (positions & 7)) & 1))

    assert all(maybe(int(h)) for h in hashes)
    others = [token_hash(f"other{n}".encode()) for n in range(20000)]
    assert sum(maybe(h) for h in others) / len(others) < 0.01
