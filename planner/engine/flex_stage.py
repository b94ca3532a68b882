"""Flexibility stage: the scenario's ``flexibility`` section → one dispatch LP for the facility-year.

Inputs from the earlier stages: the fleet (sizing, replica curves, hourly demand) and the facility
year from ``facility_stage``; billed prices and carbon from ``grid_stage``. Steps:

1. power-cap options per pool: the engine's curves re-computed at each cap level (at the workloads'
   latency targets, so interactive tiers keep their budgets), the fleet re-dispatched with them
   (``grid.fleet.dispatch_fleet``), and the facility's losses and cooling re-computed
   (``grid.facility.facility_hourly``) → meter MW saved and tokens lost per hour at each level;
2. deferrable tiers: the workload's deferrable share, its meter energy per token, the spare
   capacity of its replicas each hour;
3. the grid signal → meter cap per hour (grid.flex.signals);
4. the dispatch LP (grid.flex.dispatch) and what it means (grid.flex.outcome).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from accelerators.catalog import get_accelerator
from grid import bills
from grid.capacity_market import capacity_year
from grid.constants import HOURS_PER_YEAR, J_PER_MWH, SECONDS_PER_HOUR, W_PER_MW
from grid.cost import month_of_hour
from grid.facility import facility_hourly
from grid.fleet import PoolInput, dispatch_fleet, replica_curve, scale_accelerator_power
from grid.flex import signals
from grid.flex.dispatch import Dispatch, dispatch
from grid.flex.outcome import flexibility_outcome
from grid.flex.resources import (
    Battery,
    CapOptions,
    DeferrableTier,
    FlexibilityError,
    FlexProblem,
    Generator,
    Prices,
    default_figure,
)
from grid.power_chain import default_power_chain
from grid.regions import Region, apply_overrides, hourly_series, region_from_ref
from grid.system_load import has_system_load, system_load_history, system_load_mw
from planner.engine.facility_stage import FacilityStageResult, FleetContext, engine_arguments
from planner.engine.schema import ScenarioSpec
from planner.engine.schema_flexibility import Flexibility

MTOK = 1e6
CAP_LEVEL_FLOOR_NOTE = "level dropped: {reason}"


@dataclass(frozen=True)
class FlexStageResult:
    summary: dict[str, Any]
    hourly: dict[str, np.ndarray]
    warnings: tuple[str, ...]
    dispatch: Dispatch
    problem: FlexProblem


def _figure(value: Any, *path: str, used: dict[str, Any], name: str) -> Any:
    """The user's value, else the sourced default; record which one was used."""
    if value is not None:
        used[name] = {"value": value, "source": "scenario input"}
        return value
    figure = default_figure(*path)
    used[name] = figure.to_dict()
    return figure.value


def _base_limit_w(pool: Any) -> float:
    board = get_accelerator(pool.accelerator).power_limit_w
    return float(min(pool.power_limit_w, board)) if pool.power_limit_w else float(board)


def _capped_pools(
    spec: ScenarioSpec, context: FleetContext, level: float, allowed: set[str], notes: list[str]
) -> tuple[list[PoolInput], set[str]]:
    """Pools with every allowed pool's curves at `level` × its limit; pools the level cannot reach keep theirs."""
    out, capped = [], set()
    for pool_spec, pool in zip(spec.hardware, context.pools, strict=True):
        if pool.name not in allowed:
            out.append(pool)
            continue
        limit = level * _base_limit_w(pool_spec)
        curves = {}
        try:
            for load in spec.workloads:
                kwargs = engine_arguments(pool_spec, load) | {"power_limit_w": limit}
                curve = replica_curve(context.power_curve_fn(**kwargs))
                curves[load.name] = scale_accelerator_power(curve, pool_spec.energy_multiplier)
        except ValueError as error:
            notes.append(f"pool {pool.name!r}: cap {level:.0%} ({limit:.0f} W) dropped: {error}")
            out.append(pool)
            continue
        out.append(replace(pool, curves=curves))
        capped.add(pool.name)
    return out, capped


def _sizing_with(context: FleetContext, pools: list[PoolInput]) -> Any:
    by_name = {p.name: p for p in pools}
    sized = tuple(
        replace(
            s,
            capacity_tokens_per_s={
                w: s.replicas[w] * by_name[s.name].curves[w].max_throughput_tokens_per_s for w in s.replicas
            },
        )
        for s in context.sizing.pools
    )
    return replace(context.sizing, pools=sized)


def _full_load(pool: PoolInput, replicas: Mapping[str, int]) -> tuple[float, float]:
    power = sum(replicas[w] * pool.curves[w].full_load_power_w for w in replicas)
    tokens = sum(replicas[w] * pool.curves[w].max_throughput_tokens_per_s for w in replicas)
    return float(power), float(tokens)


def cap_options(
    spec: ScenarioSpec, facility: FacilityStageResult, flex: Flexibility, used: dict[str, Any]
) -> tuple[tuple[CapOptions, ...], np.ndarray, list[str]]:
    """Per pool: meter MW saved and Mtok lost each hour at each cap level; and the hourly meter/IT factor."""
    context = facility.context
    if context is None:
        raise FlexibilityError("the facility stage kept no fleet context", field="flexibility")
    it0 = sum(context.it_power_by_pool_w.values())
    facility0 = facility.facility_power_w
    ratio = np.divide(facility0, it0, out=np.ones(HOURS_PER_YEAR), where=it0 > 0)
    capping = flex.power_capping
    if capping is None:
        return (), ratio, []
    levels = sorted(_figure(capping.levels_frac, "cap_levels_frac", used=used, name="cap_levels_frac"), reverse=True)
    allowed = set(capping.pools or [p.name for p in spec.hardware])
    notes: list[str] = []
    per_level = []
    for level in levels:
        pools, capped = _capped_pools(spec, context, level, allowed, notes)
        if not capped:
            break
        fleet = dispatch_fleet(
            sizing=_sizing_with(context, pools), pools=pools, demand_tokens_per_s=context.demand_tokens_per_s
        )
        per_level.append((level, pools, capped, fleet))
    if not per_level:
        return (), ratio, notes
    # Meter MW per IT MW each hour: from the facility re-computed at the deepest level (losses and
    # cooling follow IT), else the hour's facility/IT ratio.
    deepest_it = context.it_factor * per_level[-1][3].it_power_w
    deepest = facility_hourly(
        it_power_w=deepest_it,
        design_it_power_w=max(context.design_it_power_w, 1.0),
        weather=context.weather,
        cooling=spec.site.cooling,
        ashrae=spec.site.ashrae_class,
        chain=default_power_chain(ups_efficiency_frac=spec.site.ups_efficiency_frac),
    ).facility_power_w
    drop_it = it0 - deepest_it
    marginal = np.divide(facility0 - deepest, drop_it, out=ratio.copy(), where=drop_it > 1.0)
    options = []
    base_pools = {p.name: p for p in context.pools}
    for sized in context.sizing.pools:
        name = sized.name
        if name not in allowed:
            continue
        chosen = [(lv, pools, fleet) for lv, pools, capped, fleet in per_level if name in capped]
        if not chosen:
            continue
        p0, t0 = _full_load(base_pools[name], sized.replicas)
        saving, lost, caps, pfrac, tfrac = [np.zeros(HOURS_PER_YEAR)], [np.zeros(HOURS_PER_YEAR)], [1.0], [1.0], [1.0]
        for level, pools, fleet in chosen:
            hourly = next(p for p in fleet.pools if p.name == name)
            it_k = context.it_factor * hourly.it_power_w
            served_k = np.sum(list(hourly.served_tokens_per_s.values()), axis=0)
            saving.append(np.maximum(marginal * (context.it_power_by_pool_w[name] - it_k), 0.0) / W_PER_MW)
            lost_tokens = np.maximum(context.served_tokens_per_s_by_pool[name] - served_k, 0.0)
            lost.append(lost_tokens * SECONDS_PER_HOUR / MTOK)
            pk, tk = _full_load(next(p for p in pools if p.name == name), sized.replicas)
            caps.append(level)
            pfrac.append(pk / p0 if p0 else 1.0)
            tfrac.append(tk / t0 if t0 else 1.0)
        options.append(
            CapOptions(
                pool=name,
                cap_frac=tuple(caps),
                power_frac=tuple(pfrac),
                throughput_frac=tuple(tfrac),
                saving_mw=np.vstack(saving),
                lost_mtok=np.vstack(lost),
                notes=tuple(n for n in notes if f"pool {name!r}" in n),
            )
        )
    return tuple(options), ratio, notes


def meter_it_ratio(facility: FacilityStageResult) -> np.ndarray:
    """Meter MW per IT MW each hour (the facility-year without flexibility)."""
    if facility.context is None:
        raise FlexibilityError("the facility stage kept no fleet context", field="flexibility")
    it0 = sum(facility.context.it_power_by_pool_w.values())
    return np.divide(facility.facility_power_w, it0, out=np.ones(HOURS_PER_YEAR), where=it0 > 0)


def marginal_meter_mwh_per_mtok(context: FleetContext, workload: str, ratio: np.ndarray) -> np.ndarray | None:
    """Meter energy of one more million output tokens of `workload` each hour [MWh/Mtok]: the marginal
    IT energy ((full-load − idle power) ÷ full throughput, replica-weighted) × the hour's meter/IT
    ratio; None when the workload has no replicas."""
    joules, weight = 0.0, 0.0
    pools = {p.name: p for p in context.pools}
    for sized in context.sizing.pools:
        replicas = sized.replicas.get(workload, 0)
        if replicas:
            curve = pools[sized.name].curves[workload]
            joules += replicas * (curve.full_load_power_w - curve.idle_power_w)
            weight += replicas * curve.max_throughput_tokens_per_s
    if weight <= 0:
        return None
    return context.it_factor * joules / weight * MTOK / J_PER_MWH * ratio


def _tiers(
    spec: ScenarioSpec, facility: FacilityStageResult, flex: Flexibility, ratio: np.ndarray, used: dict[str, Any]
) -> tuple[DeferrableTier, ...]:
    context = facility.context
    if context is None or not flex.deferrable:
        return ()
    workloads = {w.name: w for w in spec.workloads}
    tiers = []
    for i, tier in enumerate(flex.deferrable):
        load = workloads[tier.workload]
        share = tier.share_frac if tier.share_frac is not None else load.deferrable_frac
        deadline = int(_figure(tier.deadline_h, "deferral_deadline_h", used=used, name=f"deferrable[{i}].deadline_h"))
        demand = context.demand_tokens_per_s[load.name]
        capacity = sum(s.capacity_tokens_per_s.get(load.name, 0.0) for s in context.sizing.pools)
        meter_mwh_per_mtok = marginal_meter_mwh_per_mtok(context, load.name, ratio)
        if meter_mwh_per_mtok is None:
            raise FlexibilityError(f"workload {load.name!r} has no replicas", field=f"flexibility.deferrable[{i}]")
        tiers.append(
            DeferrableTier(
                name=load.name,
                arrivals_mtok=share * np.minimum(demand, capacity) * SECONDS_PER_HOUR / MTOK,
                meter_mwh_per_mtok=meter_mwh_per_mtok,
                deadline_h=deadline,
                spare_mtok=np.maximum(capacity - demand, 0.0) * SECONDS_PER_HOUR / MTOK,
            )
        )
    return tuple(tiers)


def _battery(flex: Flexibility, used: dict[str, Any]) -> Battery | None:
    spec = flex.battery
    if spec is None:
        return None
    return Battery(
        power_mw=spec.power_mw,
        energy_mwh=spec.energy_mwh,
        round_trip_efficiency_frac=float(
            _figure(
                spec.round_trip_efficiency_frac,
                "battery",
                "round_trip_efficiency_frac",
                used=used,
                name="battery.round_trip_efficiency_frac",
            )
        ),
        degradation_usd_per_mwh=float(
            _figure(
                spec.degradation_usd_per_mwh,
                "battery",
                "degradation_usd_per_mwh",
                used=used,
                name="battery.degradation_usd_per_mwh",
            )
        ),
    )


def _generator(flex: Flexibility, used: dict[str, Any]) -> Generator | None:
    spec = flex.generation
    if spec is None:
        return None
    tech = spec.technology

    def pick(name: str) -> Any:
        return _figure(getattr(spec, name), "generation", tech, name, used=used, name=f"generation.{name}")

    return Generator(
        power_mw=spec.power_mw,
        technology=tech,
        heat_rate_btu_per_kwh=float(pick("heat_rate_btu_per_kwh")),
        fuel_price_usd_per_mmbtu=float(pick("fuel_price_usd_per_mmbtu")),
        emission_kg_co2_per_mmbtu=float(pick("emission_kg_co2_per_mmbtu")),
        run_hours_per_year=float(pick("run_hours_per_year")),
        events_only=bool(pick("events_only")),
    )


def region_system_load_mw(region: Region, uploads: Mapping[str, np.ndarray], *, year: int) -> tuple[np.ndarray, str]:
    """The region's hourly system load [MW] for `year`: an upload, else the region's real hours
    (``grid.system_load``, issue 18, where this checkout has it), else its month × hour profile."""
    if "system_load" in uploads:
        return np.asarray(uploads["system_load"], dtype=float), "uploaded hourly system load"
    real = _real_hours(region, year)
    if real is not None:
        return real
    if "system_load" not in region.profiles:
        raise FlexibilityError(
            f"region {region.slug!r} has no hourly system load: upload one (grid.uploads.system_load) or use "
            "kind 'schedule', 'price' or 'carbon'",
            field="flexibility.signal.kind",
        )
    shape, method = hourly_series(region, kind="system_load", level=1.0)
    peak = region.value("system_peak_mw")
    return shape * peak / shape.max(), f"{method}, rescaled so its maximum is system_peak_mw {peak:,.0f} MW"


def _real_hours(region: Region, year: int) -> tuple[np.ndarray, str] | None:
    """The region's real hourly system load grown to `year` (grid.system_load), or None without one."""
    if not has_system_load(region):
        return None
    history = system_load_history(region, year=year)
    return np.asarray(system_load_mw(region, year), dtype=float), history.method


def uploaded_events(uploads: Mapping[str, np.ndarray], *, upload_id: str) -> list[signals.ScheduledEvent]:
    """The events of the uploaded schedule (an (n, 4) array from grid.flex.event_file) the caller passed in."""
    if "events" not in uploads:
        raise FlexibilityError(
            f"event schedule upload {upload_id!r} was not passed in (a scenario run from a file has no uploads: "
            "type the events under flexibility.signal.events)",
            field="flexibility.signal.events_upload",
        )
    table = np.asarray(uploads["events"], dtype=float).reshape(-1, 4)
    return [
        signals.ScheduledEvent(
            start_hour=int(start),
            duration_h=int(duration),
            cap_mw=None if np.isnan(cap) else float(cap),
            reduction_frac=None if np.isnan(cut) else float(cut),
        )
        for start, duration, cap, cut in table
    ]


def _signal(
    flex: Flexibility,
    *,
    baseline_mw: np.ndarray,
    grid_hourly: Mapping[str, np.ndarray],
    system: tuple | None,
    uploads: Mapping[str, np.ndarray],
) -> signals.Signal:
    signal = flex.signal
    if signal.kind == "system_peak_hours":
        if system is None:
            raise FlexibilityError("no hourly system load", field="flexibility.signal.kind")
        load, source = system
        return signals.system_hours(system_load_mw=load, month=month_of_hour(), facility_mw=baseline_mw, source=source)
    if signal.kind == "schedule":
        events = [
            signals.ScheduledEvent(
                start_hour=e.start_hour, duration_h=e.duration_h, cap_mw=e.cap_mw, reduction_frac=e.reduction_frac
            )
            for e in signal.events
        ]
        if not signal.events_upload:
            return signals.schedule(events=events, baseline_mw=baseline_mw)
        uploaded = uploaded_events(uploads, upload_id=signal.events_upload)
        scheduled = signals.schedule(events=events + uploaded, baseline_mw=baseline_mw)
        method = f"{scheduled.method} ({len(events)} typed, {len(uploaded)} from upload #{signal.events_upload})"
        return replace(scheduled, method=method)
    series, unit = (
        (grid_hourly["price_usd_per_mwh"], "USD/MWh")
        if signal.kind == "price"
        else (grid_hourly["carbon_intensity_g_per_kwh"], "gCO2/kWh")
    )
    return signals.threshold(
        series=series,
        threshold_value=float(signal.threshold or 0.0),
        reduction_frac=signal.reduction_frac,
        baseline_mw=baseline_mw,
        kind=signal.kind,
        unit=unit,
    )


def _shed_mtok_per_mw(facility: FacilityStageResult, baseline_mw: np.ndarray) -> np.ndarray:
    """Output tokens lost per meter MW switched off [Mtok/MWh]: the hour's served tokens over its meter power."""
    served = np.asarray(facility.hourly["served_output_tokens_per_s"], dtype=float) * SECONDS_PER_HOUR / MTOK
    return np.divide(served, baseline_mw, out=np.zeros_like(served), where=baseline_mw > 0)


def flex_stage(
    spec: ScenarioSpec,
    *,
    facility: FacilityStageResult,
    grid_summary: Mapping[str, Any],
    grid_hourly: Mapping[str, np.ndarray],
    uploads: Mapping[str, np.ndarray] | None = None,
) -> FlexStageResult:
    """Dispatch the scenario's flexibility over its facility-year; see the module docstring."""
    flex = spec.flexibility
    if flex is None:
        raise FlexibilityError("the scenario has no flexibility section", field="flexibility")
    used: dict[str, Any] = {}
    uploads = dict(uploads or {})
    region = apply_overrides(region_from_ref(spec.grid.region), spec.grid.overrides)
    baseline = facility.facility_power_w / W_PER_MW
    try:
        system: tuple | None = region_system_load_mw(
            region, uploads, year=spec.horizon.start_year + spec.horizon.years - 1
        )
    except FlexibilityError:
        if flex.signal.kind == "system_peak_hours":
            raise
        system = None
    signal = _signal(flex, baseline_mw=baseline, grid_hourly=grid_hourly, system=system, uploads=uploads)
    caps, ratio, notes = cap_options(spec, facility, flex, used)
    tiers = _tiers(spec, facility, flex, ratio, used)
    prices = Prices(
        energy_usd_per_mwh=np.asarray(grid_hourly["billed_price_usd_per_mwh"], dtype=float),
        demand_charge_usd_per_kw_month=region.value("demand_charge_usd_per_kw_month"),
        # as grid.cost bills it: a large-load tariff's minimum share of the contract demand (the planned peak)
        minimum_billing_demand_mw=region.value("large_load_min_demand_td_frac") * float(baseline.max())
        if spec.grid.tariff == "large_load_minimum_demand"
        else 0.0,
        lost_usd_per_mtok=float(
            _figure(
                flex.lost_tokens_usd_per_mtok, "lost_tokens_usd_per_mtok", used=used, name="lost_tokens_usd_per_mtok"
            )
        ),
        deferral_usd_per_mtok_hour=float(
            _figure(
                flex.deferral_usd_per_mtok_hour,
                "deferral_usd_per_mtok_hour",
                used=used,
                name="deferral_usd_per_mtok_hour",
            )
        ),
    )
    problem = FlexProblem(
        baseline_meter_mw=baseline,
        cap_mw=signal.cap_mw,
        month=month_of_hour(),
        prices=prices,
        caps=caps,
        tiers=tiers,
        battery=_battery(flex, used),
        generator=_generator(flex, used),
        year=spec.horizon.start_year + spec.horizon.years - 1,
        shed_mtok_per_mw=_shed_mtok_per_mw(facility, baseline) if flex.allow_shedding else None,
    )
    result = dispatch(problem)
    intensity = np.asarray(grid_hourly["carbon_intensity_g_per_kwh"], dtype=float)
    served_mtok = float(np.sum(facility.hourly["served_output_tokens_per_s"]) * SECONDS_PER_HOUR / MTOK)
    outcome = flexibility_outcome(
        problem=problem,
        dispatch=result,
        signal=signal,
        intensity_g_per_kwh=intensity,
        annual_output_mtok=served_mtok,
        system_load_mw=None if system is None else system[0],
    )
    coincident = float(grid_summary["coincident_peak_mw"])
    firm = min(coincident, outcome["firm_mw"])
    view = bills.bill_view(
        bills.inputs_for_region(
            region,
            coincident_mw=coincident,
            firm_mw=firm,
            contract_mw=float(grid_summary["contract_demand_mw"]),
            power_mw=result.meter_mw,
            capacity_curve=capacity_year(region, spec.horizon.start_year + spec.horizon.years - 1),
        ),
        view="flexible",
    )
    outcome["household_bill_flexible_view"] = {k: round(float(x), 6) for k, x in view.items()} | {
        "method": "flexible view with the firm MW from the dispatch (the most the meter draws in an event hour, "
        "at most the coincident peak) and the dispatched hourly load, instead of an assumed curtailment",
    }
    outcome["figures_used"] = used
    outcome["cap_notes"] = notes
    warnings = list(notes)
    if not result.feasible:
        warnings.insert(0, f"flexibility: the grid signal's caps cannot be met — {result.message}")
    hourly = {
        "flex_meter_mw": result.meter_mw,
        "flex_event_frac": signal.event_mask.astype(float),  # 1 in event hours
        "flex_event_cap_mw": np.where(signal.event_mask, signal.cap_mw, 0.0),  # the cap in event hours, else 0
        "flex_cap_saving_mw": result.cap_saving_mw,
        "flex_deferral_shift_mw": result.deferral_shift_mw,
        "flex_battery_mw": result.discharge_mw - result.charge_mw,
        "flex_battery_soc_mwh": result.soc_mwh,
        "flex_generation_mw": result.generation_mw,
        "flex_shed_mw": result.shed_mw,
        "flex_lost_mtok": result.lost_mtok,
        "flex_deferred_mtok": result.deferred_mtok,
    }
    return FlexStageResult(summary=outcome, hourly=hourly, warnings=tuple(warnings), dispatch=result, problem=problem)
