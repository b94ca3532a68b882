"""Serving + fleet + facility stage: scenario → hourly IT, losses, cooling, PUE and water.

Chain (each step a pure function, see grid/): demand per workload (grid.demand) → replica power
curves per pool and workload (accelerators.efficiency.power_curve) → fleet sizing and hourly
dispatch (grid.fleet) → IT power with the cooling technology's server-fan effect → power chain
and cooling by weather (grid.facility). With ``site.power_cap_mw`` the stage also solves the
inverse: the share of the scenario's demand the site can serve under the cap.
"""

from __future__ import annotations

import re
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, replace
from functools import cached_property, partial
from typing import Any

import numpy as np

from grid.climate import weather_for_climate
from grid.constants import W_PER_MW, WH_PER_MWH
from grid.cooling import CoolingError, it_power_factor
from grid.demand import DemandError, HourStates, workload_demand
from grid.facility import FacilityHourly, facility_hourly, largest_scale_under_cap
from grid.fleet import (
    CurveError,
    FleetError,
    FleetPolicy,
    FleetSizing,
    PoolInput,
    ReplicaCurve,
    dispatch_fleet,
    replica_curve,
    scale_accelerator_power,
    size_fleet,
)
from grid.fleet.dispatch import FleetHourly
from grid.identity_cache import IdentityCache
from grid.power_chain import PowerChainError, default_power_chain
from grid.weather import HourlyWeather
from planner.engine.lazy_series import LazySeries
from planner.engine.schema import HardwarePool, ScenarioSpec, Workload

Progress = Callable[[str, float], None]
PowerCurveFn = Callable[..., Any]


class FacilityStageError(ValueError):
    """A scenario the facility stage cannot compute; ``field`` names the scenario field."""

    def __init__(self, message: str, *, field: str | None = None):
        self.field = field
        super().__init__(f"{field}: {message}" if field and not message.startswith(field) else message)


@dataclass(frozen=True)
class FacilityStageResult:
    summary: dict[str, Any]
    hourly: MutableMapping[str, np.ndarray]  # a LazySeries: each series computed when first read
    facility_power_w: np.ndarray
    pools: list[dict[str, Any]]
    breakdown: dict[str, Any]
    warnings: tuple[str, ...]
    # What the flexibility stage re-dispatches at other power caps (planner/engine/flex_stage.py).
    context: FleetContext | None = None


@dataclass(frozen=True)
class FleetContext:
    sizing: FleetSizing
    pools: list[PoolInput]
    demand_tokens_per_s: dict[str, np.ndarray]
    weather: HourlyWeather
    it_factor: float
    design_it_power_w: float
    fleet: FleetHourly
    power_curve_fn: PowerCurveFn

    # Read by the flexibility stage only: computed on first read.
    @cached_property
    def it_power_by_pool_w(self) -> dict[str, np.ndarray]:
        return {p.name: self.it_factor * p.it_power_w for p in self.fleet.pools}

    @cached_property
    def served_tokens_per_s_by_pool(self) -> dict[str, np.ndarray]:
        return {p.name: np.sum(list(p.served_tokens_per_s.values()), axis=0) for p in self.fleet.pools}


def _engine_power_curve() -> PowerCurveFn:
    from accelerators.efficiency import power_curve

    return power_curve


def engine_arguments(pool: HardwarePool, load: Workload) -> dict[str, Any]:
    """The efficiency engine's arguments for one workload on one pool (runs and save checks).
    Without pipeline_parallel, `tensor_parallel` is the replica's device count and the engine splits it
    (today's behaviour); with it, the replica is tensor_parallel x pipeline_parallel devices."""
    pipeline = pool.pipeline_parallel
    return {
        "model": load.model,
        "accelerator": pool.accelerator,
        "devices": pool.tensor_parallel * (pipeline or 1),
        "tensor_parallel": pool.tensor_parallel if pipeline else None,
        "pipeline_parallel": pipeline,
        "expert_parallel": pool.expert_parallel,
        "serving_stack": pool.serving_stack,
        "power_limit_w": pool.power_limit_w,
        "weight_precision": pool.weight_precision,
        "kv_precision": pool.kv_precision,
        "input_tokens": load.input_tokens,
        "output_tokens": load.output_tokens,
        "sparsity": pool.sparsity,
        "tpot_target_s": load.tpot_target_ms / 1000.0,
        "ttft_target_s": load.ttft_target_s,
        "ttft_input_tokens": design_prompt_tokens(load),
    }


def _curves(spec: ScenarioSpec, power_curve_fn: PowerCurveFn) -> dict[tuple[int, int], ReplicaCurve]:
    """Replica curve for every (pool index, workload index); identical requests share one call."""
    cache: dict[str, ReplicaCurve] = {}
    curves = {}
    for p, pool in enumerate(spec.hardware):
        for w, load in enumerate(spec.workloads):
            kwargs = engine_arguments(pool, load)
            key = repr(sorted(kwargs.items(), key=lambda item: item[0]))
            if key not in cache:
                try:
                    cache[key] = _replica_curve_of(power_curve_fn(**kwargs))
                except ValueError as error:  # EstimateError, CatalogError, CurveError are ValueErrors
                    raise FacilityStageError(
                        f"{scenario_message(error)} (workload {load.name!r} on pool {pool.name!r})",
                        field=scenario_field_for(error, pool_index=p, workload_index=w),
                    ) from error
            curves[p, w] = scale_accelerator_power(cache[key], pool.energy_multiplier)
    return curves


_CONVERTED = IdentityCache(max_entries=256)


def _replica_curve_of(curve: Any) -> ReplicaCurve:
    """``replica_curve(curve)``, kept per engine curve object: a study's memoised engine hands the
    same curve to every point."""
    return _CONVERTED.get(curve, lambda: _read_only_curve(replica_curve(curve)))


def _read_only_curve(curve: ReplicaCurve) -> ReplicaCurve:
    for value in vars(curve).values():
        if isinstance(value, np.ndarray):
            value.setflags(write=False)  # shared by the points: an in-place change raises
    return curve


# The engine's argument → the scenario field a user typed it in.
_WORKLOAD_FIELDS = {
    "model": "model",
    "input_tokens": "input_tokens",
    "output_tokens": "output_tokens",
    "tpot_target_s": "tpot_target_ms",
    "ttft_target_s": "ttft_target_s",
}
_POOL_FIELDS = {
    "accelerator": "accelerator",
    "devices": "tensor_parallel",
    "weight_precision": "weight_precision",
    "kv_precision": "kv_precision",
    "sparsity": "sparsity",
    "tensor_parallel": "tensor_parallel",
    "expert_parallel": "expert_parallel",
    "pipeline_parallel": "pipeline_parallel",
    "serving_stack": "serving_stack",
    "power_limit_w": "power_limit_w",
}


def scenario_field_for(error: ValueError, *, pool_index: int, workload_index: int) -> str:
    """Name the scenario field behind an engine error (``workloads[0].model``, ``hardware[1].accelerator``)."""
    argument = getattr(error, "field", None)
    if "does not fit" in str(error):
        return f"hardware[{pool_index}].tensor_parallel"
    if argument is None:
        text = str(error)
        argument = "model" if text.startswith("unknown model") else "accelerator" if "accelerator" in text else None
    if argument in _WORKLOAD_FIELDS:
        return f"workloads[{workload_index}].{_WORKLOAD_FIELDS[argument]}"
    if argument in _POOL_FIELDS:
        return f"hardware[{pool_index}].{_POOL_FIELDS[argument]}"
    return f"hardware[{pool_index}]"


_DEVICES_HINT = re.compile(r"try --devices (\d+)")


def scenario_message(error: ValueError) -> str:
    """An engine error in the scenario's words: no engine argument prefix, no CLI flags.

    ``tpot_target_s: unreachable: …`` → ``unreachable: …`` (the field is named beside it);
    ``try --devices 10`` → ``try 10 devices per model replica (tensor parallel)``.
    """
    text = str(error)
    argument = getattr(error, "field", None)
    if argument and text.startswith(f"{argument}: "):
        text = text[len(argument) + 2 :]
    text = _DEVICES_HINT.sub(r"try \1 devices per model replica (tensor parallel)", text)
    for engine_name, scenario_name in {**_WORKLOAD_FIELDS, **_POOL_FIELDS}.items():
        if engine_name != scenario_name and engine_name not in ("devices",):
            text = re.sub(rf"\b{engine_name}\b", scenario_name, text)
    return text


TTFT_DESIGN_PERCENTILE = 0.95  # assumption: latency targets are usually stated for the 95th percentile


def design_prompt_tokens(load: Workload) -> int:
    """The prompt length the time-to-first-token target is met for: p95 of a given distribution."""
    if load.input_tokens_distribution is None:
        return load.input_tokens
    return load.input_tokens_distribution.percentile(TTFT_DESIGN_PERCENTILE)


def _weather(spec: ScenarioSpec, weather: HourlyWeather | None) -> HourlyWeather:
    if weather is not None:
        return weather
    if spec.site.weather_upload and not spec.site.climate:
        raise FacilityStageError(
            f"weather upload {spec.site.weather_upload!r} must be read and passed as weather=",
            field="site.weather_upload",
        )
    try:
        return weather_for_climate(spec.site.climate or "")  # a slug or an own site's definition
    except ValueError as error:
        raise FacilityStageError(str(error), field="site.climate") from error


@dataclass(frozen=True)
class _Run:
    sizing: FleetSizing
    fleet: FleetHourly
    facility: FacilityHourly
    it_factor: float
    design_it_power_w: float


def _run(
    *,
    spec: ScenarioSpec,
    pools: list[PoolInput],
    demand: dict[str, np.ndarray],
    weather: HourlyWeather,
    states: HourStates | None = None,
    scale: float = 1.0,
) -> _Run:
    fleet_spec = spec.fleet
    policy = FleetPolicy(
        headroom_frac=fleet_spec.headroom_frac,
        redundancy=fleet_spec.redundancy,
        idle_policy=fleet_spec.idle_policy,
        dispatch=fleet_spec.dispatch,
        rack_power_limit_w=fleet_spec.rack_power_limit_kw * 1e3,
        rack_units_usable=fleet_spec.rack_units_usable,
    )
    scaled = demand if scale == 1.0 else {name: series * scale for name, series in demand.items()}
    sizing = size_fleet(pools=pools, peak_tokens_per_s={w: float(s.max()) for w, s in scaled.items()}, policy=policy)
    fleet = dispatch_fleet(sizing=sizing, pools=pools, demand_tokens_per_s=scaled, hour_states=states)
    factor = it_power_factor(cooling=spec.site.cooling, ashrae=spec.site.ashrae_class)
    design = factor * sum(p.servers * p.server_power_w + p.racks * policy.rack_aux_w for p in sizing.pools)
    facility = facility_hourly(
        it_power_w=factor * fleet.it_power_w,
        design_it_power_w=max(design, 1.0),
        weather=weather,
        cooling=spec.site.cooling,
        ashrae=spec.site.ashrae_class,
        chain=default_power_chain(ups_efficiency_frac=spec.site.ups_efficiency_frac),
        hour_states=states,
    )
    return _Run(sizing=sizing, fleet=fleet, facility=facility, it_factor=factor, design_it_power_w=design)


def _mwh(power_w: np.ndarray) -> float:
    return float(power_w.sum() / WH_PER_MWH)  # 1-hour steps: W·h → MWh


def facility_stage(
    spec: ScenarioSpec,
    *,
    weather: HourlyWeather | None = None,
    progress: Progress | None = None,
    power_curve_fn: PowerCurveFn | None = None,
) -> FacilityStageResult:
    """Compute the facility of a scenario for the last year of its horizon.

    ``weather`` replaces the site's catalog climate (an uploaded EPW/CSV read by grid.weather);
    ``power_curve_fn`` replaces accelerators.efficiency.power_curve (tests, benchmarks).
    Bad input raises FacilityStageError naming the scenario field.
    """
    try:
        return _facility_stage(spec, weather=weather, progress=progress, power_curve_fn=power_curve_fn)
    except FacilityStageError:
        raise
    except (DemandError, FleetError, CoolingError, PowerChainError, CurveError) as error:
        raise FacilityStageError(str(error), field=getattr(error, "field", None)) from error


def _facility_stage(
    spec: ScenarioSpec,
    *,
    weather: HourlyWeather | None,
    progress: Progress | None,
    power_curve_fn: PowerCurveFn | None,
) -> FacilityStageResult:
    report = progress or (lambda stage, frac: None)
    report("weather", 0.0)
    site_weather = _weather(spec, weather)
    report("demand", 0.1)
    demands = workload_demands(spec)
    demand = {d.name: d.output_tokens_per_s for d in demands}
    report("power curves", 0.2)
    curves = _curves(spec, power_curve_fn or _engine_power_curve())
    pools = [
        PoolInput(
            name=pool.name,
            accelerator=pool.accelerator
            if isinstance(pool.accelerator, str)
            else str(pool.accelerator.get("slug", pool.name)),
            curves={w.name: curves[p, i] for i, w in enumerate(spec.workloads)},
            devices_per_server=pool.devices_per_server,
            share_frac=pool.share_frac,
            count=pool.count,
            server_height_u=pool.server_height_u,
            tensor_parallel=pool.tensor_parallel,
        )
        for p, pool in enumerate(spec.hardware)
    ]
    report("fleet and facility", 0.6)
    shared = {id(d.hour_states) for d in demands}
    states = demands[0].hour_states if demands and len(shared) == 1 else None  # None: some demand is not shaped
    run = _run(spec=spec, pools=pools, demand=demand, weather=site_weather, states=states)
    warnings = list(run.sizing.warnings)
    for p, pool in enumerate(spec.hardware):
        for i, load in enumerate(spec.workloads):
            curve = curves[p, i]
            warnings.extend(f"{pool.name}/{load.name}: {text}" for text in curve.warnings)
            if curve.ttft_s > load.ttft_target_s:
                warnings.append(
                    f"{pool.name}/{load.name}: time to first token at full batch {curve.ttft_s:.2f} s exceeds the "
                    f"target {load.ttft_target_s:g} s"
                )
    if weather is None and spec.site.weather_upload:
        warnings.append(
            f"weather upload {spec.site.weather_upload!r} was not passed in; used climate {spec.site.climate_slug!r}"
        )
    if site_weather.generated:
        warnings.append(
            "weather generated from monthly statistics (typical spread of days, not a record heat wave); "
            "upload an EPW for design-day peaks"
        )
    if any(w.deferrable_frac > 0 for w in spec.workloads):
        warnings.append("deferrable requests are moved within their day to a flat rate (valley filling)")
    cap = None
    if spec.site.power_cap_mw is not None:
        report("power cap", 0.8)
        cap_w = spec.site.power_cap_mw * W_PER_MW
        cap = largest_scale_under_cap(
            peak_power_w=lambda s: float(
                _run(
                    spec=spec, pools=pools, demand=demand, weather=site_weather, states=states, scale=s
                ).facility.facility_power_w.max()
            ),
            cap_w=cap_w,
        )
        if run.facility.facility_power_w.max() > cap_w:
            warnings.append(
                f"peak facility power {run.facility.facility_power_w.max() / W_PER_MW:.1f} MW exceeds the cap of "
                f"{spec.site.power_cap_mw:g} MW; the site can serve {100 * cap:.0f}% of the demand"
            )
    report("results", 0.95)
    result = _build_result(spec=spec, run=run, demands=demands, weather=site_weather, cap_scale=cap, warnings=warnings)
    context = FleetContext(
        sizing=run.sizing,
        pools=pools,
        demand_tokens_per_s=demand,
        weather=site_weather,
        it_factor=run.it_factor,
        design_it_power_w=run.design_it_power_w,
        fleet=run.fleet,
        power_curve_fn=power_curve_fn or _engine_power_curve(),
    )
    report("facility done", 1.0)
    return replace(result, context=context)


def _build_result(
    *,
    spec: ScenarioSpec,
    run: _Run,
    demands: list,
    weather: HourlyWeather,
    cap_scale: float | None,
    warnings: list[str],
) -> FacilityStageResult:
    """The facility-year's summary, hourly series, pools and energy breakdown, in named steps."""
    demand_total = np.sum([d.output_tokens_per_s for d in demands], axis=0)
    unserved_total = np.sum(list(run.fleet.unserved_tokens_per_s.values()), axis=0)
    hourly = _hourly_series(run, weather, demand_total, unserved_total)
    pools_out = _pool_rows(run, hourly)
    summary = _summary(spec, run, demands, weather, demand_total, unserved_total)
    summary |= _power_cap_fields(spec, run, cap_scale)
    return FacilityStageResult(
        summary=summary,
        hourly=hourly,
        facility_power_w=run.facility.facility_power_w,
        pools=pools_out,
        breakdown=_energy_breakdown(run),
        warnings=tuple(warnings),
    )


def _hourly_series(
    run: _Run, weather: HourlyWeather, demand_total: np.ndarray, unserved_total: np.ndarray
) -> LazySeries:
    """The 8,760-hour series the result stores (per-pool IT power is added by :func:`_pool_rows`)."""
    facility, fleet, k = run.facility, run.fleet, run.it_factor
    return LazySeries(
        {
            "it_power_mw": lambda: facility.it_power_w / W_PER_MW,
            "power_losses_mw": lambda: facility.power_losses_w / W_PER_MW,
            "cooling_power_mw": lambda: facility.cooling_power_w / W_PER_MW,
            "facility_power_mw": lambda: facility.facility_power_w / W_PER_MW,
            "pue": facility.pue,
            "water_m3": facility.water_m3,
            "dry_bulb_c": weather.dry_bulb_c,
            "wet_bulb_c": weather.wet_bulb_c,
            "relative_humidity_frac": weather.relative_humidity_frac,
            "economizer_frac": facility.cooling.economizer_frac,
            "demand_output_tokens_per_s": demand_total,
            "served_output_tokens_per_s": lambda: demand_total - unserved_total,
            "host_power_mw": lambda: k * np.sum([p.host_power_w for p in fleet.pools], axis=0) / W_PER_MW,
        }
    )


def _pool_rows(run: _Run, hourly: LazySeries) -> list[dict[str, Any]]:
    """One row per hardware pool (sizing, racks, energy, utilisation, J per token); adds its hourly IT power."""
    facility, fleet, sizing, k = run.facility, run.fleet, run.sizing, run.it_factor
    it_mwh, facility_mwh = _mwh(facility.it_power_w), _mwh(facility.facility_power_w)
    pools_out = []
    for sized, hourly_pool in zip(sizing.pools, fleet.pools, strict=True):
        pool_it = k * hourly_pool.it_power_w
        hourly.defer(f"it_power_mw__{sized.name}", partial(np.divide, pool_it, W_PER_MW))
        served_tokens = hourly_pool.served_year() * 3600.0
        pool_mwh = _mwh(pool_it)
        pools_out.append(
            {
                "name": sized.name,
                "accelerator": sized.accelerator,
                "devices": sized.devices,
                "idle_devices": sized.idle_devices,
                "servers": sized.servers,
                "racks": sized.racks,
                "servers_per_rack": sized.servers_per_rack,
                "rack_power_kw": round(k * sized.servers_per_rack * sized.server_power_w / 1e3, 2),
                "server_height_u": sized.server_height_u,
                "servers_per_rack_by_power": sized.servers_per_rack_by_power,
                "servers_per_rack_by_space": sized.servers_per_rack_by_space,
                "rack_binding": sized.rack_binding,
                "replicas": dict(sized.replicas),
                "capacity_output_tokens_per_s": dict(sized.capacity_tokens_per_s),
                "annual_it_energy_mwh": pool_mwh,
                "peak_it_power_mw": float(pool_it.max() / W_PER_MW),
                "mean_utilisation_frac": hourly_pool.year_sum("utilisation_frac") / facility.it_power_w.size,
                "peak_utilisation_frac": hourly_pool.year_max("utilisation_frac"),
                "it_energy_per_output_token_j": pool_mwh * 3.6e9 / served_tokens if served_tokens > 0 else None,
                "facility_energy_per_output_token_j": (pool_mwh * 3.6e9 / served_tokens * facility_mwh / it_mwh)
                if served_tokens > 0 and it_mwh > 0
                else None,
            }
        )
    return pools_out


def _energy_breakdown(run: _Run) -> dict[str, Any]:
    """Where each MWh of the year goes: accelerator work by kind, host, network, power chain, cooling."""
    facility, fleet, k = run.facility, run.fleet, run.it_factor
    cooling = facility.cooling
    pools = fleet.pools

    def pools_mwh(part: str) -> float:  # Σ over pools of each pool's year (no stacked copy)
        return sum((p.year_sum(part) for p in pools), 0.0) / WH_PER_MWH

    return {
        "unit": "MWh per year",
        "accelerator_arithmetic": k * pools_mwh("arithmetic_power_w"),
        "accelerator_data_movement": k * pools_mwh("data_movement_power_w"),
        "accelerator_serving_overhead": k * pools_mwh("serving_overhead_power_w"),
        "accelerator_static": k * pools_mwh("static_power_w"),
        "host": k * pools_mwh("host_power_w"),
        "network": k * pools_mwh("network_power_w"),
        "ups_losses": _mwh(facility.ups_loss_w),
        "pdu_losses": _mwh(facility.pdu_loss_w),
        "transformer_losses": _mwh(facility.transformer_loss_w),
        "lighting_aux": _mwh(facility.lighting_aux_w),
        "cooling_chillers": _mwh(cooling.chiller_power_w),
        "cooling_fans": _mwh(cooling.fan_power_w),
        "cooling_pumps": _mwh(cooling.pump_power_w),
        "cooling_heat_rejection": _mwh(cooling.heat_rejection_power_w),
    }


def _summary(
    spec: ScenarioSpec,
    run: _Run,
    demands: list,
    weather: HourlyWeather,
    demand_total: np.ndarray,
    unserved_total: np.ndarray,
) -> dict[str, Any]:
    """The facility-year's KPIs: power, energy, PUE, water, fleet size, tokens served."""
    facility, fleet, sizing, k = run.facility, run.fleet, run.sizing, run.it_factor
    facility_w, it_w, pue = facility.facility_power_w, facility.it_power_w, facility.pue
    peak_hour = int(np.argmax(facility_w))
    # PUE is NaN only in hours without IT load; without such hours the plain reductions are the same, and faster
    every_hour_loaded = bool(it_w.min() > 0)
    it_mwh, facility_mwh = _mwh(it_w), _mwh(facility_w)
    water_m3 = float(facility.water_m3.sum())
    served = float((demand_total - unserved_total).sum())
    # Output tokens served per workload [tokens/year]; prompt tokens processed follow each request's ratio.
    served_by_workload = {w.name: sum(p.served_year(w.name) for p in fleet.pools) * 3600.0 for w in spec.workloads}
    input_by_workload = {w.name: served_by_workload[w.name] * w.input_tokens / w.output_tokens for w in spec.workloads}
    input_tokens = sum(input_by_workload.values())
    # Devices held by each workload's replicas (a replica serves one workload); the rest of a pool is idle.
    devices_by_workload = {
        w.name: int(sum(p.devices_by_workload.get(w.name, 0) for p in sizing.pools)) for w in spec.workloads
    }
    return {
        "year": demands[0].year,
        "peak_facility_power_mw": float(facility_w.max() / W_PER_MW),
        "peak_it_power_mw": float(it_w.max() / W_PER_MW),
        "design_it_power_mw": run.design_it_power_w / W_PER_MW,
        "annual_facility_energy_mwh": facility_mwh,
        "annual_it_energy_mwh": it_mwh,
        "annual_cooling_energy_mwh": _mwh(facility.cooling_power_w),
        "annual_power_losses_mwh": _mwh(facility.power_losses_w),
        "annual_pue": facility_mwh / it_mwh if it_mwh > 0 else None,
        "mean_hourly_pue": float(pue.mean() if every_hour_loaded else np.nanmean(pue)),
        "peak_pue": float(pue.max() if every_hour_loaded else np.nanmax(pue)),
        "pue_at_peak_hour": float(pue[peak_hour]),
        "peak_hour_of_year": peak_hour,
        "peak_hour_dry_bulb_c": float(weather.dry_bulb_c[peak_hour]),
        "annual_water_m3": water_m3,
        "wue_l_per_kwh": water_m3 * 1000.0 / (it_mwh * 1000.0) if it_mwh > 0 else 0.0,
        "economizer_hours": int(np.sum(facility.cooling.economizer_frac >= 0.999)),
        "devices": {p.name: p.devices for p in sizing.pools},
        "servers": sizing.servers,
        "racks": sizing.racks,
        "annual_output_tokens": served * 3600.0,
        "annual_output_tokens_by_workload": served_by_workload,
        "annual_input_tokens": input_tokens,
        "annual_input_tokens_by_workload": input_by_workload,
        "devices_by_workload": devices_by_workload,
        "unserved_output_tokens_frac": float(unserved_total.sum() / demand_total.sum()) if demand_total.sum() else 0.0,
        "unserved_output_tokens_frac_by_workload": {
            d.name: float(fleet.unserved_tokens_per_s[d.name].sum() / d.output_tokens_per_s.sum())
            if d.output_tokens_per_s.sum()
            else 0.0
            for d in demands
            if d.name in fleet.unserved_tokens_per_s
        },
        "facility_energy_per_output_token_j": facility_mwh * 3.6e9 / (served * 3600.0) if served > 0 else None,
        "cooling": spec.site.cooling,
        "ashrae_class": spec.site.ashrae_class,
        "it_power_factor": k,
        "weather_source": weather.source,
        "weather_generated": weather.generated,
        "demand_growth_factor": {d.name: d.growth_factor for d in demands},
    }


def _power_cap_fields(spec: ScenarioSpec, run: _Run, cap_scale: float | None) -> dict[str, Any]:
    """The site's power cap and the servable share of demand, when the cap binds."""
    if cap_scale is None:
        return {}
    cap_mw = spec.site.power_cap_mw
    if cap_mw is None:
        raise FacilityStageError("a servable demand fraction needs a power cap", field="site.power_cap_mw")
    return {
        "power_cap_mw": cap_mw,
        "servable_demand_frac": cap_scale,
        "within_power_cap": bool(run.facility.facility_power_w.max() <= cap_mw * W_PER_MW),
    }


def workload_demands(spec: ScenarioSpec) -> list:
    """Each workload's hourly demand over the horizon (grid.demand), errors naming workloads[i]."""
    return [
        workload_demand(
            name=w.name,
            daily_shape=w.daily_shape,
            input_tokens=w.input_tokens,
            output_tokens=w.output_tokens,
            start_year=spec.horizon.start_year,
            years=spec.horizon.years,
            peak_requests_per_s=w.peak_requests_per_s,
            requests_per_day=w.requests_per_day,
            annual_growth_frac=w.annual_growth_frac,
            deferrable_frac=w.deferrable_frac,
            field=f"workloads[{i}]",
        )
        for i, w in enumerate(spec.workloads)
    ]
