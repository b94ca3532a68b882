"""Many points of one study computed together, sharing what they have in common (pure, no Django).

A study's points differ in a few values; most of a scenario's computation does not depend on
them. ``evaluate_block`` computes a block of points with the same runner as ``evaluate_point``
(so the KPIs are the same, to the last bit: tests/studies/test_block.py), but

- the site's weather year is generated once per climate and process (it depends on nothing else);
- the efficiency engine's replica curves are computed once per distinct engine request
  (model, accelerator, precision, parallelism, latency targets) and process, and reused;
- the full validation of a run (``checked_scenario``: catalog names, the engine's fit and
  latency, the server layout, derived demand bounds) runs once per distinct set of values at
  paths that are neither scalar-only (``grid.overrides.*``, ``site.ups_efficiency_frac``,
  ``economics.*``, which the grid, facility and TCO stages check themselves) nor demand scales
  (growth, request rates: their derived-demand bound runs on every point); the other points pass
  the schema, that bound and the stages' own checks;
- the facility stage (serving, fleet sizing and dispatch, power chain, cooling) runs once per
  distinct set of values it reads: points that differ only in ``grid.overrides.*`` or
  ``economics.*`` (carbon intensity, prices, capacity figures, TCO figures) share it and run only
  the grid and TCO stages. The points of one facility key run together and its result is dropped
  when the key changes (a result holds dozens of 8,760-hour arrays: one kept per distinct fleet of
  a 1,024-sample block made every point about twice as slow);
- each point's document is one copy with every value set in place.

Across blocks, the process also shares what no sample changes (each cached where it is computed,
read-only): the clean-energy contract's solar and wind shapes, the regions' month × hour
profiles, the on-peak mask, a year's demand shape, the cooling design's weather-only factors, and
the region's grown system hours with their headroom study.

What it does not do: evaluate the stages for a whole block as (samples × 8,760) arrays. A point's
time is mostly per-call overhead (Python and NumPy's dispatch; the arithmetic kernels are ≈ 12 %
of it), so stacking samples would pay, but it needs every stage written twice; instead each point
runs fewer operations (demand states, lazy series: docs/studies.md, *Block evaluation*).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from planner.engine.schema import ScenarioError, parse_scenario
from planner.engine.studies.params import apply_values, expand_path, resolve_path
from planner.engine.studies.points import PointOutcome, outcome_of
from planner.engine.sweep import SweepError

# Paths whose value changes no fleet: only the power chain (UPS), the grid's figures and the TCO
# figures read them, and those stages check them on every point.
SCALAR_ONLY_PREFIXES = ("grid.overrides.", "site.ups_efficiency_frac", "economics.")
# Paths the facility stage (serving, fleet, power chain, cooling) does not read: a block computes
# that stage once per distinct set of the other values and runs only the grid and TCO stages per point.
GRID_ONLY_PREFIXES = ("grid.overrides.", "economics.")
# Paths that scale a workload's demand: the validation's only check that reads them is the derived
# demand bound (checks.derived_demand_errors), which runs on every point; the rest of the full
# validation (catalog names, the engine's fit and latency, the server layout) does not read them.
DEMAND_SCALE_SUFFIXES = (".annual_growth_frac", ".peak_requests_per_s", ".requests_per_day")


@dataclass(frozen=True)
class BlockResult:
    outcomes: tuple[PointOutcome, ...]
    compute_s: float  # wall time of the whole block [s]
    fleets: int  # full validations the block ran (distinct validation keys)
    facility_runs: int  # facility stages the block ran (distinct facility keys)


def is_scalar_only(path: str) -> bool:
    return path.startswith(SCALAR_ONLY_PREFIXES)


def _paths(document: Mapping[str, Any], name: str, memo: dict[str, list[str]]) -> list[str]:
    """The field paths a value name sets (a block's points share their names: computed once)."""
    if name not in memo:
        try:
            memo[name] = expand_path(document, resolve_path(name))
        except SweepError:
            memo[name] = [name]
    return memo[name]


def _key(document: Mapping[str, Any], values: Mapping[str, Any], ignored: Any, memo: dict[str, list[str]]) -> str:
    kept = {name: value for name, value in values.items() if not all(map(ignored, _paths(document, name, memo)))}
    return json.dumps(kept, sort_keys=True, default=str)


def _validation_ignores(path: str) -> bool:
    return is_scalar_only(path) or path.endswith(DEMAND_SCALE_SUFFIXES)


def _facility_ignores(path: str) -> bool:
    return path.startswith(GRID_ONLY_PREFIXES)


def validation_key(
    document: Mapping[str, Any], values: Mapping[str, Any], memo: dict[str, list[str]] | None = None
) -> str:
    """The values of a point that the full validation reads beyond the per-point checks: every
    path that is neither scalar-only nor a demand scale."""
    return _key(document, values, _validation_ignores, {} if memo is None else memo)


def facility_key(
    document: Mapping[str, Any], values: Mapping[str, Any], memo: dict[str, list[str]] | None = None
) -> str:
    """The values of a point that the facility stage reads (every path but the grid-only ones)."""
    return _key(document, values, _facility_ignores, {} if memo is None else memo)


MAX_CACHED = 256  # engine curves / weather years kept per process (a study uses a handful)


class _MemoCurves:
    """The efficiency engine's power_curve, memoised on its arguments (a curve is a pure function
    of them and is never modified), kept for the process: the chunks of a study share it."""

    def __init__(self) -> None:
        self._cache: dict[Any, Any] = {}

    def __call__(self, **kwargs: Any) -> Any:
        from accelerators.efficiency import power_curve

        key: Any = tuple(sorted(kwargs.items()))
        try:
            hash(key)
        except TypeError:  # an organisation's own accelerator or model definition (a dict)
            key = json.dumps(kwargs, sort_keys=True, default=str)
        if key not in self._cache:
            if len(self._cache) >= MAX_CACHED:
                self._cache.clear()
            self._cache[key] = power_curve(**kwargs)  # a refusal raises each time, never cached
        return self._cache[key]


_CURVES = _MemoCurves()
_WEATHER: dict[str, Any] = {}


def _weather_for(document: Mapping[str, Any], cache: dict[str, Any]) -> Any | None:
    """The generated weather year of the document's climate (None: the runner reads its own)."""
    from grid.climate import weather_for_climate

    site = document.get("site") or {}
    climate = site.get("climate")
    if not climate or site.get("weather_upload"):
        return None
    key = json.dumps(climate, sort_keys=True, default=str)
    if key not in cache:
        if len(cache) >= MAX_CACHED:
            cache.clear()
        try:
            cache[key] = weather_for_climate(climate)
        except ValueError:
            cache[key] = None  # the runner names the bad climate on the point
    return cache[key]


def evaluate_block(
    document: Mapping[str, Any],
    samples: Sequence[Mapping[str, Any]],
    *,
    relative: frozenset[str] = frozenset(),
    with_series: bool = False,
) -> BlockResult:
    """Compute every point of ``samples`` (same outcomes as ``evaluate_point`` one by one).
    Refusals are outcomes with their reason; anything else raises (the caller retries)."""
    from planner.engine.checks import checked_scenario, derived_demand_errors
    from planner.engine.facility_stage import facility_stage
    from planner.engine.runner import run_scenario
    from planner.engine.studies.memory import keep_freed_memory

    keep_freed_memory()  # once per process: no page faults for every point's fresh arrays

    started = time.perf_counter()
    facilities = 0  # facility stages run
    checked: set[str] = set()  # validation keys that passed the full validation
    paths: dict[str, list[str]] = {}  # value name → the field paths it sets
    outcomes: list[PointOutcome | None] = [None] * len(samples)
    # Points that share a facility key run one after another and the facility result is dropped
    # when the key changes: a result holds dozens of 8,760-hour arrays, and keeping one per
    # distinct fleet of a 1,024-sample block (gigabytes) made every point ≈ 2× slower.
    groups: dict[str, list[int]] = {}
    for index, values in enumerate(samples):
        groups.setdefault(facility_key(document, values, paths), []).append(index)
    for indices in groups.values():
        facility: Any = None
        for index in indices:
            values = samples[index]
            try:
                variant = apply_values(document, values, relative=relative)
                key = validation_key(document, values, paths)
                if key in checked:
                    spec = parse_scenario(variant)
                    if errors := derived_demand_errors(spec):
                        raise ScenarioError(errors)
                else:  # a refusal is not remembered: it may come from this point's scalar values
                    spec = checked_scenario(variant)
                    checked.add(key)
                if facility is None:
                    facility = facility_stage(spec, weather=_weather_for(variant, _WEATHER), power_curve_fn=_CURVES)
                result = run_scenario(spec, facility=facility, with_inputs=False)
            except ValueError as error:  # ScenarioError, SweepError, catalog, engine, stage errors name their field
                outcomes[index] = PointOutcome(error=str(error))
                continue
            outcomes[index] = outcome_of(variant, result, with_series=with_series)
        facilities += facility is not None
    return BlockResult(
        outcomes=tuple(cast(PointOutcome, outcome) for outcome in outcomes),  # every index was set above
        compute_s=time.perf_counter() - started,
        fleets=len(checked),
        facility_runs=facilities,
    )
