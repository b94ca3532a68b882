"""Energy/efficiency constants: calibrated where measured, transferred (and said so) elsewhere, physical everywhere."""

import pytest

from accelerators.catalog import list_accelerators
from accelerators.efficiency.constants import GEMM_FRAC_AT_POWER_LIMIT, calibration_data, device_constants


def test_it_marks_calibrated_sets_with_their_method():
    for slug, entry in calibration_data()["devices"].items():
        assert entry["calibrated"] is True and "ML.ENERGY" in entry["method"], slug
    assert calibration_data()["transfer"]["assumption"] is True


@pytest.mark.parametrize("acc", list_accelerators(), ids=lambda a: a.slug)
def test_it_keeps_every_device_physical(acc):
    c = device_constants(acc)
    assert acc.idle_power_w < c.static_power_w < acc.power_limit_w
    assert 0 < c.gemm_memory_frac <= 1 and 0 < c.compute_frac <= 1 and 0 < c.attention_memory_frac <= 1
    # a GEMM at 70% of bf16 peak fits within the power limit (GEMM benchmarks run at TDP, not above)
    peak = acc.peak_dense_flops_per_s.get("bf16") or max(acc.peak_dense_flops_per_s.values())
    gemm_power_w = c.static_power_w + c.pj_per_flop_bf16 * 1e-12 * peak * GEMM_FRAC_AT_POWER_LIMIT
    assert gemm_power_w <= acc.power_limit_w * 1.001
    assert c.calibrated == (acc.slug in calibration_data()["devices"])
