"""The hardware mix that minimises a KPI under constraints: enumeration, or a MILP and a re-check.

The candidate space is the product of ``choices`` (field path → options) and, with ``shares``,
every split of demand among the listed pools in steps of ``step_frac`` (a share of 0 leaves the
pool out, unless ``allow_drop`` is false). A candidate is feasible when the engine computes it (a
mix that cannot meet the latency targets or does not fit is refused by the engine with its reason),
every ``limits`` KPI is at or under its maximum (site power cap at the meter =
``peak_facility_power_mw``; budget = ``operator_cost_usd``) and the devices of each accelerator are
within ``max_devices_by_accelerator``.

Two methods, each a round or two of points fanned out as chunks:

- ``exhaustive`` (``auto`` up to ``exhaustive_limit`` candidates): every candidate is a point.
- ``milp`` (``auto`` above it; ``sampled_coordinate``, the coordinate search it replaced, is an
  alias): round 1 computes one *probe* per operating point (a pool at one combination of its
  choices serving all demand alone); the MILP (planner.engine.studies.milp) then finds the best
  mixes and the ε-constraint Pareto front; round 2 re-computes those mixes with the full engine.
  The ranking is over every engine-computed candidate, and the summary reports the gap between
  the MILP's bound and the best re-checked mix.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


def share_splits(pools: Sequence[int], step_frac: float, *, allow_drop: bool = False) -> list[dict[str, float]]:
    """Every split of demand among the pools in steps of step_frac, each pool ≥ one step (or ≥ 0
    with allow_drop: a share of 0 leaves the pool out of the scenario, see params.apply_values)."""
    steps = round(1 / step_frac)
    splits = []
    for parts in itertools.product(range(0 if allow_drop else 1, steps + 1), repeat=len(pools)):
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
        splits = share_splits(study.shares.pools, study.shares.step_frac, allow_drop=study.shares.allow_drop)
        dimensions.append(tuple(splits))
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


# ---- the points of each round -------------------------------------------------------------------


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


def space_size(study: Any) -> int:
    """Candidates in the enumerated space, counted without listing the share splits."""
    size = math.prod(len(options) for options in study.choices.values())
    if study.shares is not None:
        steps, parts = round(1 / study.shares.step_frac), len(study.shares.pools)
        low = 0 if study.shares.allow_drop else 1
        free = steps - parts * low
        size *= math.comb(free + parts - 1, parts - 1) if free >= 0 else 0
    return size


def resolved_method(study: Any) -> str:
    """``exhaustive`` or ``milp`` (auto: enumerate up to exhaustive_limit candidates)."""
    if study.method == "exhaustive" or (study.method == "auto" and space_size(study) <= study.exhaustive_limit):
        return "exhaustive"
    return "milp"


def is_exhaustive(study: Any, space: CandidateSpace | None = None) -> bool:
    return resolved_method(study) == "exhaustive"


def first_round(study: Any, document: Mapping[str, Any]) -> dict[int, dict[str, Any]]:
    """The points computed first: the whole space, or the MILP's probes (one per operating point)."""
    if is_exhaustive(study):
        space = candidate_space(study, document)
        return {flat: space.point(option_indices(space, flat)) for flat in range(space.size)}
    from planner.engine.studies.milp import mix_layout

    layout = mix_layout(study, document)
    probes = {index: values for index, (_, _, values) in enumerate(layout.probes())}
    return probes | {len(probes) + index: values for index, values in enumerate(layout.low_load)}


def next_points(study: Any, document: Mapping[str, Any], outcomes: Mapping[int, Any]) -> dict[int, dict[str, Any]]:
    """The points a further round adds: none for an enumeration; for the MILP, its best mixes and
    Pareto front not computed yet (re-checks by the full engine). Deterministic in the stored
    outcomes, so a recovered run sends the same points under the same indices."""
    if is_exhaustive(study):
        return {}
    from planner.engine.studies.milp import study_mix

    checks = study_mix(study, document, outcomes).checks
    return {index: values for index, values in checks.items() if index not in outcomes}


def candidate_outcomes(study: Any, document: Mapping[str, Any], outcomes: Mapping[int, Any]) -> tuple[dict, dict]:
    """(index → outcome of each candidate the study allows, index → why a point is not one): the
    MILP's probes are candidates only where one pool may serve all demand alone."""
    if is_exhaustive(study):
        return dict(outcomes), {}
    from planner.engine.studies.milp import mix_layout

    layout = mix_layout(study, document)
    probes, first = len(layout.probes()), layout.probe_count()
    # low-load probes (indices probes … first − 1) serve part of the demand: never candidates
    low = "low-load probe (the MILP's dispatch-aware model), not a mix the study allows"
    reason = "operating-point probe (one pool alone), not a mix the study allows"

    def excluded(index: int) -> bool:
        return probes <= index < first or (index < probes and not layout.probes_are_candidates())

    return (
        {i: o for i, o in outcomes.items() if not excluded(i)},
        {
            i: (low if i >= probes else reason) + (f"; refused: {o.error}" if o.error else "")
            for i, o in outcomes.items()
            if excluded(i)
        },
    )
