"""Everything a report shows, gathered once from a run: KPIs, inputs with their sources,
assumptions, methods, hourly statistics, bill views and sensitivity. The builders only lay it out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from django.utils import timezone

from planner.engine.result import hourly_from_npz
from planner.engine.runner import data_version
from planner.reports.units import fmt, label_of, unit_of

HOURS_PER_YEAR = 8760

# (path in the result, label, unit) of the headline KPIs, in report order.
KPI_PATHS: tuple[tuple[str, str, str], ...] = (
    ("peak_facility_power_mw", "Peak facility power", "MW"),
    ("annual_facility_energy_mwh", "Annual facility energy", "MWh"),
    ("annual_it_energy_mwh", "Annual IT energy", "MWh"),
    ("annual_cooling_energy_mwh", "Annual cooling energy", "MWh"),
    ("annual_pue", "Annual PUE", "-"),
    ("peak_pue", "Peak hourly PUE", "-"),
    ("annual_water_m3", "Annual water use", "m³"),
    ("servers", "Servers", "servers"),
    ("racks", "Racks", "racks"),
    ("facility_energy_per_output_token_j", "Facility energy per output token", "J"),
    ("carbon.location_based_tco2e", "Emissions, location-based", "tCO2e/year"),
    ("carbon.market_based_tco2e", "Emissions, market-based", "tCO2e/year"),
    ("carbon.marginal_tco2e", "Emissions, marginal (consequential)", "tCO2e/year"),
    ("carbon.embodied_tco2e_per_year", "Embodied emissions (amortised)", "tCO2e/year"),
    ("operator_cost_usd", "Operator electricity cost", "USD/year"),
    ("tco.tco_usd_per_year", "Total cost of ownership", "USD/year"),
    ("tco.usd_per_million_output_tokens", "Cost per million output tokens (TCO)", "USD/Mtok"),
    ("tco.usd_per_million_input_tokens", "Cost per million prompt tokens (TCO)", "USD/Mtok"),
    ("tco.usd_per_million_tokens", "Cost per million tokens, prompt + output (TCO)", "USD/Mtok"),
    ("tco.usd_per_kw_month", "TCO per kW of critical IT", "USD/kW-month"),
    ("household_bill_usd_per_month.total_usd_per_month", "Household bill change", "USD/month"),
    ("household_bill_usd_per_month.share_of_average_bill_pct", "Household bill change, share of bill", "%"),
    ("peak_share_of_system_pct", "Share of the system peak", "%"),
    ("reserve_margin_change_pct", "Reserve margin change", "percentage points"),
)


@dataclass(frozen=True)
class Kpi:
    path: str
    label: str
    value: float | int
    unit: str

    @property
    def text(self) -> str:
        return fmt(self.value)


@dataclass(frozen=True)
class ReportContent:
    run_id: int
    scenario_name: str
    organisation: str
    scenario_version: int
    finished_at: datetime | None
    generated_at: datetime
    code_version: str
    schema_version: int
    data_version: str
    input_hash: str
    inputs: dict[str, Any]
    result: dict[str, Any]
    hourly: dict[str, np.ndarray]
    kpis: list[Kpi]
    devices: int
    sources: list[dict[str, str]] = field(default_factory=list)
    methods: list[tuple[str, str]] = field(default_factory=list)
    sensitivity: list[dict[str, Any]] = field(default_factory=list)

    @property
    def constraints(self) -> list[dict[str, Any]]:
        """Constraints the run missed (planner.engine.constraints); empty when it met them all."""
        return [c for c in self.result.get("constraints") or [] if isinstance(c, dict)]

    @property
    def start_year(self) -> int:
        return int(self.result.get("year") or self.inputs.get("horizon", {}).get("start_year", 2027))


def lookup(document: dict[str, Any], path: str) -> Any:
    value: Any = document
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def kpis_of(result: dict[str, Any]) -> list[Kpi]:
    out = []
    for path, label, unit in KPI_PATHS:
        value = lookup(result, path)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out.append(Kpi(path=path, label=label, value=value, unit=unit))
    devices = result.get("devices")
    if isinstance(devices, dict) and devices:
        out.insert(7, Kpi(path="devices", label="Accelerators", value=int(sum(devices.values())), unit="devices"))
    out.extend(workload_cost_kpis(result))
    return out


def workload_cost_kpis(result: dict[str, Any]) -> list[Kpi]:
    """$/Mtok of each workload (output; prompt + output), from the TCO allocated by its stated rule."""
    out = []
    for name, row in (lookup(result, "tco.by_workload") or {}).items():
        for key, label in (
            ("usd_per_million_output_tokens", "Cost per million output tokens"),
            ("usd_per_million_tokens", "Cost per million tokens, prompt + output"),
        ):
            value = row.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                out.append(
                    Kpi(path=f"tco.by_workload.{name}.{key}", label=f"{label}, {name}", value=value, unit="USD/Mtok")
                )
    return out


def input_sources(inputs: dict[str, Any], result: dict[str, Any]) -> list[dict[str, str]]:
    """Every figure the run used, with unit, source and (where it is one) the assumption's reason."""
    from planner.reports.sources import catalog_sources

    rows = catalog_sources(inputs)
    for name, figure in (result.get("grid_figures") or {}).items():
        if isinstance(figure, dict):
            rows.append(
                {
                    "item": f"grid region {result.get('grid_region', '')}",
                    "field": name,
                    "value": fmt(figure.get("value")),
                    "unit": str(figure.get("unit", "")),
                    "source": str(figure.get("source", "")),
                    "assumption": str(figure.get("reason", "assumption")) if figure.get("assumption") else "",
                }
            )
    for pool, embodied in (lookup(result, "carbon.embodied_by_pool") or {}).items():
        if isinstance(embodied, dict) and embodied.get("source"):
            rows.append(
                {
                    "item": f"pool {pool}",
                    "field": "embodied carbon per device",
                    "value": fmt(embodied.get("kgco2e_per_device")),
                    "unit": "kgCO2e",
                    "source": str(embodied["source"]),
                    "assumption": "",
                }
            )
    if result.get("weather_source"):
        rows.append(
            {
                "item": "site weather",
                "field": "hourly dry bulb, wet bulb, humidity",
                "value": "generated" if result.get("weather_generated") else "file",
                "unit": "°C",
                "source": str(result["weather_source"]),
                "assumption": "generated from monthly statistics" if result.get("weather_generated") else "",
            }
        )
    return rows


def methods_of(result: dict[str, Any]) -> list[tuple[str, str]]:
    """The engine's own one-line methods (carbon, cost, bills, reserve margin, flexibility)."""
    out: list[tuple[str, str]] = []
    for block in ("carbon", "operator_cost_breakdown_usd", "household_bill_usd_per_month"):
        for key, text in (lookup(result, f"{block}.methods") or {}).items():
            out.append((label_of(key) if block != "household_bill_usd_per_month" else f"Bill: {key}", str(text)))
    for block in ("reserve_margin", "flexibility"):
        text = lookup(result, f"{block}.method")
        if text:
            out.append((block.replace("_", " ").capitalize(), str(text)))
    return out


def hourly_stats(hourly: dict[str, np.ndarray]) -> list[dict[str, str]]:
    """Min, mean, 95th percentile, max (and annual sum for power and mass series) per series."""
    rows = []
    for name, series in hourly.items():
        values = np.asarray(series, dtype=float)
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            continue
        unit = unit_of(name)
        annual = ""
        if unit == "MW":
            annual = f"{fmt(float(finite.sum()))} MWh"
        elif unit in {"m³", "kg"}:
            annual = f"{fmt(float(finite.sum()))} {unit}"
        rows.append(
            {
                "name": name,
                "label": label_of(name),
                "unit": unit,
                "min": fmt(float(finite.min())),
                "mean": fmt(float(finite.mean())),
                "p95": fmt(float(np.percentile(finite, 95))),
                "max": fmt(float(finite.max())),
                "annual": annual,
            }
        )
    return rows


def report_content(*, run, sensitivity: bool = True) -> ReportContent:
    """Gather a succeeded run's report content from the database (result + hourly series)."""
    from planner.reports.sensitivity import sensitivity_rows
    from planner.scenarios.models import RunHourly

    result = dict(run.result or {})
    row = RunHourly.objects.filter(run=run).first()
    hourly = hourly_from_npz(row.npz) if row is not None else {}
    inputs = dict(run.inputs)
    kpis = kpis_of(result)
    devices = result.get("devices") or {}
    return ReportContent(
        run_id=run.pk,
        scenario_name=run.scenario.name,
        organisation=run.scenario.organisation.name,
        scenario_version=run.scenario_version,
        finished_at=run.finished_at,
        generated_at=timezone.now(),
        code_version=run.code_version or lookup(result, "meta.code_version") or "",
        schema_version=int(inputs.get("schema_version", 1)),
        # The catalog data the run was computed with (older runs lack it: today's files then).
        data_version=lookup(result, "meta.data_version") or data_version(),
        input_hash=run.input_hash,
        inputs=inputs,
        result=result,
        hourly=hourly,
        kpis=kpis,
        devices=int(sum(devices.values())) if isinstance(devices, dict) else 0,
        sources=input_sources(inputs, result),
        methods=methods_of(result),
        sensitivity=sensitivity_rows(inputs=inputs, result=result) if sensitivity else [],
    )
