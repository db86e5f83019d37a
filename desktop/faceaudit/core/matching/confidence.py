"""How surprising a match is: the expected number of strangers in a dataset who would look as close.

Most faces in a dataset are strangers to the user. For each reference face, the distances
from it to every dataset face therefore show what "a stranger's distance" looks like for
this reference, in this dataset. We put each distance on that scale (a z-score: how many
near-side spreads below the typical stranger), combine the best few references, and ask how
many of the dataset's N faces would score this well by chance: N x P(stranger scores <= z).

P comes from a calibration measured on LFW per face model (`bench/calibration.py --fit`,
shipped as resources/calibration/<model>/stranger_tail.json: aggregate counts only, no faces):
an empirical table where strangers are many, and below it a generalised Pareto (extreme-value)
tail, which holds the band limits at millions of faces where a straight-line extension of the
table let up to 32x too many strangers in (docs/accuracy.md, bench/bands_at_scale.py).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from faceaudit.core.faces.model_files import EMBEDDING_MODEL

__all__ = ["StrangerModel", "fit_stranger_model", "expected_lookalikes", "combine", "stranger_tail",
           "tail_from_table", "tail_file", "MIN_EMPIRICAL_FACES", "PRIOR", "COMBINED_REFERENCES", "TAIL_FILE",
           "calibration", "calibration_value"]

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

#: The measured stranger tail of a face model, relative to the resources folder.
TAIL_FILE = "calibration/{model}/stranger_tail.json"

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
        model: whose distances these are (picks the calibration; None: dlib's).
    """

    loc: np.ndarray
    scale: np.ndarray
    combined_loc: float
    combined_scale: float
    empirical: bool
    references: int = 1
    model: str | None = None


def combine(z: np.ndarray) -> np.ndarray:
    """One score per dataset face from its z-scores (faces x references): the mean of the
    best three (or fewer), so that agreement of several references counts, not luck of one."""
    k = min(COMBINED_REFERENCES, z.shape[1])
    best = np.partition(z, k - 1, axis=1)[:, :k] if z.shape[1] > k else z
    return best.mean(axis=1)


def fit_stranger_model(distances: np.ndarray, model: str | None = None) -> StrangerModel:
    """Describe stranger distances for these references in this dataset.

    Args:
        distances: faces x references distance matrix.
        model: whose distances (None: dlib's); another model's own-photo distance and prior come from its
            calibration file.
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


def expected_lookalikes(combined: np.ndarray, null: StrangerModel, dataset_faces: int,
                        model: str | None = None) -> np.ndarray:
    """Expected number of strangers among `dataset_faces` who score at least this well."""
    t = (np.asarray(combined, np.float64) - null.combined_loc) / null.combined_scale
    return dataset_faces * stranger_tail(t, null.references, model or null.model)


def stranger_tail(t: np.ndarray, references: int = 1, model: str | None = None) -> np.ndarray:
    """P(a stranger's standardised combined score <= t), from the face model's calibration."""
    return tail_from_table(_table(min(max(references, 1), COMBINED_REFERENCES), model or EMBEDDING_MODEL),
                           np.asarray(t, np.float64))


def tail_from_table(table: dict, t: np.ndarray) -> np.ndarray:
    """P(stranger t' <= t) by one calibration table.

    Between table points the log-probability is interpolated linearly. Below the table's first
    point u, the generalised Pareto tail: P = P(u) (1 + xi (u - t) / sigma) ** (-1 / xi), the
    extreme-value law of how far beyond a low threshold the lowest scores go (fitted on the
    strangers beyond u). A table without one (an old file) continues along the slope of its first
    unit. Above the table, the normal curve.
    """
    grid, log_tail = np.asarray(table["t"], np.float64), np.asarray(table["log10_tail"], np.float64)
    inside = np.interp(t, grid, log_tail)
    gpd = table.get("gpd")
    if gpd:
        excess = np.maximum(gpd["u"] - t, 0.0)
        xi, sigma = gpd["xi"], gpd["sigma"]
        if xi > 1e-9:
            shape = -np.log10(1.0 + xi * excess / sigma) / xi
        else:
            shape = -excess / sigma / math.log(10)
        below = gpd["log10_pu"] + shape
        start = gpd["u"]
        inside = np.where(t < grid[0], np.interp(t, [start, grid[0]], [gpd["log10_pu"], log_tail[0]]), inside)
    else:
        step = grid[1] - grid[0]
        span = max(1, int(round(1.0 / step)))
        slope = (log_tail[span] - log_tail[0]) / (grid[span] - grid[0])
        start = grid[0]
        below = log_tail[0] + slope * (t - grid[0])
    result = np.where(t < start, below, inside)
    upper = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in np.ravel(t)]).reshape(t.shape) if t.size else t
    result = np.where(t > grid[-1], np.log10(np.maximum(upper, 1e-300)), result)
    return np.minimum(10.0 ** result, 1.0)


def tail_file(model: str | None = None) -> str:
    """The calibration file of a face model ("dlib" or None: dlib's; "mobilefacenet"; "both" for their fusion),
    relative to the resources folder."""
    return TAIL_FILE.format(model=EMBEDDING_MODEL if model in (None, "dlib") else model)


@cache
def _calibration_file(model: str) -> dict:
    from faceaudit.core.storage.resources import resources_dir

    return json.loads((resources_dir() / tail_file(model)).read_text())


def calibration(model: str | None = None) -> tuple[float, dict]:
    """(own-photo distance, prior) of a model: dlib's are above; another model's file carries its own."""
    if model in (None, "dlib", EMBEDDING_MODEL):
        return OWN_PHOTO_DISTANCE, PRIOR
    return float(calibration_value(model, "own_photo_distance")), calibration_value(model, "prior")


def calibration_value(model: str, name: str):
    """One value a model's calibration file carries beside its tables."""
    return _calibration_file(model)[name]


@cache
def _table(references: int, model: str) -> dict:
    from faceaudit.core.storage.resources import resources_dir

    path = resources_dir() / tail_file(model)
    if not path.exists():
        raise LookupError(f"no stranger calibration for the face model {model}")
    tables = json.loads(path.read_text())["tables"]
    return tables[str(min(references, max(int(k) for k in tables)))]


def _robust(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # The spread is read from the near side only (median to the 2% quantile): what matters is
    # how fast strangers thin out towards small distances, and that differs between references
    # more than the overall spread says (with the MAD, a table fitted on one half of LFW's
    # people was 2-4x off on the other half; with this, within 1.3x).
    loc = np.median(values, axis=0)
    scale = (loc - np.quantile(values, LOWER_QUANTILE, axis=0)) / _LOWER_Z
    return loc.astype(np.float32), np.maximum(scale, 1e-3).astype(np.float32)
