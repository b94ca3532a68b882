"""What a study reads off each computed point: KPIs (numbers) and daily series (for fan charts).

A registry, so that other parts add theirs when they land (``register_kpi``): e.g. the TCO
per million tokens of issue 12 registers ``tco_usd_per_mtok`` reading its summary section.
A KPI whose extractor finds nothing gives None (not 0): the table shows it as missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.engine.result import ScenarioResult

HOURS_PER_DAY = 24


@dataclass(frozen=True)
class Kpi:
    name: str
    unit: str
    label: str
    read: Callable[[Mapping[str, Any]], Any]  # summary → number or None
    higher_is_better: bool = False  # the Pareto front maximises such a KPI (every other is minimised)


def _at(*keys: str) -> Callable[[Mapping[str, Any]], Any]:
    def read(summary: Mapping[str, Any]) -> Any:
        node: Any = summary
        for key in keys:
            if not isinstance(node, Mapping) or key not in node:
                return None
            node = node[key]
        return node

    return read


def _devices(summary: Mapping[str, Any]) -> Any:
    devices = summary.get("devices")
    return sum(devices.values()) if isinstance(devices, Mapping) else None


KPIS: dict[str, Kpi] = {}


def register_kpi(kpi: Kpi) -> None:
    KPIS[kpi.name] = kpi


for _kpi in (
    Kpi("peak_facility_power_mw", "MW", "peak facility power at the meter", _at("peak_facility_power_mw")),
    Kpi("annual_facility_energy_mwh", "MWh", "facility energy, final year", _at("annual_facility_energy_mwh")),
    Kpi("annual_pue", "", "annual PUE", _at("annual_pue")),
    Kpi("annual_water_m3", "m³", "site water use", _at("annual_water_m3")),
    Kpi("devices", "", "accelerators", _devices),
    Kpi("servers", "", "servers", _at("servers")),
    Kpi(
        "facility_energy_per_output_token_j",
        "J/token",
        "facility energy per output token",
        _at("facility_energy_per_output_token_j"),
    ),
    Kpi("unserved_output_tokens_frac", "", "demand not served", _at("unserved_output_tokens_frac")),
    Kpi("location_based_tco2e", "tCO2e", "emissions, location-based", _at("carbon", "location_based_tco2e")),
    Kpi("market_based_tco2e", "tCO2e", "emissions, market-based", _at("carbon", "market_based_tco2e")),
    Kpi("operator_cost_usd", "USD/year", "operator electricity cost", _at("operator_cost_usd")),
    Kpi("tco_usd_per_year", "USD/year", "total cost of ownership per year", _at("tco", "tco_usd_per_year")),
    Kpi(
        "usd_per_million_output_tokens",
        "USD/Mtok",
        "TCO per million output tokens",
        _at("tco", "usd_per_million_output_tokens"),
    ),
    Kpi(
        "usd_per_million_tokens",
        "USD/Mtok",
        "TCO per million tokens, prompt + output",
        _at("tco", "usd_per_million_tokens"),
    ),
    Kpi(
        "output_tokens_per_s_per_mw",
        "tokens/s/MW",
        "output tokens per second per MW of peak",
        _at("tco", "output_tokens_per_s_per_mw"),
        higher_is_better=True,
    ),
    Kpi(
        "household_bill_usd_per_month",
        "USD/month",
        "household bill impact",
        _at("household_bill_usd_per_month", "total_usd_per_month"),
    ),
    # Flexible operation (planner/engine/flex_stage.py): None for a scenario without a flexibility section.
    Kpi("flex_firm_mw", "MW", "firm MW at the meter in grid events", _at("flexibility_dispatch", "firm_mw")),
    Kpi(
        "flex_cost_usd_per_year",
        "USD/year",
        "cost of flexibility",
        _at("flexibility_dispatch", "cost_of_flexibility_usd_per_year"),
    ),
    Kpi(
        "flex_lost_mtok",
        "Mtok/year",
        "output tokens lost in grid events",
        _at("flexibility_dispatch", "tokens", "lost_mtok"),
    ),
):
    register_kpi(_kpi)


@dataclass(frozen=True)
class Series:
    name: str
    unit: str
    label: str
    hourly: str  # key of ScenarioResult.hourly
    reduce: str  # "max" or "sum" or "mean" over each day
    scale: float = 1.0


SERIES: dict[str, Series] = {}


def register_series(series: Series) -> None:
    SERIES[series.name] = series


for _series in (
    Series("daily_peak_facility_power_mw", "MW", "daily peak facility power", "facility_power_mw", "max"),
    Series("daily_location_tco2e", "tCO2e/day", "daily emissions", "location_carbon_kg", "sum", 1e-3),
):
    register_series(_series)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float | np.number) and not isinstance(value, bool) else None


def read_kpis(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The registered KPIs, then each workload's $/Mtok as ``usd_per_million_output_tokens[<workload>]``
    and ``usd_per_million_tokens[<workload>]`` (the TCO allocated by device-seconds; in the point's KPIs)."""
    out: dict[str, Any] = {kpi.name: _number(kpi.read(summary)) for kpi in KPIS.values()}
    by_workload = _at("tco", "by_workload")(summary)
    if isinstance(by_workload, Mapping):
        for name, row in by_workload.items():
            for key in ("usd_per_million_output_tokens", "usd_per_million_tokens"):
                out[f"{key}[{name}]"] = _number(row.get(key)) if isinstance(row, Mapping) else None
    return out


def read_series(result: ScenarioResult) -> dict[str, list[float]]:
    """Each registered series reduced to days (365 values), rounded for storage."""
    out: dict[str, list[float]] = {}
    for series in SERIES.values():
        hourly = result.hourly.get(series.hourly)
        if hourly is None:
            continue
        days = np.asarray(hourly, dtype=float)[: (len(hourly) // HOURS_PER_DAY) * HOURS_PER_DAY]
        starts = np.arange(0, days.size, HOURS_PER_DAY)  # each day's hours, reduced in one call
        reduced = np.maximum.reduceat(days, starts) if series.reduce == "max" else np.add.reduceat(days, starts)
        if series.reduce == "mean":
            reduced /= HOURS_PER_DAY
        out[series.name] = np.round(reduced * series.scale, 4).tolist()
    return out
