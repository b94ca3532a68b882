"""Key figures of a run's result, read from the stored result document (`Run.result`).

One list of KPIs serves the result page's cards, the compare table and the lever chart, so the
three always agree. Each KPI names where it comes from in the result and its display unit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Getter = Callable[[Mapping[str, Any]], float | None]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def _path(result: Mapping[str, Any], *paths: str) -> float | None:
    """The first of several dotted paths that holds a number."""
    for path in paths:
        node: Any = result
        for part in path.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        number = _number(node)
        if number is not None:
            return number
    return None


def _devices(result: Mapping[str, Any]) -> float | None:
    devices = result.get("devices")
    if isinstance(devices, Mapping):
        return float(sum(v for v in devices.values() if isinstance(v, int | float)))
    number = _number(devices)
    if number is not None:
        return number
    pools = result.get("pools") or []
    counts = [p.get("devices") for p in pools if isinstance(p, Mapping)]
    return float(sum(c for c in counts if isinstance(c, int | float))) if counts else None


def _tokens_per_mw(result: Mapping[str, Any]) -> float | None:
    direct = _path(
        result,
        "output_tokens_per_s_per_mw",
        "output_tokens_per_s_per_mw_at_meter",
        "tokens_per_s_per_mw",
    )
    if direct is not None:
        return direct
    tokens = _path(result, "annual_output_tokens", "output_tokens_per_year")
    energy_mwh = _path(result, "annual_facility_energy_mwh")
    if tokens is not None and energy_mwh:
        return tokens / (energy_mwh * 3600.0)  # tokens per MW·s = (tokens/s) per MW
    return None


def _divide(getter: Getter, factor: float) -> Getter:
    def get(result: Mapping[str, Any]) -> float | None:
        value = getter(result)
        return None if value is None else value / factor

    return get


def _at(*paths: str) -> Getter:
    return lambda result: _path(result, *paths)


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    unit: str
    get: Getter
    digits: int
    lower_is_better: bool = True
    note: str = ""


KPIS: tuple[Kpi, ...] = (
    Kpi("peak_mw", "Peak facility power", "MW", _at("peak_facility_power_mw"), 1),
    Kpi("annual_gwh", "Annual facility energy", "GWh/yr", _divide(_at("annual_facility_energy_mwh"), 1000.0), 1),
    Kpi("pue", "Annual PUE", "facility ÷ IT energy", _at("annual_pue"), 3),
    Kpi("devices", "Accelerators", "devices", _devices, 0),
    Kpi(
        "tokens_per_mw",
        "Output tokens per MW",
        "tokens/s per MW at the meter",
        _tokens_per_mw,
        0,
        lower_is_better=False,
    ),
    Kpi(
        "tco2e",
        "Emissions",
        "tCO2e/yr (market-based)",
        _at(
            "carbon.market_based_tco2e",
            "carbon.market_based_t",
            "carbon.tco2e",
            "carbon.operational_tco2e",
            "carbon.location_based_tco2e",
            "carbon_tco2e",
        ),
        0,
    ),
    Kpi("water", "Water", "m³/yr", _at("annual_water_m3"), 0),
    Kpi(
        "operator_cost",
        "Operator electricity cost",
        "million USD/yr",
        _divide(_at("operator_cost_usd.total", "operator_cost_usd.total_usd", "operator_cost_usd"), 1e6),
        2,
    ),
    Kpi(
        "usd_per_mtok",
        "Cost per million output tokens",
        "USD/Mtok, all-in TCO",
        _at("tco.usd_per_million_output_tokens"),
        3,
    ),
    Kpi(
        "usd_per_mtok_prompt_and_output",
        "Cost per million tokens, prompt + output",
        "USD/Mtok, all-in TCO",
        _at("tco.usd_per_million_tokens"),
        4,
    ),
    Kpi("tco", "Total cost of ownership", "million USD/yr", _divide(_at("tco.tco_usd_per_year"), 1e6), 1),
    Kpi("usd_per_kw_month", "TCO per kW of IT", "USD per kW-month", _at("tco.usd_per_kw_month"), 0),
    Kpi(
        "household_bill",
        "Household bill impact",
        "USD per household per month",
        _at(
            "household_bill_usd_per_month.total",
            "household_bill_usd_per_month.total_usd_per_month",
            "household_bill_usd_per_month.central",
            "household_bill_usd_per_month",
        ),
        2,
    ),
)
KPI_BY_KEY = {kpi.key: kpi for kpi in KPIS}


def kpi_value(result: Mapping[str, Any], key: str) -> float | None:
    return KPI_BY_KEY[key].get(result)


def format_number(value: float | None, digits: int) -> str:
    """Thousands separators; small values keep three significant digits instead of rounding to 0."""
    if value is None:
        return "—"
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) < 10 ** (-digits) * 10:
        return f"{value:.3g}"
    return f"{value:,.{digits}f}"


# Engine warnings that change what a KPI means: (text the warning starts with or contains, KPI keys, note).
_KPI_WARNINGS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("weather generated from monthly statistics", ("peak_mw", "pue"), "typical weather, not a record heat wave"),
    ("embodied carbon of", ("tco2e",), "an embodied-carbon figure is assumed"),
    ("no residual mix for this region", ("tco2e",), "unmatched energy at the location average (no residual mix)"),
    ("household bill, flexible view", ("household_bill",), "flexible view not computed (no headroom figure)"),
)


def _constraint_note(constraint: Mapping[str, Any]) -> str:
    value, limit = constraint.get("value"), constraint.get("limit")
    if constraint.get("kind") == "power_cap" and isinstance(limit, int | float):
        return f"exceeds the site's {limit:g} MW power cap"
    if constraint.get("kind") == "unserved_demand" and isinstance(value, int | float):
        return f"counts served demand only: {100 * value:.1f}% unserved"
    return str(constraint.get("label", "constraint not met"))


def kpi_notes(result: Mapping[str, Any]) -> dict[str, list[str]]:
    """KPI key → notes on what changes its meaning: missed constraints first, then engine warnings."""
    notes: dict[str, list[str]] = {}
    for constraint in result.get("constraints") or []:
        if isinstance(constraint, Mapping):
            for key in constraint.get("kpis") or []:
                notes.setdefault(str(key), []).append(_constraint_note(constraint))
    warnings = [w for w in result.get("warnings") or [] if isinstance(w, str)]
    for text, keys, note in _KPI_WARNINGS:
        if any(text in warning for warning in warnings):
            for key in keys:
                notes.setdefault(key, []).append(note)
    return notes


def kpi_cards(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    cards = []
    notes = kpi_notes(result)
    for kpi in KPIS:
        value = kpi.get(result)
        cards.append(
            {
                "key": kpi.key,
                "label": kpi.label,
                "unit": kpi.unit,
                "value": value,
                "text": format_number(value, kpi.digits),
                "notes": notes.get(kpi.key, []),
            }
        )
    return cards


def compare_cells(values: list[float | None], digits: int, *, lower_is_better: bool = True) -> list[dict[str, Any]]:
    """Cells of one compare row: each value as text, and each later run's change from the first."""
    base = values[0] if values else None
    cells = []
    for index, value in enumerate(values):
        cell = {"value": value, "text": format_number(value, digits), "delta": "", "pct": "", "better": None}
        if index and value is not None and base is not None:
            delta = value - base
            cell["delta"] = ("+" if delta > 0 else "") + format_number(delta, digits)
            cell["pct"] = f"{delta / base * 100:+.1f} %" if base else ""
            if abs(delta) > 1e-12:
                cell["better"] = (delta < 0) == lower_is_better
        cells.append(cell)
    return cells


def kpi_table(results: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows of KPIs for compare: values per run, and each run's change from the first run."""
    return [
        {
            "key": kpi.key,
            "label": kpi.label,
            "unit": kpi.unit,
            "cells": compare_cells(
                [kpi.get(result) for result in results], kpi.digits, lower_is_better=kpi.lower_is_better
            ),
        }
        for kpi in KPIS
    ]
