"""How surprising a match is: the expected number of strangers in a dataset who would look as close.

Most faces in a dataset are strangers to the user. For each reference face, the distances
from it to every dataset face therefore show what "a stranger's distance" looks like for
this reference, in this dataset. We put each distance on that scale (a z-score: how many
spreads below the typical stranger), combine the best few references, and ask how many of
the dataset's N faces would score this well by chance: N x P(stranger scores <= z). A
distance of 0.5 gives a small number in a dataset of a thousand faces and a large one in a
dataset of millions, which is the honest answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["NullModel", "fit_null", "expected_lookalikes", "combine", "MIN_EMPIRICAL_FACES", "PRIOR"]

#: Below this many dataset faces the dataset's own distances are too few to describe
#: strangers, and the prior below is used instead.
MIN_EMPIRICAL_FACES = 200

#: Stranger distances for one reference face, measured with `bench/calibrate_prior.py` on
#: 1,289 LFW faces of 900 people (829,586 stranger pairs): median distance, robust spread
#: (1.4826 x MAD), and the median correlation between two photos of one person in how close
#: they find each stranger.
PRIOR = {"loc": 0.820, "scale": 0.089, "rho": 0.88}

_SIMULATION_DRAWS = 20000


@dataclass(frozen=True)
class NullModel:
    """What strangers look like to a set of references in one dataset.

    Attributes:
        loc: per reference, the typical stranger distance.
        scale: per reference, the spread of stranger distances.
        combined_loc: typical combined score of a stranger.
        combined_scale: spread of the combined score of strangers.
        empirical: True when measured on the dataset itself, False when the prior was used.
    """

    loc: np.ndarray
    scale: np.ndarray
    combined_loc: float
    combined_scale: float
    empirical: bool


def combine(z: np.ndarray) -> np.ndarray:
    """One score per dataset face from its z-scores (faces x references): the mean of the
    best three (or fewer), so that agreement of several references counts, not luck of one."""
    k = min(3, z.shape[1])
    best = np.partition(z, k - 1, axis=1)[:, :k] if z.shape[1] > k else z
    return best.mean(axis=1)


def fit_null(distances: np.ndarray) -> NullModel:
    """Describe stranger distances for these references in this dataset.

    Args:
        distances: faces x references distance matrix.
    """
    faces, refs = distances.shape
    if faces >= MIN_EMPIRICAL_FACES:
        loc, scale = _robust(distances)
        combined = combine((distances - loc) / scale)
        c_loc, c_scale = _robust(combined[:, None])
        return NullModel(loc, scale, float(c_loc[0]), float(c_scale[0]), True)
    loc = np.full(refs, PRIOR["loc"], np.float32)
    scale = np.full(refs, PRIOR["scale"], np.float32)
    # Strangers' z-scores against several photos of one person are correlated; simulate them.
    rng = np.random.default_rng(0)
    rho = PRIOR["rho"]
    shared = rng.standard_normal((_SIMULATION_DRAWS, 1))
    own = rng.standard_normal((_SIMULATION_DRAWS, refs))
    simulated = combine(math.sqrt(rho) * shared + math.sqrt(1 - rho) * own)
    return NullModel(loc, scale, float(simulated.mean()), float(simulated.std()), False)


def expected_lookalikes(combined: np.ndarray, null: NullModel, dataset_faces: int) -> np.ndarray:
    """Expected number of strangers among `dataset_faces` who score at least this well."""
    z = (combined - null.combined_loc) / null.combined_scale
    return dataset_faces * _normal_cdf(z)


def _robust(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    loc = np.median(values, axis=0)
    scale = 1.4826 * np.median(np.abs(values - loc), axis=0)
    return loc.astype(np.float32), np.maximum(scale, 1e-3).astype(np.float32)


def _normal_cdf(z: np.ndarray) -> np.ndarray:
    from math import erfc, sqrt

    return np.array([0.5 * erfc(-v / sqrt(2)) for v in np.ravel(z)]).reshape(np.shape(z))
