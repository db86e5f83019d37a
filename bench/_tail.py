"""The stranger tail of the combined score: an empirical table where strangers are many, an
extreme-value (generalised Pareto) fit below it, as FaceAudit's calibration file holds them."""

from __future__ import annotations

import math

import numpy as np

#: The table's step in t.
GRID_STEP = 0.25
#: The table stops, and the generalised Pareto tail takes over, where this many strangers remain
#: (enough exceedances for a stable fit of the shape; fewer give shapes that swing by +-0.2).
TAIL_EXCEEDANCES = 1000
#: Never let the fitted shape be below this: a negative shape is a bounded tail (no stranger at
#: all beyond some score), which one half of LFW cannot show and a dataset of millions can break.
MIN_SHAPE = 0.0


def fit_gpd(excess: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood generalised Pareto (shape xi, scale sigma) of positive excesses."""
    from scipy.stats import genpareto

    xi, _, sigma = genpareto.fit(excess, floc=0)
    if xi < MIN_SHAPE:
        xi = MIN_SHAPE
        sigma = float(np.mean(excess))  # the exponential's maximum-likelihood scale
    return float(xi), float(sigma)


def fit_table(low_t: np.ndarray, hist: np.ndarray, edges: np.ndarray, pairs: int, top: float = 0.0,
              step: float = GRID_STEP, exceedances: int = TAIL_EXCEEDANCES) -> dict:
    """One tail table from the sorted stranger scores below some level (`low_t`), the histogram
    of all of them (`hist` over `edges`) and the number of pairs.

    The empirical log10 tail on a grid of `step` down to where `exceedances` strangers remain;
    below that point u, the generalised Pareto fit of how far beyond u strangers go.
    """
    p_u = exceedances / pairs
    u = float(low_t[exceedances - 1])
    excess = u - low_t[:exceedances]
    xi, sigma = fit_gpd(excess[excess > 0])
    grid = np.arange(math.ceil(u / step) * step, top + 1e-9, step)
    cumulative = np.concatenate([[0], np.cumsum(hist)])
    from_hist = cumulative[np.clip(np.searchsorted(edges, grid - 1e-9), 0, len(edges) - 1)]
    counts = np.where(grid < low_t[-1], np.searchsorted(low_t, grid, side="right"), from_hist)
    return {"t": [round(float(g), 3) for g in grid],
            "log10_tail": [round(math.log10(c / pairs), 4) for c in counts],
            "strangers": int(pairs),
            "gpd": {"u": round(u, 4), "log10_pu": round(math.log10(p_u), 4), "xi": round(xi, 4),
                    "sigma": round(sigma, 4)}}


def tail_rate(table: dict, t: np.ndarray) -> np.ndarray:
    """P(stranger t <= t) by a table of `fit_table` (the same formula as the app's)."""
    from faceaudit.core.matching.confidence import tail_from_table

    return tail_from_table(table, np.asarray(t, np.float64))
