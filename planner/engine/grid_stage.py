"""Grid stage: carbon, operator cost, household bills, reliability and flexibility for one facility-year.

Pure (no Django). Input: the facility's hourly power [W] (8,760 values) from the facility stage,
the fleet's devices and servers, and the scenario's grid section. Output: a summary whose every
number has its unit in its key and whose `methods` say how it was computed, hourly series, and
warnings. Region figures come from grid/data/regions.yaml (overridable via grid.overrides);
uploads replace the region's hourly series (keys: carbon, marginal_carbon, price, system_load,
clean_supply).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from grid import bills, carbon, cost, headroom, reliability
from grid.bounds import finite_non_negative
from grid.capacity_market import CapacityYear, capacity_year
from grid.constants import (
    FALLBACK_ACCELERATOR_EMBODIED_KGCO2E,
    HARDWARE_LIFE_YEARS,
    HOURS_PER_YEAR,
    SERVER_EMBODIED_KGCO2E,
    W_PER_MW,
)
from grid.identity_cache import IdentityCache
from grid.regions import (
    FACILITY_FIELDS,
    HEADROOM_FIELDS,
    Region,
    RegionDataError,
    apply_overrides,
    hourly_series,
    region_from_ref,
)
from grid.system_load import has_system_load, study_headroom, system_load_history
from planner.engine.carbon_stage import market_based
from planner.engine.lazy_series import LazySeries
from planner.engine.schema import ScenarioSpec

UPLOAD_KEYS = {
    "carbon": "gCO2/kWh",
    "marginal_carbon": "gCO2/kWh",
    "price": "USD/MWh",
    "system_load": "MW",
    "clean_supply": "MW",
}
FLEX_RATE_FRAC = 0.005  # flexible view: curtailment at 0.5% of the year's energy (Norris et al. 2025)
T_PER_KG = 1e-3
VIEW_FOR_TARIFF = {"large_load_minimum_demand": "large_load_tariff"}
REQUIRED = FACILITY_FIELDS  # the region figures one facility-year needs (one definition: grid.regions)


class GridStageError(ValueError):
    """Bad grid-stage input; the message names the field."""


@dataclass(frozen=True)
class GridStageResult:
    summary: dict
    hourly: MutableMapping[str, np.ndarray]  # a LazySeries: each series computed when first read
    warnings: tuple[str, ...]


def _r(x: float, digits: int = 3) -> float:
    return round(float(x), digits)


def _check_hourly(name: str, values: np.ndarray) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.shape != (HOURS_PER_YEAR,):
        raise GridStageError(f"{name}: expected {HOURS_PER_YEAR} hourly values, got shape {array.shape}")
    if not finite_non_negative(array):
        raise GridStageError(f"{name}: values must be finite and ≥ 0")
    return array


def _series(region: Region, uploads: Mapping[str, np.ndarray], *, upload: str, kind: str, level_field: str):
    if upload in uploads:
        return uploads[upload], f"uploaded hourly series '{upload}' [{UPLOAD_KEYS[upload]}]"
    return hourly_series(region, kind=kind, level=region.value(level_field))


def _embodied(devices_by_pool, accelerator_by_pool, servers, warnings):
    from accelerators.catalog import get_accelerator  # core, no Django

    per_pool, total_kg = {}, 0.0
    for pool, devices in devices_by_pool.items():
        if pool not in accelerator_by_pool:
            raise GridStageError(f"accelerator_by_pool: no accelerator for pool {pool!r}")
        spec = get_accelerator(accelerator_by_pool[pool])
        per_device = spec.embodied_carbon_kgco2e
        source = spec.sources.get("embodied_carbon") or spec.sources.get("embodied_carbon_kgco2e") or "catalog"
        if per_device is None:
            per_device = FALLBACK_ACCELERATOR_EMBODIED_KGCO2E
            source = "assumption: NVIDIA HGX H100 PCF per GPU (1,312 kgCO2e / 8) — the catalog has none for this device"
            warnings.append(f"embodied carbon of {spec.slug!r} unknown in the catalog: {per_device:g} kgCO2e assumed")
        reason = next((a.split(": ", 1)[1] for a in spec.assumptions if a.startswith("embodied_carbon:")), None)
        reason = source if spec.embodied_carbon_kgco2e is None else reason
        kg_per_year = carbon.embodied_kg_per_year(embodied_kg=per_device, count=devices, life_years=HARDWARE_LIFE_YEARS)
        total_kg += kg_per_year
        per_pool[pool] = {
            "accelerator": spec.slug,
            "devices": int(devices),
            "kgco2e_per_device": per_device,
            "source": source,
            "tco2e_per_year": _r(kg_per_year * T_PER_KG),
        } | ({"assumption": reason} if reason else {})
    server_kg = carbon.embodied_kg_per_year(
        embodied_kg=SERVER_EMBODIED_KGCO2E, count=servers, life_years=HARDWARE_LIFE_YEARS
    )
    return total_kg + server_kg, per_pool, server_kg


@dataclass(frozen=True)
class SystemHours:
    """The system load the facility-year is studied on: history years (K, 8,760) [MW], or none."""

    load_mw: np.ndarray | None
    method: str
    real_hours: bool  # real (or uploaded) hours; False: no hourly system load at all
    peak_mw: float  # the system peak of the study's geography [MW]
    headroom_rows: list[dict[str, Any]] | None = None  # solved on the hours (None: published figures)
    threshold_mw: np.ndarray | None = None  # (K, 8,760) seasonal thresholds
    cp_hours: np.ndarray | None = None  # (K, 5) 5CP hours


# The region's real hours grown to a year, with their headroom study: a pure function of the key
# below, shared by every run and study point of the process (read, never modified).
_REAL_HOURS: dict[tuple[Any, ...], SystemHours] = {}
MAX_CACHED_SYSTEM_HOURS = 64


def _system_hours(region: Region, uploads: Mapping[str, np.ndarray], year: int) -> SystemHours:
    """An uploaded system load (one year), else the region's real hours grown to `year`, else none."""
    if "system_load" in uploads:
        load = uploads["system_load"][None, :]
        months = np.tile(cost.month_of_hour(), 1)
        rows = headroom.headroom_all_years(load_mw=load[0], month=months, year=np.zeros(HOURS_PER_YEAR, dtype=int))
        for row in rows:
            row.pop("by_year", None)
            row["source"] = "computed from uploaded system_load (study method)"
        threshold = headroom.seasonal_threshold_mw(load_mw=load[0], month=months)[None, :]
        return SystemHours(
            load_mw=load,
            method=f"uploaded hourly series 'system_load' [{UPLOAD_KEYS['system_load']}]",
            real_hours=True,
            peak_mw=float(load.max()),
            headroom_rows=rows,
            threshold_mw=threshold,
            cp_hours=reliability.coincident_peak_hours(system_load_mw=load),
        )
    if has_system_load(region):
        growth = region.figures["load_growth_frac_per_year"]
        key = (region.slug, region.load_series, year, growth.value, growth.source)
        if key not in _REAL_HOURS:  # a study's points share it (only grid.overrides of the growth change it)
            if len(_REAL_HOURS) >= MAX_CACHED_SYSTEM_HOURS:
                _REAL_HOURS.clear()
            history = system_load_history(region, year=year)
            rows, threshold, cp_hours = study_headroom(history)
            for row in rows:
                row["source"] = f"solved on the region's real hours (study method): {history.method}"
            _REAL_HOURS[key] = SystemHours(
                load_mw=history.load_mw,
                method=history.method,
                real_hours=True,
                peak_mw=history.peak_mw,
                headroom_rows=rows,
                threshold_mw=threshold,
                cp_hours=cp_hours,
            )
        return _REAL_HOURS[key]
    return SystemHours(
        load_mw=None,
        method=f"none: region {region.slug!r} ships no hourly system load ({region.geography})",
        real_hours=False,
        peak_mw=region.value("system_peak_mw"),
    )


def _coincident_peak_mw(power_mw: np.ndarray, system: SystemHours) -> tuple[float, str]:
    if system.cp_hours is None:
        return float(
            power_mw.max()
        ), "facility annual peak (no hourly system load: assumes it coincides with the system peak)"
    return (
        float(power_mw[system.cp_hours].mean()),
        "mean facility load in the system's 5 highest daily peak hours (PJM 5CP style), mean over history years",
    )


# Per system hours: every (history year, hour) in rising order of slack (threshold − system load)
# [MW] as flat indices into the (K, 8,760) arrays, and the sorted slack.
_SLACK_ORDER = IdentityCache(max_entries=MAX_CACHED_SYSTEM_HOURS)


def _slack_order(system: SystemHours, load: np.ndarray, threshold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    def compute() -> tuple[np.ndarray, np.ndarray]:
        slack = (threshold - load).ravel()
        order = np.argsort(slack, kind="stable")
        return order, slack[order]

    return _SLACK_ORDER.get(system, compute)


def _curtailment(
    system: SystemHours, load: np.ndarray, threshold: np.ndarray, power_mw: np.ndarray
) -> tuple[float, float, float]:
    """Mean curtailed energy [MWh] and hours over the history years, and the largest cut [MW]:
    cut = clip(load + facility − threshold, 0, facility) in each year's hours.

    Only hours whose slack is below the facility's peak can be cut: they are the first in order
    of slack (found by bisection), and the cut is computed on them alone, with the same arithmetic
    as on every hour (the hours left out have cut 0).
    """
    years, hours = load.shape
    order, sorted_slack = _slack_order(system, load, threshold)
    limit = float(power_mw.max()) * (1.0 + 1e-9) + 1e-9  # a margin for rounding: never misses a cut hour
    candidates = order[: int(np.searchsorted(sorted_slack, limit, side="right"))]
    year, hour = np.divmod(candidates, hours)
    power = power_mw[hour]
    cut = load.ravel()[candidates] + power
    cut -= threshold.ravel()[candidates]
    np.maximum(cut, 0.0, out=cut)
    np.minimum(cut, power, out=cut)
    energy = np.bincount(year, weights=cut, minlength=years)
    cut_hours = np.bincount(year, weights=cut > 0, minlength=years)
    return float(energy.mean()), float(cut_hours.mean()), float(cut.max()) if cut.size else 0.0


def _flexibility(
    region: Region, power_mw: np.ndarray, system: SystemHours, deferrable_frac: float, warnings: list[str]
) -> tuple[dict[str, Any], dict[float, float]]:
    """Headroom at each Duke rate and what curtailing this facility in those hours means."""
    out: dict[str, Any] = {
        "method": headroom.METHOD,
        "source": "Norris et al. 2025, Duke Nicholas Institute",
        "system_load": system.method,
        "deferrable_frac_of_requests": _r(deferrable_frac),
        "rates": [],
    }
    if system.load_mw is not None and system.headroom_rows is not None and system.threshold_mw is not None:
        curtailed, hours, max_cut = _curtailment(system, system.load_mw, system.threshold_mw, power_mw)
        energy = power_mw.sum()
        out["facility_curtailment"] = {
            "curtailed_mwh": _r(curtailed, 1),
            "curtailed_frac_of_energy": _r(curtailed / energy, 5) if energy else 0.0,
            "curtailed_hours": round(hours),
            "max_curtailed_mw": _r(max_cut, 2),
            "deferrable_covers_curtailment": bool(max_cut <= deferrable_frac * power_mw.max() + 1e-9),
            "method": "facility load added to each history year of the system load; "
            "curtailed = max(0, load + facility − threshold), mean over history years",
        }
        solved: dict[float, float] = {}
        published = {rate: region.optional(name) for rate, name in HEADROOM_FIELDS.items()}
        for rate, res in zip(headroom.DUKE_RATES_FRAC, system.headroom_rows, strict=True):
            out["rates"].append(res | {"published_mw": published.get(rate)})
            if res["headroom_mw"] is not None:
                solved[rate] = float(res["headroom_mw"])
        return out, solved
    known = {}
    for rate, name in HEADROOM_FIELDS.items():
        value = region.optional(name)
        if value is not None:
            known[rate] = value
            out["rates"].append({"rate_pct": rate * 100, "headroom_mw": value, "source": region.figures[name].source})
    if not known:
        warnings.append(
            f"region {region.slug!r} has no flexibility-headroom figures (headroom_mw_*) and ships no hourly system "
            "load; upload system_load"
        )
    return out, known


def _checked_inputs(
    spec: ScenarioSpec, facility_power_w: np.ndarray, uploads: Mapping[str, np.ndarray] | None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    power_w = _check_hourly("facility_power_w", facility_power_w)
    uploads = dict(uploads or {})
    for key in uploads:
        if key not in UPLOAD_KEYS:
            raise GridStageError(f"uploads: unknown key {key!r}; use one of {', '.join(UPLOAD_KEYS)}")
    for key in spec.grid.uploads:
        if key not in UPLOAD_KEYS:
            raise GridStageError(f"grid.uploads: unknown key {key!r}; use one of {', '.join(UPLOAD_KEYS)}")
        if key not in uploads:
            raise GridStageError(f"grid.uploads.{key}: upload {spec.grid.uploads[key]!r} was not provided to the run")
    return power_w, {k: _check_hourly(f"uploads.{k}", v) for k, v in uploads.items()}


def _study_region(spec: ScenarioSpec) -> Region:
    region = apply_overrides(region_from_ref(spec.grid.region), spec.grid.overrides)
    missing = region.missing(list(REQUIRED))
    if missing:
        raise RegionDataError(f"region {region.slug!r} lacks {', '.join(missing)}; supply them in grid.overrides")
    return region


def _carbon_section(
    spec: ScenarioSpec,
    region: Region,
    energy_kwh: np.ndarray,
    uploads: Mapping[str, np.ndarray],
    intensity: np.ndarray,
    intensity_method: str,
    marginal: np.ndarray,
    marginal_method: str,
    pools: tuple[dict[str, int], Mapping[str, Any], int],
    warnings: list[str],
) -> dict[str, Any]:
    """Location-based, marginal, market-based (annual and hourly matching) and embodied carbon."""
    v = region.value
    devices_by_pool, accelerator_by_pool, servers = pools
    # Checked already: the facility power by _checked_inputs, the series by the region's figure bounds
    # (grid/bounds.py) or _check_hourly for an upload; a study point need not check them four times more.
    location_kg = carbon.emissions_kg(energy_kwh=energy_kwh, intensity_g_per_kwh=intensity, inputs_checked=True)
    marginal_kg = carbon.emissions_kg(energy_kwh=energy_kwh, intensity_g_per_kwh=marginal, inputs_checked=True)
    market = market_based(
        spec, region, energy_kwh=energy_kwh, intensity_g_per_kwh=intensity, uploads=uploads, warnings=warnings
    )
    annual, hourly_match, chosen = market.annual, market.hourly, market.chosen
    embodied_kg, embodied_pools, server_kg = _embodied(devices_by_pool, accelerator_by_pool, servers, warnings)
    household_t = carbon.household_equivalents(
        emissions_kg=location_kg,
        household_use_kwh_per_month=v("household_use_kwh_per_month"),
        intensity_g_per_kwh=v("carbon_intensity_g_per_kwh"),
    )
    total_mwh = float(energy_kwh.sum() / 1e3)
    return {
        "location_based_tco2e": _r(location_kg * T_PER_KG),
        "marginal_tco2e": _r(marginal_kg * T_PER_KG),
        "market_based_tco2e": _r(chosen.emissions_kg * T_PER_KG),
        "market_based_annual_matching_tco2e": _r(annual.emissions_kg * T_PER_KG),
        "market_based_hourly_matching_tco2e": _r(hourly_match.emissions_kg * T_PER_KG),
        "clean_energy_matched_frac": _r(chosen.matched_frac, 4),
        "clean_energy_matched_frac_annual": _r(annual.matched_frac, 4),
        "clean_energy_matched_frac_hourly": _r(hourly_match.matched_frac, 4),
        "residual_mix": market.residual,
        "embodied_tco2e_per_year": _r(embodied_kg * T_PER_KG),
        "embodied_servers_tco2e_per_year": _r(server_kg * T_PER_KG),
        "embodied_by_pool": embodied_pools,
        "location_based_intensity_g_per_kwh": _r(location_kg * 1e3 / (total_mwh * 1e3), 2) if total_mwh else None,
        "household_equivalents_location_based": _r(household_t, 1),
        "methods": {
            "location_based_tco2e": f"Σ hourly energy × hourly average intensity; intensity: {intensity_method}",
            "marginal_tco2e": f"Σ hourly energy × short-run marginal rate; rate: {marginal_method}",
            "market_based_tco2e": chosen.method,
            "market_based_annual_matching_tco2e": annual.method,
            "market_based_hourly_matching_tco2e": f"{hourly_match.method}; clean supply: {market.clean_supply_method}",
            "embodied_tco2e_per_year": "accelerators (catalog: NVIDIA HGX PCFs; else 164 kgCO2e, assumption) "
            "+ servers "
            f"({SERVER_EMBODIED_KGCO2E:g} "
            f"kgCO2e each without accelerators, EcoLogits) over {HARDWARE_LIFE_YEARS:g} years, straight line",
            "household_equivalents_location_based": "households' annual electricity emissions in this region: "
            "household_use_kwh_per_month × 12 × carbon_intensity_g_per_kwh (electricity only)",
        },
    }


def _operator_cost_section(
    spec: ScenarioSpec,
    region: Region,
    power_mw: np.ndarray,
    price: np.ndarray,
    price_method: str,
    year: int,
    coincident_mw: float,
    cp_method: str,
    market: CapacityYear,
) -> tuple[dict[str, Any], np.ndarray]:
    """The operator's bill for the year: energy, demand charge, capacity (the market's cleared price), transmission."""
    v = region.value
    contract_mw = float(power_mw.max())
    op = cost.operator_cost(
        power_mw=power_mw,
        price_usd_per_mwh=price,
        tariff=spec.grid.tariff,
        year=year,
        coincident_peak_mw=coincident_mw,
        contract_mw=contract_mw,
        demand_charge_usd_per_kw_month=v("demand_charge_usd_per_kw_month"),
        capacity_price_usd_per_mw_day=market.cleared_usd_per_mw_day,
        transmission_rate_usd_per_kw_year=v("transmission_rate_usd_per_kw_year"),
        min_demand_td_frac=v("large_load_min_demand_td_frac"),
        min_demand_generation_frac=v("large_load_min_demand_generation_frac"),
    )
    billed_price = cost.tariff_price_usd_per_mwh(
        tariff=spec.grid.tariff, price_usd_per_mwh=price, on_peak=cost.on_peak_mask(year=year)
    )
    total_mwh = float(power_mw.sum())
    section = {
        "energy_usd": _r(op.energy_usd, 0),
        "demand_charge_usd": _r(op.demand_charge_usd, 0),
        "capacity_usd": _r(op.capacity_usd, 0),
        "transmission_usd": _r(op.transmission_usd, 0),
        "total_usd": _r(op.total_usd, 0),
        "usd_per_mwh": _r(op.total_usd / total_mwh, 2) if total_mwh else None,
        "tariff": op.tariff,
        "billed_capacity_mw": _r(op.billed_capacity_mw),
        "billed_transmission_mw": _r(op.billed_transmission_mw),
        "mean_billing_demand_mw": _r(op.mean_billing_demand_mw),
        "capacity_price_usd_per_mw_day": market.cleared_usd_per_mw_day,
        "methods": {
            "energy_usd": f"hourly MWh × price billed under '{op.tariff}'; price: {price_method}",
            "capacity_usd": "billed capacity MW × the delivery year's cleared capacity price × 365; "
            f"price: {market.source}",
            "transmission_usd": "billed MW × transmission_rate_usd_per_kw_year",
            "demand_charge_usd": "Σ months billing demand × demand_charge_usd_per_kw_month",
            "coincident_peak": cp_method,
        },
    }
    return section, billed_price


def _household_bill_section(
    spec: ScenarioSpec,
    region: Region,
    power_mw: np.ndarray,
    coincident_mw: float,
    headroom_by_rate: Mapping[float, float],
    market: CapacityYear,
    warnings: list[str],
) -> dict[str, Any]:
    """Household bill impact in the three views, the tariff's view selected (grid.bills)."""
    v = region.value
    firm_mw = None
    if FLEX_RATE_FRAC in headroom_by_rate:
        firm_mw = max(0.0, coincident_mw - headroom_by_rate[FLEX_RATE_FRAC])
    inputs = bills.inputs_for_region(
        region,
        coincident_mw=coincident_mw,
        firm_mw=coincident_mw if firm_mw is None else firm_mw,
        contract_mw=float(power_mw.max()),
        power_mw=power_mw,
        capacity_curve=market,
    )
    views: dict[str, dict[str, float] | None] = {}
    for view in bills.VIEWS:
        if view == "flexible" and firm_mw is None:
            views[view] = None
            warnings.append("household bill, flexible view: needs headroom at 0.5 % (real hours, figures or an upload)")
            continue
        views[view] = {k: _r(x, 6) for k, x in bills.bill_view(inputs, view=view).items()}
    selected = VIEW_FOR_TARIFF.get(spec.grid.tariff, "socialised")
    selected_bill = views[selected]
    if selected_bill is None:  # only the flexible view can be missing, and no tariff selects it
        raise GridStageError(f"household bill: view {selected!r} was not computed")
    item_keys = (
        "capacity_usd_per_month",
        "transmission_usd_per_month",
        "energy_usd_per_month",
        "offsets_usd_per_month",
    )
    return {
        "view": selected,
        "total_usd_per_month": selected_bill["total_usd_per_month"],
        "share_of_average_bill_pct": selected_bill["share_of_average_bill_pct"],
        "items": {k: selected_bill[k] for k in item_keys},
        "views": views,
        "average_bill_usd_per_month": v("household_bill_usd_per_month"),
        "rate_case_lag_months": v("rate_case_lag_months"),
        "capacity_market": market.to_dict(added_peak_mw=coincident_mw),
        "methods": {
            "capacity": "capacity price step on the market's demand curve and collar (grid.capacity_market: "
            "coincident MW × FPR as UCAP, clipped to cap and floor) × residential obligation × 365/12",
            "transmission": "upgrade $/kW × MW × fixed-charge rate, less facility's direct payments, "
            "× residential share / customers / 12",
            "energy": "merit-order slope × hourly MW, mean × household kWh/month",
            "offsets": "facility's direct transmission payments above its upgrade cost, "
            "× residential share / customers / 12",
            "lag": "costs reach residential rates after rate_case_lag_months (formula rates/riders or next rate case)",
        },
    }


def _reliability_section(region: Region, coincident_mw: float, system: SystemHours) -> dict[str, Any]:
    """Share of the system peak and reserve margin change, on the study's one geography."""
    v = region.value
    reserve = reliability.reserve_margin_change(
        system_peak_mw=system.peak_mw,
        reserve_margin_frac=v("reserve_margin_frac"),
        added_peak_mw=coincident_mw,
        target_frac=v("reserve_margin_target_frac"),
    )
    peak_basis = (
        "the largest hour of the system load studied (same hours as the headroom)"
        if system.real_hours
        else "system_peak_mw (region figure)"
    )
    return {
        "geography": region.geography,
        "system_peak_mw": _r(system.peak_mw, 0),
        "system_peak_basis": peak_basis,
        "peak_share_of_system_pct": _r(
            reliability.peak_share_pct(facility_peak_mw=coincident_mw, system_peak_mw=system.peak_mw), 6
        ),
        "reserve_margin_change_pct": _r(reserve.change_pct_points, 6),
        "reserve_margin": {
            "before_pct": _r(100 * reserve.before_frac, 3),
            "after_pct": _r(100 * reserve.after_frac, 3),
            "target_pct": _r(100 * reserve.target_frac, 3),
            "shortfall_mw": _r(reserve.shortfall_mw, 1),
            "method": "(capacity − peak − facility) / (peak + facility), capacity unchanged (percentage points)",
        },
    }


def _region_warnings(region: Region, warnings: list[str]) -> None:
    for name in ("capacity_price_usd_per_mw_day",):
        if region.figures[name].not_applicable:
            warnings.append(f"{name} = 0 in {region.slug}: {region.figures[name].not_applicable}")
    assumed = sorted(n for n in REQUIRED if region.figures[n].assumption)
    if assumed:
        warnings.append(
            f"region {region.slug}: {len(assumed)} figures are assumptions ({', '.join(assumed)}); override them"
        )


def grid_stage(
    spec: ScenarioSpec,
    *,
    facility_power_w: np.ndarray,
    devices_by_pool: dict[str, int],
    accelerator_by_pool: Mapping[str, str | Mapping[str, Any]],
    servers: int,
    uploads: Mapping[str, np.ndarray] | None = None,
) -> GridStageResult:
    """Carbon, operator cost, household bills, reliability and flexibility for one facility-year."""
    warnings: list[str] = []
    power_w, checked = _checked_inputs(spec, facility_power_w, uploads)
    region = _study_region(spec)
    year = spec.horizon.start_year + spec.horizon.years - 1
    power_mw = power_w / W_PER_MW
    energy_kwh = power_mw * 1e3  # one-hour steps
    intensity, intensity_method = _series(
        region, checked, upload="carbon", kind="carbon", level_field="carbon_intensity_g_per_kwh"
    )
    marginal, marginal_method = _series(
        region, checked, upload="marginal_carbon", kind="marginal", level_field="marginal_carbon_intensity_g_per_kwh"
    )
    price, price_method = _series(region, checked, upload="price", kind="price", level_field="energy_price_usd_per_mwh")
    system = _system_hours(region, checked, year)
    market = capacity_year(region, year)

    carbon_summary = _carbon_section(
        spec,
        region,
        energy_kwh,
        checked,
        intensity,
        intensity_method,
        marginal,
        marginal_method,
        (devices_by_pool, accelerator_by_pool, servers),
        warnings,
    )
    coincident_mw, cp_method = _coincident_peak_mw(power_mw, system)
    operator, billed_price = _operator_cost_section(
        spec, region, power_mw, price, price_method, year, coincident_mw, cp_method, market
    )
    deferrable = float(np.mean([w.deferrable_frac for w in spec.workloads]))
    flexibility, headroom_by_rate = _flexibility(region, power_mw, system, deferrable, warnings)
    for row in flexibility["rates"]:
        row["facility_fits"] = None if row["headroom_mw"] is None else bool(coincident_mw <= row["headroom_mw"])
    household = _household_bill_section(spec, region, power_mw, coincident_mw, headroom_by_rate, market, warnings)
    _region_warnings(region, warnings)

    summary = {
        "grid_region": region.slug,
        "grid_region_name": region.name,
        "grid_year": year,
        "carbon": carbon_summary,
        "operator_cost_usd": operator["total_usd"],
        "operator_cost_breakdown_usd": operator,
        "household_bill_usd_per_month": household,
        "coincident_peak_mw": _r(coincident_mw),
        "contract_demand_mw": _r(float(power_mw.max())),
        **_reliability_section(region, coincident_mw, system),
        "flexibility": flexibility,
        "grid_figures": {k: f.to_dict() for k, f in region.figures.items()},
    }
    hourly = LazySeries(
        {
            "carbon_intensity_g_per_kwh": intensity,
            "marginal_carbon_intensity_g_per_kwh": marginal,
            "price_usd_per_mwh": price,
            "billed_price_usd_per_mwh": billed_price,
            "location_carbon_kg": lambda: energy_kwh * intensity / 1e3,
        }
    )
    return GridStageResult(summary=summary, hourly=hourly, warnings=tuple(warnings))
