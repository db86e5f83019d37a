"""The band limits hold their design rates at 1M and 5.8M faces, on LFW people the calibration never saw.

Every shipped calibration (resources/calibration/<model>/: dlib's, MobileFaceNet's and the fusion's,
"both") is checked against its own `heldout_<model>.json`, the held-out half's aggregate
(bench/bands_at_scale.py --model M --write-heldout: stranger pairs per bin of the combined score t,
no faces); the calibration is the shipped one, fitted on the other half (bench/calibration.py
--fit). A dataset of N faces puts a band's limit L at the t* where N x P(t*) = L; the strangers a
scan lets in are N x the held-out share of stranger pairs at or below t* (its own tail fit where
fewer than 10 pairs are that low).

Identities the same way (`identity`: the held-out half's stranger identity pairs per bin of
log(centre distance), per size class): at 85,000 identities (MS1M's count) a band's limit sits at
the distance d* where 85,000 x P(d*) = L, and the stranger identities a scan lets in are 85,000 x
the held-out share at or below d*.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from faceaudit.core.faces.model_files import EMBEDDING_MODEL
from faceaudit.core.matching import confidence
from faceaudit.core.matching.bands import POSSIBLE_EXPECTED, STRONG_EXPECTED
from faceaudit.core.matching.identities import MIN_PHOTOS, identity_model, identity_tail
from faceaudit.core.storage.resources import resources_dir

#: Every shipped calibration folder (dlib's under its model file's name).
SHIPPED = sorted(p.parent.name for p in (resources_dir() / "calibration").glob("*/stranger_tail.json"))
HELDOUT = {model: json.loads(path.read_text()) for model in SHIPPED
           if (path := Path(__file__).with_name(f"heldout_{model}.json")).exists()}
MIN_SEEN = 10


def test_every_shipped_calibration_has_its_heldout_aggregate():
    assert {EMBEDDING_MODEL, "mobilefacenet", "both"} <= set(SHIPPED)
    assert set(HELDOUT) == set(SHIPPED)
    for model, aggregate in HELDOUT.items():
        assert aggregate["model"] == model


def _threshold(faces: int, limit: float, k: int, model: str = EMBEDDING_MODEL) -> float:
    lo, hi = -60.0, 6.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if faces * confidence.stranger_tail(np.array([mid]), k, model)[0] <= limit:
            lo = mid
        else:
            hi = mid
    return lo


def _heldout_rate(x: float, edges: list, counts: list, pairs: int, fit: dict) -> float:
    """The held-out share of stranger pairs at or below x; its own tail fit where under MIN_SEEN are."""
    seen = float(np.interp(x, np.array(edges), np.concatenate([[0], np.cumsum(counts)])))
    if seen >= MIN_SEEN:
        return seen / pairs
    own_tail = {"t": [fit["u"], fit["u"] + 1], "log10_tail": [fit["log10_pu"], 0.0], "gpd": fit}
    return float(confidence.tail_from_table(own_tail, np.array([x]))[0])


def _strangers_per_scan(model: str, k: int, faces: int, limit: float) -> float:
    aggregate = HELDOUT[model]
    entry = aggregate["k"][str(k)]
    return faces * _heldout_rate(_threshold(faces, limit, k, model), aggregate["edges"], entry["strangers_near"],
                                 entry["stranger_pairs"], entry["tail_fit"])


@pytest.mark.parametrize("model", SHIPPED)
def test_the_aggregate_holds_no_faces(model):
    for entry in HELDOUT[model]["k"].values():
        assert set(entry) == {"stranger_pairs", "scans", "own_photos", "strangers_near", "own_near",
                              "own_near_above", "tail_fit"}
        assert len(entry["strangers_near"]) == len(HELDOUT[model]["edges"]) - 1
        assert entry["stranger_pairs"] > 1_000_000


@pytest.mark.parametrize("model", SHIPPED)
@pytest.mark.parametrize("faces", [1_000_000, 5_800_000])
@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("limit", [STRONG_EXPECTED, POSSIBLE_EXPECTED])
def test_strangers_per_scan_stay_within_twice_the_design(model, faces, k, limit):
    ratio = _strangers_per_scan(model, k, faces, limit) / limit
    assert ratio <= 2.0, f"{model}, {faces:,} faces, {k} reference(s): {ratio:.2f}x the design {limit}"
    if k == 1 and model == EMBEDDING_MODEL:
        # One reference: 34M held-out stranger pairs reach these rates, and dlib's tail is not
        # needlessly heavy either (that would cost recall). With three, the held-out half's own
        # tail is lighter than the calibration's (shape 0 against 0.06): the bands err on the safe side.
        # MobileFaceNet's and the fusion's fitted tails are heavier than their held-out halves' (shape
        # 0.26 and 0.24 against 0.21 and 0.17), so their strong band lets in 0.1-0.2x the design at
        # these sizes: safe, at a cost in recall (docs/accuracy.md 2c).
        assert ratio >= 0.5, f"{model}, {faces:,} faces, {k} reference(s): {ratio:.2f}x the design {limit}"


#: Identities are weighed by one model's centre distance (`identities.identity_model`: MobileFaceNet's
#: wherever it takes part, dlib's alone); each model that weighs identities has an identity part.
IDENTITIES = 85_000
IDENTITY_MODELS = [m for m in SHIPPED if "identity" in HELDOUT[m] and m != "both"]


def test_each_model_that_weighs_identities_has_its_identity_aggregate():
    assert {EMBEDDING_MODEL, identity_model(["mobilefacenet"])} <= set(IDENTITY_MODELS)


def _identity_limit(photos: int, limit: float, model: str) -> float:
    lo, hi = 1e-6, 2.0
    for _ in range(60):
        mid = (lo * hi) ** 0.5
        if IDENTITIES * identity_tail(np.array([mid]), np.array([photos]), model)[0] <= limit:
            lo = mid
        else:
            hi = mid
    return lo


def _stranger_identities(model: str, entry: dict, limit: float) -> float:
    log_d = float(np.log(_identity_limit(entry["photos"][0], limit, model)))
    aggregate = HELDOUT[model]["identity"]
    return IDENTITIES * _heldout_rate(log_d, aggregate["edges"], entry["strangers"], entry["pairs"],
                                      entry["tail_fit"])


@pytest.mark.parametrize("model", IDENTITY_MODELS)
@pytest.mark.parametrize("limit", [STRONG_EXPECTED, POSSIBLE_EXPECTED])
def test_stranger_identities_stay_within_twice_the_design(model, limit):
    classes = [c for c in HELDOUT[model]["identity"]["classes"] if (c["photos"][1] or MIN_PHOTOS) >= MIN_PHOTOS]
    assert classes and all(c["pairs"] > 100_000 for c in classes)
    for entry in classes:
        ratio = _stranger_identities(model, entry, limit) / limit
        assert ratio <= 2.0, f"{model}, identities of {entry['photos']} photos: {ratio:.2f}x the design {limit}"


def _own_found(model: str, limit: float) -> float:
    aggregate = HELDOUT[model]["identity"]
    assert aggregate["own_photos_min"] >= 5
    edges, own = np.array(aggregate["edges"]), np.array(aggregate["own"])
    return own[edges[1:] <= np.log(_identity_limit(aggregate["own_photos_min"], limit, model))].sum() / own.sum()


@pytest.mark.parametrize("model", IDENTITY_MODELS)
def test_identities_of_five_photos_or_more_are_found_in_possible(model):
    """The held-out people (>= 5 photos in the dataset, 3 references): at least 95 % within possible."""
    assert _own_found(model, POSSIBLE_EXPECTED) >= 0.95


def test_the_model_that_weighs_identities_by_default_finds_95_percent_in_strong():
    """Issue 23's goal: identities of >= 5 photos, 3 references, 85,000 identities: >= 95 % in strong
    (binned: an own identity counts when its whole bin lies within the limit, so this errs low)."""
    assert _own_found(identity_model(["dlib", "mobilefacenet"]), STRONG_EXPECTED) >= 0.95
