"""Read-only views of the shipped catalogs for the pages: pickers, the catalog browser, defaults.

Each function returns plain dicts (label, value, unit, source) so templates stay simple. The
catalogs themselves live in the pure core (accelerators.catalog, grid.climate, grid.demand and
the grid region catalog); this module only shapes them for display and never changes a figure.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from functools import cache
from typing import Any

from planner.engine.schema import COOLING_TYPES

COOLING_LABELS = {
    "air_chiller_economizer": "Air, chiller with economizer",
    "water_chiller_tower": "Water-cooled chiller with cooling tower",
    "evaporative": "Direct/indirect evaporative",
    "direct_liquid_dry_cooler": "Direct-to-chip liquid, dry cooler",
    "immersion": "Immersion",
}
assert set(COOLING_LABELS) == set(COOLING_TYPES)
TARIFF_LABELS = {
    "flat": "flat energy rate",
    "time_of_use": "time of use",
    "hourly": "hourly wholesale price",
    "large_load_minimum_demand": "large-load tariff with minimum demand",
}


def _fmt(value: float | None, scale: float = 1.0, digits: int = 3) -> str:
    if value is None:
        return "—"
    number = value / scale
    return f"{number:,.4g}" if abs(number) < 1e4 else f"{number:,.0f}"


# ---- accelerators and models ------------------------------------------------------------------


def accelerator_choices() -> list[tuple[str, str]]:
    from accelerators.catalog import list_accelerators

    return [(a.slug, f"{a.name} ({a.slug})") for a in list_accelerators()]


def model_choices() -> list[tuple[str, str]]:
    from accelerators.catalog import list_models

    return [(m.hf_id, f"{m.name} — {m.hf_id}") for m in list_models()]


def model_label(ref: str) -> str | None:
    """The catalog name a model reference resolves to, or None if it does not resolve."""
    from accelerators.catalog import CatalogError, get_model

    try:
        return get_model(ref).name
    except (CatalogError, ValueError):
        return None


def accelerator_label(ref: str) -> str | None:
    from accelerators.catalog import CatalogError, get_accelerator

    try:
        return get_accelerator(ref).name
    except (CatalogError, ValueError):
        return None


def accelerator_rows(own: Iterable[tuple[Any, str]] = ()) -> list[dict[str, Any]]:
    """Shipped accelerators, then ``own`` (spec, owning organisation's name) entries."""
    from accelerators.catalog import list_accelerators

    rows = []
    for a, owner in [*((spec, "") for spec in list_accelerators()), *own]:
        src = dict(a.sources)
        figures = [
            ("Kind", a.kind.upper(), "", "kind"),
            ("Power limit", _fmt(a.power_limit_w), "W", "power_limit"),
            ("Idle power", _fmt(a.idle_power_w), "W", "idle_power"),
            ("Memory", _fmt(a.memory_bytes, 1e9), "GB", "memory"),
            ("Memory bandwidth", _fmt(a.memory_bandwidth_bytes_per_s, 1e12), "TB/s", "memory_bandwidth"),
            ("Dense bf16 peak", _fmt(a.peak_dense_flops_per_s.get("bf16"), 1e12), "TFLOP/s", "peak_dense"),
            ("Dense fp8 peak", _fmt(a.peak_dense_flops_per_s.get("fp8"), 1e12), "TFLOP/s", "peak_dense"),
            ("Dense int8 peak", _fmt(a.peak_dense_flops_per_s.get("int8"), 1e12), "TOP/s", "peak_dense"),
            ("Host power per device", _fmt(a.host_power_w_per_device), "W", "host_power_per_device"),
            ("2:4 sparsity", "yes" if a.sparse_2_4 else "no", "", "sparse_2_4"),
            ("Unstructured sparsity", "yes" if a.unstructured_sparsity else "no", "", "unstructured_sparsity"),
            ("Embodied carbon", _fmt(a.embodied_carbon_kgco2e), "kgCO2e", "embodied_carbon"),
        ]
        rows.append(
            {
                "slug": a.slug,
                "name": a.name,
                "figures": [
                    {"label": label, "value": value, "unit": unit, "source": src.get(key, "")}
                    for label, value, unit, key in figures
                ],
                "assumptions": list(a.assumptions),
                "owner": owner,
            }
        )
    return rows


def model_rows(own: Iterable[tuple[Any, str]] = ()) -> list[dict[str, Any]]:
    """Shipped models, then ``own`` (spec, owning organisation's name) entries."""
    from accelerators.catalog import list_models

    rows = []
    for m, owner in [*((spec, "") for spec in list_models()), *own]:
        rows.append(
            {
                "slug": m.slug,
                "name": m.name,
                "hf_id": m.hf_id,
                "total_b": m.total_params / 1e9,
                "active_b": m.active_params / 1e9,
                "layers": m.layers,
                "experts": f"{m.experts_per_token} of {m.experts}" if m.is_moe else "dense",
                "attention": m.attention.upper(),
                "precision": m.weight_precision,
                "source": m.source,
                "owner": owner,
            }
        )
    return rows


def _organisation_ids(organisations: Any) -> list[int]:
    return [getattr(o, "pk", o) for o in organisations]


def own_entries(organisations: Any) -> dict[str, tuple[tuple[str, str], ...]]:
    """Choices for the organisations' own catalog entries (a run substitutes their definitions);
    the rows come from planner.scenarios.custom_catalog, the one place that resolves them."""
    from planner.scenarios.custom_catalog import own_entries as rows_of

    ids = _organisation_ids(organisations)

    def rows(kind: str) -> tuple[tuple[str, str], ...]:
        return tuple(
            (e.slug, f"{e.name} ({e.slug}) — {e.organisation.name}'s own entry")
            for e in rows_of(kind=kind, organisation_ids=ids)
        )

    return {kind: rows(kind) for kind in ("accelerators", "models", "sites", "regions")}


def own_specs(organisations: Any, kind: str) -> list[tuple[Any, str]]:
    """The organisations' own accelerators or models as specs, each with its owner's name.

    An entry whose definition no longer reads (edited by hand in the admin) is left out of the
    browser; scenarios naming it are refused with the reason when they are saved.
    """
    from accelerators.catalog import get_accelerator, get_model
    from planner.scenarios.custom_catalog import definition
    from planner.scenarios.custom_catalog import own_entries as rows_of

    reader = get_accelerator if kind == "accelerators" else get_model
    specs = []
    for entry in rows_of(kind=kind, organisation_ids=_organisation_ids(organisations)):
        try:
            specs.append((reader(definition(entry)), entry.organisation.name))
        except ValueError:
            continue
    return specs


# ---- sites, climates, shapes ------------------------------------------------------------------


def climate_choices() -> list[tuple[str, str]]:
    from grid.climate import list_climates

    return [(c.slug, f"{c.name} ({c.slug})") for c in list_climates()]


def site_rows() -> list[dict[str, Any]]:
    from grid.climate import list_climates

    rows = []
    for c in list_climates():
        rows.append(
            {
                "slug": c.slug,
                "name": c.name,
                "latitude": c.latitude,
                "longitude": c.longitude,
                "elevation_m": c.elevation_m,
                "annual_mean_c": sum(c.dry_bulb_mean_c) / 12,
                "hottest_month_c": max(c.dry_bulb_mean_c),
                "coldest_month_c": min(c.dry_bulb_mean_c),
                "monthly_c": [round(v, 1) for v in c.dry_bulb_mean_c],
                "source": c.source,
                "estimated_humidity": c.estimated_humidity,
            }
        )
    return rows


@cache
def daily_shapes() -> dict[str, dict[str, Any]]:
    from grid.demand import list_daily_shapes

    return {
        s.name: {
            "weekday": [float(v) for v in s.weekday],
            "weekend": [float(v) for v in s.weekend],
            "source": s.source,
            "assumption": s.assumption,
        }
        for s in list_daily_shapes()
    }


# ---- grid regions (the grid helper's catalog; optional until it exists) -----------------------


def _region_module() -> Any | None:
    for name in ("grid.regions", "grid.region"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


def _region_items() -> Iterable[Any]:
    module = _region_module()
    if module is None:
        return []
    lister = getattr(module, "list_regions", None)
    return lister() if lister else []


def _as_dict(region: Any) -> dict[str, Any]:
    if isinstance(region, dict):
        return region
    if hasattr(region, "to_dict"):
        return region.to_dict()
    return dict(vars(region))


def region_rows() -> list[dict[str, Any]]:
    """Each region: slug, name, figures [{key, value, unit, source, assumption}] (overridable numbers)."""
    rows = []
    for region in _region_items():
        data = _as_dict(region)
        figures = []
        for key, figure in (data.get("figures") or {}).items():
            if not isinstance(figure, dict) or isinstance(figure.get("value"), bool):
                continue
            if not isinstance(figure.get("value"), int | float):
                continue
            figures.append(
                {
                    "key": key,
                    "value": figure["value"],
                    "text": f"{figure['value']:,.6g}",
                    "unit": figure.get("unit") or _unit_from_name(key),
                    "source": figure.get("source", ""),
                    "assumption": figure.get("reason", "") if figure.get("assumption") else "",
                    "verify": bool(figure.get("verify")),
                }
            )
        rows.append(
            {
                "slug": data.get("slug", ""),
                "name": data.get("name", data.get("slug", "")),
                "country": data.get("country", ""),
                "figures": figures,
            }
        )
    return rows


def region_choices() -> list[tuple[str, str]]:
    return [(r["slug"], f"{r['name']} ({r['slug']})") for r in region_rows()]


def region_defaults(slug: str) -> dict[str, dict[str, Any]]:
    """key → figure of one region ({} for an unknown slug)."""
    for row in region_rows():
        if row["slug"] == slug:
            return {figure["key"]: figure for figure in row["figures"]}
    return {}


def region_figure_keys() -> list[tuple[str, str]]:
    """(key, unit) of every figure any region carries, in catalog order: the overridable fields."""
    seen: dict[str, str] = {}
    for row in region_rows():
        for figure in row["figures"]:
            seen.setdefault(figure["key"], figure["unit"])
    return list(seen.items())


def region_defaults_all() -> dict[str, dict[str, float]]:
    """slug → {key: value}, for the editor to show the selected region's defaults live."""
    return {row["slug"]: {f["key"]: f["value"] for f in row["figures"]} for row in region_rows()}


_UNIT_SUFFIXES = (
    ("_usd_per_mw_day", "USD/MW-day"),
    ("_usd_per_kw_month", "USD/kW-month"),
    ("_usd_per_kw_year", "USD/kW-year"),
    ("_usd_per_mwh", "USD/MWh"),
    ("_usd_per_kwh", "USD/kWh"),
    ("_g_per_kwh", "gCO2e/kWh"),
    ("_kwh_per_month", "kWh/month"),
    ("_kw", "kW"),
    ("_mw", "MW"),
    ("_gw", "GW"),
    ("_frac", "fraction"),
    ("_pct", "%"),
    ("_usd", "USD"),
    ("_years", "years"),
)


def _unit_from_name(key: str) -> str:
    for suffix, unit in _UNIT_SUFFIXES:
        if key.endswith(suffix):
            return unit
    return ""


def unit_from_name(key: str) -> str:
    """The unit a field's name carries (SI-in-names convention), for labels."""
    return _unit_from_name(key)
