"""A study as a list of points, and the computation of one point by the one runner.

A point is ``values``: field path or parameter name → the value it takes there. The points of a
study depend only on its definition and base scenario (samples are seeded), so any worker can
compute any point and a re-run recomputes exactly the points that are missing.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from planner.engine.schema import ScenarioError
from planner.engine.studies import definition as defs
from planner.engine.studies.kpis import read_kpis, read_series
from planner.engine.studies.optimise import first_round, is_exhaustive, space_size
from planner.engine.studies.params import apply_values, resolve_path
from planner.engine.studies.uncertainty import saltelli_unit, transform, unit_samples


def grid_points(vary: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of the varied values, the first path varying slowest."""
    paths = list(vary)
    return [dict(zip(paths, combination, strict=True)) for combination in itertools.product(*vary.values())]


def uncertainty_points(study: defs.UncertaintyStudy, document: Mapping[str, Any]) -> list[dict[str, Any]]:
    inputs = defs.study_inputs(study, dict(document))
    for item in inputs:
        resolve_path(item.parameter)  # a parameter that waits for another issue is refused by name
    distributions = [item.distribution for item in inputs]
    if study.sensitivity:
        unit = saltelli_unit(dimensions=len(inputs), base_samples=study.samples, seed=study.seed)
    else:
        unit = unit_samples(dimensions=len(inputs), samples=study.samples, method=study.method, seed=study.seed)
    values = transform(unit, distributions)
    names = [item.parameter for item in inputs]
    return [{name: float(v) for name, v in zip(names, row, strict=True)} for row in values]


def study_plan(study: Any, document: Mapping[str, Any]) -> dict[int, dict[str, Any]]:
    """The points a study computes first, by index (the index is the point's identity; for an
    optimisation it is the candidate's position in the enumerated space, or the MILP's probe, so
    that the re-check round adds points without renumbering)."""
    if isinstance(study, defs.SweepStudy):
        return dict(enumerate(grid_points(study.vary)))
    if isinstance(study, defs.UncertaintyStudy):
        return dict(enumerate(uncertainty_points(study, document)))
    if isinstance(study, defs.OptimisationStudy):
        size = space_size(study)
        if is_exhaustive(study) and size > defs.MAX_STUDY_POINTS:
            raise ValueError(
                f"choices: {size} candidates, more than the {defs.MAX_STUDY_POINTS} a study enumerates; "
                "use method auto or milp"
            )
        plan = first_round(study, document)
        if len(plan) > defs.MAX_STUDY_POINTS:
            raise ValueError(
                f"choices: {len(plan)} operating points, more than the {defs.MAX_STUDY_POINTS} a study probes"
            )
        return plan
    raise TypeError(f"unknown study {study!r}")


def study_points(study: Any, document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The first points of a study in index order."""
    plan = study_plan(study, document)
    return [plan[index] for index in sorted(plan)]


def relative_names(study: Any, document: Mapping[str, Any]) -> frozenset[str]:
    if isinstance(study, defs.UncertaintyStudy):
        return frozenset(i.parameter for i in defs.study_inputs(study, dict(document)) if i.mode == "relative")
    return frozenset()


@dataclass(frozen=True)
class PointOutcome:
    kpis: dict[str, Any] = field(default_factory=dict)
    series: dict[str, list[float]] = field(default_factory=dict)
    devices_by_accelerator: dict[str, int] = field(default_factory=dict)
    error: str = ""
    # Constraints the computed scenario misses (planner.engine.constraints messages): site power
    # cap, unserved demand. The figures are computed, but the plan is not feasible as it stands.
    violations: tuple[str, ...] = ()


def evaluate_point(
    document: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    relative: frozenset[str] = frozenset(),
    with_series: bool = False,
) -> PointOutcome:
    """Compute one point. A variant the schema or engine refuses is an outcome with its reason
    (its row stays in the table); anything else raises, so that the caller may retry."""
    from planner.engine.checks import checked_scenario
    from planner.engine.runner import run_scenario

    try:
        variant = apply_values(document, values, relative=relative)
        # The one validation of a run (the form's, the API's): schema, catalog names, the engine's
        # fit and latency, the server layout, derived demand bounds; the reason is stored on the point.
        result = run_scenario(checked_scenario(variant), with_inputs=False)
    except ScenarioError as error:
        return PointOutcome(error=str(error))
    except ValueError as error:  # sweep paths, catalog, engine and facility errors name their field
        return PointOutcome(error=str(error))
    return outcome_of(variant, result, with_series=with_series)


def outcome_of(variant: Mapping[str, Any], result: Any, *, with_series: bool) -> PointOutcome:
    """What a study keeps of a computed point: KPIs, daily series, devices per accelerator, violations."""
    devices = result.summary.get("devices") or {}
    by_accelerator: dict[str, int] = {}
    for pool in variant["hardware"]:
        slug = pool["accelerator"] if isinstance(pool["accelerator"], str) else str(pool["accelerator"].get("slug"))
        by_accelerator[slug] = by_accelerator.get(slug, 0) + int(devices.get(pool["name"], 0))
    return PointOutcome(
        kpis=read_kpis(result.summary),
        series=read_series(result) if with_series else {},
        devices_by_accelerator=by_accelerator,
        violations=tuple(str(v["message"]) for v in result.constraints),
    )
