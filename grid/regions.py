"""Grid region catalog: sourced figures, user overrides, and hourly profiles.

Figures live in grid/data/regions.yaml (each with value, unit, source and flags); month × hour
profile shapes in grid/data/profiles.json (derived from real hourly series by
grid/tools/derive_profiles.py). A figure that neither the region nor the defaults give is
missing: :meth:`Region.value` raises :class:`RegionDataError` naming it, never returns 0.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from grid.bounds import figure_problem
from grid.constants import HOURS_PER_YEAR, MONTH_DAYS

DATA = Path(__file__).resolve().parent / "data"

# Every region figure: name → unit. Override keys (GridSpec.overrides) must be one of these.
FIELDS: dict[str, str] = {
    "carbon_intensity_g_per_kwh": "gCO2e/kWh",
    "marginal_carbon_intensity_g_per_kwh": "gCO2e/kWh",
    "residual_mix_g_per_kwh": "gCO2e/kWh",
    "energy_price_usd_per_mwh": "USD/MWh",
    "demand_charge_usd_per_kw_month": "USD/kW-month",
    "capacity_price_usd_per_mw_day": "USD/MW-day",
    "capacity_price_slope_usd_per_mw_day_per_gw": "USD/MW-day per GW",
    "capacity_price_cap_usd_per_mw_day": "USD/MW-day",  # optional flat cap; a market's collar: capacity_markets.yaml
    "load_growth_frac_per_year": "1/year",
    "transmission_rate_usd_per_kw_year": "USD/kW-year",
    "transmission_upgrade_cost_usd_per_kw": "USD/kW",
    "fixed_charge_rate_frac": "1/year",
    "residential_transmission_share_frac": "fraction",
    "residential_capacity_obligation_kw": "kW per customer",
    "energy_price_slope_usd_per_mwh_per_gw": "USD/MWh per GW",
    "residential_customers": "customers",
    "household_use_kwh_per_month": "kWh/month",
    "household_bill_usd_per_month": "USD/month",
    "system_peak_mw": "MW",
    "reserve_margin_frac": "fraction",
    "reserve_margin_target_frac": "fraction",
    "large_load_min_demand_td_frac": "fraction",
    "large_load_min_demand_generation_frac": "fraction",
    "rate_case_lag_months": "months",
    "headroom_mw_0p25pct": "MW",
    "headroom_mw_0p5pct": "MW",
    "headroom_mw_1pct": "MW",
    "headroom_mw_5pct": "MW",
}
HEADROOM_FIELDS = {
    0.0025: "headroom_mw_0p25pct",
    0.005: "headroom_mw_0p5pct",
    0.01: "headroom_mw_1pct",
    0.05: "headroom_mw_5pct",
}
# The figures a study needs, one definition for every caller (grid.portfolio, planner.engine.grid_stage,
# checks, validation, reports). A portfolio needs the system and bill figures; one facility-year needs
# those plus carbon, the operator's energy price and tariff terms.
PORTFOLIO_FIELDS: tuple[str, ...] = (
    "capacity_price_usd_per_mw_day",
    "capacity_price_slope_usd_per_mw_day_per_gw",
    "transmission_rate_usd_per_kw_year",
    "transmission_upgrade_cost_usd_per_kw",
    "fixed_charge_rate_frac",
    "residential_transmission_share_frac",
    "residential_capacity_obligation_kw",
    "energy_price_slope_usd_per_mwh_per_gw",
    "residential_customers",
    "household_use_kwh_per_month",
    "household_bill_usd_per_month",
    "system_peak_mw",
    "reserve_margin_frac",
    "reserve_margin_target_frac",
    "large_load_min_demand_td_frac",
    "load_growth_frac_per_year",
)
FACILITY_FIELDS: tuple[str, ...] = (
    *PORTFOLIO_FIELDS,
    "carbon_intensity_g_per_kwh",
    "marginal_carbon_intensity_g_per_kwh",
    "energy_price_usd_per_mwh",
    "demand_charge_usd_per_kw_month",
    "large_load_min_demand_generation_frac",
    "rate_case_lag_months",
)
PROFILE_KINDS = ("carbon", "marginal", "price", "system_load")


class RegionDataError(ValueError):
    """Unknown region, unknown override, or a figure the calculation needs but the region lacks."""


@dataclass(frozen=True)
class Figure:
    value: float
    unit: str
    source: str
    assumption: str | None = None  # reason, when the value is an assumption
    verify: bool = False  # from the reference sheet, primary document not re-checked
    not_applicable: str | None = None  # the quantity does not exist in this market (value is a real 0)

    def to_dict(self) -> dict:
        out = {"value": self.value, "unit": self.unit, "source": self.source}
        if self.assumption:
            out |= {"assumption": True, "reason": self.assumption}
        if self.verify:
            out["verify"] = True
        if self.not_applicable:
            out["not_applicable"] = self.not_applicable
        return out


@dataclass(frozen=True)
class Region:
    slug: str
    name: str
    country: str
    figures: Mapping[str, Figure]
    profiles: Mapping[str, str] = field(default_factory=dict)  # kind → profiles.json key
    load_series: str | None = None  # key of grid/data/system_load.json: real hourly system load (grid.system_load)
    geography: str = ""  # the one footprint of every system figure: load, peak, headroom, reserve margin, capacity
    capacity_market: str | None = None  # key of grid/data/capacity_markets.yaml (grid.capacity_market)
    price_fit: str | None = None  # key of grid/data/price_slopes.json: the market's fitted supply curve

    def value(self, name: str) -> float:
        """The figure's value; RegionDataError naming it if the region lacks it."""
        if name not in FIELDS:
            raise RegionDataError(f"{name!r} is not a region figure")
        figure = self.figures.get(name)
        if figure is None:
            raise RegionDataError(
                f"region {self.slug!r} has no figure {name!r} [{FIELDS[name]}]; supply it in grid.overrides"
            )
        return figure.value

    def optional(self, name: str) -> float | None:
        figure = self.figures.get(name)
        return None if figure is None else figure.value

    def missing(self, names: list[str]) -> list[str]:
        return [n for n in names if n not in self.figures]

    def to_dict(self) -> dict:
        return {
            "slug": self.slug,
            "name": self.name,
            "country": self.country,
            "figures": {k: f.to_dict() for k, f in self.figures.items()},
            "profiles": dict(self.profiles),
            "load_series": self.load_series,
            "geography": self.geography,
            "capacity_market": self.capacity_market,
        }


def _figure(raw: Mapping, *, where: str, references: Mapping[str, str]) -> Figure:
    for key in ("v", "u", "s"):
        if key not in raw:
            raise RegionDataError(f"{where}: missing {key!r} (value, unit, source)")
    ref, _, detail = str(raw["s"]).partition(" — ")
    if ref not in references:
        raise RegionDataError(f"{where}: source {ref!r} is not in references")
    source = references[ref] + (f" — {detail}" if detail else "")
    return Figure(
        value=float(raw["v"]),
        unit=str(raw["u"]),
        source=source,
        assumption=raw.get("a"),
        verify=bool(raw.get("verify", False)),
        not_applicable=raw.get("na"),
    )


@lru_cache(maxsize=1)
def _data() -> dict:
    return yaml.safe_load((DATA / "regions.yaml").read_text(encoding="utf-8"))


def _complete(
    figures: dict[str, Figure], *, load_series: str | None = None, price_fit: str | None = None
) -> dict[str, Figure]:
    """The region's figures completed with the catalog's defaults (grid/data/regions.yaml ``defaults``)."""
    data = _data()
    out = dict(figures)
    if "load_growth_frac_per_year" not in out and load_series is not None:
        out["load_growth_frac_per_year"] = _trend_growth(load_series)
    for name, raw in data["defaults"].items():
        if name in out or "derive" in raw:
            continue
        out[name] = _figure(raw, where=f"regions.yaml: defaults.{name}", references=data["references"])
    if "energy_price_slope_usd_per_mwh_per_gw" not in out and {"energy_price_usd_per_mwh", "system_peak_mw"} <= set(
        out
    ):
        out["energy_price_slope_usd_per_mwh_per_gw"] = _supply_curve_slope(out, price_fit)
    return out


@lru_cache(maxsize=1)
def _catalog() -> dict[str, Region]:
    data = _data()
    references = data["references"]
    regions = {}
    for slug, entry in data["regions"].items():
        figures = {}
        for name, raw in entry["figures"].items():
            if name not in FIELDS:
                raise RegionDataError(f"regions.yaml: {slug}.{name} is not a known figure")
            figures[name] = _figure(raw, where=f"regions.yaml: {slug}.{name}", references=references)
        regions[slug] = Region(
            slug=slug,
            name=entry["name"],
            country=entry["country"],
            figures=_complete(figures, load_series=entry.get("load_series"), price_fit=entry.get("price_fit")),
            profiles=dict(entry.get("profiles") or {}),
            load_series=entry.get("load_series"),
            geography=str(entry.get("geography") or entry["name"]),
            capacity_market=entry.get("capacity_market"),
            price_fit=entry.get("price_fit"),
        )
    return regions


@lru_cache(maxsize=1)
def _load_means() -> dict[str, dict[str, float]]:
    """Annual mean load [MW] by series and year (grid/data/system_load.json, grid/tools/derive_system_load.py)."""
    data = json.loads((DATA / "system_load.json").read_text(encoding="utf-8"))
    return {key: entry["annual_mean_mw"] for key, entry in data["series"].items()}


def known_load_series(key: str) -> bool:
    """Whether `key` names a shipped hourly system-load series (grid/data/system_load.json)."""
    return key in _load_means()


def known_capacity_market(key: str) -> bool:
    """Whether `key` names a shipped capacity market (grid/data/capacity_markets.yaml)."""
    return key in yaml.safe_load((DATA / "capacity_markets.yaml").read_text(encoding="utf-8"))


def _trend_growth(load_series: str) -> Figure:
    """Growth of the series' annual mean load, first to last history year (compound), as the default forecast."""
    means = _load_means().get(load_series)
    if not means:
        raise RegionDataError(f"load_series {load_series!r} is not in grid/data/system_load.json")
    years = sorted(means, key=int)
    first, last = int(years[0]), int(years[-1])
    if first == last:
        value, how = 0.0, f"one history year ({first}): no trend"
    else:
        value = (means[years[-1]] / means[years[0]]) ** (1 / (last - first)) - 1
        how = f"annual mean {means[years[0]]:,.0f} MW ({first}) → {means[years[-1]]:,.0f} MW ({last}), compound"
    return Figure(
        value=round(value, 5),
        unit=FIELDS["load_growth_frac_per_year"],
        source=f"derived: trend of the real hourly series {load_series!r} (grid/data/system_load.json): {how}",
        assumption="the history's trend continues; replace with the system's own load forecast",
    )


@lru_cache(maxsize=1)
def _price_fits() -> dict[str, dict]:
    """Supply-curve fits of price vs system load (grid/data/price_slopes.json, grid/tools/derive_price_slope.py)."""
    return json.loads((DATA / "price_slopes.json").read_text(encoding="utf-8"))["fits"]


def _supply_curve_slope(figures: Mapping[str, Figure], price_fit: str | None) -> Figure:
    """Merit-order slope [$/MWh per GW] from a fitted supply curve: ln p = α + β × load [GW] → Δp/ΔL = β × p.

    A region with its own market's fit (``price_fit``) takes β × its current price. Another borrows the
    fitted markets' mean elasticity per share of peak, e = β × peak (PJM 3.38, ERCOT 3.62): slope =
    e × price / system peak (assumption, stated).
    """
    price, peak = figures["energy_price_usd_per_mwh"].value, figures["system_peak_mw"].value
    fits = _price_fits()
    unit = FIELDS["energy_price_slope_usd_per_mwh_per_gw"]
    if price_fit is not None:
        if price_fit not in fits:
            raise RegionDataError(f"price_fit {price_fit!r} is not in grid/data/price_slopes.json")
        fit = fits[price_fit]
        return Figure(
            value=round(fit["beta_per_gw"] * price, 4),
            unit=unit,
            source=f"derived: supply curve fitted to hourly price vs load ({fit['price']} vs {fit['load']}, "
            f"{fit['period']}; {fit['source']}): β = {fit['beta_per_gw']:.4f} ± {fit['beta_se_per_gw']:.4f} per GW "
            f"(R² within year-months {fit['r2_within']:.2f}, RMSE ln p {fit['rmse_ln_price']:.2f}) × "
            f"energy_price_usd_per_mwh {price:g}",
        )
    elasticity = float(np.mean([f["elasticity_per_peak_share"] for f in fits.values()]))
    return Figure(
        value=round(elasticity * price * 1e3 / peak, 4),
        unit=unit,
        source=f"derived: mean fitted elasticity per share of peak of {', '.join(fits)} ({elasticity:.2f}; "
        "grid/data/price_slopes.json) × energy_price_usd_per_mwh × 1000 / system_peak_mw",
        assumption="this market's supply curve was not fitted (no hourly price and load at hand): the fitted "
        "markets' elasticity is borrowed; replace with a production-cost-model slope",
    )


def list_regions() -> list[Region]:
    return list(_catalog().values())


def get_region(slug: str) -> Region:
    catalog = _catalog()
    key = slug.strip().lower()
    if key not in catalog:
        close = difflib.get_close_matches(key, list(catalog), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; known: {', '.join(catalog)}"
        raise RegionDataError(f"grid.region: unknown region {slug!r}{hint}")
    return catalog[key]


def region_from_dict(data: Mapping[str, Any]) -> Region:
    """An organisation's own region, in the catalog API's form (``slug``, ``name``, ``country``,
    ``figures``: name → {value, unit, source[, assumption, reason]}, optional ``profiles``),
    completed with the catalog's defaults like a shipped region. RegionDataError names a bad figure."""
    slug = str(data.get("slug") or "").strip()
    raw_figures = data.get("figures")
    if not slug or not isinstance(raw_figures, Mapping):
        raise RegionDataError("a region object needs a slug and figures (name → {value, unit, source})")
    figures = {}
    for name, raw in raw_figures.items():
        where = f"region {slug!r}: figure {name!r}"
        if name not in FIELDS:
            raise RegionDataError(f"{where} is not a region figure")
        value = raw.get("value") if isinstance(raw, Mapping) else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RegionDataError(f"{where}: value must be a number [{FIELDS[name]}]")
        problem = figure_problem(name, float(value))  # finite and within its bound (grid/data/bounds.yaml)
        if problem is not None:
            raise RegionDataError(f"{where}: {problem}")
        reason = raw.get("reason") if raw.get("assumption") else None
        figures[name] = Figure(
            value=float(value), unit=FIELDS[name], source=str(raw.get("source") or "own entry"), assumption=reason
        )
    profiles = data.get("profiles") or {}
    if not isinstance(profiles, Mapping):
        raise RegionDataError(f"region {slug!r}: profiles must map a kind to a profile key")
    for kind, key in profiles.items():
        if kind not in PROFILE_KINDS or key not in _profiles():
            raise RegionDataError(
                f"region {slug!r}: profile {kind!r} → {key!r} unknown (kinds: {', '.join(PROFILE_KINDS)}; "
                "keys: grid/data/profiles.json)"
            )
    load_series = data.get("load_series") or None
    if load_series is not None and load_series not in _load_means():
        raise RegionDataError(
            f"region {slug!r}: load_series {load_series!r} unknown (keys: {', '.join(_load_means())})"
        )
    return Region(
        slug=slug,
        name=str(data.get("name") or slug),
        country=str(data.get("country") or ""),
        figures=_complete(figures, load_series=load_series),
        profiles={str(k): str(v) for k, v in profiles.items()},
        load_series=load_series,
        geography=str(data.get("geography") or data.get("name") or slug),
        capacity_market=_capacity_market_key(data.get("capacity_market"), slug),
    )


def _capacity_market_key(value: Any, slug: str) -> str | None:
    if not value:
        return None
    if not known_capacity_market(str(value)):
        raise RegionDataError(f"region {slug!r}: capacity_market {value!r} unknown (grid/data/capacity_markets.yaml)")
    return str(value)


def region_from_ref(ref: str | Mapping[str, Any]) -> Region:
    """A scenario's ``grid.region``: a catalog slug, or an own region's definition (snapshot in a run's inputs)."""
    return get_region(ref) if isinstance(ref, str) else region_from_dict(ref)


def apply_overrides(region: Region, overrides: Mapping[str, float]) -> Region:
    """Replace figures with the user's values; an unknown key raises, naming it."""
    figures = dict(region.figures)
    for name, value in overrides.items():
        if name not in FIELDS:
            close = difflib.get_close_matches(name, list(FIELDS), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise RegionDataError(f"grid.overrides.{name}: not a region figure{hint}")
        problem = figure_problem(name, float(value))  # finite and within its bound (grid/data/bounds.yaml)
        if problem is not None:
            raise RegionDataError(f"grid.overrides.{name}: {problem}")
        figures[name] = Figure(value=float(value), unit=FIELDS[name], source="user override")
    slope = "energy_price_slope_usd_per_mwh_per_gw"
    repriced = slope not in overrides and {"energy_price_usd_per_mwh", "system_peak_mw"} & set(overrides)
    if repriced and figures[slope].source.startswith("derived:"):  # the derived slope follows the new price
        figures[slope] = _supply_curve_slope(figures, region.price_fit)
    return replace(region, figures=figures)


@lru_cache(maxsize=1)
def _profiles() -> dict:
    return json.loads((DATA / "profiles.json").read_text(encoding="utf-8"))["profiles"]


@lru_cache(maxsize=4)
def month_hour_index(hours: int = HOURS_PER_YEAR) -> tuple[np.ndarray, np.ndarray]:
    """(month 0–11, hour 0–23) of each hour of a 365-day year (cached, read-only)."""
    month = np.repeat(np.arange(12), np.asarray(MONTH_DAYS) * 24)
    if month.size != hours:
        raise RegionDataError(f"profiles cover {month.size} hours, got {hours}")
    hour = np.arange(hours) % 24
    month.setflags(write=False)
    hour.setflags(write=False)
    return month, hour


def profile_info(key: str) -> dict:
    profiles = _profiles()
    if key not in profiles:
        raise RegionDataError(f"profile {key!r} is not in grid/data/profiles.json")
    return {k: v for k, v in profiles[key].items() if k != "month_hour_mean"}


def hourly_series(region: Region, *, kind: str, level: float) -> tuple[np.ndarray, str]:
    """8,760 values with the region's month × hour shape for `kind`, scaled to mean `level`.

    Without a profile the series is flat at `level` (the method string says so).
    """
    if kind not in PROFILE_KINDS:
        raise RegionDataError(f"profile kind {kind!r} is not one of {', '.join(PROFILE_KINDS)}")
    key = region.profiles.get(kind)
    if key is None:
        return np.full(HOURS_PER_YEAR, float(level)), "flat at the annual figure (no hourly profile for this region)"
    shape, mean, method = _profile_shape(key)
    return shape * (level / mean), method


@lru_cache(maxsize=64)
def _profile_shape(key: str) -> tuple[np.ndarray, float, str]:
    """A profile's 8,760-hour month × hour shape (read-only), its mean and its method (cached per profile)."""
    table = np.asarray(_profiles()[key]["month_hour_mean"], dtype=float)
    month, hour = month_hour_index()
    shape = table[month, hour]
    shape.setflags(write=False)
    info = profile_info(key)
    method = f"month × hour shape of {key} ({info['source']}, {info['period']}) scaled to the annual figure"
    return shape, shape.mean(), method
