"""Can this scenario be computed? Catalog and engine checks, every problem named by its field.

The schema checks types and ranges; these checks look up what the scenario names (models,
accelerators, climates, regions, daily shapes, region overrides) and ask the efficiency engine
whether each model fits each pool and can meet its latency target. They run when a scenario
is saved, so the form and the API show the problem at the field instead of a failed run later.
Uploaded files are checked when they are uploaded, not here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from accelerators.efficiency import power_curve
from grid.climate import climate_from_ref
from grid.demand import get_daily_shape
from grid.fleet.racks import server_form_factor
from grid.fleet.sizing import load_network_defaults
from grid.regions import apply_overrides, region_from_ref
from planner.engine.facility_stage import engine_arguments, scenario_field_for, scenario_message
from planner.engine.grid_stage import REQUIRED
from planner.engine.schema import HardwarePool, ScenarioError, ScenarioSpec, Workload, parse_scenario
from planner.engine.tco_stage import TcoStageError, check_prices


def _strip_field(message: str, field: str) -> str:
    return message.removeprefix(f"{field}: ")


def _check_parallel_layout(index: int, pool: HardwarePool, add: Callable[[str, str], None]) -> None:
    """A tensor-parallel group must sit inside one server's NVLink domain (TP 16 on 8-GPU servers does not)."""
    slug = pool.accelerator if isinstance(pool.accelerator, str) else str(pool.accelerator.get("slug", ""))
    form = server_form_factor(
        accelerator=slug,
        devices_per_server=pool.devices_per_server,
        table=load_network_defaults()["server_form_factors"],
        height_u=pool.server_height_u,
    )
    if form.max_devices_per_server is not None and pool.devices_per_server > form.max_devices_per_server:
        add(
            f"hardware[{index}].devices_per_server",
            f"{pool.devices_per_server} devices in one {slug} server: its platform holds at most "
            f"{form.max_devices_per_server} ({form.source}); use {form.max_devices_per_server} or fewer",
        )
        return  # the tensor-parallel rule below reads the server's size, which is refused
    if pool.tensor_parallel > form.nvlink_domain_devices:
        add(
            f"hardware[{index}].tensor_parallel",
            f"{pool.tensor_parallel} devices per model replica do not fit one server of {pool.devices_per_server} "
            f"devices (a replica's tensor-parallel group shares one server's NVLink domain of "
            f"{form.nvlink_domain_devices}); use {form.nvlink_domain_devices} or fewer, or raise devices per server",
        )


# Bounds of derived demand (the inputs pass their own bounds, their product may not). The final
# year's request rate may not exceed what the schema accepts for any one input rate
# (Workload.peak_requests_per_s, le=1e7 req/s); below one request a year there is nothing to plan.
MAX_FINAL_PEAK_REQUESTS_PER_S = 1e7  # [1/s], = the schema's bound of peak_requests_per_s
MIN_FINAL_REQUESTS_PER_S = 1.0 / (365 * 86_400)  # [1/s]: one request a year (definition, not a figure)


def _final_year_rate(load: Workload, years: int) -> tuple[str, float]:
    """(field, request rate [1/s]) of the final year: the peak rate when given, else the mean."""
    growth = (1.0 + load.annual_growth_frac) ** (years - 1)
    if load.peak_requests_per_s is not None:
        return "peak_requests_per_s", load.peak_requests_per_s * growth
    return "requests_per_day", float(load.requests_per_day or 0.0) / 86_400 * growth


def _check_derived_demand(spec: ScenarioSpec, add: Callable[[str, str], None]) -> None:
    """The final year's demand (rate × growth over the horizon) within plausible bounds."""
    years = spec.horizon.years
    for w, load in enumerate(spec.workloads):
        field, rate = _final_year_rate(load, years)
        what = "peak request rate" if field == "peak_requests_per_s" else "mean request rate"
        if not math.isfinite(rate) or rate > MAX_FINAL_PEAK_REQUESTS_PER_S:
            blame = "annual_growth_frac" if load.annual_growth_frac > 0 and years > 1 else field
            add(
                f"workloads[{w}].{blame}",
                f"the final year's {what} ({rate:.3g} req/s after {years - 1} years of "
                f"{100 * load.annual_growth_frac:g}%/year growth) is above {MAX_FINAL_PEAK_REQUESTS_PER_S:.0e} req/s, "
                "the most any request rate may be",
            )
        elif rate < MIN_FINAL_REQUESTS_PER_S:
            add(
                f"workloads[{w}].{field}",
                f"the final year's {what} ({rate:.3g} req/s) is below one request a year: there is nothing to serve",
            )


class DerivedQuantityError(ValueError):
    """A computed quantity outside its plausible bound: the run is refused, never a success."""

    def __init__(self, message: str, *, field: str):
        self.field = field
        super().__init__(f"{field}: {message}")


def check_derived_result(summary: Mapping[str, Any]) -> None:
    """Refuse a facility-year whose peak power is not finite or exceeds the largest power system's
    peak (grid/data/bounds.yaml ``system_load``: 2,000,000 MW, with its source): the inputs each
    passed their bounds, their product does not describe a facility."""
    from grid.bounds import figure_bound

    peak_mw = float(summary.get("peak_facility_power_mw") or 0.0)
    bound = figure_bound("system_peak_mw")
    high = bound.high if bound is not None else math.inf
    if not math.isfinite(peak_mw) or peak_mw > high:
        raise DerivedQuantityError(
            f"the demand needs a peak facility power of {peak_mw:.3g} MW, above {high:,.0f} MW "
            f"(more than any power system: {bound.source if bound else ''}); lower the request rates or the growth",
            field="workloads",
        )


def derived_demand_errors(spec: ScenarioSpec) -> dict[str, list[str]]:
    """Only the derived-demand bounds of ``feasibility_errors`` (a study block runs them per point)."""
    errors: dict[str, list[str]] = {}
    _check_derived_demand(spec, lambda field, message: errors.setdefault(field, []).append(message))
    return errors


def checked_scenario(document: Mapping[str, Any]) -> ScenarioSpec:
    """The one validation of a scenario before it is computed: the schema, then every feasibility
    check (``feasibility_errors``). Runs (at save), study points and ``manage.py sweep`` all pass
    here; ScenarioError names each bad field."""
    spec = parse_scenario(document)
    errors = feasibility_errors(spec)
    if errors:
        raise ScenarioError(errors)
    return spec


def feasibility_errors(spec: ScenarioSpec) -> dict[str, list[str]]:
    """Field path → messages for everything in the scenario that cannot be computed."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        messages = errors.setdefault(field, [])
        if message not in messages:
            messages.append(message)

    _check_derived_demand(spec, add)
    for w, load in enumerate(spec.workloads):
        if isinstance(load.daily_shape, str):
            try:
                get_daily_shape(load.daily_shape, field=f"workloads[{w}].daily_shape")
            except ValueError as error:
                add(f"workloads[{w}].daily_shape", _strip_field(str(error), f"workloads[{w}].daily_shape"))
    for p, pool in enumerate(spec.hardware):
        _check_parallel_layout(p, pool, add)
        for w, load in enumerate(spec.workloads):
            try:
                power_curve(**engine_arguments(pool, load))
            except ValueError as error:
                field = scenario_field_for(error, pool_index=p, workload_index=w)
                add(field, f"{scenario_message(error)} (workload {load.name!r} on pool {pool.name!r})")
    if spec.site.climate and not spec.site.weather_upload:
        try:
            climate_from_ref(spec.site.climate)
        except ValueError as error:
            add("site.climate", str(error))
    try:
        region = region_from_ref(spec.grid.region)
    except ValueError as error:
        add("grid.region", str(error))
    else:
        try:
            with_overrides = apply_overrides(region, spec.grid.overrides)
            if isinstance(spec.grid.region, dict) and (missing := with_overrides.missing(list(REQUIRED))):
                add("grid.region", f"region {region.slug!r} lacks {', '.join(missing)}; supply them in grid.overrides")
        except ValueError as error:
            message = str(error)
            field = message.split(":", 1)[0] if message.startswith("grid.overrides.") else "grid.overrides"
            add(field, _strip_field(message, field))
    try:
        check_prices(spec)
    except TcoStageError as error:
        add(error.field, _strip_field(str(error), error.field))
    return errors
