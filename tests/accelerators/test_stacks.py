"""Optimised stacks on MLPerf (issue 17): held-out fits, power limits, same-die consistency, pipelines, precision.

MLPerf Inference v4.1 closed division (../shared/reference/mlperf_throughput_v41.csv, README "Across
vendors") and v4.0 H100 wall power, read through the `reference_dir` fixture (skipped without ../shared,
a failure in CI). The held-out headline (leave one accelerator out, leave one scenario out) is printed by
`python -m accelerators.calibration_stacks report` (≈1 min: too slow for a test); here, the shipped
constants per family and a quick refit that must come back to them."""

import math

import pytest

from accelerators import calibration_stacks as cs
from accelerators.catalog import get_accelerator
from accelerators.efficiency import EstimateError, estimate
from accelerators.efficiency.constants import device_constants
from tests.conftest import needs

LLAMA8 = "meta-llama/Llama-3.1-8B-Instruct"
LLAMA70 = "meta-llama/Llama-3.1-70B-Instruct"


@pytest.fixture(scope="module")
def rows(reference_dir):
    for f in (cs.THROUGHPUT_CSV, cs.MLPERF_CSV):
        if not f.exists():
            needs(f"reference file {f.name} under {reference_dir}")
    return cs.all_stack_rows()


@pytest.fixture(scope="module")
def in_sample(rows):
    return cs.errors(rows, cs.shipped_params())


def test_it_reads_every_v41_configuration_once(rows):
    # 178 rows: -99 and -99.9 of one run are one configuration; devices outside the catalog are counted, not lost
    configs, left = cs.read_throughput()
    assert sum(r["merged_rows"] for r in configs) + sum(left.values()) == 178
    assert {r["device"] for r in configs} == {"h100-sxm", "h200", "b200", "l40s", "mi300x"}
    assert sum(r["boundary"] == "node" for r in rows) == 4


# Per-family thresholds (a pooled median hides a family): dense llama2-70b and MoE mixtral-8x7b under the
# optimised stacks, in sample, |error| of tokens/s per accelerator.
@pytest.mark.parametrize(
    ("family", "median", "worst"),
    [("llama2-70b", 0.15, 0.25), ("mixtral-8x7b", 0.15, 0.25)],
)
def test_the_optimised_stacks_per_family(in_sample, family, median, worst):
    s = cs.summary([e for e in in_sample if e["family"] == family], "throughput")
    print(f"{family}: median {s['median']:.1%}, p90 {s['p90']:.1%}, worst {s['worst']:.1%}")
    assert s["median"] <= median and s["worst"] <= worst


@pytest.mark.parametrize("device", ["h100-sxm", "h200", "b200", "l40s", "mi300x"])
def test_every_vendor_and_generation_within_20_percent_median(in_sample, device):
    # issue 17: throughput was 33-52 % low on H100, H200, B200 and MI300X
    s = cs.summary([e for e in in_sample if e["device"] == device], "throughput")
    assert s["median"] <= 0.20


def test_the_wall_power_rows_within_15_percent(in_sample):
    errs = [e["energy"] for e in in_sample if e["energy"] is not None]
    assert len(errs) == 4 and all(abs(e) <= 0.15 for e in errs)


def test_a_quick_refit_comes_back_to_the_shipped_constants(rows):
    shipped = cs.shipped_params()
    refit = cs.fit(rows, start=shipped, max_nfev=3)
    for name, (lo, hi) in cs.PARAM_BOUNDS.items():
        value = shipped[name]
        assert abs(refit[name] - value) <= 0.05 * (hi - lo), name


def test_maxp_over_maxq_throughput_within_a_band_of_the_measured_ratio(rows):
    # MLPerf v4.1 H200 MaxP (700 W) vs MaxQ (500 W) of the same system type: measured 1.21-1.27
    pairs = cs.maxp_maxq_pairs(rows)
    assert len(pairs) == 4
    params = cs.shipped_params()
    for maxp, maxq in pairs:
        measured = maxp["tokens_per_s"] / maxq["tokens_per_s"]
        engine = cs.predict(maxp, params)["tokens_per_s"] / cs.predict(maxq, params)["tokens_per_s"]
        assert engine > 1.05
        assert abs(math.log(engine / measured)) <= math.log(1.10), (maxq["source"], measured, engine)


def test_a_power_cap_slows_launch_bound_decode_at_batch_one():
    # issue 17: at batch 1 a 700 → 250 W cap left the time per token unchanged
    free = estimate(model=LLAMA8, accelerator="h100-sxm", batch=1)
    capped = estimate(model=LLAMA8, accelerator="h100-sxm", batch=1, power_limit_w=250)
    assert capped.time_per_output_token_s > 1.05 * free.time_per_output_token_s


def test_h100_static_plus_overhead_power_stays_within_its_board_limit():
    c = device_constants(get_accelerator("h100-sxm"))
    assert c.static_power_w + c.overhead_power_w <= 700 * (1 + 1e-9)


@pytest.mark.parametrize(("die", "sibling"), [("h100-sxm", "h200"), ("mi300x", "mi325x")])
def test_same_dies_differ_only_by_memory_and_power(die, sibling):
    a, b = device_constants(get_accelerator(die)), device_constants(get_accelerator(sibling))
    differ = {f for f in a.__dataclass_fields__ if getattr(a, f) != getattr(b, f)} - {"method", "calibrated"}
    assert differ <= {"memory_pj_per_byte"}
    # and on the same work a sibling with more bandwidth is never slower per token at batch 1
    kw = {"model": LLAMA70, "devices": 2, "weight_precision": "fp8", "batch": 1}
    assert estimate(accelerator=sibling, **kw).time_per_output_token_s <= estimate(
        accelerator=die, **kw
    ).time_per_output_token_s * (1 + 1e-9)


def test_pipeline_stages_hold_whole_layers_and_more_chips_are_never_slower():
    # Llama 2-class 70B (80 layers) on Groq LPUs, int8: tensor 8 x pipeline p. 576 chips would put 2 layers
    # (~214 MB) on a 230 MB chip: refused; 640 chips hold one layer a stage.
    with pytest.raises(EstimateError, match="does not fit"):
        estimate(model=LLAMA70, accelerator="groq-lpu", devices=576, weight_precision="int8", batch=1)
    rates = []
    for n in (640, 1280):
        e = estimate(model=LLAMA70, accelerator="groq-lpu", devices=n, weight_precision="int8", batch=64)
        rates.append(e.output_tokens_per_s)
    assert rates[1] >= rates[0]
    # on GPUs: 80 layers over 3 stages is 27 + 27 + 26: the bottleneck stage (27) sets time and memory
    three = estimate(model=LLAMA70, accelerator="h100-sxm", devices=3, tensor_parallel=1, pipeline_parallel=3, batch=32)
    four = estimate(model=LLAMA70, accelerator="h100-sxm", devices=4, tensor_parallel=1, pipeline_parallel=4, batch=32)
    assert four.output_tokens_per_s >= three.output_tokens_per_s
    assert three.weight_bytes_per_device > 69e9 / 3 * 27 / (80 / 3) * 0.99


@pytest.mark.parametrize(
    ("acc", "stack"), [("h100-sxm", "vllm"), ("h100-sxm", "tensorrt-llm"), ("h200", "tensorrt-llm")]
)
def test_fp8_is_not_slower_than_bf16_for_a_dense_8b_at_large_batch_on_hopper(acc, stack):
    # issue 17: an MoE kernel penalty leaked into dense FP8 (vLLM's fused-MoE FP8 kernels are now fitted apart).
    # vLLM's dense FP8 GEMMs sit at their floor (no compute gain over BF16, from the 405B FP8 rows): on an H200,
    # whose bandwidth makes the halved weight bytes matter less, vLLM's FP8 is a tie (-0.4 %), not checked here.
    kw = {"model": LLAMA8, "accelerator": acc, "batch": 256, "serving_stack": stack}
    fp8 = estimate(weight_precision="fp8", **kw)
    bf16 = estimate(weight_precision="bf16", **kw)
    assert fp8.output_tokens_per_s >= bf16.output_tokens_per_s


@pytest.mark.parametrize(
    ("model", "devices", "batch", "low", "high"),
    [(LLAMA8, 1, 16, 1.2, 1.3), (LLAMA70, 4, 16, 1.2, 1.3), (LLAMA8, 1, 64, 1.1, 1.3)],
)
def test_two_four_sparsity_gains_what_its_data_file_cites(model, devices, batch, low, high):
    # 2:4 sparse tensor cores: ~1.2-1.3x end to end in measured LLM serving (reference README; data file
    # sparse_e2e); less where the batch makes decode compute-heavier (the sparse peak is used at 0.9 efficiency)
    kw = {"model": model, "accelerator": "h100-sxm", "devices": devices, "batch": batch}
    gain = estimate(sparsity="2:4", **kw).output_tokens_per_s / estimate(**kw).output_tokens_per_s
    assert low <= gain <= high


def test_fp4_names_its_format():
    with pytest.raises(EstimateError, match="nvfp4") as exc:
        estimate(model=LLAMA70, accelerator="b200", weight_precision="fp4")
    assert exc.value.field == "weight_precision"
    nv = estimate(model=LLAMA70, accelerator="b200", weight_precision="nvfp4", batch=64)
    mx = estimate(model=LLAMA70, accelerator="b200", weight_precision="mxfp4", batch=64)
    assert nv.compute_dtype == mx.compute_dtype == "fp4"
    assert nv.weight_bytes_per_device > mx.weight_bytes_per_device  # 4.5 vs 4.25 bits with the scales


def test_every_device_carries_a_band_on_throughput_and_energy():
    for acc, devices in (("h100-sxm", 1), ("mi300x", 1), ("tpu-v6e", 8)):
        u = estimate(model="qwen3-8b", accelerator=acc, devices=devices).uncertainty
        for key in ("throughput", "energy"):
            assert u[key]["p10"] < 1 < u[key]["p90"], (acc, key, u)
        assert (u["p10"], u["p90"]) == (u["energy"]["p10"], u["energy"]["p90"])
