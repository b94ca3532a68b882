"""A study's summary from its stored points: ranges, percentiles, fan charts, Sobol indices, the best mix.

Points arrive as ``index → PointOutcome``-like objects (``kpis``, ``series``,
``devices_by_accelerator``, ``error``). A point missing or refused is counted and named; it never
disappears from the summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from planner.engine.studies import definition as defs
from planner.engine.studies.kpis import KPIS
from planner.engine.studies.optimise import rank
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


def summarise(study: Any, document: Mapping[str, Any], outcomes: Mapping[int, Any], *, total: int) -> dict[str, Any]:
    computed = sum(1 for o in outcomes.values() if not o.error)
    summary: dict[str, Any] = {
        "kind": study.kind,
        "points": total,
        "computed": computed,
        "refused": {str(i): o.error for i, o in sorted(outcomes.items()) if o.error},
        "missing": [i for i in range(total) if i not in outcomes],
    }
    if isinstance(study, defs.UncertaintyStudy):
        summary |= _uncertainty(study, document, outcomes, total)
    elif isinstance(study, defs.OptimisationStudy):
        ranked = rank(outcomes, study)
        summary |= {
            "objective": study.objective,
            "best_index": ranked.best_index,
            "feasible": ranked.feasible,
            "excluded": {str(i): reason for i, reason in sorted(ranked.excluded.items())},
        }
    else:
        summary["ranges"] = {
            name: {"min": float(np.nanmin(col)), "max": float(np.nanmax(col))}
            for name in KPIS
            if np.isfinite(col := _column(outcomes, total, name)).any()
        }
    return summary


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


def run_in_process(study: Any, document: Mapping[str, Any]) -> tuple[list[dict[str, Any]], dict[int, Any], dict]:
    """Compute every point here, one after another (CLI, embedded checks, benchmarks' baseline)."""
    from planner.engine.studies.points import evaluate_point, relative_names, study_points

    points = study_points(study, document)
    relative = relative_names(study, document)
    with_series = isinstance(study, defs.UncertaintyStudy)
    outcomes = {
        index: evaluate_point(document, values, relative=relative, with_series=with_series)
        for index, values in enumerate(points)
    }
    return points, outcomes, summarise(study, document, outcomes, total=len(points))
