"""Compare runs: which inputs differ (the scenario documents flattened to field paths), and each
workload's cost per million tokens side by side."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from planner.engine.levers import workload_costs
from planner.scenarios.kpis import compare_cells


def flatten(document: Any, prefix: str = "") -> dict[str, Any]:
    """{'workloads': [{'name': 'chat'}]} → {'workloads[0].name': 'chat'}; 24-hour curves stay whole."""
    out: dict[str, Any] = {}
    if isinstance(document, Mapping):
        if not document and prefix:
            out[prefix] = {}
        for key, value in document.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(document, list) and document and not all(isinstance(v, int | float) for v in document):
        for index, value in enumerate(document):
            out.update(flatten(value, f"{prefix}[{index}]"))
    else:
        out[prefix] = document
    return out


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list | dict):
        text = json.dumps(value)
        return text if len(text) <= 80 else text[:77] + "…"
    return str(value)


def inputs_that_differ(documents: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows {path, values: [text per run]} for every field path whose value is not the same in all."""
    flat = [flatten(doc) for doc in documents]
    paths = sorted({path for item in flat for path in item}, key=_path_key)
    rows = []
    for path in paths:
        values = [item.get(path) for item in flat]
        if any(value != values[0] for value in values[1:]):
            rows.append({"path": path, "values": [_text(v) for v in values]})
    return rows


def _path_key(path: str) -> tuple:
    order = ["name", "description", "horizon", "workloads", "hardware", "fleet", "site", "grid", "schema_version"]
    head = path.split(".")[0].split("[")[0]
    return (order.index(head) if head in order else len(order), path)


# ---- $/Mtok per workload (the TCO allocated by device-seconds, result["tco"]["by_workload"]) ----------

WORKLOAD_COSTS = (
    # (key in tco.by_workload, label, unit, digits: those of the run's own $/Mtok KPIs)
    ("usd_per_million_output_tokens", "Cost per million output tokens", "USD/Mtok, all-in TCO", 3),
    ("usd_per_million_tokens", "Cost per million tokens, prompt + output", "USD/Mtok, all-in TCO", 4),
)


def workload_cost_rows(results: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Compare rows (the shape of kpis.kpi_table's) for each workload's $/M output tokens and $/M tokens.

    Workloads in the order they first appear (the baseline's first); a run without the workload, or
    whose workload served no tokens, has no value ("—") and no change. Lower is better.
    """
    costs = [workload_costs(result) for result in results]
    names: list[str] = []
    for by_workload in costs:
        names.extend(name for name in by_workload if name not in names)
    return [
        {
            "key": f"{key}[{name}]",
            "workload": name,
            "label": label,
            "unit": unit,
            "cells": compare_cells([by_workload.get(name, {}).get(key) for by_workload in costs], digits),
        }
        for name in names
        for key, label, unit, digits in WORKLOAD_COSTS
    ]
