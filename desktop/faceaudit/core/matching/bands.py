"""Confidence bands: strong, possible and weak, from expected look-alikes and distance.

See docs/accuracy.md, "How confidence works". The limits on expected strangers are calibrated
on LFW (bench/calibration.py).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Band", "band_of", "stranger_share", "MATCH_DISTANCE", "SAME_PHOTO_DISTANCE", "STRONG_EXPECTED",
           "POSSIBLE_EXPECTED", "WEAK_EXPECTED", "POSSIBLE_SHARE_OF_STRANGERS", "match_distance"]


class Band(StrEnum):
    """How convincing a candidate is, most convincing first."""

    STRONG = "strong"
    POSSIBLE = "possible"
    WEAK = "weak"
    LISTED = "listed"  # a row of a list of links names me: no face, so no confidence; never a face's band


#: The model's own threshold: faces of one person lie within 0.6 of each other.
MATCH_DISTANCE = 0.6
#: A copy of one of my photos gives an almost identical embedding (the scan's exact-photo check
#: and the erasure check both use it).
SAME_PHOTO_DISTANCE = 0.35
#: Band limits on the expected number of strangers this close (see docs/accuracy.md, "How
#: confidence works"). The estimates are calibrated on LFW (bench/calibration.py).
STRONG_EXPECTED = 0.01
POSSIBLE_EXPECTED = 0.5
WEAK_EXPECTED = 5.0
#: Also "possible": a face with fewer than 1 in 5 strangers expected among the candidates ranked
#: up to it (expected look-alikes / rank, the Benjamini-Hochberg false discovery rate). When a
#: dataset holds many photos of me, the closest few dozen faces are mostly me, and a face ranked
#: among them is likely me even where a stranger or two could look as close.
POSSIBLE_SHARE_OF_STRANGERS = 0.2


def stranger_share(expected_sorted: np.ndarray) -> np.ndarray:
    """For faces in rank order, the expected share of strangers among the faces ranked up to
    each (step-up: never more than that of a face ranked lower)."""
    import numpy as np  # here: Band is the CLI's vocabulary, and `faceaudit --help` loads no numpy

    if len(expected_sorted) == 0:
        return expected_sorted
    share = expected_sorted / np.arange(1, len(expected_sorted) + 1)
    return np.minimum.accumulate(share[::-1])[::-1]


def match_distance(model: str = "dlib") -> float:
    """A model's own threshold for "one person" (another model's is in its calibration file, measured
    by bench/calibration.py --fit: the distance that as many LFW strangers pass as pass dlib's 0.6)."""
    if model == "dlib":
        return MATCH_DISTANCE
    from faceaudit.core.matching.confidence import calibration_value

    return float(calibration_value(model, "match_distance"))


def band_of(expected: float, minimum: float, share: float = 1.0, limit: float = MATCH_DISTANCE) -> Band | None:
    """The band of a face: `expected` strangers as close, its `minimum` distance (under the model's `limit`
    to be strong or possible), and `share`, the expected share of strangers up to its rank."""
    if expected <= STRONG_EXPECTED and minimum <= limit:
        return Band.STRONG
    if minimum <= limit and (expected <= POSSIBLE_EXPECTED or
                             (share <= POSSIBLE_SHARE_OF_STRANGERS and expected <= WEAK_EXPECTED)):
        return Band.POSSIBLE
    if expected <= WEAK_EXPECTED or minimum <= limit:
        return Band.WEAK
    return None
