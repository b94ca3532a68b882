"""Constraints a planned deployment must meet, checked on the run's summary.

A run that misses one still computes every figure, but its outcome is "completed — constraints
not met": the figures then describe a plan that breaks the site power cap or leaves demand
unserved, and pages, the API and the reports say so first. Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

# Unserved shares below this are floating-point residue of the hourly dispatch, not a shortfall
# (dimensionless; the dispatch subtracts capacities from demand in float64).
UNSERVED_NUMERICAL_TOLERANCE_FRAC = 1e-9


@dataclass(frozen=True)
class ConstraintViolation:
    kind: str  # "power_cap", "unserved_demand" or "flexibility"
    label: str
    message: str
    limit: float | None  # in `unit`
    value: float | None  # in `unit`
    unit: str
    kpis: tuple[str, ...]  # result-page KPI keys whose meaning the violation changes

    def to_dict(self) -> dict[str, Any]:
        document = asdict(self)
        document["kpis"] = list(self.kpis)
        return document


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def power_cap_violation(summary: Mapping[str, Any]) -> ConstraintViolation | None:
    """Peak facility power at the meter [MW] above the site's power cap [MW]."""
    cap_mw = _number(summary.get("power_cap_mw"))
    peak_mw = _number(summary.get("peak_facility_power_mw"))
    if cap_mw is None or peak_mw is None or peak_mw <= cap_mw:
        return None
    servable = _number(summary.get("servable_demand_frac"))
    message = f"peak facility power {peak_mw:,.1f} MW exceeds the site's power cap of {cap_mw:g} MW"
    if servable is not None:
        message += f"; under the cap the site can serve {100 * servable:.0f}% of the demand"
    return ConstraintViolation(
        kind="power_cap",
        label="Site power cap",
        message=message,
        limit=cap_mw,
        value=peak_mw,
        unit="MW",
        kpis=("peak_mw",),
    )


def unserved_demand_violation(summary: Mapping[str, Any]) -> ConstraintViolation | None:
    """Output tokens demanded over the year that the fleet could not serve [fraction of demand]."""
    unserved = _number(summary.get("unserved_output_tokens_frac"))
    if unserved is None or unserved <= UNSERVED_NUMERICAL_TOLERANCE_FRAC:
        return None
    message = f"the fleet leaves {100 * unserved:.1f}% of the year's demanded output tokens unserved"
    by_workload = summary.get("unserved_output_tokens_frac_by_workload")
    if isinstance(by_workload, Mapping):
        parts = [
            f"{name} {100 * frac:.1f}%"
            for name, frac in by_workload.items()
            if isinstance(frac, int | float) and frac > UNSERVED_NUMERICAL_TOLERANCE_FRAC
        ]
        if parts:
            message += " (" + ", ".join(parts) + ")"
    return ConstraintViolation(
        kind="unserved_demand",
        label="Demand served",
        message=message,
        limit=0.0,
        value=unserved,
        unit="fraction of demand",
        kpis=("annual_gwh", "tokens_per_mw", "tco2e", "operator_cost"),
    )


def flexibility_violation(summary: Mapping[str, Any]) -> ConstraintViolation | None:
    """A grid signal's meter caps the flexibility dispatch cannot meet (its binding constraint named)."""
    flex = summary.get("flexibility_dispatch")
    if not isinstance(flex, Mapping) or flex.get("feasible", True):
        return None
    binding = [b for b in flex.get("binding", []) if isinstance(b, Mapping)]
    short = next((b for b in binding if b.get("constraint") == "event_cap_at_meter"), None)
    return ConstraintViolation(
        kind="flexibility",
        label="Grid events met",
        message="flexible operation: " + str(flex.get("status", "the grid signal's caps cannot be met")),
        limit=0.0,
        value=_number(short.get("max_shortfall_mw")) if short else None,
        unit="MW short at the meter",
        kpis=(),
    )


def constraint_violations(summary: Mapping[str, Any]) -> tuple[ConstraintViolation, ...]:
    """Every constraint the run's summary misses, power cap first."""
    found = (power_cap_violation(summary), unserved_demand_violation(summary), flexibility_violation(summary))
    return tuple(v for v in found if v is not None)
