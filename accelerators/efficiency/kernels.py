"""Kernel enumeration: FLOPs, bytes and link bytes of each kernel of one decode step or one prefill.

Per transformer layer: QKV projection, attention (global / sliding-window), output projection,
dense FFN (gated, 3 matrices) or router + experts (+ shared experts), norms/elementwise; once per
step: LM head; with tensor parallelism over `devices`: two all-reduces per layer. All quantities
are per device of the replica, as coefficients of the number of tokens b in the step, so that
one table serves every batch size (vectorised in roofline.py).

MoE: a step over b tokens with top-k of E experts reads E·(1-(1-k/E)^b) distinct experts per
layer (expected value with uniform routing); experts are spread over the devices (expert
parallelism), so each device reads 1/devices of them — divided once, in the kernel table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelerators.catalog import AcceleratorSpec, ModelSpec

from .constants import DeviceConstants, sparsity_value
from .precision import DTYPE_BITS, Precision, Sparsity

MEMORY_CLASSES = ("gemm", "moe", "attention", "elementwise", "link")
ELEMENTWISE_BYTES_PER_HIDDEN = 12.0  # 2 RMSNorms + 2 residual adds, each read+write of b×h (+ rotary)
ELEMENTWISE_FLOPS_PER_HIDDEN = 20.0
LOGIT_BYTES = 4.0  # fp32 logits written per vocabulary entry


@dataclass(frozen=True)
class KernelTable:
    names: tuple[str, ...]
    count: np.ndarray  # instances per step [K]
    flops0: np.ndarray  # FLOPs per instance, fixed part
    flops1: np.ndarray  # FLOPs per instance per token
    wbytes0: np.ndarray  # weight bytes per instance, fixed (dense weights)
    wbytes_expert: np.ndarray  # weight bytes per device per distinct expert read (× E_read(b))
    obytes1: np.ndarray  # activation + KV bytes per token
    link1: np.ndarray  # interconnect bytes sent per token
    peak_flops_per_s: np.ndarray  # at the kernel's dtype (sparse peak where 2:4 applies)
    pj_per_flop: np.ndarray
    memory_frac: np.ndarray  # achieved / peak memory bandwidth
    compute_frac: np.ndarray
    dequant_elems_per_byte: np.ndarray  # weight elements dequantised per weight byte read
    is_collective: np.ndarray  # bool
    experts: float  # E (0 for dense)
    experts_per_token: float


def chunked_attention_context(*, context_tokens: float, chunk_tokens: float, prefill: bool) -> float:
    """Mean tokens a chunked-attention layer attends to [tokens].

    A token at position p attends to the ((p − 1) mod W) + 1 tokens of its own W-long chunk.
    Decode at context C: C while C ≤ W, then W/2 on average over the chunk a step lands in.
    Prefill (``context_tokens`` is the mean, T = 2·ctx − 1 prompt tokens, T = kW + r): the mean of
    ((p − 1) mod W) + 1 over p = 1..T is (k·W(W + 1)/2 + r(r + 1)/2) / T.
    """
    w = chunk_tokens
    if not prefill:
        return context_tokens if context_tokens <= w else w / 2.0
    t = 2.0 * context_tokens - 1.0
    full, rest = divmod(t, w)
    return (full * w * (w + 1.0) / 2.0 + rest * (rest + 1.0) / 2.0) / t


def _pj_per_flop(acc: AcceleratorSpec, dev: DeviceConstants, dtype: str) -> float:
    """Same power at any dtype's peak: pJ/FLOP scales with peak_bf16 / peak_dtype."""
    peaks = acc.peak_dense_flops_per_s
    bf16 = peaks.get("bf16") or peaks.get("fp16") or max(peaks.values())
    return dev.pj_per_flop_bf16 * bf16 / peaks[dtype]


def build_kernels(
    *,
    model: ModelSpec,
    acc: AcceleratorSpec,
    dev: DeviceConstants,
    prec: Precision,
    sparsity: Sparsity,
    devices: int,
    context_tokens: float,
    prefill: bool,
) -> KernelTable:
    """Kernels of one decode step (context = mean KV length) or one prefill (context = mean causal span)."""
    tp = float(devices)
    h, heads, hd = model.hidden_size, model.attention_heads, model.head_dim
    heads_dev = heads / tp
    kv_dev = max(model.kv_heads / tp, 1.0)
    wb, ab, kvb = prec.weight_bytes, prec.activation_bytes, prec.kv_bytes
    layers = model.layers
    moe_layers = layers - model.dense_layers if model.is_moe else 0
    dense_layers = layers - moe_layers
    sw_layers = model.sliding_window_layers if model.sliding_window else 0
    global_layers = layers - sw_layers
    ctx = float(context_tokens)
    ctx_sw = 0.0
    if sw_layers and model.local_attention == "chunked":
        ctx_sw = chunked_attention_context(
            context_tokens=ctx, chunk_tokens=float(model.sliding_window), prefill=prefill
        )
    elif sw_layers:
        w = float(model.sliding_window)
        if not prefill:
            ctx_sw = min(ctx, w)
        else:  # mean over prompt positions p = 1..T of min(p, W), with T = 2·ctx - 1
            t = 2.0 * ctx - 1.0
            ctx_sw = ctx if t <= w else w - w * (w - 1.0) / (2.0 * t)

    # Sparsity of the linear layers inside the blocks.
    sp_bytes, sp_flops, sp_eff, sp_peak, sp_pj = 1.0, 1.0, 1.0, None, 1.0
    if sparsity.applied and sparsity.kind == "2:4":
        bits = prec.weight_bytes * 8.0
        sp_bytes = (0.5 * bits + 0.5 * sparsity_value("sparse_2_4_metadata_bits_per_kept")) / bits
        sp_eff = sparsity_value("sparse_2_4_kernel_frac")
        sp_peak = acc.peak_sparse_flops_per_s.get(prec.compute)
        sp_pj = 0.5
    elif sparsity.applied and sparsity.kind == "unstructured":
        bits = prec.weight_bytes * 8.0
        idx = sparsity_value("unstructured_index_bits_per_element")
        sp_bytes = ((1.0 - sparsity.fraction) * bits + idx) / bits
        sp_flops = 1.0 - sparsity.fraction
    peak = acc.peak_dense_flops_per_s[prec.compute]
    pj = _pj_per_flop(acc, dev, prec.compute)
    deq = (1.0 / prec.weight_bytes) if prec.dequant else 0.0

    rows: list[tuple] = []

    def add(name, count, f0, f1, w0, wexp, o1, link1, mem_frac, *, linear=False, collective=False):
        if count <= 0:
            return
        if linear:
            f0, f1, w0, wexp = f0 * sp_flops, f1 * sp_flops, w0 * sp_bytes, wexp * sp_bytes
            k_peak = sp_peak if sp_peak else peak
            eff = sp_eff
            k_pj = pj * sp_pj
        else:
            k_peak, eff, k_pj = peak, 1.0, pj
        rows.append(
            (
                name,
                count,
                f0,
                f1,
                w0,
                wexp,
                o1,
                link1,
                k_peak,
                k_pj,
                mem_frac * eff,
                dev.compute_frac * eff,
                deq if linear or name == "lm_head" else 0.0,
                collective,
            )
        )

    # --- attention projections
    if model.attention == "mla":
        lat, rope = model.kv_latent_size, model.rope_head_dim
        q_w = (
            (h * model.q_latent_size + model.q_latent_size * heads_dev * (hd + rope))
            if model.q_latent_size
            else (h * heads_dev * (hd + rope))
        )
        qkv_w = q_w + h * (lat + rope) + lat * heads_dev * 2 * hd  # kv_a (replicated) + absorbed kv_b
        kv_per_tok_layer = (lat + rope) * kvb  # latent cache, replicated on each device
        attn_f1 = 2.0 * ctx * heads_dev * (2 * lat + rope)
        o_in = heads_dev * hd
    else:
        q_out = heads_dev * hd
        qkv_w = h * (q_out + 2 * kv_dev * hd)
        kv_per_tok_layer = 2 * kv_dev * hd * kvb
        attn_f1 = 4.0 * ctx * heads_dev * hd
        o_in = q_out
    add(
        "qkv_proj",
        layers,
        0.0,
        2.0 * qkv_w,
        qkv_w * wb,
        0.0,
        (h + qkv_w / h) * ab,
        0.0,
        dev.gemm_memory_frac,
        linear=True,
    )
    # Decode reads the whole cache of each sequence; prefill writes it (flash attention keeps tiles on chip).
    kv_read = 0.0 if prefill else kv_per_tok_layer
    add(
        "attention",
        global_layers,
        0.0,
        attn_f1,
        0.0,
        0.0,
        ctx * kv_read + kv_per_tok_layer + 2 * o_in * ab,
        0.0,
        dev.attention_memory_frac,
    )
    if sw_layers:
        f1_sw = attn_f1 * ctx_sw / ctx if ctx > 0 else 0.0
        add(
            "attention_sliding",
            sw_layers,
            0.0,
            f1_sw,
            0.0,
            0.0,
            ctx_sw * kv_read + kv_per_tok_layer + 2 * o_in * ab,
            0.0,
            dev.attention_memory_frac,
        )
    o_w = o_in * h
    add("o_proj", layers, 0.0, 2.0 * o_w, o_w * wb, 0.0, (h + o_in) * ab, 0.0, dev.gemm_memory_frac, linear=True)

    # --- feed-forward
    ffn_w = 3.0 * h * model.ffn_size / tp
    add(
        "ffn",
        dense_layers,
        0.0,
        2.0 * ffn_w,
        ffn_w * wb,
        0.0,
        (2 * h + 3 * model.ffn_size / tp) * ab,
        0.0,
        dev.gemm_memory_frac,
        linear=True,
    )
    if moe_layers:
        e, k, eff_ffn = model.experts, model.experts_per_token, model.expert_ffn_size
        router_w = h * e
        add("router", moe_layers, 0.0, 2.0 * router_w, router_w * wb, 0.0, (h + e) * ab, 0.0, dev.gemm_memory_frac)
        expert_w = 3.0 * h * eff_ffn
        add(
            "experts",
            moe_layers,
            0.0,
            2.0 * k * expert_w / tp,
            0.0,
            expert_w * wb / tp,
            k * (2 * h + 3 * eff_ffn) * ab / tp,
            0.0,
            dev.moe_memory_frac,
            linear=True,
        )
        if model.shared_experts:
            sh_w = model.shared_experts * expert_w / tp
            add(
                "shared_experts",
                moe_layers,
                0.0,
                2.0 * sh_w,
                sh_w * wb,
                0.0,
                (2 * h + 3 * eff_ffn / tp) * ab,
                0.0,
                dev.gemm_memory_frac,
                linear=True,
            )

    add(
        "norms_elementwise",
        layers,
        0.0,
        ELEMENTWISE_FLOPS_PER_HIDDEN * h,
        0.0,
        0.0,
        ELEMENTWISE_BYTES_PER_HIDDEN * h * ab,
        0.0,
        dev.elementwise_memory_frac,
    )
    # LM head: only the last prompt token needs logits in prefill; handled by the caller's token count.
    lm_w = h * model.vocab_size / tp
    lm_scale = 1.0 / max(ctx * 2.0, 1.0) if prefill else 1.0  # prefill: logits of one token out of T
    add(
        "lm_head",
        1,
        0.0,
        2.0 * lm_w * lm_scale,
        lm_w * wb,
        0.0,
        (h + model.vocab_size / tp * LOGIT_BYTES) * ab * lm_scale,
        0.0,
        dev.gemm_memory_frac,
    )
    if devices > 1:
        # Ring all-reduce of b×h activations (16-bit): each device sends 2(n-1)/n of the message.
        link = 2.0 * (tp - 1.0) / tp * h * 2.0
        add("tp_all_reduce", 2 * layers, 0.0, 0.0, 0.0, 0.0, 0.0, link, 1.0, collective=True)

    cols = list(zip(*rows, strict=True))
    arr = [np.asarray(c, dtype=float) for c in cols[1:13]]
    return KernelTable(
        names=tuple(cols[0]),
        count=arr[0],
        flops0=arr[1],
        flops1=arr[2],
        wbytes0=arr[3],
        wbytes_expert=arr[4],
        obytes1=arr[5],
        link1=arr[6],
        peak_flops_per_s=arr[7],
        pj_per_flop=arr[8],
        memory_frac=arr[9],
        compute_frac=arr[10],
        dequant_elems_per_byte=arr[11],
        is_collective=np.asarray(cols[13], dtype=bool),
        experts=float(model.experts),
        experts_per_token=float(model.experts_per_token),
    )


def vector_flops_per_s(acc: AcceleratorSpec) -> float:
    """Non-tensor (vector) throughput used for dequantisation: fp32 peak, else 1/16 of the widest 16-bit peak."""
    peaks = acc.peak_dense_flops_per_s
    if "fp32" in peaks:
        return peaks["fp32"]
    sixteen = [v for d, v in peaks.items() if DTYPE_BITS.get(d) == 16]
    return (max(sixteen) if sixteen else max(peaks.values())) / 16.0
