"""Serving stacks (data/serving_stacks.yaml) and GPU power limits.

A stack multiplies the device's kernel efficiencies and overheads (DeviceConstants) by sourced
factors; the device constants themselves are the vLLM ones (the calibration's stack).
A power limit below the board limit lowers the clock: see roofline.dvfs_clock_frac.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache

import yaml

from accelerators.catalog import DATA_DIR, AcceleratorSpec

from .constants import DeviceConstants
from .errors import EstimateError

_FRACTIONS = ("gemm_memory_frac", "moe_memory_frac", "attention_memory_frac", "elementwise_memory_frac", "compute_frac")


@cache
def stacks_data() -> dict:
    return yaml.safe_load((DATA_DIR / "serving_stacks.yaml").read_text())


@dataclass(frozen=True)
class ServingStack:
    slug: str
    name: str
    factors: tuple[tuple[str, float], ...]
    vendors: tuple[str, ...] = ()
    # absolute values the stack's own kernels reach on any device it runs on (after the factors): a vendor's
    # optimised kernels are a property of the stack, not a multiple of another stack's immature kernels
    sets: tuple[tuple[str, float], ...] = ()
    # KV-cache pool as a share of the memory left after weights and workspace (TensorRT-LLM's
    # kv_cache_free_gpu_mem_fraction); None: the device memory share of data/calibration.yaml `serving` (vLLM)
    kv_free_frac: float | None = None

    def apply(self, dev: DeviceConstants) -> DeviceConstants:
        if not self.factors and not self.sets:
            return dev
        cap = float(stacks_data()["fraction_cap"]["value"])
        values = {}
        for key, factor in self.factors:
            v = getattr(dev, key) * factor
            values[key] = min(v, cap) if key in _FRACTIONS else v
        for key, value in self.sets:
            values[key] = min(value, cap) if key in _FRACTIONS else value
        for key in ("narrow_compute_ratio", "moe_narrow_compute_ratio"):
            if key in values:
                values[key] = min(values[key], 1.0)
        return dataclasses.replace(dev, **values)


def stack_names() -> list[str]:
    return sorted(stacks_data()["stacks"])


def default_stack(acc: AcceleratorSpec) -> str:
    data = stacks_data()
    return data["default_by_memory_type"].get(acc.memory_type, data["default"])


def serving_stack(slug: str | None, acc: AcceleratorSpec | None = None) -> ServingStack:
    """The named stack, or the device's default (None)."""
    if slug is None:
        slug = default_stack(acc) if acc is not None else stacks_data()["default"]
    if not isinstance(slug, str):
        raise EstimateError("serving_stack", f"must be a stack name, got {slug!r}")
    return _stack(slug)


@cache
def _stack(slug: str) -> ServingStack:
    entry = stacks_data()["stacks"].get(slug)
    if entry is None:
        raise EstimateError("serving_stack", f"unknown {slug!r}; known: {stack_names()}")
    factors = tuple((k, float(v["value"])) for k, v in (entry.get("factors") or {}).items())
    sets = tuple((k, float(v["value"])) for k, v in (entry.get("sets") or {}).items())
    vendors = tuple(entry.get("vendors") or ())
    kv = entry.get("kv_cache_free_mem_frac")
    kv_frac = None if kv is None else float(kv["value"])
    return ServingStack(
        slug=slug, name=entry["name"], factors=factors, vendors=vendors, sets=sets, kv_free_frac=kv_frac
    )


@cache
def _reach(kind: str) -> int:
    reach = stacks_data()["deployment"]["tensor_parallel_reach"]
    return int(reach.get(kind, reach["gpu"])["value"])


def tensor_parallel_reach(acc: AcceleratorSpec) -> int:
    return _reach(acc.kind)


@cache
def power_limit_value(key: str) -> float:
    return float(stacks_data()["power_limit"][key]["value"])


def resolve_power_limit(acc: AcceleratorSpec, power_limit_w: object) -> float:
    """The board power limit to run at [W]: the catalog's by default; lower limits only."""
    if power_limit_w is None:
        return acc.power_limit_w
    if isinstance(power_limit_w, bool) or not isinstance(power_limit_w, int | float) or not power_limit_w > 0:
        raise EstimateError("power_limit_w", f"must be a positive number of watts, got {power_limit_w!r}")
    if power_limit_w <= acc.idle_power_w:
        raise EstimateError(
            "power_limit_w", f"{power_limit_w:g} W is at or below the {acc.idle_power_w:g} W idle power of {acc.slug}"
        )
    return float(min(power_limit_w, acc.power_limit_w))


def power_limit_warnings(acc: AcceleratorSpec, asked_w: object, stack: ServingStack) -> list[str]:
    out = []
    if isinstance(asked_w, int | float) and asked_w > acc.power_limit_w:
        out.append(
            f"power limit {asked_w:g} W is above the {acc.power_limit_w:g} W board limit of {acc.slug}: not binding"
        )
    if stack.vendors and acc.name.split()[0] not in stack.vendors:
        out.append(
            f"{stack.name} runs on {', '.join(stack.vendors)} devices only; its factors applied to {acc.slug} as is"
        )
    return out
