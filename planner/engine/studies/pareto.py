"""The Pareto front of two KPIs over the feasible candidates of an optimisation.

A candidate *dominates* another when it is at least as good in both KPIs and strictly better in
one; the front is every candidate no other candidate dominates. "Good" is lower, except for KPIs
registered with ``higher_is_better`` (e.g. output tokens per second per MW). Identical candidates
do not dominate each other: both stay on the front.

O(n log n): sort by the first KPI (ties by the second), then a candidate is on the front when its
second KPI is below the running minimum of the candidates before it (or equals that minimum at an
identical first KPI).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from planner.engine.studies.kpis import KPIS
from planner.engine.studies.optimise import rank

# Cost against carbon (issue 13): TCO per million output tokens vs market-based emissions.
DEFAULT_PAIR: tuple[str, str] = ("usd_per_million_output_tokens", "market_based_tco2e")


def pareto_mask(first: Sequence[float], second: Sequence[float]) -> np.ndarray:
    """True where the point (first[i], second[i]) is non-dominated, both minimised."""
    x = np.asarray(first, dtype=float)
    y = np.asarray(second, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("pareto: the two KPI columns must be 1-D and the same length")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("pareto: every value must be a finite number")
    mask = np.zeros(x.size, dtype=bool)
    if x.size == 0:
        return mask
    order = np.lexsort((y, x))  # by x, then y
    xs, ys = x[order], y[order]
    before = np.concatenate(([np.inf], np.minimum.accumulate(ys)[:-1]))  # min y of the points sorted before
    better = ys < before
    # A point equal to the running minimum stays only if the point holding it is identical
    # (same x as well): a smaller x with the same y would dominate it.
    first_at = np.concatenate(([True], xs[1:] != xs[:-1]))  # first of a group of equal x
    group_start = np.maximum.accumulate(np.where(first_at, np.arange(xs.size), 0))
    group_min_before = before[group_start]  # the running minimum before this x group
    tie = (ys == before) & (ys < group_min_before) & (xs == xs[group_start])
    mask[order] = better | tie
    return mask


def feasible_front(outcomes: Mapping[int, Any], study: Any, pair: Sequence[str] | None = None) -> list[int]:
    """Indices of the feasible candidates (``optimise.rank``) on the front of ``pair`` (default:
    the study's ``pareto``), ordered by the first KPI. Candidates missing either KPI are left out."""
    chosen: Sequence[str] = DEFAULT_PAIR if pair is None else pair
    if pair is None and hasattr(study, "pareto"):
        chosen = study.pareto
    first, second = chosen
    for name in (first, second):
        if name not in KPIS:
            raise ValueError(f"pareto: unknown KPI {name!r}")
    sign = [(-1.0 if KPIS[name].higher_is_better else 1.0) for name in (first, second)]
    indices: list[int] = []
    xs: list[float] = []
    ys: list[float] = []
    for index in rank(outcomes, study).feasible:
        kpis = outcomes[index].kpis
        if kpis.get(first) is None or kpis.get(second) is None:
            continue
        indices.append(index)
        xs.append(sign[0] * float(kpis[first]))
        ys.append(sign[1] * float(kpis[second]))
    mask = pareto_mask(xs, ys)
    front = [(xs[i], ys[i], index) for i, index in enumerate(indices) if mask[i]]
    return [index for _, _, index in sorted(front)]
