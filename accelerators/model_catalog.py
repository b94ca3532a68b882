"""LLM catalog: architecture fields from published configs, resolved by HF id / slug / variant (no Django).

Models resolve by Hugging Face id (case-insensitive), slug, alias or published variant
(-Instruct, -Thinking, -it, dated -2507, -FP8 which implies fp8 weights), or a dict in the
model JSON schema of issue 3.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from accelerators.catalog_base import DATA_DIR, CatalogError
from accelerators.entry_bounds import check_model_figures, require_type

ATTENTION_VARIANTS = ("gqa", "mla")
from accelerators.formats import WEIGHT_PRECISIONS  # noqa: E402  (the one table of formats)


@dataclass(frozen=True)
class ModelSpec:
    slug: str
    hf_id: str
    name: str
    total_params: float
    active_params: float
    layers: int
    hidden_size: int
    attention_heads: int
    kv_heads: int
    head_dim: int
    ffn_size: int
    vocab_size: int
    experts: int = 0
    experts_per_token: int = 0
    shared_experts: int = 0
    expert_ffn_size: int = 0
    dense_layers: int = 0
    attention: str = "gqa"
    kv_latent_size: int = 0
    q_latent_size: int = 0
    rope_head_dim: int = 0
    sliding_window: int = 0
    sliding_window_layers: int = 0
    # "sliding": a layer attends to the last `sliding_window` tokens (gemma 3, gpt-oss);
    # "chunked": to the tokens of its own `sliding_window`-long chunk (Llama 4's attention_chunk_size).
    local_attention: str = "sliding"
    tied_embeddings: bool = False
    weight_precision: str = "bf16"
    aliases: tuple[str, ...] = ()
    source: str = ""

    @property
    def is_moe(self) -> bool:
        return self.experts > 0


_REQUIRED_MODEL_KEYS = (
    "name",
    "total_params",
    "active_params",
    "layers",
    "hidden_size",
    "attention_heads",
    "kv_heads",
    "head_dim",
    "ffn_size",
    "vocab_size",
)
_INT_KEYS = (
    "layers",
    "hidden_size",
    "attention_heads",
    "kv_heads",
    "head_dim",
    "ffn_size",
    "vocab_size",
    "experts",
    "experts_per_token",
    "shared_experts",
    "expert_ffn_size",
    "dense_layers",
    "kv_latent_size",
    "q_latent_size",
    "rope_head_dim",
    "sliding_window",
    "sliding_window_layers",
)
_OPTIONAL_MODEL_KEYS = (
    *_INT_KEYS[7:],
    "attention",
    "local_attention",
    "weight_precision",
    "tied_embeddings",
    "slug",
    "hf_id",
    "aliases",
    "source",
)


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-")


def model_from_dict(entry: Mapping[str, Any], *, slug: str | None = None) -> ModelSpec:
    """Parse a model in the issue-3 JSON schema; errors name the offending field."""
    if not isinstance(entry, Mapping):
        raise CatalogError(f"model must be a mapping, got {type(entry).__name__}")
    unknown = set(entry) - set(_REQUIRED_MODEL_KEYS) - set(_OPTIONAL_MODEL_KEYS)
    if unknown:
        raise CatalogError(f"model: unknown field(s) {sorted(unknown)}")
    for key in _REQUIRED_MODEL_KEYS:
        if key not in entry:
            raise CatalogError(f"model: field '{key}' is required")
    kw: dict[str, Any] = {}
    for key in _INT_KEYS:
        if key not in entry or entry[key] is None:
            continue
        v = entry[key]
        if isinstance(v, bool) or not isinstance(v, int | float) or v != int(v) or v < 0:
            raise CatalogError(f"model: field '{key}' must be a non-negative integer, got {v!r}")
        kw[key] = int(v)
    for key in ("total_params", "active_params"):
        v = entry[key]
        if isinstance(v, bool) or not isinstance(v, int | float) or v <= 0:
            raise CatalogError(f"model: field '{key}' must be a positive number, got {v!r}")
        kw[key] = float(v)
    for key in ("layers", "hidden_size", "attention_heads", "kv_heads", "head_dim", "vocab_size"):
        if kw[key] <= 0:
            raise CatalogError(f"model: field '{key}' must be positive")
    if kw["active_params"] > kw["total_params"]:
        raise CatalogError("model: field 'active_params' exceeds 'total_params'")
    attention = entry.get("attention", "gqa")
    if attention not in ATTENTION_VARIANTS:
        raise CatalogError(f"model: field 'attention' must be one of {ATTENTION_VARIANTS}, got {attention!r}")
    if attention == "mla" and not kw.get("kv_latent_size"):
        raise CatalogError("model: field 'kv_latent_size' is required when attention is 'mla'")
    if kw["attention_heads"] % kw["kv_heads"]:
        raise CatalogError("model: field 'kv_heads' must divide 'attention_heads'")
    experts = kw.get("experts", 0)
    if experts:
        k = kw.get("experts_per_token", 0)
        if not 1 <= k <= experts:
            raise CatalogError("model: field 'experts_per_token' must be in 1..experts for an MoE model")
        if not kw.get("expert_ffn_size"):
            raise CatalogError("model: field 'expert_ffn_size' is required for an MoE model")
    if kw.get("dense_layers", 0) > kw["layers"]:
        raise CatalogError("model: field 'dense_layers' exceeds 'layers'")
    if kw.get("sliding_window_layers", 0) > kw["layers"]:
        raise CatalogError("model: field 'sliding_window_layers' exceeds 'layers'")
    if kw.get("sliding_window_layers", 0) and not kw.get("sliding_window"):
        raise CatalogError("model: field 'sliding_window' is required with 'sliding_window_layers'")
    local = entry.get("local_attention", "sliding")
    if local not in ("sliding", "chunked"):
        raise CatalogError(f"model: field 'local_attention' must be 'sliding' or 'chunked', got {local!r}")
    wp = entry.get("weight_precision", "bf16")
    if wp not in WEIGHT_PRECISIONS:
        raise CatalogError(f"model: field 'weight_precision' must be one of {WEIGHT_PRECISIONS}, got {wp!r}")
    require_type(entry, "tied_embeddings", bool, "model", "true or false")
    require_type(entry, "aliases", (list, tuple), "model", "a list of ids")
    for key in ("name", "hf_id", "source", "slug"):
        require_type(entry, key, str, "model", "a string")
    name = str(entry["name"])
    hf_id = str(entry.get("hf_id") or name)
    spec = ModelSpec(
        slug=str(slug or entry.get("slug") or _slugify(name)),
        hf_id=hf_id,
        name=name,
        attention=attention,
        local_attention=local,
        weight_precision=wp,
        tied_embeddings=bool(entry.get("tied_embeddings", False)),
        aliases=tuple(str(a) for a in entry.get("aliases", ()) or ()),
        source=str(entry.get("source", "user-supplied")),
        **kw,
    )
    check_model_figures(spec)
    return spec


@cache
def _models() -> dict[str, ModelSpec]:
    data = yaml.safe_load((DATA_DIR / "models.yaml").read_text())
    return {slug: model_from_dict(entry, slug=slug) for slug, entry in data["models"].items()}


@cache
def _model_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for slug, spec in _models().items():
        for name in (slug, spec.hf_id, spec.hf_id.split("/")[-1], *spec.aliases):
            index[name.lower()] = slug
            index[name.lower().split("/")[-1]] = slug
    return index


_VARIANT_SUFFIX = re.compile(
    r"(-fp8(-dynamic)?|-instruct|-thinking|-it|-base|-chat|-pt|-\d{4}|-bf16|-original|-hf)$", re.IGNORECASE
)


def list_models() -> list[ModelSpec]:
    return list(_models().values())


def get_model(ref: str | Mapping | ModelSpec) -> ModelSpec:
    """HF id (case-insensitive), slug, alias, published variant, a ModelSpec, or a dict (issue-3 schema).

    A variant ending in -FP8 returns the entry with weight_precision 'fp8'.
    """
    if isinstance(ref, ModelSpec):
        return ref
    if isinstance(ref, Mapping):
        return model_from_dict(ref)
    if not isinstance(ref, str):
        raise CatalogError(f"model must be an id or a mapping, got {type(ref).__name__}")
    index = _model_index()
    key = ref.strip().lower()
    fp8 = False
    while True:
        for candidate in (key, key.split("/")[-1]):
            if candidate in index:
                spec = _models()[index[candidate]]
                return dataclasses.replace(spec, weight_precision="fp8") if fp8 else spec
        m = _VARIANT_SUFFIX.search(key)
        if not m:
            break
        fp8 = fp8 or m.group(0).lower().startswith("-fp8")
        key = key[: m.start()]
    close = difflib.get_close_matches(ref.strip().lower(), list(index), n=3, cutoff=0.5)
    raise CatalogError(f"unknown model {ref!r}; close matches: {close or 'none'}")
