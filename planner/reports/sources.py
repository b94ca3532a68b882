"""Sources of the catalog entries a scenario uses (models, accelerators, climate site)."""

from __future__ import annotations

from typing import Any

from planner.reports.units import fmt


def _row(item: str, field: str, value: Any, unit: str, source: str, assumption: str = "") -> dict[str, str]:
    return {"item": item, "field": field, "value": fmt(value), "unit": unit, "source": source, "assumption": assumption}


def catalog_sources(inputs: dict[str, Any]) -> list[dict[str, str]]:
    from accelerators.catalog import CatalogError, get_accelerator, get_model
    from grid.climate import ClimateError, climate_from_ref

    rows: list[dict[str, str]] = []
    for workload in inputs.get("workloads", []):
        try:
            model = get_model(workload["model"])
        except (CatalogError, ValueError, KeyError, TypeError):
            rows.append(_row(f"workload {workload.get('name')}", "model", "user-supplied", "", "given in the scenario"))
            continue
        rows.append(
            _row(
                f"workload {workload.get('name')}",
                f"model {model.name}",
                model.total_params / 1e9,
                "B params",
                model.source,
            )
        )
    seen: set[str] = set()
    for pool in inputs.get("hardware", []):
        try:
            spec = get_accelerator(pool["accelerator"])
        except (CatalogError, ValueError, KeyError, TypeError):
            rows.append(_row(f"pool {pool.get('name')}", "accelerator", "user-supplied", "", "given in the scenario"))
            continue
        if spec.slug in seen:
            continue
        seen.add(spec.slug)
        reasons = dict(item.split(": ", 1) for item in spec.assumptions if ": " in item)
        figures = {
            "power_limit": (spec.power_limit_w, "W"),
            "idle_power": (spec.idle_power_w, "W"),
            "memory": (spec.memory_bytes / 1e9, "GB"),
            "memory_bandwidth": (spec.memory_bandwidth_bytes_per_s / 1e12, "TB/s"),
            "host_power_per_device": (spec.host_power_w_per_device, "W"),
            "embodied_carbon": (spec.embodied_carbon_kgco2e, "kgCO2e"),
            "peak_dense": (max(spec.peak_dense_flops_per_s.values()) / 1e12, "TFLOP/s (max dtype)"),
        }
        for key, source in spec.sources.items():
            value, unit = figures.get(key, ("", ""))
            rows.append(_row(f"accelerator {spec.name}", key, value, unit, str(source), reasons.get(key, "")))
    climate = (inputs.get("site") or {}).get("climate")
    if climate:
        try:
            site = climate_from_ref(climate)  # a slug or an own site's snapshot
            rows.append(_row(f"site {site.name}", "monthly climate statistics", "", "°C", site.source))
        except ClimateError:
            pass
    return rows
