"""Plausible ranges of catalog-entry figures (accelerators/data/entry_bounds.yaml), checked on
every entry the catalogs read — shipped, an organisation's own, or a full object in a scenario or
an /estimate request — so that 1e-30 parameters or 10^12 layers are refused naming the field."""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from typing import Any

import yaml

from accelerators.catalog_base import DATA_DIR, CatalogError


@cache
def _bounds() -> dict[str, dict[str, tuple[float, float]]]:
    raw = yaml.safe_load((DATA_DIR / "entry_bounds.yaml").read_text(encoding="utf-8"))
    return {
        kind: {name: (float(b["min"]), float(b["max"])) for name, b in raw[kind].items()}
        for kind in ("accelerators", "models")
    }


def _check(kind: str, name: str, value: Any, where: str, bound_name: str | None = None) -> None:
    if value is None:
        return
    low, high = _bounds()[kind][bound_name or name]
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise CatalogError(
            f"{where}: field '{name}' is {number:.4g}, outside the plausible range {low:.4g} to {high:.4g} "
            "(accelerators/data/entry_bounds.yaml)"
        )


def check_accelerator_figures(spec: Any, *, where: str) -> None:
    """Raise CatalogError naming the first figure of an AcceleratorSpec outside its range."""
    for name in _bounds()["accelerators"]:
        if name == "peak_flops_per_s":
            continue
        _check("accelerators", name, getattr(spec, name), where)
    for block in ("peak_dense_flops_per_s", "peak_sparse_flops_per_s"):
        peaks: Mapping[str, float] = getattr(spec, block)
        for dtype, value in peaks.items():
            _check("accelerators", f"{block}.{dtype}", value, where, bound_name="peak_flops_per_s")


def check_model_figures(spec: Any, *, where: str = "model") -> None:
    """Raise CatalogError naming the first figure of a ModelSpec outside its range."""
    for name in _bounds()["models"]:
        _check("models", name, getattr(spec, name), where)


def require_type(entry: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str, what: str) -> None:
    """A field given with the wrong JSON type (a string where a list or boolean is due) is refused."""
    if key in entry and entry[key] is not None and not isinstance(entry[key], kind):
        raise CatalogError(f"{where}: field '{key}' must be {what}, got {type(entry[key]).__name__}")
