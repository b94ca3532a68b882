"""Discrete search for the hardware mix that minimises a KPI under constraints.

The candidate space is the product of ``choices`` (field path → options) and, with ``shares``,
every split of demand among the listed pools in steps of ``step_frac``. A candidate is feasible
when the engine computes it (a mix that cannot meet the latency targets or does not fit is refused
by the engine with its reason), every ``limits`` KPI is at or under its maximum (site power cap at
the meter = ``peak_facility_power_mw``; budget = ``operator_cost_usd``) and the devices of each
accelerator are within ``max_devices_by_accelerator``. Small spaces are enumerated (every
candidate is a point, fanned out as chunks); large ones are searched by a
documented heuristic whose every round fans out: a Latin-hypercube sample of ``exhaustive_limit``
candidates, then rounds of coordinate refinement (every unexplored candidate that differs from the
best feasible one in one dimension) until no neighbour is left or ``max_rounds`` is reached. It finds
a coordinate-wise optimum, not necessarily the global one; scipy's differential_evolution was not
used because its population map is synchronous, which a chord of chunk tasks is not.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


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


def candidate_space(study: Any, document: Mapping[str, Any]) -> CandidateSpace:
    dimensions = [tuple({path: option} for option in options) for path, options in study.choices.items()]
    if study.shares is not None:
        for pool in study.shares.pools:
            if pool >= len(document.get("hardware", [])):
                raise ValueError(f"shares.pools: the scenario has no hardware[{pool}]")
        dimensions.append(tuple(share_splits(study.shares.pools, study.shares.step_frac)))
    return CandidateSpace(dimensions=tuple(dimensions))


def infeasibility(
    *,
    kpis: Mapping[str, Any],
    devices_by_accelerator: Mapping[str, int],
    error: str,
    study: Any,
    violations: Sequence[str] = (),
) -> str:
    """Why a computed candidate is excluded ('' when feasible); ``violations``: the constraints the
    engine says the scenario misses (its own site power cap, unserved demand)."""
    if error:
        return f"refused: {error}"
    reasons = [f"constraint not met: {message}" for message in violations]
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
            kpis=outcome.kpis,
            devices_by_accelerator=outcome.devices_by_accelerator,
            error=outcome.error,
            study=study,
            violations=getattr(outcome, "violations", ()),
        )
        if reason:
            excluded[index] = reason
        else:
            feasible.append((float(outcome.kpis[study.objective]), index))
    feasible.sort()
    order = [index for _, index in feasible]
    return Ranked(best_index=order[0] if order else None, feasible=order, excluded=excluded)


# ---- large spaces: sampled starts, then coordinate refinement, each round fanned out ------------


def flat_index(space: CandidateSpace, indices: Sequence[int]) -> int:
    """Mixed-radix position of a candidate in the enumerated space (its point index)."""
    flat = 0
    for options, index in zip(space.dimensions, indices, strict=True):
        flat = flat * len(options) + int(index)
    return flat


def option_indices(space: CandidateSpace, flat: int) -> tuple[int, ...]:
    indices = []
    for options in reversed(space.dimensions):
        flat, index = divmod(flat, len(options))
        indices.append(index)
    return tuple(reversed(indices))


def sampled_candidates(space: CandidateSpace, *, samples: int, seed: int) -> list[int]:
    """A Latin-hypercube sample of the option indices (each dimension's options evenly covered)."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(space.dimensions), seed=seed).random(samples)
    sizes = np.array([len(d) for d in space.dimensions])
    picks = np.minimum((unit * sizes).astype(int), sizes - 1)
    return sorted({flat_index(space, row) for row in picks})


def coordinate_neighbours(space: CandidateSpace, flat: int) -> list[int]:
    """Every candidate that differs from this one in exactly one dimension."""
    base = option_indices(space, flat)
    out = []
    for dim, options in enumerate(space.dimensions):
        for option in range(len(options)):
            if option != base[dim]:
                out.append(flat_index(space, (*base[:dim], option, *base[dim + 1 :])))
    return out


def next_round(study: Any, space: CandidateSpace, outcomes: Mapping[int, Any]) -> list[int]:
    """The candidates a search round adds: none when the space was enumerated; else the unexplored
    coordinate neighbours of the best feasible candidate so far (none left: the search has
    converged to a coordinate-wise optimum). With no feasible candidate yet, nothing more is tried."""
    if is_exhaustive(study, space):
        return []
    best = rank(outcomes, study).best_index
    if best is None:
        return []
    return [flat for flat in coordinate_neighbours(space, best) if flat not in outcomes]


def is_exhaustive(study: Any, space: CandidateSpace) -> bool:
    return study.method == "exhaustive" or (study.method == "auto" and space.size <= study.exhaustive_limit)


def first_round(study: Any, space: CandidateSpace) -> dict[int, dict[str, Any]]:
    """The points computed first: the whole space, or a Latin-hypercube sample of exhaustive_limit."""
    if is_exhaustive(study, space):
        return {flat: space.point(option_indices(space, flat)) for flat in range(space.size)}
    flats = sampled_candidates(space, samples=study.exhaustive_limit, seed=study.seed)
    return {flat: space.point(option_indices(space, flat)) for flat in flats}


def search(
    study: Any, space: CandidateSpace, evaluate_many: Callable[[list[dict[str, Any]]], list[Any]], *, max_rounds: int
) -> dict[int, Any]:
    """The whole search in one process (the Django layer runs the same rounds as chords)."""
    outcomes: dict[int, Any] = {}
    batch = first_round(study, space)
    for _ in range(max_rounds + 1):
        flats = list(batch)
        outcomes.update(zip(flats, evaluate_many([batch[f] for f in flats]), strict=True))
        more = next_round(study, space, outcomes)
        if not more:
            break
        batch = {flat: space.point(option_indices(space, flat)) for flat in more}
    return outcomes
