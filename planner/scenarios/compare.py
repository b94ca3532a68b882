"""Which inputs differ between runs: the scenario documents flattened to field paths."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


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
