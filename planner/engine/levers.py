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

A variant that changes nothing is marked ``applicable=False`` with the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner.engine.schema import ScenarioSpec, parse_scenario

if TYPE_CHECKING:
    from accelerators.catalog import ModelSpec

LEVERS = ("moe", "pruning", "quantization")
LEVER_LABELS = {"moe": "Mixture of experts", "pruning": "Pruning (50 % sparse)", "quantization": "4-bit weights"}
_BITS = {"fp32": 32, "bf16": 16, "fp16": 16, "fp8": 8, "int8": 8, "int4": 4, "mxfp4": 4, "int3": 3, "int2": 2}
_BITS["ternary"] = 2  # 1.58 bits stored in 2-bit containers


@dataclass(frozen=True)
class LeverVariant:
    lever: str
    label: str
    spec: ScenarioSpec
    changes: tuple[str, ...]  # what was changed, in words (or why nothing was)
    applicable: bool


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
        if _BITS[before[0]] > 4:
            pool["weight_precision"] = "int4"
        if _BITS[before[1]] > 8:
            pool["kv_precision"] = "fp8"
        after = (pool.get("weight_precision", "bf16"), pool.get("kv_precision", "bf16"))
        if after != before:
            changes.append(f"{pool['name']}: weights {before[0]} → {after[0]}, KV cache {before[1]} → {after[1]}")
    return document, changes


_APPLY = {"moe": _moe, "pruning": _pruning, "quantization": _quantization}
_NOTHING = {
    "moe": "every model is already a mixture of experts (or custom)",
    "pruning": "every pool is already sparse or its device cannot exploit sparsity",
    "quantization": "every pool already runs 4-bit weights and a KV cache of 8 bits or less",
}


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
            )
        )
    return variants
