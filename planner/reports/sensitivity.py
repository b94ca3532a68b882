"""One-at-a-time sensitivity of the key results: the engine re-run with one input at −20 % and +20 %.

Inputs varied: demand (every workload's request rate), the region's energy price, average
carbon intensity and capacity price (as grid overrides). Results: peak facility MW, annual
facility MWh, location-based tCO2e, operator cost and the household bill (headline view).
"""

from __future__ import annotations

import copy
import logging
import time
from typing import Any

from planner.reports.units import fmt

logger = logging.getLogger(__name__)

STEP_FRAC = 0.2
TIME_BUDGET_S = 3.0
OUTPUTS = (
    ("peak_facility_power_mw", "Peak facility power [MW]"),
    ("annual_facility_energy_mwh", "Annual facility energy [MWh]"),
    ("carbon.location_based_tco2e", "Location-based emissions [tCO2e]"),
    ("operator_cost_usd", "Operator cost [USD/year]"),
    ("household_bill_usd_per_month.total_usd_per_month", "Household bill change [USD/month]"),
)
GRID_FIGURES = (
    ("energy_price_usd_per_mwh", "Energy price"),
    ("carbon_intensity_g_per_kwh", "Average carbon intensity"),
    ("capacity_price_usd_per_mw_day", "Capacity price"),
)


def _demand(document: dict[str, Any], factor: float) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    for workload in changed["workloads"]:
        for key in ("peak_requests_per_s", "requests_per_day"):
            if workload.get(key) is not None:
                workload[key] = workload[key] * factor
    return changed


def _override(document: dict[str, Any], name: str, value: float) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed.setdefault("grid", {}).setdefault("overrides", {})[name] = value
    return changed


def _variants(inputs: dict[str, Any], result: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], dict]]:
    out = []
    for factor in (1 - STEP_FRAC, 1 + STEP_FRAC):
        out.append(("Demand (request rates)", f"×{factor:g}", _demand(inputs, factor), {}))
    figures = result.get("grid_figures") or {}
    for name, label in GRID_FIGURES:
        base = (figures.get(name) or {}).get("value")
        if not isinstance(base, int | float) or isinstance(base, bool):
            continue
        overrides = (inputs.get("grid") or {}).get("overrides") or {}
        base = overrides.get(name, base)
        for factor in (1 - STEP_FRAC, 1 + STEP_FRAC):
            value = base * factor
            out.append(
                (label, f"{fmt(float(value))} {figures[name].get('unit', '')}", _override(inputs, name, value), {})
            )
    return out


def _value(document: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        if not isinstance(document, dict):
            return None
        document = document.get(part)
    return document


def sensitivity_rows(*, inputs: dict[str, Any], result: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per (input, level): the changed value and each output with its change in %."""
    from planner.engine.runner import run_scenario
    from planner.engine.schema import ScenarioError, parse_scenario

    started = time.perf_counter()
    rows = []
    for label, level, document, _ in _variants(inputs, result):
        row: dict[str, Any] = {"input": label, "level": level, "outputs": [], "note": ""}
        if time.perf_counter() - started > TIME_BUDGET_S:
            row["note"] = f"not computed: the report's sensitivity time budget ({TIME_BUDGET_S:g} s) was spent"
            rows.append(row)
            continue
        try:
            variant = run_scenario(parse_scenario(document)).to_dict(hourly=False)
        except (ScenarioError, ValueError, ArithmeticError) as error:
            row["note"] = f"not computed: {error}"
            rows.append(row)
            continue
        for path, name in OUTPUTS:
            base, new = _value(result, path), _value(variant, path)
            if not isinstance(base, int | float) or not isinstance(new, int | float):
                continue
            change = (new - base) / abs(base) * 100 if base else None
            row["outputs"].append(
                {"name": name, "value": fmt(float(new)), "change_pct": "" if change is None else f"{change:+.1f} %"}
            )
        rows.append(row)
    return rows
