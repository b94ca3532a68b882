"""Discrete search for the hardware mix that minimises a KPI under constraints.

The candidate space is the product of ``choices`` (field path → options) and, with ``shares``,
every split of demand among the listed pools in steps of ``step_frac``. A candidate is feasible
when the engine computes it (a mix that cannot meet the latency targets or does not fit is refused
by the engine with its reason), every ``limits`` KPI is at or under its maximum (site power cap at
the meter = ``peak_facility_power_mw``; budget = ``operator_cost_usd``) and the devices of each
accelerator are within ``max_devices_by_accelerator``. Small spaces are enumerated (every
candidate is a point, fanned out as chunks); large ones are searched by scipy's
differential_evolution over the option indices (``integrality``), infeasible candidates carrying
a penalty above any feasible objective.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

INFEASIBLE_PENALTY = 1e30


def share_splits(pools: Sequence[int], step_frac: float) -> list[dict[str, float]]:
    """Every split of demand among the pools in steps of step_frac, each pool ≥ one step."""
    steps = round(1 / step_frac)
    splits = []
    for parts in itertools.product(range(1, steps + 1), repeat=len(pools)):
        if sum(parts) == steps:
            splits.append(
                {f"hardware[{p}].share_frac": round(n * step_frac, 10) for p, n in zip(pools, parts, strict=True)}
            )
    return splits


@dataclass(frozen=True)
class CandidateSpace:
    dimensions: tuple[tuple[dict[str, Any], ...], ...]  # per dimension: its options as value fragments

    @property
    def size(self) -> int:
        return math.prod(len(options) for options in self.dimensions)

    def point(self, indices: Sequence[int]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for options, index in zip(self.dimensions, indices, strict=True):
            values.update(options[int(index)])
        return values

    def all_points(self) -> list[dict[str, Any]]:
        return [self.point(indices) for indices in itertools.product(*(range(len(d)) for d in self.dimensions))]


def candidate_space(study: Any, document: Mapping[str, Any]) -> CandidateSpace:
    dimensions = [tuple({path: option} for option in options) for path, options in study.choices.items()]
    if study.shares is not None:
        for pool in study.shares.pools:
            if pool >= len(document.get("hardware", [])):
                raise ValueError(f"shares.pools: the scenario has no hardware[{pool}]")
        dimensions.append(tuple(share_splits(study.shares.pools, study.shares.step_frac)))
    return CandidateSpace(dimensions=tuple(dimensions))


def infeasibility(*, kpis: Mapping[str, Any], devices_by_accelerator: Mapping[str, int], error: str, study: Any) -> str:
    """Why a computed candidate is excluded ('' when feasible)."""
    if error:
        return f"refused: {error}"
    reasons = []
    if kpis.get(study.objective) is None:
        reasons.append(f"{study.objective} not computed")
    for name, maximum in study.limits.items():
        value = kpis.get(name)
        if value is None:
            reasons.append(f"{name} not computed")
        elif value > maximum:
            reasons.append(f"{name} {value:.6g} > limit {maximum:g}")
    for slug, maximum in study.max_devices_by_accelerator.items():
        used = devices_by_accelerator.get(slug, 0)
        if used > maximum:
            reasons.append(f"{slug}: {used} devices > {maximum} available")
    return "; ".join(reasons)


@dataclass(frozen=True)
class Ranked:
    best_index: int | None
    feasible: list[int]  # indices, best first
    excluded: dict[int, str] = field(default_factory=dict)


def rank(outcomes: Mapping[int, Any], study: Any) -> Ranked:
    """Order computed candidates by the objective; infeasible ones are excluded with the reason.
    ``outcomes``: index → object with kpis, devices_by_accelerator, error."""
    excluded: dict[int, str] = {}
    feasible: list[tuple[float, int]] = []
    for index, outcome in outcomes.items():
        reason = infeasibility(
            kpis=outcome.kpis, devices_by_accelerator=outcome.devices_by_accelerator, error=outcome.error, study=study
        )
        if reason:
            excluded[index] = reason
        else:
            feasible.append((float(outcome.kpis[study.objective]), index))
    feasible.sort()
    order = [index for _, index in feasible]
    return Ranked(best_index=order[0] if order else None, feasible=order, excluded=excluded)


def search(
    study: Any,
    space: CandidateSpace,
    evaluate_many: Callable[[list[dict[str, Any]]], list[Any]],
    *,
    max_evaluations: int = 400,
) -> tuple[dict[str, Any] | None, dict[tuple[int, ...], Any]]:
    """Differential evolution over option indices (for spaces too large to enumerate).
    ``evaluate_many`` computes a population of candidates at once (it may fan out). Returns the
    best feasible candidate's values (None if none found) and every evaluated outcome."""
    from scipy.optimize import differential_evolution

    seen: dict[tuple[int, ...], Any] = {}
    sizes = [len(d) for d in space.dimensions]

    def key_of(x: np.ndarray) -> tuple[int, ...]:
        return tuple(min(round(v), n - 1) for v, n in zip(x, sizes, strict=True))

    def penalised(outcome: Any) -> float:
        reason = infeasibility(
            kpis=outcome.kpis, devices_by_accelerator=outcome.devices_by_accelerator, error=outcome.error, study=study
        )
        return INFEASIBLE_PENALTY if reason else float(outcome.kpis[study.objective])

    def population_map(func: Callable[[np.ndarray], float], xs: Any) -> list[float]:
        keys = [key_of(np.asarray(x)) for x in xs]
        missing = sorted({k for k in keys if k not in seen})
        for k, outcome in zip(missing, evaluate_many([space.point(k) for k in missing]), strict=True):
            seen[k] = outcome
        return [penalised(seen[k]) for k in keys]

    population = 8
    result = differential_evolution(
        lambda x: 0.0,  # replaced by population_map, which looks candidates up
        bounds=[(0, n - 1) for n in sizes],
        integrality=[True] * len(sizes),
        workers=population_map,
        updating="deferred",
        popsize=population,
        maxiter=max(1, max_evaluations // (population * len(sizes))),
        seed=study.seed,
        polish=False,
        tol=0,
    )
    best_key = key_of(result.x)
    if best_key not in seen or penalised(seen[best_key]) >= INFEASIBLE_PENALTY:
        return None, seen
    return space.point(best_key), seen
