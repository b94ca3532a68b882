"""Efficiency levers: variants of a scenario with one lever applied alone (pure, no Django).

The result page compares the planned scenario with three variants, each changing one thing:

- ``moe``: every dense model is replaced by the catalog mixture-of-experts model whose *total*
  parameter count is closest on a log scale (similar memory footprint; quality is not modelled).
  Models that are already MoE are kept.
- ``pruning``: every pool runs 50 % sparse weights where the device can exploit sparsity:
  ``2:4`` structured on devices with sparse tensor cores, ``unstructured:0.5`` on devices whose
  catalog entry says they exploit unstructured sparsity (SparseGPT, Frantar & Alistarh, ICML 2023:
  50-60 % one-shot sparsity with a small perplexity increase). Pools already sparse are kept.
- ``quantization``: weights to 4 bits (``int4``, W4A16 on GPUs) and the KV cache to ``fp8`` where
  it is wider; pools already at 4 bits or less are kept.

- ``power_limit``: every GPU pool without a limit runs its GPUs power-capped at the fraction of the
  board limit that MLPerf "MaxQ" submissions use (H100 SXM at 450 of 700 W, MLPerf Inference v4.0
  closed, NVIDIA/Dell; accelerators/data/serving_stacks.yaml ``power_limit.lever_frac``).
- ``specialised``: every pool moves to the catalog's most efficient device of another class (LPU,
  TPU, FPGA, inference ASIC: catalog ``kind`` other than the pool's) for its workloads — the least
  node energy per output token at each workload's own latency target, demand-weighted — with the
  replica split the engine chooses; its uncertainty band (p10/p90) travels with the variant.

A variant that changes nothing is marked ``applicable=False`` with the reason. ``workload_costs`` reads
each workload's $/Mtok from a variant's result for the lever table (shaping only, no physics).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from accelerators.formats import nominal_bits
from planner.engine.schema import ScenarioSpec, parse_scenario

if TYPE_CHECKING:
    from accelerators.catalog import ModelSpec

LEVERS = ("moe", "pruning", "quantization", "power_limit", "specialised")
LEVER_LABELS = {
    "moe": "Mixture of experts",
    "pruning": "Pruning (50 % sparse)",
    "quantization": "4-bit weights",
    "power_limit": "GPU power limit",
    "specialised": "Specialised hardware",
}


@dataclass(frozen=True)
class LeverVariant:
    lever: str
    label: str
    spec: ScenarioSpec
    changes: tuple[str, ...]  # what was changed, in words (or why nothing was)
    applicable: bool
    uncertainty: dict[str, float] | None = None  # p10/p90 multipliers on energy (uncalibrated devices)


def _nearest_moe(total_params: float, candidates: list[ModelSpec]) -> ModelSpec | None:
    if not candidates:
        return None
    return min(candidates, key=lambda m: abs(math.log(m.total_params / total_params)))


def _moe(document: dict) -> tuple[dict, list[str]]:
    from accelerators.catalog import CatalogError, get_model, list_models

    moe_models = [m for m in list_models() if m.is_moe]
    changes = []
    for workload in document["workloads"]:
        try:
            model = get_model(workload["model"])
        except (CatalogError, ValueError):
            continue
        if model.is_moe:
            continue
        replacement = _nearest_moe(model.total_params, moe_models)
        if replacement is None:
            continue
        workload["model"] = replacement.hf_id
        changes.append(
            f"{workload['name']}: {model.name} ({model.total_params / 1e9:.0f} B dense) → {replacement.name} "
            f"({replacement.total_params / 1e9:.0f} B total, {replacement.active_params / 1e9:.0f} B active)"
        )
    return document, changes


def _pruning(document: dict) -> tuple[dict, list[str]]:
    from accelerators.catalog import CatalogError, get_accelerator

    changes = []
    for pool in document["hardware"]:
        if pool.get("sparsity", "none") != "none":
            continue
        try:
            device = get_accelerator(pool["accelerator"])
        except (CatalogError, ValueError):
            continue
        if device.sparse_2_4:
            pool["sparsity"] = "2:4"
        elif device.unstructured_sparsity:
            pool["sparsity"] = "unstructured:0.5"
        else:
            continue
        changes.append(f"{pool['name']}: sparsity none → {pool['sparsity']}")
    return document, changes


def _quantization(document: dict) -> tuple[dict, list[str]]:
    changes = []
    for pool in document["hardware"]:
        before = (pool.get("weight_precision", "bf16"), pool.get("kv_precision", "bf16"))
        if nominal_bits(before[0]) > 4:
            pool["weight_precision"] = "int4"
        if nominal_bits(before[1]) > 8:
            pool["kv_precision"] = "fp8"
        after = (pool.get("weight_precision", "bf16"), pool.get("kv_precision", "bf16"))
        if after != before:
            changes.append(f"{pool['name']}: weights {before[0]} → {after[0]}, KV cache {before[1]} → {after[1]}")
    return document, changes


def _power_limit(document: dict) -> tuple[dict, list[str]]:
    from accelerators.catalog import CatalogError, get_accelerator
    from accelerators.efficiency.stacks import power_limit_value

    frac = power_limit_value("lever_frac")
    changes = []
    for pool in document["hardware"]:
        if pool.get("power_limit_w") is not None:
            continue
        try:
            device = get_accelerator(pool["accelerator"])
        except (CatalogError, ValueError):
            continue
        if device.kind != "gpu":
            continue
        pool["power_limit_w"] = round(frac * device.power_limit_w)
        changes.append(
            f"{pool['name']}: power-capped at {pool['power_limit_w']} W (board limit {device.power_limit_w:g} W)"
        )
    return document, changes


def _workload_energy_j(device, load: dict, pool: dict) -> tuple[float, dict] | None:
    """Node energy per output token of `load` on the smallest replica of `device` that serves it."""
    from accelerators.efficiency import EstimateError, estimate

    for n in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024):
        try:
            e = estimate(
                model=load["model"],
                accelerator=device,
                devices=n,
                weight_precision=pool.get("weight_precision"),
                kv_precision=pool.get("kv_precision"),
                input_tokens=load.get("input_tokens", 800),
                output_tokens=load.get("output_tokens", 350),
                tpot_target_s=load.get("tpot_target_ms", 50.0) / 1000.0,
            )
        except (EstimateError, ValueError):
            continue
        return e.node_energy_per_output_token_j, e.parallelism or {}
    return None


def demand_weighted_energy_j(document: dict, pool: dict, device) -> tuple[float, dict] | None:
    """Node J per output token of `device` over the scenario's workloads, weighted by their peak output
    tokens/s, and the largest replica split it needs; None when a workload cannot be served on it."""
    total, weight, split = 0.0, 0.0, {}  # type: ignore[var-annotated]
    for load in document["workloads"]:
        got = _workload_energy_j(device, load, pool)
        if got is None:
            return None
        rate = load.get("peak_requests_per_s") or (load.get("requests_per_day") or 86_400.0) / 86_400.0
        share = float(rate) * float(load.get("output_tokens", 350))  # output tokens/s at peak
        total += got[0] * share
        weight += share
        if got[1].get("tensor", 1) * got[1].get("pipeline", 1) >= split.get("tensor", 1) * split.get("pipeline", 1):
            split = got[1]
    return (total / weight, split) if weight else None


def best_specialised_device(document: dict, pool: dict) -> tuple[object, dict, float] | None:
    """(device, parallelism, demand-weighted J/token) of the most efficient device of another kind that an
    operator can buy for its own facility (cloud-only parts such as TPUs are not proposed)."""
    from accelerators.catalog import CatalogError, get_accelerator, list_accelerators

    try:
        kind = get_accelerator(pool["accelerator"]).kind
    except (CatalogError, ValueError):
        return None
    best = None
    for device in list_accelerators():
        if device.kind == kind or not device.purchasable:
            continue
        got = demand_weighted_energy_j(document, pool, device)
        if got is not None and (best is None or got[0] < best[2]):
            best = (device, got[1], got[0])
    return best


def _specialised(document: dict) -> tuple[dict, list[str]]:
    changes = []
    for pool in document["hardware"]:
        found = best_specialised_device(document, pool)
        if found is None:
            continue
        device, split, joules = found
        before = pool["accelerator"] if isinstance(pool["accelerator"], str) else pool["accelerator"].get("name")
        pool["accelerator"] = device.slug  # type: ignore[attr-defined]
        pool["tensor_parallel"] = int(split.get("tensor", 1))
        pool["pipeline_parallel"] = int(split.get("pipeline", 1)) if split.get("pipeline", 1) > 1 else None
        for key in ("sparsity", "power_limit_w", "serving_stack", "expert_parallel"):
            pool.pop(key, None)
        per_replica = pool["tensor_parallel"] * (pool["pipeline_parallel"] or 1)
        changes.append(
            f"{pool['name']}: {before} → {device.name} ({device.kind}, "  # type: ignore[attr-defined]
            f"{per_replica} per replica, {joules:.3g} J/token at the node)"
        )
    return document, changes


_APPLY = {
    "moe": _moe,
    "pruning": _pruning,
    "quantization": _quantization,
    "power_limit": _power_limit,
    "specialised": _specialised,
}
_NOTHING = {
    "moe": "every model is already a mixture of experts (or custom)",
    "pruning": "every pool is already sparse or its device cannot exploit sparsity",
    "quantization": "every pool already runs 4-bit weights and a KV cache of 8 bits or less",
    "power_limit": "no GPU pool without a power limit",
    "specialised": "no purchasable device of another class in the catalog serves these workloads "
    "(cloud-only parts such as TPUs are not proposed for an own facility)",
}


def _uncertainty(document: dict) -> dict[str, float] | None:
    """The widest p10/p90 band of the pools' devices (None when every device is calibrated)."""
    from accelerators.catalog import CatalogError, get_accelerator
    from accelerators.efficiency.constants import device_constants, transfer_uncertainty

    band = None
    for pool in document["hardware"]:
        try:
            if not device_constants(get_accelerator(pool["accelerator"])).calibrated:
                band = transfer_uncertainty()
        except (CatalogError, ValueError):
            continue
    return band


def lever_variants(spec: ScenarioSpec) -> list[LeverVariant]:
    """One variant per lever in LEVERS, each with only that lever applied to ``spec``."""
    variants = []
    for lever in LEVERS:
        document, changes = _APPLY[lever](spec.model_dump(mode="json"))
        document["name"] = f"{spec.name} — {LEVER_LABELS[lever]}"[:200]
        applicable = bool(changes)
        variants.append(
            LeverVariant(
                lever=lever,
                label=LEVER_LABELS[lever],
                spec=parse_scenario(document) if applicable else spec,
                changes=tuple(changes) if applicable else (_NOTHING[lever],),
                applicable=applicable,
                uncertainty=_uncertainty(document) if applicable and lever == "specialised" else None,
            )
        )
    return variants


# What the lever table carries per workload, read from a result's ``tco.by_workload`` (the TCO
# allocated by device-seconds, grid/tco_allocation.py): the figures, and what they divide.
WORKLOAD_COST_KEYS = (
    "usd_per_million_output_tokens",
    "usd_per_million_tokens",
    "usd_per_year",
    "annual_output_tokens",
    "annual_input_tokens",
)


def workload_costs(result: Mapping[str, Any]) -> dict[str, dict[str, float | None]]:
    """Workload → its $/M output tokens, $/M tokens (prompt + output), allocated USD/yr and tokens; {} without a TCO."""
    tco = result.get("tco")
    by_workload = tco.get("by_workload") if isinstance(tco, Mapping) else None
    if not isinstance(by_workload, Mapping):
        return {}
    out: dict[str, dict[str, float | None]] = {}
    for name, row in by_workload.items():
        row = row if isinstance(row, Mapping) else {}
        out[str(name)] = {
            key: float(row[key])
            if isinstance(row.get(key), int | float) and not isinstance(row.get(key), bool)
            else None
            for key in WORKLOAD_COST_KEYS
        }
    return out
