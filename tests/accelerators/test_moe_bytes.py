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
