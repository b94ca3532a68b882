"""Can this scenario be computed? Catalog and engine checks, every problem named by its field.

The schema checks types and ranges; these checks look up what the scenario names (models,
accelerators, climates, regions, daily shapes, region overrides) and ask the efficiency engine
whether each model fits each pool and can meet its latency target. They run when a scenario
is saved, so the form and the API show the problem at the field instead of a failed run later.
Uploaded files are checked when they are uploaded, not here.
"""

from __future__ import annotations

from collections.abc import Callable

from accelerators.efficiency import power_curve
from grid.climate import climate_from_ref
from grid.demand import get_daily_shape
from grid.fleet.racks import server_form_factor
from grid.fleet.sizing import load_network_defaults
from grid.regions import apply_overrides, region_from_ref
from planner.engine.facility_stage import engine_arguments, scenario_field_for, scenario_message
from planner.engine.grid_stage import REQUIRED
from planner.engine.schema import HardwarePool, ScenarioSpec
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
    if pool.tensor_parallel > form.nvlink_domain_devices:
        add(
            f"hardware[{index}].tensor_parallel",
            f"{pool.tensor_parallel} devices per model replica do not fit one server of {pool.devices_per_server} "
            f"devices (a replica's tensor-parallel group shares one server's NVLink domain of "
            f"{form.nvlink_domain_devices}); use {form.nvlink_domain_devices} or fewer, or raise devices per server",
        )


def feasibility_errors(spec: ScenarioSpec) -> dict[str, list[str]]:
    """Field path → messages for everything in the scenario that cannot be computed."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        messages = errors.setdefault(field, [])
        if message not in messages:
            messages.append(message)

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
