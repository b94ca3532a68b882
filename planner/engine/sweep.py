"""Sweeps: the same scenario with one or more fields varied over a list of values (pure).

``vary`` maps a field path in the scenario document (``hardware[0].weight_precision``,
``site.cooling``, ``workloads[1].peak_requests_per_s``) to the values to try; the sweep is the
full grid of combinations, each validated by the one schema and computed by the one runner.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MAX_SWEEP_VARIANTS = 200  # a sweep is a planning table, not a batch job; bigger grids are studies (planner.studies)

_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


class SweepError(ValueError):
    """A sweep that cannot be built; the message names the path or value."""


@lru_cache(maxsize=4096)  # a study sets the same few paths at every point
def path_steps(path: str) -> tuple[str | int, ...]:
    """The keys along a field path: ``hardware[0].share_frac`` → ("hardware", 0, "share_frac")."""
    steps: list[str | int] = []
    for part in path.split("."):
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*", part):
            raise SweepError(f"{path}: not a field path (expected e.g. hardware[0].weight_precision)")
        for match in _STEP.finditer(part):
            steps.append(match.group(1) if match.group(1) else int(match.group(2)))
    return tuple(steps)


def set_path(document: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of the document with ``value`` at ``path``; the path must exist up to its last step."""
    result = copy.deepcopy(document)
    set_path_in_place(result, path, value)
    return result


def set_path_in_place(result: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at ``path`` in ``result`` itself (the caller holds a copy)."""
    steps = path_steps(path)
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
    # One grid expansion and one point computation for `manage.py sweep` and studies.
    from planner.engine.checks import checked_scenario
    from planner.engine.studies.points import evaluate_point, grid_points

    grid = grid_points({path: list(values) for path, values in vary.items()})
    if len(grid) > MAX_SWEEP_VARIANTS:
        raise SweepError(f"vary: {len(grid)} combinations, more than the {MAX_SWEEP_VARIANTS} a sweep computes")
    base = dict(document)
    checked_scenario(base)  # the base scenario itself must pass the one validation of a run
    rows = []
    for index, values in enumerate(grid):
        outcome = evaluate_point(base, values)
        rows.append(SweepRow(values=dict(values), kpis=outcome.kpis, error=outcome.error))
        if progress:
            progress(index + 1, len(grid))
    return rows
