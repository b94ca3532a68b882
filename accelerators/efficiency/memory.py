"""Memory footprint per device: weights, KV cache per sequence, largest batch that fits."""

from __future__ import annotations

from dataclasses import dataclass

from accelerators.catalog import AcceleratorSpec, ModelSpec

from .constants import serving_value, sparsity_value
from .deployment import Parallelism
from .errors import EstimateError
from .kernels import stage_layers
from .precision import Precision, Sparsity


@dataclass(frozen=True)
class Footprint:
    weight_bytes: float  # per device
    kv_bytes_per_sequence: float  # per device, full context (input + output)
    usable_bytes: float  # per device, after the serving framework's reserve
    max_batch: int  # largest batch whose KV fits (capped by the scheduler limit)


def kv_bytes_per_token_layer(model: ModelSpec, *, tensor: int, kv_bytes: float) -> float:
    """KV bytes per token and layer on one device of a tensor group: KV heads split over the group,
    replicated only beyond one head per device (MLA latents: replicated on each device)."""
    if model.attention == "mla":
        return (model.kv_latent_size + model.rope_head_dim) * kv_bytes
    return 2.0 * max(model.kv_heads / tensor, 1.0) * model.head_dim * kv_bytes


def footprint(
    *,
    model: ModelSpec,
    acc: AcceleratorSpec,
    prec: Precision,
    sparsity: Sparsity,
    parallelism: Parallelism,
    context_tokens: int,
    mean_context_tokens: float | None = None,
    kv_free_frac: float | None = None,
) -> Footprint:
    """Per device of the bottleneck stage. context_tokens: a sequence's full context (its KV at the end);
    mean_context_tokens: its mean over the sequence's life (default: the full context)."""
    embed = model.vocab_size * model.hidden_size * (1 if model.tied_embeddings else 2)
    linear = max(model.total_params - embed, 0.0)
    bits = prec.weight_bytes * 8.0
    factor = 1.0
    if sparsity.applied and sparsity.kind == "2:4":
        factor = (0.5 * bits + 0.5 * sparsity_value("sparse_2_4_metadata_bits_per_kept")) / bits
    elif sparsity.applied and sparsity.kind == "unstructured":
        factor = ((1 - sparsity.fraction) * bits + sparsity_value("unstructured_index_bits_per_element")) / bits
    devices, t, p = parallelism.devices, parallelism.tensor, parallelism.pipeline
    if p == 1:
        weights = (linear * factor * prec.weight_bytes + embed * max(prec.weight_bytes, 1.0)) / devices
        layer_share = 1.0
    else:  # the bottleneck stage: ceil(L/p) whole layers; the vocabulary matrices spread over the replica
        layer_share = stage_layers(model.layers, p) / model.layers
        weights = linear * factor * prec.weight_bytes * layer_share / t + embed * max(prec.weight_bytes, 1.0) / devices
    per_layer = kv_bytes_per_token_layer(model, tensor=t, kv_bytes=prec.kv_bytes) * layer_share
    sw = model.sliding_window_layers if model.sliding_window else 0
    kv_seq = per_layer * ((model.layers - sw) * context_tokens + sw * min(context_tokens, model.sliding_window))
    # Paged KV cache: a running sequence holds the tokens it has so far; over a batch at every stage of its
    # output that is the mean occupancy (input + output/2), which sets how many sequences fit
    mean_ctx = context_tokens if mean_context_tokens is None else mean_context_tokens
    kv_mean = per_layer * ((model.layers - sw) * mean_ctx + sw * min(mean_ctx, model.sliding_window))
    usable = acc.memory_bytes * (serving_value("memory_utilization_frac") - serving_value("activation_reserve_frac"))
    if weights >= usable:
        need = _tensor_parallel_at_least(model, int(-(-weights * devices // usable)))
        raise EstimateError(
            "model",
            f"{model.name} does not fit: {weights / 1e9:.1f} GB of weights per device vs {usable / 1e9:.1f} GB usable "
            f"on {acc.slug} with {devices} device(s); try --devices {need} or fewer weight bits",
        )
    kv_pool = usable - weights
    if kv_free_frac is not None:  # the stack sizes its KV pool from the memory left after weights and workspace
        kv_pool = (acc.memory_bytes * (1.0 - serving_value("activation_reserve_frac")) - weights) * kv_free_frac
    max_batch = int(min(kv_pool // kv_mean, serving_value("max_batch_cap")))
    if max_batch < 1:
        raise EstimateError(
            "model", f"{model.name} fits but leaves no room for the KV cache of one {context_tokens}-token sequence"
        )
    return Footprint(weights, kv_seq, usable, max_batch)


def _tensor_parallel_at_least(model: ModelSpec, devices: int) -> int:
    """The smallest tensor-parallel degree ≥ ``devices`` the model's heads can be split into (it
    divides the attention heads, and divides or is a multiple of the KV heads, as deployment.py
    requires), so the hint never names a split the engine would refuse; ``devices`` if none."""
    heads, kv = model.attention_heads, model.kv_heads
    for t in range(max(devices, 1), heads + 1):
        kv_ok = model.attention == "mla" or (kv % t == 0 if t <= kv else t % kv == 0)
        if heads % t == 0 and kv_ok:
            return t
    return devices
