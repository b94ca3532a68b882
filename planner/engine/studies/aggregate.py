"""A study's summary from its stored points: ranges, percentiles, fan charts, Sobol indices, the best mix.

Points arrive as ``index → PointOutcome``-like objects (``kpis``, ``series``,
``devices_by_accelerator``, ``error``). A point missing or refused is counted and named; it never
disappears from the summary.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import numpy as np

from planner.engine.studies import definition as defs
from planner.engine.studies.kpis import KPIS
from planner.engine.studies.optimise import candidate_outcomes, rank, resolved_method
from planner.engine.studies.pareto import feasible_front
from planner.engine.studies.uncertainty import fan, percentiles, sobol_indices

# The KPIs whose drivers a sensitivity study names (issue 13: peak MW, tCO2e, the household bill).
SENSITIVITY_KPIS = ("peak_facility_power_mw", "location_based_tco2e", "household_bill_usd_per_month")


def _column(outcomes: Mapping[int, Any], total: int, name: str) -> np.ndarray:
    column = np.full(total, np.nan)
    for index, outcome in outcomes.items():
        value = outcome.kpis.get(name) if not outcome.error else None
        if value is not None:
            column[index] = value
    return column


def summarise(
    study: Any, document: Mapping[str, Any], outcomes: Mapping[int, Any], *, planned: Collection[int]
) -> dict[str, Any]:
    """The study's summary; ``planned``: the indices of every point sent (dense 0..n-1 except for a
    searched optimisation)."""
    total = len(planned)
    computed = sum(1 for o in outcomes.values() if not o.error)
    summary: dict[str, Any] = {
        "kind": study.kind,
        "points": total,
        "computed": computed,
        "refused": {str(i): o.error for i, o in sorted(outcomes.items()) if o.error},
        "missing": sorted(i for i in planned if i not in outcomes),
        "constraints_not_met": {str(i): list(o.violations) for i, o in sorted(outcomes.items()) if o.violations},
    }
    if isinstance(study, defs.UncertaintyStudy):
        summary |= _uncertainty(study, document, outcomes, total)
    elif isinstance(study, defs.OptimisationStudy):
        summary |= _optimisation(study, document, outcomes)
    else:
        summary["ranges"] = {
            name: {"min": float(np.nanmin(col)), "max": float(np.nanmax(col))}
            for name in KPIS
            if np.isfinite(col := _column(outcomes, total, name)).any()
        }
    return summary


def _optimisation(study: Any, document: Mapping[str, Any], outcomes: Mapping[int, Any]) -> dict[str, Any]:
    candidates, not_candidates = candidate_outcomes(study, document, outcomes)
    ranked = rank(candidates, study)
    excluded = {**not_candidates, **ranked.excluded}
    out = {
        "method": resolved_method(study),
        "objective": study.objective,
        "best_index": ranked.best_index,
        "feasible": ranked.feasible,
        "excluded": {str(i): reason for i, reason in sorted(excluded.items())},
        "pareto": {"kpis": list(study.pareto), "indices": feasible_front(candidates, study)},
    }
    if out["method"] == "milp":
        from planner.engine.studies.milp import mix_summary

        out["milp"] = mix_summary(study, document, outcomes, ranked.best_index)
    return out


def _uncertainty(study: Any, document: Mapping[str, Any], outcomes: Mapping[int, Any], total: int) -> dict[str, Any]:
    inputs = defs.study_inputs(study, dict(document))
    out: dict[str, Any] = {
        "inputs": [item.model_dump(mode="json") for item in inputs],
        "percentiles": {name: percentiles(_column(outcomes, total, name)) for name in KPIS},
        "fan": {},
    }
    names = sorted({name for o in outcomes.values() for name in o.series})
    for name in names:
        rows = [o.series[name] for o in outcomes.values() if name in o.series and not o.error]
        if rows:
            out["fan"][name] = fan(np.asarray(rows))
    if study.sensitivity:
        out["sobol"] = {}
        for name in SENSITIVITY_KPIS:
            column = _column(outcomes, total, name)
            if not np.isfinite(column).all():
                out["sobol"][name] = {"error": "some points were not computed; Sobol indices need every point"}
                continue
            if np.ptp(column) == 0:
                out["sobol"][name] = {"error": "the KPI does not vary over the samples"}
                continue
            indices = sobol_indices(outputs=column, dimensions=len(inputs), seed=study.seed)
            out["sobol"][name] = {
                "inputs": [item.parameter for item in inputs],
                "first_order": indices.first_order,
                "total_order": indices.total_order,
                "first_order_conf": indices.first_order_conf,
                "total_order_conf": indices.total_order_conf,
            }
    return out


def run_in_process(study: Any, document: Mapping[str, Any]) -> tuple[dict[int, dict[str, Any]], dict[int, Any], dict]:
    """Compute every point here, one after another (CLI, checks, the benchmark's baseline).
    Returns (index → values, index → outcome, summary)."""
    from planner.engine.studies.block import evaluate_block
    from planner.engine.studies.optimise import next_points
    from planner.engine.studies.points import relative_names, study_plan

    relative = relative_names(study, document)
    with_series = isinstance(study, defs.UncertaintyStudy)

    def evaluate_many(batch: list[dict[str, Any]]) -> list[Any]:
        return list(evaluate_block(document, batch, relative=relative, with_series=with_series).outcomes)

    plan = study_plan(study, document)
    outcomes = dict(zip(plan, evaluate_many(list(plan.values())), strict=True))
    if isinstance(study, defs.OptimisationStudy) and study.max_rounds > 0:
        more = next_points(study, document, outcomes)  # the MILP's mixes, re-checked by the engine
        outcomes.update(zip(more, evaluate_many(list(more.values())), strict=True))
        plan.update(more)
    return plan, outcomes, summarise(study, document, outcomes, planned=list(plan))
