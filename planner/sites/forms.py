"""The browser form for a site comparison: pick a scenario, up to six candidate sites and the weights.

The form only gathers fields into the comparison document; the core (parse_comparison) checks it
and its errors are shown under the field path they name.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import QueryDict

from planner.engine.site_comparison import CRITERIA, DEFAULT_WEIGHTS

MAX_SITES = 6


def _number(raw: str) -> float | str | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        return raw  # the schema names the field and says it is not a number


def document_from_post(post: QueryDict, *, scenario_inputs: dict[str, Any] | None) -> tuple[dict[str, Any], dict]:
    """(comparison document, errors of the form itself such as unreadable JSON)."""
    errors: dict[str, list[str]] = {}
    sites = []
    for i in range(MAX_SITES):
        name = post.get(f"site-{i}-name", "").strip()
        if not name:
            continue
        site: dict[str, Any] = {
            "name": name,
            "climate": post.get(f"site-{i}-climate", ""),
            "region": post.get(f"site-{i}-region", ""),
        }
        for key in ("power_cap_mw", "water_limit_m3_per_year"):
            value = _number(post.get(f"site-{i}-{key}", ""))
            if value is not None:
                site[key] = value
        sites.append(site)
    weights = {}
    for key in CRITERIA:
        value = _number(post.get(f"weight-{key}", ""))
        if value is not None:
            weights[key] = value
    try:
        users = json.loads(post.get("users", "").strip() or "[]")
    except json.JSONDecodeError as error:
        users = []
        errors["users"] = [f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"]
    if scenario_inputs is None:
        errors["scenario"] = ["pick a scenario of yours"]
    document = {
        "name": post.get("name", "").strip(),
        "scenario": scenario_inputs or {},
        "sites": sites,
        "users": users,
        "weights": weights,
    }
    return document, errors


def initial_form() -> dict[str, Any]:
    return {"weights": {k: DEFAULT_WEIGHTS.get(k, 0.0) for k in CRITERIA}, "users": "[]"}
