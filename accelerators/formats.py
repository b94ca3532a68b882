"""Numeric formats — the one table of them, read by the scenario schema, the efficiency engine, the
model catalog and the levers (pure data, no imports from the rest of the project).

Storage bits include block scales: MXFP4 = 4-bit E2M1 elements + one 8-bit power-of-two (E8M0) scale per 32
(OCP Microscaling spec v1.0, 2023) = 4.25 bits; NVFP4 = the same E2M1 elements + one FP8 (E4M3) scale per
16 (+ one FP32 scale per tensor, negligible) = 4.5 bits (NVIDIA, "Introducing NVFP4", developer blog 2025).
Both run on the same 4-bit tensor-core peak, which the catalog calls `fp4` (a compute dtype, not a
weight format: a weight format says how the scales are stored); ternary packs 5 trits per byte = 1.6 bits
(BitNet b1.58, Ma et al. 2024, log2(3) = 1.58); TurboQuant KV at 3.5 / 2.5 bits per channel (Zandieh et al.,
arXiv 2504.19874).
Nominal bits are the element bits (what "a 4-bit format" means). Which peak applies and the activation
width follow from the compute dtype: accelerators/efficiency/precision.py.
"""

from __future__ import annotations

WEIGHT_BITS = {
    "fp32": 32.0,
    "bf16": 16.0,
    "fp16": 16.0,
    "fp8": 8.0,
    "int8": 8.0,
    "int4": 4.0,
    "mxfp4": 4.25,
    "nvfp4": 4.5,
    "ternary": 1.6,
}
KV_BITS = {
    "fp32": 32.0,
    "bf16": 16.0,
    "fp16": 16.0,
    "fp8": 8.0,
    "int8": 8.0,
    "int4": 4.0,
    "turboquant3.5": 3.5,
    "int3": 3.0,
    "turboquant2.5": 2.5,
    "int2": 2.0,
}
# Element bits without block scales or packing (what "a 4-bit format" means: mxfp4 is 4-bit).
NOMINAL_BITS = {**WEIGHT_BITS, "mxfp4": 4.0, "nvfp4": 4.0, "ternary": 1.58}
WEIGHT_PRECISIONS = tuple(WEIGHT_BITS)
KV_PRECISIONS = tuple(KV_BITS)


def nominal_bits(fmt: str) -> float:
    """Element bits of a weight or KV format (block scales and packing excluded)."""
    if fmt in NOMINAL_BITS:
        return NOMINAL_BITS[fmt]
    if fmt in KV_BITS:
        return KV_BITS[fmt]
    raise ValueError(f"unknown number format {fmt!r}; known: {sorted({*NOMINAL_BITS, *KV_BITS})}")


DTYPE_BITS = {"fp64": 64, "fp32": 32, "tf32": 32, "bf16": 16, "fp16": 16, "fp8": 8, "int8": 8}
DTYPE_BITS |= {"int4": 4, "fp4": 4, "mxfp4": 4, "nvfp4": 4, "ternary": 2}
# What a 4-bit float weight format is called, for the message that refuses a bare "fp4"
FP4_FORMATS = {
    "nvfp4": "NVIDIA NVFP4 (E2M1, FP8 scale per 16: 4.5 bits)",
    "mxfp4": "OCP MXFP4 (E2M1, E8M0 scale per 32: 4.25 bits)",
}
