"""Engine vs measurements: ML.ENERGY Leaderboard v3 (vLLM 0.11, steady state, GPU energy only;
Chung et al., NeurIPS 2025 D&B, arXiv 2505.06371), read from ../shared/reference/."""

import statistics

import pytest

from accelerators.calibration import PROMPT_TOKENS, read_rows
from accelerators.efficiency import estimate


@pytest.fixture(scope="module")
def errors(reference_dir):
    err = {"energy": [], "itl": [], "power": []}
    for r in read_rows(reference_dir / "mlenergy_v3_calibration.csv"):
        e = estimate(
            model=r["model"],
            accelerator=r["device"],
            devices=r["devices"],
            weight_precision=r["weight_precision"],
            batch=r["batch"],
            input_tokens=PROMPT_TOKENS,
            output_tokens=r["output_tokens"],
        )
        err["energy"].append(abs(e.accelerator_energy_per_output_token_j / r["energy_per_token_j"] - 1))
        err["itl"].append(abs(e.time_per_output_token_s / r["itl_s"] - 1))
        err["power"].append(abs(e.accelerator_power_w / r["power_w"] - 1))
    return err


def test_it_covers_the_whole_file(errors):
    assert len(errors["energy"]) == 99


def test_it_predicts_energy_per_token_within_15_percent_median(errors):
    assert statistics.median(errors["energy"]) <= 0.15


def test_it_predicts_inter_token_latency_within_20_percent_median(errors):
    assert statistics.median(errors["itl"]) <= 0.20


def test_it_predicts_power_within_15_percent_median(errors):
    assert statistics.median(errors["power"]) <= 0.15


def test_it_reproduces_the_measured_shape_for_llama_8b_on_h100():
    # ML.ENERGY v3: 486 W, 0.455 J/token, 7.3 ms at batch 8; 688 W, 0.070 J/token, 47 ms at batch 512
    small = estimate(model="meta-llama/Llama-3.1-8B-Instruct", accelerator="h100-sxm", batch=8, output_tokens=389)
    large = estimate(model="meta-llama/Llama-3.1-8B-Instruct", accelerator="h100-sxm", batch=512, output_tokens=397)
    ratio = small.accelerator_energy_per_output_token_j / large.accelerator_energy_per_output_token_j
    assert 4.0 <= ratio <= 8.0
    assert small.accelerator_power_w == pytest.approx(486, rel=0.10)
    assert large.accelerator_power_w == pytest.approx(688, rel=0.15)
    assert small.time_per_output_token_s == pytest.approx(7.3e-3, rel=0.15)
    # static power dominates decode energy at small batch
    split = small.energy_split_per_output_token_j
    assert split["static"] > split["arithmetic"] + 0.5 * split["data_movement"]
