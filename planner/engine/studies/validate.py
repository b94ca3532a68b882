"""A study definition checked against its base scenario before it is saved (pure, no Django).

``parse_study`` checks the definition's own shape; this checks what it does to the scenario:
each varied path and value (sweep ``vary``, optimisation ``choices``) and each uncertain input's
parameter, applied alone to the base scenario, must give a scenario the schema accepts. An unknown
path (``nope.x``), a value of the wrong type (``"abc"`` for a tensor-parallel degree) or an
unknown parameter is refused at save, naming the definition's field, instead of a study whose
every point is refused. Whether a valid combination can be computed (a model that does not fit,
a tensor-parallel group wider than a server) is the point's own check, stored on the point.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from planner.engine.schema import ScenarioError, parse_scenario
from planner.engine.studies import definition as defs
from planner.engine.studies.params import apply_values, expand_path, resolve_path
from planner.engine.sweep import SweepError

MAX_MESSAGES_PER_FIELD = 3
# Values checked per varied path at save (each costs one schema validation, ≈1 ms): the first ones
# and the smallest and largest number; a value past them that the schema refuses is refused on its
# point, with the reason, like any point.
MAX_CHECKED_VALUES = 128


def _touches(error_path: str, varied: list[str]) -> bool:
    """An error at the varied field, inside it, or at a section on its way (``nope`` for ``nope.x``).
    Errors elsewhere (shares that no longer add up to 1 when one path moves alone) are the
    combination's business, checked on each point."""
    return any(path.startswith(error_path) or error_path.startswith(path) for path in varied)


def _problem(document: Mapping[str, Any], values: Mapping[str, Any], relative: frozenset[str]) -> str | None:
    """Why the scenario with ``values`` applied is refused at the varied field (None when it is not)."""
    try:
        varied = [p for name in values for p in expand_path(document, resolve_path(name))]
        parse_scenario(apply_values(document, values, relative=relative))
    except ScenarioError as error:
        found = {path: messages for path, messages in error.errors.items() if _touches(path, varied)}
        return "; ".join(f"{path}: {' '.join(messages)}" for path, messages in found.items()) or None
    except (SweepError, ValueError) as error:
        return str(error)
    return None


def _distinct(values: list[Any]) -> list[Any]:
    """The distinct values to check: the first MAX_CHECKED_VALUES, and the extreme numbers."""
    seen: dict[str, Any] = {}
    for value in values:
        seen.setdefault(json.dumps(value, sort_keys=True, default=str), value)
    distinct = list(seen.values())
    if len(distinct) <= MAX_CHECKED_VALUES:
        return distinct
    numbers = [v for v in distinct if isinstance(v, int | float) and not isinstance(v, bool)]
    extremes = [min(numbers), max(numbers)] if numbers else []
    return distinct[:MAX_CHECKED_VALUES] + extremes


def _paths_errors(document: Mapping[str, Any], section: str, paths: Mapping[str, list[Any]]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for path, values in paths.items():
        for value in _distinct(list(values)):
            problem = _problem(document, {path: value}, frozenset())
            if problem is None:
                continue
            messages = errors.setdefault(f"{section}.{path}", [])
            if len(messages) < MAX_MESSAGES_PER_FIELD:
                messages.append(f"value {json.dumps(value, default=str)}: {problem}")
    return errors


def _inputs_errors(study: defs.UncertaintyStudy, document: Mapping[str, Any]) -> dict[str, list[str]]:
    from planner.engine.studies.uncertainty import inverse_cdf

    errors: dict[str, list[str]] = {}
    for index, item in enumerate(defs.study_inputs(study, dict(document))):
        field = f"inputs[{index}].parameter"
        try:
            resolve_path(item.parameter)
        except SweepError as error:
            errors[field] = [str(error)]
            continue
        relative = frozenset({item.parameter}) if item.mode == "relative" else frozenset()
        ends = inverse_cdf(item.distribution, np.array([0.0, 0.5, 0.999999]))  # low end, median, high end
        for sample in (float(value) for value in ends):
            problem = _problem(document, {item.parameter: sample}, relative)
            if problem is not None:
                errors[field] = [f"{item.parameter} = {sample:g} ({item.mode}): {problem}"]
                break
    return errors


def definition_errors(study: Any, document: Mapping[str, Any]) -> dict[str, list[str]]:
    """Field of the definition → messages, for every path, value or parameter the base scenario refuses."""
    if isinstance(study, defs.SweepStudy):
        return _paths_errors(document, "vary", study.vary)
    if isinstance(study, defs.OptimisationStudy):
        return _paths_errors(document, "choices", study.choices)
    if isinstance(study, defs.UncertaintyStudy):
        return _inputs_errors(study, document)
    return {}
