"""The browser form for a site comparison: pick a scenario, up to six candidate sites and the weights.

The form only gathers fields into the comparison document; the core (parse_comparison) checks it
and its errors are shown under the field path they name.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import QueryDict

from planner.engine.site_comparison import CRITERIA, DEFAULT_WEIGHTS
from planner.sites.users_form import blank_blocks, blocks_from_post, users_from_blocks

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
        offset = _number(post.get(f"site-{i}-utc_offset_h", ""))
        if offset is not None:  # whole hours: a float the schema would refuse as "not an integer" when whole
            site["utc_offset_h"] = int(offset) if isinstance(offset, float) and offset.is_integer() else offset
        sites.append(site)
    weights = {}
    for key in CRITERIA:
        value = _number(post.get(f"weight-{key}", ""))
        if value is not None:
            weights[key] = value
    users, user_errors = users_from_post(post)
    errors.update(user_errors)
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


def users_mode(post: QueryDict) -> str:
    """'form' (structured rows) or 'json' (the advanced text box; also a post without a mode that sends it)."""
    mode = post.get("users_mode")
    if mode in {"form", "json"}:
        return mode
    return "json" if "users" in post else "form"


def users_from_post(post: QueryDict) -> tuple[list[Any], dict[str, list[str]]]:
    """The users section from the structured rows or the JSON text box, with the form's own errors."""
    if users_mode(post) == "form":
        return users_from_blocks(blocks_from_post(post))
    try:
        return json.loads(post.get("users", "").strip() or "[]"), {}
    except json.JSONDecodeError as error:
        return [], {"users": [f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"]}


def initial_form() -> dict[str, Any]:
    return {
        "weights": {k: DEFAULT_WEIGHTS.get(k, 0.0) for k in CRITERIA},
        "users": "[]",
        "users_mode": "form",
        "user_blocks": blank_blocks(),
    }


def form_again(post: QueryDict, weights: dict[str, Any]) -> dict[str, Any]:
    """The form as posted, to show it again with its errors: the structured rows keep their per-row
    errors (checked again here, the same check as on save)."""
    mode = users_mode(post)
    blocks = blocks_from_post(post) if mode == "form" else []
    users_from_blocks(blocks)  # attaches each section's and row's errors
    return {
        **dict(post.items()),
        "weights": weights,
        "users": post.get("users", "[]"),
        "users_mode": mode,
        "user_blocks": blocks or blank_blocks(),
    }
