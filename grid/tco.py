"""Total cost of ownership of an inference facility-year, and its cost per token (pure, no Django).

Capital items (accelerators, servers, network, racks, facility, grid connection) are annualised
with the capital recovery factor of their life at the discount rate,

    CRF(r, n) = r (1 + r)^n / ((1 + r)^n − 1),   CRF(0, n) = 1 / n,

i.e. the level annual payment that repays one dollar over n years at rate r (any engineering-
economics text, e.g. Short, Packey & Holt, 'A Manual for the Economic Evaluation of Energy
Efficiency and Renewable Energy Technologies', NREL/TP-462-5173, 1995, eq. 4-4). Operating cost
is the operator's electricity bill from grid/cost.py (energy, demand, capacity, transmission),
water, maintenance (a fraction of capex per year) and staff per MW of critical IT.

Every figure comes from grid/data/costs.yaml with its source, or from the scenario's
``economics`` section (then marked "user override"). $/Mtok is the whole TCO divided by the
tokens served in the year: output tokens for $/M output tokens, prompt tokens processed for
$/M input tokens (two views of the same total, not an allocation between them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from grid.constants import SECONDS_PER_HOUR, W_PER_KW, W_PER_MW

COSTS_FILE = Path(__file__).parent / "data" / "costs.yaml"
HOURS_PER_YEAR_CALENDAR = 8760.0
MONTHS_PER_YEAR = 12
TOKENS_PER_MILLION = 1e6
SCALAR_FIGURES = (
    "fallback_accelerator_price_usd",
    "server_cost_usd_per_device",
    "network_cost_frac",
    "rack_cost_usd",
    "facility_cost_usd_per_w",
    "device_life_years",
    "facility_life_years",
    "grid_connection_life_years",
    "discount_rate_frac",
    "maintenance_frac_per_year",
    "staff_fte_per_mw",
    "staff_cost_usd_per_fte_year",
    "water_price_usd_per_m3",
)
TIERS = ("tier_ii", "tier_iii", "tier_iv")
CATEGORIES = ("capital", "energy", "grid_charges", "water", "maintenance", "staff")


class TcoError(ValueError):
    """Bad TCO input; ``field`` is the scenario path of the culprit."""

    def __init__(self, message: str, *, field: str):
        self.field = field
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class CostFigure:
    value: float
    unit: str
    source: str
    assumption: bool = False
    reason: str | None = None
    verify: bool = False


_FIGURE_FIELDS = tuple(field.name for field in fields(CostFigure))


def _figure_dict(figure: CostFigure) -> dict[str, Any]:
    """``dataclasses.asdict`` of a figure (its fields are scalars), without asdict's recursive deep copy."""
    return {name: getattr(figure, name) for name in _FIGURE_FIELDS}


def _figure(raw: Mapping[str, Any], references: Mapping[str, str]) -> CostFigure:
    source = str(raw["s"])
    key = source.split(" — ")[0]
    if key in references:
        source = references[key] + (f" ({source.split(' — ', 1)[1]})" if " — " in source else "")
    return CostFigure(
        value=float(raw["v"]),
        unit=str(raw["u"]),
        source=source,
        assumption="a" in raw,
        reason=raw.get("a"),
        verify=bool(raw.get("verify", False)),
    )


@cache
def cost_catalog() -> dict[str, Any]:
    """grid/data/costs.yaml as CostFigures: scalars by name, tables as {key: CostFigure}."""
    raw = yaml.safe_load(COSTS_FILE.read_text())
    refs = raw["references"]
    catalog: dict[str, Any] = {"version": raw["version"]}
    for name in SCALAR_FIGURES:
        catalog[name] = _figure(raw[name], refs)
    for table in (
        "accelerator_price_usd",
        "facility_cost_usd_per_w_by_region",
        "cooling_cost_factor",
        "tier_cost_factor",
    ):
        catalog[table] = {key: _figure(item, refs) for key, item in raw[table].items() if item.get("v") is not None}
    return catalog


def capital_recovery_factor(*, rate_frac: float, life_years: float) -> float:
    """CRF [1/year] = r(1+r)^n / ((1+r)^n − 1); 1/n when r = 0."""
    if life_years <= 0:
        raise TcoError(f"must be > 0, got {life_years}", field="life_years")
    if rate_frac < 0:
        raise TcoError(f"must be ≥ 0, got {rate_frac}", field="discount_rate_frac")
    if rate_frac == 0:
        return 1.0 / life_years
    growth = (1.0 + rate_frac) ** life_years
    return rate_frac * growth / (growth - 1.0)


@dataclass(frozen=True)
class TcoInputs:
    """One facility-year as the runner computed it. Powers [W], energy costs [USD/year]."""

    devices_by_accelerator: Mapping[str, int]
    racks: int
    critical_it_power_w: float
    peak_facility_power_w: float
    cooling: str
    region: str
    energy_cost_usd: float
    grid_charges_usd: float  # demand + capacity + transmission charges of the bill
    annual_water_m3: float
    annual_output_tokens: float
    annual_input_tokens: float
    grid_connection_cost_usd_per_kw: CostFigure
    tier: str = "tier_iii"


def resolve_figures(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The catalog with the user's ``economics`` values put in (each marked as a user override)."""
    catalog = cost_catalog()
    figures: dict[str, Any] = {name: catalog[name] for name in SCALAR_FIGURES}
    figures["accelerator_price_usd"] = dict(catalog["accelerator_price_usd"])
    for name, value in overrides.items():
        if value is None:
            continue
        if name == "accelerator_price_usd":
            for slug, price in value.items():
                figures[name][slug] = CostFigure(
                    float(price), "USD", f"user override (economics.accelerator_price_usd.{slug})"
                )
        elif name in SCALAR_FIGURES:
            figures[name] = CostFigure(float(value), catalog[name].unit, f"user override (economics.{name})")
    return figures


def _line(
    key: str,
    category: str,
    *,
    capex: float,
    life: float | None,
    rate: float,
    annual: float | None = None,
    basis: str,
    figures: list[CostFigure],
) -> dict[str, Any]:
    annual_usd = capex * capital_recovery_factor(rate_frac=rate, life_years=life) if life is not None else annual
    return {
        "item": key,
        "category": category,
        "capex_usd": capex,
        "life_years": life,
        "annual_usd": float(annual_usd or 0.0),
        "basis": basis,
        "assumption": any(f.assumption for f in figures),
        "sources": sorted({f.source for f in figures}),
    }


def _capital_lines(inputs: TcoInputs, fig: dict[str, Any], facility_fig: CostFigure) -> list[dict[str, Any]]:
    catalog = cost_catalog()
    rate = fig["discount_rate_frac"].value
    device_life = fig["device_life_years"].value
    devices = sum(inputs.devices_by_accelerator.values())
    prices = [
        fig["accelerator_price_usd"].get(slug, fig["fallback_accelerator_price_usd"])
        for slug in inputs.devices_by_accelerator
    ]
    accel_capex = sum(p.value * n for p, n in zip(prices, inputs.devices_by_accelerator.values(), strict=True))
    server_capex = devices * fig["server_cost_usd_per_device"].value
    network_capex = fig["network_cost_frac"].value * (accel_capex + server_capex)
    cooling = catalog["cooling_cost_factor"][inputs.cooling]
    tier = catalog["tier_cost_factor"][inputs.tier]
    facility_capex = facility_fig.value * cooling.value * tier.value * inputs.critical_it_power_w
    grid_capex = inputs.grid_connection_cost_usd_per_kw.value * inputs.peak_facility_power_w / W_PER_KW
    per_device = ", ".join(
        f"{n} × {slug} at ${p.value:,.0f}"
        for (slug, n), p in zip(inputs.devices_by_accelerator.items(), prices, strict=True)
    )
    return [
        _line(
            "accelerators",
            "capital",
            capex=accel_capex,
            life=device_life,
            rate=rate,
            basis=per_device,
            figures=[*prices, fig["device_life_years"], fig["discount_rate_frac"]],
        ),
        _line(
            "servers",
            "capital",
            capex=server_capex,
            life=device_life,
            rate=rate,
            basis=f"{devices} devices × ${fig['server_cost_usd_per_device'].value:,.0f}",
            figures=[fig["server_cost_usd_per_device"], fig["device_life_years"]],
        ),
        _line(
            "network",
            "capital",
            capex=network_capex,
            life=device_life,
            rate=rate,
            basis=f"{fig['network_cost_frac'].value:.0%} of accelerators + servers",
            figures=[fig["network_cost_frac"], fig["device_life_years"]],
        ),
        _line(
            "racks",
            "capital",
            capex=inputs.racks * fig["rack_cost_usd"].value,
            life=device_life,
            rate=rate,
            basis=f"{inputs.racks} racks × ${fig['rack_cost_usd'].value:,.0f}",
            figures=[fig["rack_cost_usd"], fig["device_life_years"]],
        ),
        _line(
            "facility",
            "capital",
            capex=facility_capex,
            life=fig["facility_life_years"].value,
            rate=rate,
            basis=f"{inputs.critical_it_power_w / W_PER_MW:.2f} MW critical IT × ${facility_fig.value:g}/W × "
            f"{cooling.value:g} ({inputs.cooling}) × {tier.value:g} ({inputs.tier})",
            figures=[facility_fig, cooling, tier, fig["facility_life_years"]],
        ),
        _line(
            "grid_connection",
            "capital",
            capex=grid_capex,
            life=fig["grid_connection_life_years"].value,
            rate=rate,
            basis=f"{inputs.peak_facility_power_w / W_PER_MW:.2f} MW peak × "
            f"${inputs.grid_connection_cost_usd_per_kw.value:g}/kW",
            figures=[inputs.grid_connection_cost_usd_per_kw, fig["grid_connection_life_years"]],
        ),
    ]


def total_cost_of_ownership(*, inputs: TcoInputs, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """TCO of one year [USD/year], its lines and KPIs ($/Mtok, tokens/s per MW, $/kW-month)."""
    catalog = cost_catalog()
    fig = resolve_figures(overrides or {})
    if inputs.cooling not in catalog["cooling_cost_factor"]:
        raise TcoError(f"no facility cost factor for {inputs.cooling!r}", field="site.cooling")
    if inputs.tier not in TIERS:
        raise TcoError(f"must be one of {', '.join(TIERS)}", field="economics.facility_tier")
    facility_fig = fig["facility_cost_usd_per_w"]
    if "facility_cost_usd_per_w" not in (overrides or {}) or (overrides or {}).get("facility_cost_usd_per_w") is None:
        facility_fig = catalog["facility_cost_usd_per_w_by_region"].get(inputs.region, facility_fig)
    lines = _capital_lines(inputs, fig, facility_fig)
    capex = sum(line["capex_usd"] for line in lines)
    critical_mw = inputs.critical_it_power_w / W_PER_MW
    elec = CostFigure(
        inputs.energy_cost_usd, "USD/year", "operator bill (grid/cost.py): hourly energy under the tariff"
    )
    charges = CostFigure(
        inputs.grid_charges_usd, "USD/year", "operator bill (grid/cost.py): demand, capacity, transmission"
    )
    lines += [
        _line(
            "energy",
            "energy",
            capex=0.0,
            life=None,
            rate=0.0,
            annual=inputs.energy_cost_usd,
            basis="operator bill: energy",
            figures=[elec],
        ),
        _line(
            "grid_charges",
            "grid_charges",
            capex=0.0,
            life=None,
            rate=0.0,
            annual=inputs.grid_charges_usd,
            basis="operator bill: demand + capacity + transmission",
            figures=[charges],
        ),
        _line(
            "water",
            "water",
            capex=0.0,
            life=None,
            rate=0.0,
            annual=inputs.annual_water_m3 * fig["water_price_usd_per_m3"].value,
            basis=f"{inputs.annual_water_m3:,.0f} m³ × ${fig['water_price_usd_per_m3'].value:g}/m³",
            figures=[fig["water_price_usd_per_m3"]],
        ),
        _line(
            "maintenance",
            "maintenance",
            capex=0.0,
            life=None,
            rate=0.0,
            annual=capex * fig["maintenance_frac_per_year"].value,
            basis=f"{fig['maintenance_frac_per_year'].value:.1%} of ${capex:,.0f} capex",
            figures=[fig["maintenance_frac_per_year"]],
        ),
        _line(
            "staff",
            "staff",
            capex=0.0,
            life=None,
            rate=0.0,
            annual=critical_mw * fig["staff_fte_per_mw"].value * fig["staff_cost_usd_per_fte_year"].value,
            basis=f"{critical_mw:.2f} MW × {fig['staff_fte_per_mw'].value:g} FTE/MW × "
            f"${fig['staff_cost_usd_per_fte_year'].value:,.0f}",
            figures=[fig["staff_fte_per_mw"], fig["staff_cost_usd_per_fte_year"]],
        ),
    ]
    return _kpis(inputs=inputs, lines=lines, fig=fig, capex=capex)


def _per_million(total_usd: float, tokens: float) -> float | None:
    return total_usd / (tokens / TOKENS_PER_MILLION) if tokens > 0 else None


def _kpis(*, inputs: TcoInputs, lines: list[dict[str, Any]], fig: dict[str, Any], capex: float) -> dict[str, Any]:
    total = sum(line["annual_usd"] for line in lines)
    by_category = {c: sum(line["annual_usd"] for line in lines if line["category"] == c) for c in CATEGORIES}
    seconds = HOURS_PER_YEAR_CALENDAR * SECONDS_PER_HOUR
    peak_mw = inputs.peak_facility_power_w / W_PER_MW
    critical_kw = inputs.critical_it_power_w / W_PER_KW
    return {
        "tco_usd_per_year": total,
        "capex_usd": capex,
        "usd_per_million_output_tokens": _per_million(total, inputs.annual_output_tokens),
        "usd_per_million_input_tokens": _per_million(total, inputs.annual_input_tokens),
        "annual_output_tokens": inputs.annual_output_tokens,
        "annual_input_tokens": inputs.annual_input_tokens,
        "output_tokens_per_s_per_mw": inputs.annual_output_tokens / seconds / peak_mw if peak_mw > 0 else None,
        "usd_per_kw_month": total / (critical_kw * MONTHS_PER_YEAR) if critical_kw > 0 else None,
        "breakdown_usd_per_year": by_category,
        "lines": lines,
        "figures": {name: _figure_dict(f) for name, f in fig.items() if isinstance(f, CostFigure)},
        "assumptions": sorted({line["item"] for line in lines if line["assumption"]}),
        "methods": {
            "annualisation": "capex × CRF(discount_rate_frac, life), CRF = r(1+r)^n/((1+r)^n−1)",
            "usd_per_million_output_tokens": "TCO per year ÷ (output tokens served in the year / 1e6)",
            "usd_per_million_input_tokens": "TCO per year ÷ (prompt tokens processed in the year / 1e6)",
            "output_tokens_per_s_per_mw": "mean output tokens per second ÷ peak facility MW",
            "usd_per_kw_month": "TCO per year ÷ (critical IT kW × 12)",
        },
        "catalog_version": cost_catalog()["version"],
    }
