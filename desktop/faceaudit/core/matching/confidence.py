"""How surprising a match is: the expected number of strangers in a dataset who would look as close.

Most faces in a dataset are strangers to the user. For each reference face, the distances
from it to every dataset face therefore show what "a stranger's distance" looks like for
this reference, in this dataset. We put each distance on that scale (a z-score: how many
near-side spreads below the typical stranger), combine the best few references, and ask how
many of the dataset's N faces would score this well by chance: N x P(stranger scores <= z).

P comes from a table measured on LFW (`bench/calibration.py --fit`, shipped in
resources/calibration/stranger_tail.json: aggregate counts only, no faces). Checked on people
the table was not measured on, the estimates are within 1.25x of the strangers seen; the
earlier overall spread (MAD) with a bell curve was up to 260x too confident (docs/accuracy.md).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache

import numpy as np

__all__ = ["StrangerModel", "fit_stranger_model", "expected_lookalikes", "combine", "stranger_tail",
           "MIN_EMPIRICAL_FACES", "PRIOR", "COMBINED_REFERENCES", "TAIL_FILE", "tail_file", "calibration",
           "calibration_value"]

#: Below this many dataset faces the dataset's own distances are too few to describe
#: strangers, and the prior below is used instead.
MIN_EMPIRICAL_FACES = 200

#: Stranger distances for one reference face: median distance and near-side spread, medians
#: over 786 LFW reference people scanned against 7,700 LFW faces (`bench/calibration.py --plot`
#: prints them), and the median correlation between two photos of one person in how close they
#: find each stranger (measured earlier on 1,289 LFW faces of 900 people).
PRIOR = {"loc": 0.807, "scale": 0.083, "rho": 0.88}

#: The combined score is the mean z-score of this many best references (or all, if fewer).
COMBINED_REFERENCES = 3

#: The measured stranger tail of dlib's model, relative to the resources folder.
TAIL_FILE = "calibration/stranger_tail.json"


def tail_file(model: str = "dlib") -> str:
    """The calibration file of a model ("dlib", "mobilefacenet", or "both" for their fusion)."""
    return TAIL_FILE if model == "dlib" else f"calibration/stranger_tail.{model}.json"

#: Faces nearer than this to a reference are left out when describing strangers (about 1 in
#: 5,000 strangers is this close on LFW; most photos of the user are).
OWN_PHOTO_DISTANCE = 0.5

#: The spread of stranger scores is measured between the median and this quantile.
LOWER_QUANTILE = 0.02
_LOWER_Z = 2.0537  # the standard normal's 98% point, so a Gaussian keeps its usual scale

_SIMULATION_DRAWS = 20000


@dataclass(frozen=True)
class StrangerModel:
    """What strangers look like to a set of references in one dataset.

    Attributes:
        loc: per reference, the typical stranger distance.
        scale: per reference, the spread of stranger distances.
        combined_loc: typical combined score of a stranger.
        combined_scale: spread of the combined score of strangers.
        empirical: True when measured on the dataset itself, False when the prior was used.
        references: how many references the combined score averages (picks the tail table).
        model: whose distances these are (picks the calibration file).
    """

    loc: np.ndarray
    scale: np.ndarray
    combined_loc: float
    combined_scale: float
    empirical: bool
    references: int = 1
    model: str = "dlib"


def combine(z: np.ndarray) -> np.ndarray:
    """One score per dataset face from its z-scores (faces x references): the mean of the
    best three (or fewer), so that agreement of several references counts, not luck of one."""
    k = min(COMBINED_REFERENCES, z.shape[1])
    best = np.partition(z, k - 1, axis=1)[:, :k] if z.shape[1] > k else z
    return best.mean(axis=1)


def fit_stranger_model(distances: np.ndarray, model: str = "dlib") -> StrangerModel:
    """Describe stranger distances for these references in this dataset.

    Args:
        distances: faces x references distance matrix.
        model: whose distances (another model's own-photo distance and prior come from its calibration file).
    """
    faces, refs = distances.shape
    used = min(COMBINED_REFERENCES, refs)
    own_photo, prior = calibration(model)
    # Faces this close to a reference are most likely the user's own photos: they would pull
    # the near-side spread towards the user, so the description of strangers leaves them out.
    strangers = distances[distances.min(axis=1) > own_photo]
    if len(strangers) >= MIN_EMPIRICAL_FACES:
        loc, scale = _robust(strangers)
        combined = combine((strangers - loc) / scale)
        c_loc, c_scale = _robust(combined[:, None])
        return StrangerModel(loc, scale, float(c_loc[0]), float(c_scale[0]), True, used, model)
    loc = np.full(refs, prior["loc"], np.float32)
    scale = np.full(refs, prior["scale"], np.float32)
    # Strangers' z-scores against several photos of one person are correlated; simulate them.
    rng = np.random.default_rng(0)
    rho = prior["rho"]
    shared = rng.standard_normal((_SIMULATION_DRAWS, 1))
    own = rng.standard_normal((_SIMULATION_DRAWS, refs))
    simulated = combine(math.sqrt(rho) * shared + math.sqrt(1 - rho) * own)
    c_loc, c_scale = _robust(simulated[:, None])
    return StrangerModel(loc, scale, float(c_loc[0]), float(c_scale[0]), False, used, model)


def expected_lookalikes(combined: np.ndarray, null: StrangerModel, dataset_faces: int) -> np.ndarray:
    """Expected number of strangers among `dataset_faces` who score at least this well."""
    t = (np.asarray(combined, np.float64) - null.combined_loc) / null.combined_scale
    return dataset_faces * stranger_tail(t, null.references, null.model)


def stranger_tail(t: np.ndarray, references: int = 1, model: str = "dlib") -> np.ndarray:
    """P(a stranger's standardised combined score <= t), from the table measured on LFW.

    Between table points the log-probability is interpolated linearly; below the table it
    continues along the slope of its last unit (a heavier tail than a Gaussian's: it errs
    towards more look-alikes); above the table it follows the normal curve.
    """
    grid, log_tail = _table(min(max(references, 1), COMBINED_REFERENCES), model)
    t = np.asarray(t, np.float64)
    inside = np.interp(t, grid, log_tail)
    step = grid[1] - grid[0]
    span = max(1, int(round(1.0 / step)))
    slope = (log_tail[span] - log_tail[0]) / (grid[span] - grid[0])
    below = log_tail[0] + slope * (t - grid[0])
    result = np.where(t < grid[0], below, inside)
    upper = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in np.ravel(t)]).reshape(t.shape) if t.size else t
    result = np.where(t > grid[-1], np.log10(np.maximum(upper, 1e-300)), result)
    return np.minimum(10.0 ** result, 1.0)


@cache
def _calibration_file(model: str) -> dict:
    from faceaudit.core.storage.resources import resources_dir

    return json.loads((resources_dir() / tail_file(model)).read_text())


def calibration(model: str = "dlib") -> tuple[float, dict]:
    """(own-photo distance, prior) of a model: dlib's are above; another model's file carries its own."""
    if model == "dlib":
        return OWN_PHOTO_DISTANCE, PRIOR
    return float(calibration_value(model, "own_photo_distance")), calibration_value(model, "prior")


def calibration_value(model: str, name: str):
    """One value a model's calibration file carries beside its tables."""
    return _calibration_file(model)[name]


@cache
def _table(references: int, model: str = "dlib") -> tuple[np.ndarray, np.ndarray]:
    tables = _calibration_file(model)["tables"]
    table = tables[str(min(references, max(int(k) for k in tables)))]
    return np.asarray(table["t"], np.float64), np.asarray(table["log10_tail"], np.float64)


def _robust(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # The spread is read from the near side only (median to the 2% quantile): what matters is
    # how fast strangers thin out towards small distances, and that differs between references
    # more than the overall spread says (with the MAD, a table fitted on one half of LFW's
    # people was 2-4x off on the other half; with this, within 1.3x).
    loc = np.median(values, axis=0)
    scale = (loc - np.quantile(values, LOWER_QUANTILE, axis=0)) / _LOWER_Z
    return loc.astype(np.float32), np.maximum(scale, 1e-3).astype(np.float32)
