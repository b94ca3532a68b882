"""The single entry point that computes a scenario: schema in, ScenarioResult out.

Stages (each a pure function of the previous one's result, see ARCHITECTURE.md):
serving + fleet + facility (`facility_stage`) → grid, carbon, cost and bills (`grid_stage`) →
total cost of ownership and $/Mtok (`tco_stage`).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from planner.engine.constraints import constraint_violations
from planner.engine.lazy_series import LazySeries
from planner.engine.result import ScenarioResult
from planner.engine.schema import ScenarioSpec

CODE_VERSION = "0.1.0"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
CATALOG_DATA_FOLDERS = ("accelerators/data", "grid/data")

Progress = Callable[[str, float], None]


def input_hash(inputs: Mapping[str, Any]) -> str:
    """Stable SHA-256 of a scenario document (key order does not matter)."""
    canonical = json.dumps(inputs, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@cache
def data_version() -> str:
    """Short SHA-256 of the shipped catalog data files: which figures a result was computed with."""
    digest = hashlib.sha256()
    for folder in CATALOG_DATA_FOLDERS:
        for path in sorted((PROJECT_ROOT / folder).rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _flexibility(spec, *, facility, grid, uploads, summary, hourly) -> tuple[str, ...]:
    """Dispatch the flexibility section; its outcome joins the summary, carbon and bills (in place)."""
    from planner.engine.flex_stage import flex_stage

    flex = flex_stage(
        spec, facility=facility, grid_summary=grid.summary, grid_hourly=grid.hourly, uploads=dict(uploads or {})
    )
    summary["flexibility_dispatch"] = flex.summary
    hourly.update(flex.hourly)
    carbon = dict(summary["carbon"])
    onsite = flex.summary["emissions"]["onsite_generation_tco2"]
    carbon["onsite_generation_tco2"] = onsite
    carbon["location_based_flexible_tco2e"] = round(
        carbon["location_based_tco2e"] + flex.summary["emissions"]["grid_change_tco2e"] + onsite, 3
    )
    carbon["methods"] = dict(carbon["methods"]) | {
        "location_based_flexible_tco2e": "location-based at the dispatched meter load + on-site generation "
        "(heat rate × fuel CO2 factor)"
    }
    summary["carbon"] = carbon
    bill = dict(summary["household_bill_usd_per_month"])
    bill["views"] = dict(bill["views"]) | {
        "flexible_assumed": bill["views"].get("flexible"),
        "flexible": {k: v for k, v in flex.summary["household_bill_flexible_view"].items() if k != "method"},
    }
    bill["methods"] = dict(bill["methods"]) | {"flexible": flex.summary["household_bill_flexible_view"]["method"]}
    summary["household_bill_usd_per_month"] = bill
    return flex.warnings


def run_scenario(
    spec: ScenarioSpec,
    *,
    progress: Progress | None = None,
    weather: Any | None = None,
    uploads: Mapping[str, np.ndarray] | None = None,
    power_curve_fn: Callable[..., Any] | None = None,
    facility: Any | None = None,
    with_inputs: bool = True,
) -> ScenarioResult:
    """Compute a scenario. `weather` replaces the site's catalog climate; `uploads` hold hourly
    carbon/price/system-load series that replace the region's (keys as in GridSpec.uploads) and an
    uploaded event schedule (key "events", an (n, 4) array read by flexibility.signal.events_upload);
    `power_curve_fn` replaces the efficiency engine's power_curve (a study's memoised one);
    `facility` is the facility stage's result of a scenario that differs from `spec` only in what
    that stage does not read (grid.overrides, economics): reused instead of recomputed;
    `with_inputs=False` leaves the inputs and their hash out of `meta` (a study point keeps its
    values and KPIs, not a copy of the scenario)."""
    from planner.engine.facility_stage import facility_stage
    from planner.engine.grid_stage import grid_stage
    from planner.engine.tco_stage import tco_stage

    report = progress or (lambda stage, frac: None)
    started = time.perf_counter()

    report("serving and facility", 0.05)
    if facility is None:
        facility = facility_stage(
            spec,
            weather=weather,
            progress=lambda stage, frac: report(stage, 0.05 + 0.6 * frac),
            power_curve_fn=power_curve_fn,
        )

    from planner.engine.checks import check_derived_result

    check_derived_result(facility.summary)  # before pricing a facility no grid could supply
    report("grid, carbon and bills", 0.7)
    pools = facility.pools
    grid = grid_stage(
        spec,
        facility_power_w=facility.facility_power_w,
        devices_by_pool={pool["name"]: int(pool["devices"]) for pool in pools},
        # The pool's own reference: a catalog slug, or an organisation's full definition.
        accelerator_by_pool={pool.name: pool.accelerator for pool in spec.hardware},
        servers=int(facility.summary["servers"]),
        # hourly series only: an event schedule (key "events") is the flexibility signal's, read there
        uploads={key: value for key, value in (uploads or {}).items() if key != "events"} or None,
    )
    summary = {**facility.summary, **grid.summary}
    hourly = LazySeries.merged(facility.hourly, grid.hourly)  # computed when read (a study point reads 2)
    warnings = tuple(facility.warnings) + tuple(grid.warnings)
    if spec.flexibility is not None:
        report("flexible operation", 0.85)
        warnings += _flexibility(spec, facility=facility, grid=grid, uploads=uploads, summary=summary, hourly=hourly)
    report("finishing", 0.95)
    summary["tco"] = tco_stage(spec, summary)
    meta: dict[str, Any] = {
        "scenario_name": spec.name,
        "schema_version": spec.schema_version,
        "code_version": CODE_VERSION,
        "data_version": data_version(),
    }
    if with_inputs:
        inputs = spec.model_dump(mode="json")
        meta |= {"input_hash": input_hash(inputs), "inputs": inputs}
    meta["compute_s"] = round(time.perf_counter() - started, 4)
    return ScenarioResult(
        summary=summary,
        hourly=hourly,
        pools=pools,
        breakdown=facility.breakdown,
        warnings=warnings,
        meta=meta,
        constraints=tuple(violation.to_dict() for violation in constraint_violations(summary)),
    )
