"""Sweeps: the same scenario with one or more fields varied over a list of values (pure).

``vary`` maps a field path in the scenario document (``hardware[0].weight_precision``,
``site.cooling``, ``workloads[1].peak_requests_per_s``) to the values to try; the sweep is the
full grid of combinations, each validated by the one schema and computed by the one runner.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from planner.engine.runner import run_scenario
from planner.engine.schema import ScenarioError, parse_scenario

MAX_SWEEP_VARIANTS = 200  # a sweep is a planning table, not a batch job; bigger grids go through runs

# KPIs a sweep row reports (from the runner's summary; units in the names).
SWEEP_KPIS = (
    "peak_facility_power_mw",
    "annual_facility_energy_mwh",
    "annual_pue",
    "annual_water_m3",
    "servers",
    "facility_energy_per_output_token_j",
    "operator_cost_usd",
)

_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


class SweepError(ValueError):
    """A sweep that cannot be built; the message names the path or value."""


def _steps(path: str) -> list[str | int]:
    steps: list[str | int] = []
    for part in path.split("."):
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*", part):
            raise SweepError(f"{path}: not a field path (expected e.g. hardware[0].weight_precision)")
        for match in _STEP.finditer(part):
            steps.append(match.group(1) if match.group(1) else int(match.group(2)))
    return steps


def set_path(document: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of the document with ``value`` at ``path``; the path must exist up to its last step."""
    result = copy.deepcopy(document)
    steps = _steps(path)
    node: Any = result
    for step in steps[:-1]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            raise SweepError(f"{path}: no such field in the scenario") from None
    last = steps[-1]
    if isinstance(last, int):
        if not isinstance(node, list) or last >= len(node):
            raise SweepError(f"{path}: no such item in the scenario")
    elif not isinstance(node, dict):
        raise SweepError(f"{path}: no such field in the scenario")
    node[last] = value
    return result


@dataclass(frozen=True)
class SweepRow:
    values: dict[str, Any]
    kpis: dict[str, Any]
    error: str = ""


def sweep(
    document: Mapping[str, Any],
    vary: Mapping[str, Sequence[Any]],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> list[SweepRow]:
    """Compute every combination of ``vary``; a combination the schema or engine refuses keeps
    its row with the reason, so the table shows where the feasible region ends."""
    if not vary:
        raise SweepError("vary: give at least one field path and its values")
    paths = list(vary)
    grid = list(itertools.product(*(list(vary[path]) for path in paths)))
    if len(grid) > MAX_SWEEP_VARIANTS:
        raise SweepError(f"vary: {len(grid)} combinations, more than the {MAX_SWEEP_VARIANTS} a sweep computes")
    base = dict(document)
    parse_scenario(base)  # the base scenario itself must be valid
    rows = []
    for index, combination in enumerate(grid):
        values = dict(zip(paths, combination, strict=True))
        variant = base
        for path, value in values.items():
            variant = set_path(variant, path, value)
        try:
            summary = run_scenario(parse_scenario(variant)).summary
        except ScenarioError as error:
            rows.append(SweepRow(values=values, kpis={}, error=str(error)))
        except ValueError as error:  # catalog / engine / facility errors name their field
            rows.append(SweepRow(values=values, kpis={}, error=str(error)))
        else:
            kpis = {key: summary.get(key) for key in SWEEP_KPIS}
            carbon = summary.get("carbon") or {}
            kpis["location_based_tco2e"] = carbon.get("location_based_tco2e")
            kpis["devices"] = sum((summary.get("devices") or {}).values())
            rows.append(SweepRow(values=values, kpis=kpis))
        if progress:
            progress(index + 1, len(grid))
    return rows
