"""MoE expert traffic counted by hand: a replica reads the same expert bytes whatever it is split over.

Qwen3-30B-A3B (config.json): 48 MoE layers, hidden h = 2048, 128 experts, top-8, expert FFN f = 768,
gated (3 matrices). One decode step at batch 1 reads k = 8 experts per layer:
    48 × 8 × 3 × 2048 × 768 × 2 bytes (bf16) = 3,623,878,656 B per replica,
split evenly over the n devices of the replica (each holds 1/n of every expert, or 1/n of the experts).
"""

import pytest

from accelerators.efficiency import estimate

QWEN_MOE = "Qwen/Qwen3-30B-A3B-Instruct-2507"
EXPERT_BYTES_PER_STEP = 48 * 8 * 3 * 2048 * 768 * 2  # = 3.62 GB


def _expert_weight_bytes_per_device(devices: int) -> float:
    e = estimate(model=QWEN_MOE, accelerator="h100-sxm", devices=devices, batch=1)
    row = next(k for k in e.kernels if k["phase"] == "decode" and k["kernel"] == "experts")
    # activations of the k experts per token (per device): k × (2h + 3f) × 2 bytes, 48 layers
    activations = 48 * 8 * (2 * 2048 + 3 * 768) * 2 / devices
    return row["memory_bytes"] - activations


@pytest.mark.parametrize("devices", [1, 2, 8])
def test_expert_bytes_per_replica_do_not_depend_on_the_device_count(devices):
    per_device = _expert_weight_bytes_per_device(devices)
    assert per_device == pytest.approx(EXPERT_BYTES_PER_STEP / devices, rel=1e-9)
    assert devices * per_device == pytest.approx(3.62e9, rel=2e-3)


# vLLM's grouped FP8 expert GEMM (DeepGEMM contiguous layout, data/calibration.yaml `moe_narrow_group_rows`):
# every buffer of the MoE layer is sized for M_sum = b·k + E_local·(128 − 1) rows. Qwen3-30B-A3B FP8 on 2 H100
# with experts expert-parallel over both (E_local = 64), batch 8: per device and MoE layer the routed rows are
# b·k / 2 = 32 (the mean device) and the padded ones 64 × 127 = 8,128; one row of one expert is 2 × 3hf FLOPs.
ROW_FLOPS = 2 * 3 * 2048 * 768
PAD_ROWS = 64 * 127


def _decode_rows(**request):
    e = estimate(model=QWEN_MOE, accelerator="h100-sxm", devices=2, expert_parallel=2, batch=8, **request)
    return {k["kernel"]: k for k in e.kernels if k["phase"] == "decode"}


def test_vllm_fp8_grouped_gemm_computes_its_padded_rows():
    rows = _decode_rows(weight_precision="fp8")
    assert rows["experts"]["flops"] == pytest.approx(48 * (32 + PAD_ROWS) * ROW_FLOPS, rel=1e-9)
    # their activations: permuted 8-bit input h, first GEMM's output 2f·2, SiLU-and-mul 6f, quantisation 3f,
    # second GEMM's output 2h: 3h + 13f bytes a padded row
    padding = rows["activation_quant_expert_padding"]["memory_bytes"]
    assert padding == pytest.approx(48 * PAD_ROWS * (3 * 2048 + 13 * 768), rel=1e-9)


@pytest.mark.parametrize(
    "request_", [{"weight_precision": "bf16"}, {"weight_precision": "fp8", "serving_stack": "tensorrt-llm"}]
)
def test_no_padding_for_16_bit_experts_or_an_optimised_stack(request_):
    rows = _decode_rows(**request_)
    assert rows["experts"]["flops"] == pytest.approx(48 * 32 * ROW_FLOPS, rel=1e-9)
    assert "activation_quant_expert_padding" not in rows
