"""Numeric formats — the one place for them (schema, engine, model catalog and levers read it):
storage bits, nominal element bits, native compute dtype selection (which peak applies), activation
width, sparsity parsing.

Storage bits include block scales: MXFP4 = 4-bit elements + one 8-bit scale per 32
(OCP Microscaling spec v1.0, 2023) = 4.25 bits; ternary packs 5 trits per byte = 1.6 bits
(BitNet b1.58, Ma et al. 2024, log2(3) = 1.58); TurboQuant KV at 3.5 / 2.5 bits per channel
(Zandieh et al., arXiv 2504.19874).
"""

from __future__ import annotations

from dataclasses import dataclass

from accelerators.catalog import AcceleratorSpec
from accelerators.formats import DTYPE_BITS, FP4_FORMATS, KV_BITS, WEIGHT_BITS, nominal_bits  # noqa: F401  (re-exported)

from .errors import EstimateError

# Compute dtype candidates, narrowest first, per weight format. The engine picks the first one
# the device runs natively (has a dense peak for); wider ones imply on-the-fly dequantisation.
_COMPUTE_CANDIDATES = {
    "fp32": ("fp32", "tf32", "bf16"),
    "bf16": ("bf16", "fp16", "fp32"),
    "fp16": ("fp16", "bf16", "fp32"),
    "fp8": ("fp8", "int8", "bf16", "fp16"),
    "int8": ("int8", "fp8", "bf16", "fp16"),
    # int4 weights on a device without int4 math: dequantised to 16 bits (W4A16: AWQ/GPTQ/Marlin kernels)
    "int4": ("int4", "bf16", "fp16", "int8", "fp8"),
    "mxfp4": ("mxfp4", "fp4", "fp8", "bf16", "fp16"),
    "nvfp4": ("nvfp4", "fp4", "fp8", "bf16", "fp16"),
    "ternary": ("ternary", "int4", "int8", "fp8", "bf16", "fp16"),
}


@dataclass(frozen=True)
class Precision:
    weight: str
    kv: str
    compute: str  # dtype whose peak the matmuls run at
    weight_bytes: float  # per element
    kv_bytes: float
    activation_bytes: float
    dequant: bool  # weights stored narrower than the compute dtype (dequantised in the kernel)
    warnings: tuple[str, ...] = ()


def resolve_precision(*, accelerator: AcceleratorSpec, weight_precision: str, kv_precision: str | None) -> Precision:
    if weight_precision == "fp4":
        known = "; ".join(f"{k}: {v}" for k, v in FP4_FORMATS.items())
        raise EstimateError(
            "weight_precision", f"'fp4' is the 4-bit tensor-core peak, not a weight format: say which ({known})"
        )
    if weight_precision not in WEIGHT_BITS:
        raise EstimateError("weight_precision", f"unknown {weight_precision!r}; known: {sorted(WEIGHT_BITS)}")
    kv = kv_precision or "bf16"
    if kv not in KV_BITS:
        raise EstimateError("kv_precision", f"unknown {kv!r}; known: {sorted(KV_BITS)}")
    peaks = accelerator.peak_dense_flops_per_s
    compute = next((d for d in _COMPUTE_CANDIDATES[weight_precision] if d in peaks), None)
    if compute is None:
        compute = max(peaks, key=peaks.__getitem__)
    warnings = []
    dequant = DTYPE_BITS[compute] > WEIGHT_BITS[weight_precision] + 0.5 and compute not in ("mxfp4", "nvfp4", "fp4")
    if dequant:
        warnings.append(
            f"{weight_precision} weights are not native on {accelerator.slug}: computed in {compute} "
            "after dequantisation (bytes saved, no math speed-up, dequant overhead)"
        )
    # Activations: 16-bit for 16-bit compute; 8-bit for 8-bit-or-narrower compute (W8A8, W4A8, W1.58A8).
    activation_bytes = 2.0 if DTYPE_BITS[compute] >= 16 else 1.0
    return Precision(
        weight=weight_precision,
        kv=kv,
        compute=compute,
        weight_bytes=WEIGHT_BITS[weight_precision] / 8.0,
        kv_bytes=KV_BITS[kv] / 8.0,
        activation_bytes=activation_bytes,
        dequant=dequant,
        warnings=tuple(warnings),
    )


@dataclass(frozen=True)
class Sparsity:
    kind: str  # "none" | "2:4" | "unstructured"
    fraction: float  # fraction of weights pruned
    applied: bool  # whether the device exploits it
    warnings: tuple[str, ...] = ()


def resolve_sparsity(*, accelerator: AcceleratorSpec, sparsity: str) -> Sparsity:
    text = (sparsity or "none").strip().lower()
    if text == "none":
        return Sparsity("none", 0.0, False)
    if text == "2:4":
        if accelerator.sparse_2_4:
            return Sparsity("2:4", 0.5, True)
        msg = f"2:4 sparsity not supported on {accelerator.slug}: no gain applied (weights stored dense)"
        return Sparsity("2:4", 0.5, False, (msg,))
    if text.startswith("unstructured:"):
        try:
            frac = float(text.split(":", 1)[1])
        except ValueError:
            raise EstimateError("sparsity", f"fraction in {sparsity!r} is not a number") from None
        if not 0.0 < frac < 1.0:
            raise EstimateError("sparsity", f"unstructured fraction must be in (0, 1), got {frac}")
        if accelerator.unstructured_sparsity:
            return Sparsity("unstructured", frac, True)
        msg = f"unstructured sparsity not exploited on {accelerator.slug}: no gain applied"
        return Sparsity("unstructured", frac, False, (msg,))
    raise EstimateError("sparsity", f"must be 'none', '2:4' or 'unstructured:F', got {sparsity!r}")
