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
from .deployment import Parallelism
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
    pipeline: int = 1  # stages a micro-batch crosses per step (the table is the bottleneck stage's)
    # a token's trip through all stages in bottleneck-stage times: layers / ceil(layers / pipeline) (≤ pipeline)
    stage_span: float = 1.0
    expert_parallel: int = 1  # devices the experts are spread over (the busiest one sets the pace)
    is_expert: np.ndarray | None = None  # bool [K]: rows whose work follows the routed tokens
    # 8-bit grouped expert GEMM: each local expert's group padded to this many rows, the GEMM sized for the
    # worst case (b·k + E_local·(rows − 1) rows on the replica's experts); 0: the routed tokens only
    expert_group_rows: float = 0.0


def stage_layers(layers: int, pipeline: int) -> int:
    """Layers on the bottleneck stage: whole layers, ceil(layers / pipeline) (a stage holds no fraction of one)."""
    return -(-layers // pipeline)


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


@dataclass(frozen=True)
class _Ctx:
    """What every kernel family needs: the model, the split, formats and per-kernel peaks."""

    model: ModelSpec
    dev: DeviceConstants
    prec: Precision
    par: Parallelism
    ctx: float  # mean context a decode step attends to / mean causal span of a prefill
    prefill: bool
    peak: float
    pj: float
    sp_bytes: float
    sp_flops: float
    sp_eff: float
    sp_peak: float | None
    sp_pj: float
    deq: float
    stage_frac: float  # share of the layers on the bottleneck pipeline stage: ceil(layers / pipeline) / layers
    head_frac: float  # the LM head's share per stage (1/pipeline: the last stage runs it, averaged)
    narrow: bool  # 8-bit-or-narrower compute (W8A8 and below): activations quantised before each linear layer


class _Rows:
    """Accumulates kernel rows (one per kernel type) as coefficients of the tokens in the step."""

    def __init__(self, c: _Ctx) -> None:
        self.c = c
        self.rows: list[tuple] = []

    def add(self, name, count, flops1, wbytes, wexp, obytes1, link1, mem_frac, *, linear=False, collective=False):
        c = self.c
        if count <= 0:
            return
        k_peak, eff, k_pj = c.peak, 1.0, c.pj
        if linear:
            flops1, wbytes, wexp = flops1 * c.sp_flops, wbytes * c.sp_bytes, wexp * c.sp_bytes
            k_peak, eff, k_pj = (c.sp_peak or c.peak), c.sp_eff, c.pj * c.sp_pj
        deq = c.deq if linear or name == "lm_head" else 0.0
        row = (name, count, 0.0, flops1, wbytes, wexp, obytes1, link1, k_peak, k_pj)
        ratio = c.dev.moe_narrow_compute_ratio if name == "experts" else c.dev.narrow_compute_ratio
        cf = c.dev.compute_frac * (ratio if c.narrow else 1.0)
        self.rows.append((*row, mem_frac * eff, cf * eff, deq, collective))


def _local_context(model: ModelSpec, ctx: float, prefill: bool) -> float:
    """Mean tokens a sliding-window / chunked layer attends to."""
    if model.local_attention == "chunked":
        return chunked_attention_context(context_tokens=ctx, chunk_tokens=float(model.sliding_window), prefill=prefill)
    w = float(model.sliding_window)
    if not prefill:
        return min(ctx, w)
    t = 2.0 * ctx - 1.0  # mean over prompt positions p = 1..T of min(p, W), with T = 2·ctx - 1
    return ctx if t <= w else w - w * (w - 1.0) / (2.0 * t)


def _attention(r: _Rows) -> None:
    """QKV projection, attention over the KV cache (global and local layers), output projection."""
    c, m = r.c, r.c.model
    layers = m.layers * c.stage_frac
    h, hd, kvb = m.hidden_size, m.head_dim, c.prec.kv_bytes
    heads_dev = m.attention_heads / c.par.tensor
    kv_dev = max(m.kv_heads / c.par.tensor, 1.0)  # a device needs one whole KV head: replicated beyond that
    if m.attention == "mla":
        lat, rope = m.kv_latent_size, m.rope_head_dim
        q_w = (
            (h * m.q_latent_size + m.q_latent_size * heads_dev * (hd + rope))
            if m.q_latent_size
            else (h * heads_dev * (hd + rope))
        )
        qkv_w = q_w + h * (lat + rope) + lat * heads_dev * 2 * hd  # kv_a (replicated) + absorbed kv_b
        kv_tok = (lat + rope) * kvb  # latent cache, replicated on each device
        attn_f1 = 2.0 * c.ctx * heads_dev * (2 * lat + rope)
    else:
        qkv_w = h * (heads_dev * hd + 2 * kv_dev * hd)
        kv_tok = 2 * kv_dev * hd * kvb
        attn_f1 = 4.0 * c.ctx * heads_dev * hd
    o_in = heads_dev * hd
    ab, wb, gemm = c.prec.activation_bytes, c.prec.weight_bytes, c.dev.gemm_memory_frac
    r.add("qkv_proj", layers, 2.0 * qkv_w, qkv_w * wb, 0.0, (h + qkv_w / h) * ab, 0.0, gemm, linear=True)
    # Decode reads the whole cache of each sequence; prefill writes it (flash attention keeps tiles on chip).
    kv_read = 0.0 if c.prefill else kv_tok
    local = m.sliding_window_layers * c.stage_frac if m.sliding_window else 0.0
    att = c.dev.attention_memory_frac
    r.add("attention", layers - local, attn_f1, 0.0, 0.0, c.ctx * kv_read + kv_tok + 2 * o_in * ab, 0.0, att)
    if local:
        ctx_l = _local_context(m, c.ctx, c.prefill)
        f1 = attn_f1 * ctx_l / c.ctx if c.ctx > 0 else 0.0
        r.add("attention_sliding", local, f1, 0.0, 0.0, ctx_l * kv_read + kv_tok + 2 * o_in * ab, 0.0, att)
    o_w = o_in * h
    r.add("o_proj", layers, 2.0 * o_w, o_w * wb, 0.0, (h + o_in) * ab, 0.0, gemm, linear=True)


def _feed_forward(r: _Rows) -> None:
    """Dense gated FFN layers (3 matrices), sliced over the tensor group."""
    c, m = r.c, r.c.model
    dense = (m.dense_layers if m.is_moe else m.layers) * c.stage_frac
    w = 3.0 * m.hidden_size * m.ffn_size / c.par.tensor
    io = (2 * m.hidden_size + 3 * m.ffn_size / c.par.tensor) * c.prec.activation_bytes
    r.add("ffn", dense, 2.0 * w, w * c.prec.weight_bytes, 0.0, io, 0.0, c.dev.gemm_memory_frac, linear=True)


def _experts(r: _Rows) -> None:
    """Router, routed experts (distinct experts read: KernelTable.wbytes_expert × E_read(b)), shared experts.

    Per device: the experts are spread over `expert` devices and each is sliced over tensor/expert of them,
    so a distinct expert costs 3·h·f·bytes / tensor per device — divided once (issue 14)."""
    c, m = r.c, r.c.model
    if not m.is_moe:
        return
    moe = (m.layers - m.dense_layers) * c.stage_frac
    h, e, k, f = m.hidden_size, m.experts, m.experts_per_token, m.expert_ffn_size
    ab, wb, t = c.prec.activation_bytes, c.prec.weight_bytes, c.par.tensor
    r.add("router", moe, 2.0 * h * e, h * e * wb, 0.0, (h + e) * ab, 0.0, c.dev.gemm_memory_frac)
    expert_w = 3.0 * h * f
    io = k * (2 * h + 3 * f) * ab / t
    r.add("experts", moe, 2.0 * k * expert_w / t, 0.0, expert_w * wb / t, io, 0.0, c.dev.moe_memory_frac, linear=True)
    if m.shared_experts:
        sh_w = m.shared_experts * expert_w / t
        io_sh = (2 * h + 3 * f / t) * ab
        r.add("shared_experts", moe, 2.0 * sh_w, sh_w * wb, 0.0, io_sh, 0.0, c.dev.gemm_memory_frac, linear=True)


def _norms_and_head(r: _Rows) -> None:
    """Norms/residuals of every layer; the LM head once per step (prefill: logits of the last token only)."""
    c, m = r.c, r.c.model
    h, ab = m.hidden_size, c.prec.activation_bytes
    r.add(
        "norms_elementwise",
        m.layers * c.stage_frac,
        ELEMENTWISE_FLOPS_PER_HIDDEN * h,
        0.0,
        0.0,
        ELEMENTWISE_BYTES_PER_HIDDEN * h * ab * c.dev.elementwise_bytes_frac,
        0.0,
        c.dev.elementwise_memory_frac,
    )
    lm_w = h * m.vocab_size / c.par.tensor
    scale = 1.0 / max(c.ctx * 2.0, 1.0) if c.prefill else 1.0  # prefill: logits of one token out of T
    io = (h + m.vocab_size / c.par.tensor * LOGIT_BYTES) * ab * scale
    # The last stage runs the head: averaged over the stages of a pipeline (energy exact, time balanced).
    r.add("lm_head", c.head_frac, 2.0 * lm_w * scale, lm_w * c.prec.weight_bytes, 0.0, io, 0.0, c.dev.gemm_memory_frac)


def _collectives(r: _Rows) -> None:
    """Traffic the split implies, per device and token, on the device's link figures.

    TP all-reduce (ring, 16-bit b×h): each device sends 2(t−1)/t of the message; one after attention,
    one after each dense FFN (and after each MoE layer unless experts are expert-parallel).
    EP all-to-all: each device dispatches its 1/e share of the tokens to k experts, (e−1)/e of them on
    other devices, and receives them back (combine): 2·k·h·bytes·(e−1)/e² per token and MoE layer.
    PP hand-off: b×h activations (1/t per device) to the next stage, once per stage and micro-batch."""
    c, m = r.c, r.c.model
    t, e, p = float(c.par.tensor), float(c.par.expert), c.par.pipeline
    moe = (m.layers - m.dense_layers) if m.is_moe else 0
    if t > 1:
        all_reduces = m.layers + (m.layers - moe) + (moe if e == 1 else 0)
        link = 2.0 * (t - 1.0) / t * m.hidden_size * 2.0
        r.add("tp_all_reduce", all_reduces * c.stage_frac, 0.0, 0.0, 0.0, 0.0, link, 1.0, collective=True)
    if e > 1:
        link = 2.0 * m.experts_per_token * m.hidden_size * c.prec.activation_bytes * (e - 1.0) / (e * e)
        r.add("ep_all_to_all", moe * c.stage_frac, 0.0, 0.0, 0.0, 0.0, link, 1.0, collective=True)
    if p > 1:
        link = m.hidden_size * c.prec.activation_bytes / t
        r.add("pp_handoff", 1.0, 0.0, 0.0, 0.0, 0.0, link, 1.0, collective=True)


def _activation_quant(r: _Rows) -> None:
    """8-bit activations (W8A8, FP8): each linear layer's input is quantised by its own kernel — read the
    16-bit activations, write the 8-bit ones and their scales: 3 bytes per element, one launch per input.
    Per layer: the QKV, output-projection, FFN gate/up and down inputs (MoE: router/expert and down)."""
    c, m = r.c, r.c.model
    if not c.narrow or not c.dev.separate_activation_quant:
        return
    t = c.par.tensor
    o_in = m.attention_heads / t * m.head_dim
    layers = m.layers * c.stage_frac
    moe = (m.layers - m.dense_layers) * c.stage_frac if m.is_moe else 0.0
    dense = layers - moe
    el = c.dev.elementwise_memory_frac
    r.add("activation_quant_attention", 2 * layers, 0.0, 0.0, 0.0, 3.0 * (m.hidden_size + o_in) / 2, 0.0, el)
    r.add("activation_quant_ffn", 2 * dense, 0.0, 0.0, 0.0, 3.0 * (m.hidden_size + m.ffn_size / t) / 2, 0.0, el)
    if moe:
        k_f = m.experts_per_token * m.expert_ffn_size / t
        r.add("activation_quant_experts", 2 * moe, 0.0, 0.0, 0.0, 3.0 * (m.hidden_size + k_f) / 2, 0.0, el)
        e = c.par.expert
        pad_rows = m.experts / e * max(c.dev.moe_narrow_group_rows - 1.0, 0.0)  # per device: E_local·(rows − 1)
        if pad_rows:
            # the padded rows' activations: permuted 8-bit input (h), first GEMM's 16-bit output (2f), SiLU-and-mul
            # (read 2f·2, write f·2), its 8-bit quantisation (read f·2, write f), second GEMM's output (2h·... 2 B):
            # 3h + 13f bytes per row, over the whole worst-case buffer (vLLM deep_gemm_moe: every kernel runs on M_sum)
            h, f = m.hidden_size, m.expert_ffn_size * e / t  # an expert's FFN sliced over t/e devices
            r.add("activation_quant_expert_padding", moe, 0.0, pad_rows * (3.0 * h + 13.0 * f), 0.0, 0.0, 0.0, el)


KERNEL_FAMILIES = (_attention, _feed_forward, _experts, _activation_quant, _norms_and_head, _collectives)


def build_kernels(
    *,
    model: ModelSpec,
    acc: AcceleratorSpec,
    dev: DeviceConstants,
    prec: Precision,
    sparsity: Sparsity,
    parallelism: Parallelism,
    context_tokens: float,
    prefill: bool,
) -> KernelTable:
    """Kernels of one pipeline stage's device for one decode step (context = mean KV length) or one prefill
    (context = mean causal span): one row per kernel type, from each family in KERNEL_FAMILIES."""
    sp_bytes, sp_flops, sp_eff, sp_peak, sp_pj = 1.0, 1.0, 1.0, None, 1.0
    bits = prec.weight_bytes * 8.0
    if sparsity.applied and sparsity.kind == "2:4":
        sp_bytes = (0.5 * bits + 0.5 * sparsity_value("sparse_2_4_metadata_bits_per_kept")) / bits
        sp_eff = sparsity_value("sparse_2_4_kernel_frac")
        sp_peak = acc.peak_sparse_flops_per_s.get(prec.compute)
        sp_pj = 0.5
    elif sparsity.applied and sparsity.kind == "unstructured":
        idx = sparsity_value("unstructured_index_bits_per_element")
        sp_bytes = ((1.0 - sparsity.fraction) * bits + idx) / bits
        sp_flops = 1.0 - sparsity.fraction
    ctx = _Ctx(
        model=model,
        dev=dev,
        prec=prec,
        par=parallelism,
        ctx=float(context_tokens),
        prefill=prefill,
        peak=acc.peak_dense_flops_per_s[prec.compute],
        pj=_pj_per_flop(acc, dev, prec.compute),
        sp_bytes=sp_bytes,
        sp_flops=sp_flops,
        sp_eff=sp_eff,
        sp_peak=sp_peak,
        sp_pj=sp_pj,
        deq=(1.0 / prec.weight_bytes) if prec.dequant else 0.0,
        stage_frac=stage_layers(model.layers, parallelism.pipeline) / model.layers,
        head_frac=1.0 / parallelism.pipeline,
        narrow=prec.activation_bytes < 2.0,
    )
    rows = _Rows(ctx)
    for family in KERNEL_FAMILIES:
        family(rows)
    names = tuple(row[0] for row in rows.rows)
    arr = np.array([row[1:13] for row in rows.rows], dtype=float).T.copy()  # one contiguous row per field
    return KernelTable(
        names=names,
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
        is_collective=np.array([row[13] for row in rows.rows], dtype=bool),
        experts=float(model.experts),
        experts_per_token=float(model.experts_per_token),
        pipeline=parallelism.pipeline,
        stage_span=model.layers / stage_layers(model.layers, parallelism.pipeline),
        expert_parallel=parallelism.expert,
        is_expert=np.array([n == "experts" for n in names], dtype=bool),
        expert_group_rows=dev.moe_narrow_group_rows if ctx.narrow and model.is_moe else 0.0,
    )


def vector_flops_per_s(acc: AcceleratorSpec) -> float:
    """Non-tensor (vector) throughput used for dequantisation: fp32 peak, else 1/16 of the widest 16-bit peak."""
    peaks = acc.peak_dense_flops_per_s
    if "fp32" in peaks:
        return peaks["fp32"]
    sixteen = [v for d, v in peaks.items() if DTYPE_BITS.get(d) == 16]
    return (max(sixteen) if sixteen else max(peaks.values())) / 16.0
