"""Accelerator and LLM catalogs: sourced YAML data loaded into frozen dataclasses (pure, no Django).

Accelerators resolve by slug (case-insensitive), a catalog-style dict (figures as {value, unit,
source}) or a flat dict of AcceleratorSpec fields in SI units (what dataclasses.asdict gives,
as stored by the database); models (see model_catalog.py) by Hugging Face id, slug or variant.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml

from accelerators.catalog_base import DATA_DIR, CatalogError
from accelerators.entry_bounds import check_accelerator_figures, require_type
from accelerators.model_catalog import (  # noqa: F401  (re-exported: one import point for the catalogs)
    ATTENTION_VARIANTS,
    WEIGHT_PRECISIONS,
    ModelSpec,
    get_model,
    list_models,
    model_from_dict,
)

# Unit → SI factor. Peak throughputs are stored in TFLOP/s (TOP/s for integer dtypes).
_UNIT_TO_SI = {
    "TFLOP/s": 1e12,
    "GB": 1e9,
    "MB": 1e6,
    "TB/s": 1e12,
    "GB/s": 1e9,
    "W": 1.0,
    "kgCO2e": 1.0,
    "USD": 1.0,
    "-": 1.0,
}
KINDS = ("gpu", "asic", "fpga")
_FIGURES = (
    "memory",
    "memory_bandwidth",
    "sram",
    "power_limit",
    "idle_power",
    "interconnect_bandwidth",
    "native_dtypes",
    "sparse_2_4",
    "unstructured_sparsity",
    "embodied_carbon",
    "price",
    "host_power_per_device",
)


@dataclass(frozen=True)
class AcceleratorSpec:
    slug: str
    name: str
    kind: str
    peak_dense_flops_per_s: Mapping[str, float]
    peak_sparse_flops_per_s: Mapping[str, float]
    memory_bytes: float
    memory_type: str
    memory_bandwidth_bytes_per_s: float
    sram_bytes: float
    power_limit_w: float
    idle_power_w: float
    interconnect_bandwidth_bytes_per_s: float
    native_dtypes: tuple[str, ...]
    sparse_2_4: bool
    unstructured_sparsity: bool
    embodied_carbon_kgco2e: float | None
    price_usd: float | None
    host_power_w_per_device: float
    host_idle_power_w_per_device: float
    sources: Mapping[str, str] = field(default_factory=dict)
    assumptions: tuple[str, ...] = ()
    # False for a part sold only as a cloud service (TPU, Inferentia): an operator cannot put it in
    # its own facility, so levers do not propose it for one.
    purchasable: bool = True


# ---------------------------------------------------------------- accelerators


def _figure(entry: Mapping, key: str, where: str) -> dict:
    fig = entry.get(key)
    if not isinstance(fig, Mapping) or "value" not in fig or "unit" not in fig:
        raise CatalogError(f"{where}: field '{key}' must be a mapping with 'value' and 'unit'")
    unit = fig["unit"]
    if unit not in _UNIT_TO_SI:
        raise CatalogError(f"{where}: field '{key}' has unknown unit {unit!r} (known: {sorted(_UNIT_TO_SI)})")
    return dict(fig)


def _si(fig: Mapping, key: str, where: str) -> float:
    value = fig["value"]
    if value is None:
        raise CatalogError(f"{where}: field '{key}' needs a value")
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise CatalogError(f"{where}: field '{key}' must be a non-negative number, got {value!r}")
    return float(value) * _UNIT_TO_SI[fig["unit"]]


def _si_optional(fig: Mapping, key: str, where: str) -> float | None:
    """_si, but a figure whose value is null (unknown, e.g. an unpublished price) gives None."""
    return None if fig["value"] is None else _si(fig, key, where)


def _peaks(entry: Mapping, key: str, where: str) -> dict[str, float]:
    block = entry.get(key)
    if not isinstance(block, Mapping) or not isinstance(block.get("values"), Mapping):
        raise CatalogError(f"{where}: field '{key}' must be a mapping with 'unit' and 'values'")
    factor = _UNIT_TO_SI.get(block.get("unit", ""))
    if factor is None:
        raise CatalogError(f"{where}: field '{key}' has unknown unit {block.get('unit')!r}")
    out = {}
    for dtype, value in block["values"].items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise CatalogError(f"{where}: field '{key}.{dtype}' must be a positive number, got {value!r}")
        out[str(dtype)] = float(value) * factor
    return out


def accelerator_from_dict(
    entry: Mapping[str, Any], *, slug: str | None = None, sources: Mapping[str, str] | None = None
) -> AcceleratorSpec:
    """Build an AcceleratorSpec from a catalog-style dict (figures as {value, unit, source}) or a flat SI dict."""
    if not isinstance(entry, Mapping):
        raise CatalogError(f"accelerator must be a mapping, got {type(entry).__name__}")
    if "power_limit_w" in entry:
        return accelerator_from_flat(entry)
    sources = sources or {}
    slug = str(slug or entry.get("slug") or "").strip().lower()
    where = f"accelerator '{slug or entry.get('name', '?')}'"
    if not slug:
        raise CatalogError(f"{where}: field 'slug' is required")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise CatalogError(f"{where}: field 'kind' must be one of {KINDS}, got {kind!r}")
    dense = _peaks(entry, "peak_dense", where)
    if not dense:
        raise CatalogError(f"{where}: field 'peak_dense' needs at least one dtype")
    sparse = _peaks(entry, "peak_sparse", where) if "peak_sparse" in entry else {}
    figs = {k: _figure(entry, k, where) for k in _FIGURES}
    src: dict[str, str] = {}
    assumptions: list[str] = []
    for key in ("peak_dense", "peak_sparse", *_FIGURES):
        fig = entry.get(key)
        if not isinstance(fig, Mapping):
            continue
        ref = fig.get("source")
        if not ref:
            raise CatalogError(f"{where}: field '{key}' has no source")
        src[key] = sources.get(ref, ref)
        if fig.get("assumption"):
            assumptions.append(f"{key}: {fig.get('reason', 'assumption')}")
    native = figs["native_dtypes"]["value"]
    if not isinstance(native, list) or not native:
        raise CatalogError(f"{where}: field 'native_dtypes' must be a non-empty list")
    power_limit_w = _si(figs["power_limit"], "power_limit", where)
    idle_power_w = _si(figs["idle_power"], "idle_power", where)
    if power_limit_w <= 0 or idle_power_w >= power_limit_w:
        raise CatalogError(f"{where}: field 'idle_power' must be below 'power_limit' (> 0)")
    host_w = _si(figs["host_power_per_device"], "host_power_per_device", where)
    host_idle = entry.get("host_idle_power_per_device")
    host_idle_w = (
        _si(_figure(entry, "host_idle_power_per_device", where), "host_idle_power_per_device", where)
        if isinstance(host_idle, Mapping)
        else host_w * _host_idle_frac()
    )
    for key in ("memory", "memory_bandwidth"):
        if not _si(figs[key], key, where):
            raise CatalogError(f"{where}: field '{key}' must be positive")
    for key in ("sparse_2_4", "unstructured_sparsity"):
        require_type(figs[key], "value", bool, f"{where} {key}", "true or false")
    purchasable = _availability(entry, where)
    if "availability" in entry:
        src["availability"] = sources.get(entry["availability"]["source"], entry["availability"]["source"])
    spec = AcceleratorSpec(
        slug=slug,
        name=str(entry.get("name", slug)),
        kind=kind,
        peak_dense_flops_per_s=dense,
        peak_sparse_flops_per_s=sparse,
        memory_bytes=_si(figs["memory"], "memory", where),
        memory_type=str(entry.get("memory_type", {}).get("value", "HBM")),
        memory_bandwidth_bytes_per_s=_si(figs["memory_bandwidth"], "memory_bandwidth", where),
        sram_bytes=_si(figs["sram"], "sram", where),
        power_limit_w=power_limit_w,
        idle_power_w=idle_power_w,
        interconnect_bandwidth_bytes_per_s=_si(figs["interconnect_bandwidth"], "interconnect_bandwidth", where),
        native_dtypes=tuple(str(d) for d in native),
        sparse_2_4=bool(figs["sparse_2_4"]["value"]),
        unstructured_sparsity=bool(figs["unstructured_sparsity"]["value"]),
        embodied_carbon_kgco2e=_si_optional(figs["embodied_carbon"], "embodied_carbon", where),
        price_usd=_si_optional(figs["price"], "price", where),
        host_power_w_per_device=host_w,
        host_idle_power_w_per_device=host_idle_w,
        sources=src,
        assumptions=tuple(assumptions),
        purchasable=purchasable,
    )
    check_accelerator_figures(spec, where=where)
    return spec


@cache
def _accelerator_data() -> dict:
    return yaml.safe_load((DATA_DIR / "accelerators.yaml").read_text())


def _host_idle_frac() -> float:
    """Host idle draw as a fraction of its rated share (accelerators.yaml `transfer.host_idle_frac`)."""
    return float(_accelerator_data()["transfer"]["host_idle_frac"]["value"])


_FLAT_REQUIRED = (
    "slug",
    "kind",
    "peak_dense_flops_per_s",
    "memory_bytes",
    "memory_bandwidth_bytes_per_s",
    "power_limit_w",
    "idle_power_w",
    "interconnect_bandwidth_bytes_per_s",
    "host_power_w_per_device",
)


def _flat_number(entry: Mapping, key: str, where: str, *, positive: bool = True) -> float:
    v = entry[key]
    if isinstance(v, bool) or not isinstance(v, int | float) or v < 0 or (positive and v == 0):
        raise CatalogError(f"{where}: field '{key}' must be a {'positive' if positive else 'non-negative'} number")
    return float(v)


def accelerator_from_flat(entry: Mapping[str, Any]) -> AcceleratorSpec:
    """An AcceleratorSpec from its own field names in SI units (e.g. dataclasses.asdict of a spec)."""
    where = f"accelerator '{entry.get('slug', '?')}'"
    unknown = set(entry) - set(AcceleratorSpec.__dataclass_fields__)
    if unknown:
        raise CatalogError(f"{where}: unknown field(s) {sorted(unknown)}")
    for key in _FLAT_REQUIRED:
        if entry.get(key) is None:
            raise CatalogError(f"{where}: field '{key}' is required")
    if entry["kind"] not in KINDS:
        raise CatalogError(f"{where}: field 'kind' must be one of {KINDS}, got {entry['kind']!r}")
    peaks = {}
    for key in ("peak_dense_flops_per_s", "peak_sparse_flops_per_s"):
        block = entry.get(key) or {}
        if not isinstance(block, Mapping) or (key == "peak_dense_flops_per_s" and not block):
            raise CatalogError(f"{where}: field '{key}' must map dtype -> FLOP/s")
        peaks[key] = {str(d): _flat_number(block, d, f"{where} {key}") for d in block}
    nums = {k: _flat_number(entry, k, where) for k in _FLAT_REQUIRED[3:]}
    if nums["idle_power_w"] >= nums["power_limit_w"]:
        raise CatalogError(f"{where}: field 'idle_power_w' must be below 'power_limit_w'")
    host_idle = entry.get("host_idle_power_w_per_device")
    optional: dict[str, float | None] = {}
    for key in ("embodied_carbon_kgco2e", "price_usd"):
        optional[key] = None if entry.get(key) is None else _flat_number(entry, key, where, positive=False)
    sources = entry.get("sources") or {}
    if not isinstance(sources, Mapping):
        raise CatalogError(f"{where}: field 'sources' must map field -> source")
    for key in ("sparse_2_4", "unstructured_sparsity", "purchasable"):
        require_type(entry, key, bool, where, "true or false")
    for key in ("native_dtypes", "assumptions"):
        require_type(entry, key, (list, tuple), where, "a list")
    spec = AcceleratorSpec(
        slug=str(entry["slug"]).strip().lower(),
        name=str(entry.get("name") or entry["slug"]),
        kind=entry["kind"],
        peak_dense_flops_per_s=peaks["peak_dense_flops_per_s"],
        peak_sparse_flops_per_s=peaks["peak_sparse_flops_per_s"],
        memory_type=str(entry.get("memory_type") or "HBM"),
        sram_bytes=_flat_number(entry, "sram_bytes", where, positive=False) if "sram_bytes" in entry else 0.0,
        native_dtypes=tuple(entry.get("native_dtypes") or peaks["peak_dense_flops_per_s"]),
        sparse_2_4=bool(entry.get("sparse_2_4", False)),
        unstructured_sparsity=bool(entry.get("unstructured_sparsity", False)),
        host_idle_power_w_per_device=(
            nums["host_power_w_per_device"] * _host_idle_frac()
            if host_idle is None
            else _flat_number(entry, "host_idle_power_w_per_device", where, positive=False)
        ),
        sources={str(k): str(v) for k, v in sources.items()} or {"all": "user-supplied"},
        assumptions=tuple(entry.get("assumptions") or ()),
        memory_bytes=nums["memory_bytes"],
        memory_bandwidth_bytes_per_s=nums["memory_bandwidth_bytes_per_s"],
        power_limit_w=nums["power_limit_w"],
        idle_power_w=nums["idle_power_w"],
        interconnect_bandwidth_bytes_per_s=nums["interconnect_bandwidth_bytes_per_s"],
        host_power_w_per_device=nums["host_power_w_per_device"],
        embodied_carbon_kgco2e=optional["embodied_carbon_kgco2e"],
        price_usd=optional["price_usd"],
        purchasable=bool(entry.get("purchasable", True)),
    )
    check_accelerator_figures(spec, where=where)
    return spec


AVAILABILITIES = ("purchase", "cloud-only")


def _availability(entry: Mapping[str, Any], where: str) -> bool:
    """True unless the entry's optional `availability` figure says the part is sold only as a cloud service."""
    fig = entry.get("availability")
    if fig is None:
        return True
    if not isinstance(fig, Mapping) or fig.get("value") not in AVAILABILITIES or not fig.get("source"):
        raise CatalogError(f"{where}: field 'availability' must be {{value: one of {AVAILABILITIES}, source: ...}}")
    return fig["value"] == "purchase"


@cache
def _accelerators() -> dict[str, AcceleratorSpec]:
    data = _accelerator_data()
    return {
        slug: accelerator_from_dict(entry, slug=slug, sources=data["sources"])
        for slug, entry in data["accelerators"].items()
    }


def list_accelerators() -> list[AcceleratorSpec]:
    return list(_accelerators().values())


def get_accelerator(ref: str | Mapping | AcceleratorSpec) -> AcceleratorSpec:
    """Slug (case-insensitive), an AcceleratorSpec, or a full catalog-style dict."""
    if isinstance(ref, AcceleratorSpec):
        return ref
    if isinstance(ref, Mapping):
        return accelerator_from_dict(ref, sources=_accelerator_data()["sources"])
    if not isinstance(ref, str):
        raise CatalogError(f"accelerator must be a slug or a mapping, got {type(ref).__name__}")
    table = _accelerators()
    key = ref.strip().lower()
    if key in table:
        return table[key]
    close = difflib.get_close_matches(key, list(table), n=3, cutoff=0.4)
    raise CatalogError(f"unknown accelerator {ref!r}; close matches: {close or 'none'}; known: {sorted(table)}")
