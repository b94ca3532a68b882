"""TCO stage: the total cost of ownership and $/Mtok of the run's facility-year (pure, no Django).

Runs after the grid stage and reads its summary (devices, racks, critical IT power, the operator's
bill, water, tokens served); the figures come from grid/data/costs.yaml unless the scenario's
``economics`` section overrides them. See grid/tco.py for the method.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grid.tco import CostFigure, TcoError, TcoInputs, total_cost_of_ownership
from grid.tco_allocation import RULE as ALLOCATION_RULE
from grid.tco_allocation import allocate_tco
from planner.engine.schema import ScenarioSpec

GRID_CHARGE_KEYS = ("demand_charge_usd", "capacity_usd", "transmission_usd")


class TcoStageError(ValueError):
    """Bad TCO input; ``field`` is the scenario path."""

    def __init__(self, message: str, *, field: str):
        self.field = field
        super().__init__(message if message.startswith(field) else f"{field}: {message}")


def _accelerator_slug(pool: Any, fallback: str) -> str:
    return pool.accelerator if isinstance(pool.accelerator, str) else str(pool.accelerator.get("slug", fallback))


def _grid_connection(spec: ScenarioSpec, summary: Mapping[str, Any]) -> CostFigure:
    if spec.economics.grid_connection_cost_usd_per_kw is not None:
        return CostFigure(
            spec.economics.grid_connection_cost_usd_per_kw,
            "USD/kW",
            "user override (economics.grid_connection_cost_usd_per_kw)",
        )
    region_figure = summary.get("grid_figures", {}).get("transmission_upgrade_cost_usd_per_kw")
    if not region_figure:
        raise TcoStageError(
            "the region has no transmission_upgrade_cost_usd_per_kw; set economics.grid_connection_cost_usd_per_kw",
            field="economics.grid_connection_cost_usd_per_kw",
        )
    return CostFigure(
        float(region_figure["value"]),
        "USD/kW",
        f"region figure transmission_upgrade_cost_usd_per_kw: {region_figure.get('source', '')}",
        assumption=bool(region_figure.get("assumption", False)),
    )


def check_prices(spec: ScenarioSpec) -> None:
    slugs = {_accelerator_slug(pool, pool.name) for pool in spec.hardware}
    for slug in spec.economics.accelerator_price_usd:
        if slug not in slugs:
            raise TcoStageError(
                f"no hardware pool uses accelerator {slug!r} (pools use: {', '.join(sorted(slugs))})",
                field=f"economics.accelerator_price_usd.{slug}",
            )


def tco_inputs(spec: ScenarioSpec, summary: Mapping[str, Any]) -> TcoInputs:
    """The TCO core's inputs from the scenario and the grid stage's merged summary."""
    devices: dict[str, int] = {}
    for pool in spec.hardware:
        slug = _accelerator_slug(pool, pool.name)
        devices[slug] = devices.get(slug, 0) + int(summary["devices"].get(pool.name, 0))
    bill = summary["operator_cost_breakdown_usd"]
    return TcoInputs(
        devices_by_accelerator=devices,
        racks=int(summary["racks"]),
        critical_it_power_w=float(summary["design_it_power_mw"]) * 1e6,
        peak_facility_power_w=float(summary["peak_facility_power_mw"]) * 1e6,
        cooling=spec.site.cooling,
        region=spec.grid.region_slug,
        energy_cost_usd=float(bill["energy_usd"]),
        grid_charges_usd=float(sum(bill[key] for key in GRID_CHARGE_KEYS)),
        annual_water_m3=float(summary["annual_water_m3"]),
        annual_output_tokens=float(summary["annual_output_tokens"]),
        annual_input_tokens=float(summary.get("annual_input_tokens", 0.0)),
        grid_connection_cost_usd_per_kw=_grid_connection(spec, summary),
        tier=spec.economics.facility_tier,
    )


def by_workload(tco: Mapping[str, Any], summary: Mapping[str, Any]) -> dict[str, Any]:
    """$/Mtok per workload (output, and input + output): the TCO allocated by the stated rule."""
    output = summary.get("annual_output_tokens_by_workload") or {}
    devices = summary.get("devices_by_workload") or {name: 0 for name in output}
    rows = allocate_tco(
        tco_usd_per_year=float(tco["tco_usd_per_year"]),
        devices_by_workload=devices,
        output_tokens_by_workload=output,
        input_tokens_by_workload=summary.get("annual_input_tokens_by_workload") or {},
    )
    total_tokens = float(tco.get("annual_output_tokens") or 0.0) + float(tco.get("annual_input_tokens") or 0.0)
    return {
        "usd_per_million_tokens": float(tco["tco_usd_per_year"]) / (total_tokens / 1e6) if total_tokens > 0 else None,
        "by_workload": {row.workload: row.to_dict() for row in rows},
        "allocation_rule": ALLOCATION_RULE,
    }


def tco_stage(spec: ScenarioSpec, summary: Mapping[str, Any]) -> dict[str, Any]:
    """The ``tco`` block of the run result, with $/Mtok per workload."""
    check_prices(spec)
    try:
        tco = total_cost_of_ownership(inputs=tco_inputs(spec, summary), overrides=spec.economics.overrides())
    except TcoError as error:
        raise TcoStageError(str(error), field=error.field) from None
    tco |= by_workload(tco, summary)
    methods = tco.setdefault("methods", {})
    methods["usd_per_million_tokens"] = "TCO per year ÷ ((prompt + output tokens in the year) / 1e6)"
    methods["by_workload"] = ALLOCATION_RULE
    return tco
