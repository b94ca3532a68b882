"""Named uncertain inputs and where they live in a scenario document.

A parameter maps to one or more field paths (``[*]`` = every item of a list). Its base value is
the scenario's own figure at that path or, for ``grid.overrides.<figure>``, the region's catalog
figure: a *relative* distribution multiplies it. Other issues add parameters with
``register_parameter`` (e.g. the engine's energy multiplier for uncalibrated devices, issue 14).
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from planner.engine.sweep import SweepError, path_steps, set_path_in_place

_WILDCARD = re.compile(r"^(?P<head>[A-Za-z0-9_.\[\]]*?)\[\*\](?P<tail>.*)$")


@dataclass(frozen=True)
class Parameter:
    name: str
    path: str  # field path, may hold [*]
    unit: str
    description: str
    waits_for: str = ""  # non-empty: the scenario field does not exist yet (names the issue)


PARAMETERS: dict[str, Parameter] = {}


def register_parameter(parameter: Parameter) -> None:
    PARAMETERS[parameter.name] = parameter


for _parameter in (
    Parameter("demand_growth", "workloads[*].annual_growth_frac", "1/year", "demand growth per year, every workload"),
    Parameter(
        "carbon_intensity",
        "grid.overrides.carbon_intensity_g_per_kwh",
        "gCO2e/kWh",
        "annual average grid carbon intensity (the hourly shape is scaled to it)",
    ),
    Parameter("energy_price", "grid.overrides.energy_price_usd_per_mwh", "USD/MWh", "annual mean wholesale price"),
    Parameter(
        "capacity_price_slope",
        "grid.overrides.capacity_price_slope_usd_per_mw_day_per_gw",
        "USD/MW-day per GW",
        "capacity price step per GW of new load",
    ),
    Parameter("capacity_price", "grid.overrides.capacity_price_usd_per_mw_day", "USD/MW-day", "capacity price"),
    Parameter("ups_efficiency", "site.ups_efficiency_frac", "fraction", "UPS efficiency at full load (PUE)"),
    Parameter("fleet_headroom", "fleet.headroom_frac", "fraction", "spare capacity above the peak hour"),
    Parameter(
        "engine_energy_multiplier",
        "hardware[*].energy_multiplier",
        "×",
        "multiplier on accelerator power, every pool (the engine's p10/p90 band of uncalibrated devices)",
    ),
):
    register_parameter(_parameter)


def resolve_path(name_or_path: str) -> str:
    """The field path of a named parameter, or the path itself."""
    parameter = PARAMETERS.get(name_or_path)
    if parameter is None:
        return name_or_path
    if parameter.waits_for:
        raise SweepError(f"{name_or_path}: not available yet, waits for {parameter.waits_for}")
    return parameter.path


def expand_path(document: Mapping[str, Any], path: str) -> list[str]:
    """``workloads[*].x`` → ``workloads[0].x``, ``workloads[1].x``, … (one level of [*])."""
    match = _WILDCARD.match(path)
    if not match:
        return [path]
    head, tail = match.group("head"), match.group("tail")
    node: Any = document
    for key in path_steps(head):
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            raise SweepError(f"{path}: no such field in the scenario") from None
    if not isinstance(node, list):
        raise SweepError(f"{path}: [*] needs a list at {head}")
    return [f"{head}[{index}]{tail}" for index in range(len(node))]


def _get(document: Mapping[str, Any], path: str) -> Any:
    node: Any = document
    for key in path_steps(path):
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return None
    return node


RegionFigure = Callable[[Any, str], float | None]


def region_figure(region_ref: str | Mapping[str, Any], figure: str) -> float | None:
    """The value of a region figure (a catalog slug or an own region's snapshot), or None where it lacks it."""
    from grid.regions import region_from_ref

    try:
        return float(region_from_ref(region_ref).value(figure))
    except ValueError:
        return None


def base_value(document: Mapping[str, Any], path: str, *, figure_of: RegionFigure = region_figure) -> float | None:
    """The value a relative distribution multiplies: the scenario's own, else the region's figure."""
    own = _get(document, path)
    if isinstance(own, int | float) and not isinstance(own, bool):
        return float(own)
    if path.startswith("grid.overrides."):
        region = _get(document, "grid.region") or "pjm-dominion"
        return figure_of(region, path.removeprefix("grid.overrides."))
    return None


def apply_values(
    document: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    relative: frozenset[str] = frozenset(),
    figure_of: RegionFigure = region_figure,
) -> dict[str, Any]:
    """A copy of the document with each value set at its (named or [*]) path; a name in
    ``relative`` multiplies the base value there instead of replacing it."""
    result: dict[str, Any] = _copy_tree(dict(document))
    for name, value in values.items():
        for path in expand_path(result, resolve_path(name)):
            if name in relative:
                base = base_value(result, path, figure_of=figure_of)
                if base is None:
                    raise SweepError(f"{name}: relative needs a base value at {path}; give an absolute distribution")
                value_at = float(value) * base
            else:
                value_at = value
            _ensure_sections(result, path)
            set_path_in_place(result, path, value_at)
    return without_dropped_pools(result)


_ATOMS = (str, int, float, bool, type(None))
_ATOM_TYPES = frozenset(_ATOMS)  # exact types: a subclass goes the slow way


def _copy_tree(node: Any) -> Any:
    """A deep copy of a JSON document (dicts, lists, scalars: what ``copy.deepcopy`` gives, several
    times faster: a study copies its base once per point); anything else goes through deepcopy."""
    kind = type(node)
    if kind is dict:  # leaves (most of a document) are returned without a call of their own
        return {key: value if type(value) in _ATOM_TYPES else _copy_tree(value) for key, value in node.items()}
    if kind is list:
        return [value if type(value) in _ATOM_TYPES else _copy_tree(value) for value in node]
    if isinstance(node, dict):
        return {key: _copy_tree(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_copy_tree(value) for value in node]
    if isinstance(node, _ATOMS):
        return node
    return copy.deepcopy(node)


def without_dropped_pools(document: dict[str, Any]) -> dict[str, Any]:
    """A pool whose share_frac is 0 serves nothing: the mix leaves it out (an optimisation may drop
    a pool; the schema refuses a share of 0, so it never reaches the engine)."""
    hardware = document.get("hardware")
    if not isinstance(hardware, list):
        return document
    kept = [pool for pool in hardware if not (isinstance(pool, dict) and pool.get("share_frac") in (0, 0.0))]
    if len(kept) == len(hardware) or not kept:
        return document
    return {**document, "hardware": kept}


def _ensure_sections(document: dict[str, Any], path: str) -> None:
    """Create the missing sections on the way to a path (``grid.overrides`` in a scenario that
    left ``grid`` to its defaults); list items are never created."""
    node: Any = document
    for step, following in itertools.pairwise(path_steps(path)):
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                return
            node = node[step]
            continue
        if not isinstance(node, dict):
            return
        if step not in node and not isinstance(following, int):
            node[step] = {}
        node = node.get(step)
