"""Quasi-Monte Carlo sampling of stated distributions, percentiles and Sobol indices.

Samples are drawn on the unit hypercube (scrambled Sobol' sequence or Latin hypercube,
scipy.stats.qmc) and mapped through each input's inverse CDF, so every sample lies within the
distribution's bounds. Sobol indices use Saltelli's design and estimator via SALib
(Saltelli et al. 2010, Comput. Phys. Commun. 181:259; Herman & Usher 2017, JOSS 2(9):97).
Because the inputs are independent, Sobol indices are invariant to the inverse-CDF transform:
the design is drawn on [0, 1]^d and transformed, the analysis runs on the unit problem.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.stats import qmc

from planner.engine.schema_uncertainty import Distribution, LogNormal, Normal, Triangular, Uniform

PERCENTILES = (10, 50, 90)


def unit_samples(*, dimensions: int, samples: int, method: str, seed: int) -> np.ndarray:
    """(samples, dimensions) points in [0, 1): scrambled Sobol' (samples a power of 2) or LHS."""
    if method == "sobol":
        exponent = round(math.log2(samples))
        if 2**exponent != samples:
            raise ValueError(f"samples: {samples} is not a power of 2, which Sobol' sequences need")
        return qmc.Sobol(d=dimensions, scramble=True, seed=seed).random_base2(exponent)
    if method == "lhs":
        return qmc.LatinHypercube(d=dimensions, seed=seed).random(samples)
    raise ValueError(f"method: unknown sampling method {method!r}")


def inverse_cdf(distribution: Distribution, u: np.ndarray) -> np.ndarray:
    """Values of the distribution at probabilities ``u`` (vectorised; normal and log-normal truncated)."""
    u = np.asarray(u, dtype=float)
    if isinstance(distribution, Uniform):
        return distribution.low + u * (distribution.high - distribution.low)
    if isinstance(distribution, Triangular):
        width = distribution.high - distribution.low
        shape = (distribution.mode - distribution.low) / width
        return np.asarray(stats.triang.ppf(u, shape, loc=distribution.low, scale=width))
    if isinstance(distribution, Normal):
        a = (distribution.low - distribution.mean) / distribution.sd
        b = (distribution.high - distribution.mean) / distribution.sd
        return np.asarray(stats.truncnorm.ppf(u, a, b, loc=distribution.mean, scale=distribution.sd))
    if isinstance(distribution, LogNormal):
        centre = math.log(distribution.median)
        a = (math.log(distribution.low) - centre) / distribution.sigma
        b = (math.log(distribution.high) - centre) / distribution.sigma
        return np.exp(stats.truncnorm.ppf(u, a, b, loc=centre, scale=distribution.sigma))
    raise TypeError(f"unknown distribution {distribution!r}")


def transform(unit: np.ndarray, distributions: Sequence[Distribution]) -> np.ndarray:
    """Map unit-hypercube points column by column through each distribution's inverse CDF."""
    return np.column_stack([inverse_cdf(dist, unit[:, j]) for j, dist in enumerate(distributions)])


def saltelli_unit(*, dimensions: int, base_samples: int, seed: int) -> np.ndarray:
    """Saltelli's design on [0, 1]^d (first and total order): base_samples × (d + 2) rows."""
    from SALib.sample import sobol as sobol_sample  # type: ignore[import-untyped]

    problem = _unit_problem(dimensions)
    return np.asarray(sobol_sample.sample(problem, base_samples, calc_second_order=False, seed=seed))


def _unit_problem(dimensions: int) -> dict:
    return {"num_vars": dimensions, "names": [f"x{j}" for j in range(dimensions)], "bounds": [[0.0, 1.0]] * dimensions}


@dataclass(frozen=True)
class SobolIndices:
    first_order: list[float]
    total_order: list[float]
    first_order_conf: list[float]
    total_order_conf: list[float]


def sobol_indices(*, outputs: np.ndarray, dimensions: int, seed: int = 0) -> SobolIndices:
    """First- and total-order Sobol indices of outputs computed on ``saltelli_unit``'s design."""
    from SALib.analyze import sobol as sobol_analyze  # type: ignore[import-untyped]

    result = sobol_analyze.analyze(
        _unit_problem(dimensions), np.asarray(outputs, dtype=float), calc_second_order=False, seed=seed
    )
    return SobolIndices(
        first_order=[float(v) for v in result["S1"]],
        total_order=[float(v) for v in result["ST"]],
        first_order_conf=[float(v) for v in result["S1_conf"]],
        total_order_conf=[float(v) for v in result["ST_conf"]],
    )


def percentiles(values: np.ndarray) -> dict[str, float | None]:
    """P10/P50/P90 over the finite values (None when there are none)."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return {f"p{q}": None for q in PERCENTILES}
    return {f"p{q}": float(v) for q, v in zip(PERCENTILES, np.percentile(finite, PERCENTILES), strict=True)}


def fan(series: np.ndarray) -> dict[str, list[float]]:
    """P10/P50/P90 across points, element by element, of (points, length) series."""
    array = np.asarray(series, dtype=float)
    # The same quantiles; np.nanpercentile goes column by column in Python even without a NaN.
    nan = np.isnan(array).any()
    bands = np.nanpercentile(array, PERCENTILES, axis=0) if nan else np.percentile(array, PERCENTILES, axis=0)
    return {f"p{q}": np.round(band, 4).tolist() for q, band in zip(PERCENTILES, bands, strict=True)}
