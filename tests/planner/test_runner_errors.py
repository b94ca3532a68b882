"""Engine errors reach the user under the scenario field they typed, not the engine's argument."""

import copy

import pytest

from planner.engine.facility_stage import FacilityStageError
from planner.engine.runner import run_scenario
from planner.engine.schema import parse_scenario


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        (lambda d: d["workloads"][1].update(model="foo/bar"), "workloads[1].model", "unknown model"),
        (lambda d: d["hardware"][0].update(accelerator="h900"), "hardware[0].accelerator", "unknown accelerator"),
        (
            lambda d: d["hardware"][0].update(tensor_parallel=1, weight_precision="bf16"),
            "hardware[0].tensor_parallel",
            "does not fit",
        ),
        (lambda d: d["workloads"][0].update(tpot_target_ms=0.5), "workloads[0].tpot_target_ms", "unreachable"),
        (lambda d: d["site"].update(climate="mars-base"), "site.climate", "unknown climate"),
    ],
)
def test_it_names_the_scenario_field_behind_an_engine_error(example_inputs, change, field, fragment):
    document = copy.deepcopy(example_inputs)
    change(document)
    with pytest.raises(FacilityStageError) as caught:
        run_scenario(parse_scenario(document))
    assert caught.value.field == field
    assert str(caught.value).startswith(field) and fragment in str(caught.value)


def test_it_sizes_more_devices_for_a_tighter_first_token_target(example_inputs):
    from planner.engine.facility_stage import facility_stage

    def devices(ttft_target_s: float) -> int:
        document = copy.deepcopy(example_inputs)
        document["workloads"] = [{**document["workloads"][0], "input_tokens": 4000, "ttft_target_s": ttft_target_s}]
        return facility_stage(parse_scenario(document)).summary["devices"]["h100"]

    # On 4 × H100 (fp8, vLLM) a 4,000-token prompt of Llama 3.1 70B prefills in about 0.24 s (0.15 s before
    # the engine-v2 calibration: vLLM's FP8 GEMMs reach about half the FP8 peak, issue 14), so a 0.27 s
    # target leaves about 30 ms for the decode step the new request waits for (TPOT alone allows 50).
    relaxed, tight = devices(5.0), devices(0.27)
    assert tight > relaxed  # smaller batches per replica → more replicas for the same peak


def test_it_meets_the_first_token_target_for_the_long_prompts_of_a_distribution(example_inputs):
    from planner.engine.facility_stage import facility_stage

    # Same mean prompt (≈1,400 tokens), one spread out to a 10,000-token tail: sizing uses the
    # mean for throughput and energy, and the 95th-percentile prompt for time to first token: on
    # 4 × H100 a 10,000-token prompt of Llama 3.1 70B prefills in ≈0.61 s (0.38 s before the engine-v2
    # calibration of vLLM's FP8 GEMMs, issue 14), leaving ≈30 ms of 0.64 s.
    def devices(distribution):
        document = copy.deepcopy(example_inputs)
        workload = {**document["workloads"][0], "ttft_target_s": 0.64}
        workload.pop("input_tokens")
        workload["input_tokens_distribution"] = distribution
        document["workloads"] = [workload]
        spec = parse_scenario(document)
        return spec.workloads[0].input_tokens, facility_stage(spec).summary["devices"]["h100"]

    mean_narrow, narrow = devices({"tokens": [1400], "weights": [1.0]})
    mean_wide, wide = devices({"tokens": [400, 10_000], "weights": [0.895833, 0.104167]})
    assert mean_narrow == mean_wide == 1400
    assert wide > narrow
