"""Per-pool engine-v2 fields (serving_stack, power_limit_w, expert/pipeline parallel) reach the facility stage."""

from __future__ import annotations

import copy

import pytest

from planner.engine.facility_stage import FacilityStageError, facility_stage
from planner.engine.schema import parse_scenario


def _peak_mw(document: dict) -> float:
    return facility_stage(parse_scenario(document)).summary["peak_facility_power_mw"]


def test_stack_and_power_limit_change_the_fleet_and_default_to_todays_behaviour(example_inputs):
    base = _peak_mw(example_inputs)
    explicit = copy.deepcopy(example_inputs)
    explicit["hardware"][0] |= {"serving_stack": "vllm", "power_limit_w": None, "expert_parallel": None}
    assert _peak_mw(explicit) == pytest.approx(base, rel=1e-12)
    trt = copy.deepcopy(example_inputs)
    trt["hardware"][0]["serving_stack"] = "tensorrt-llm"
    assert _peak_mw(trt) < base  # fused FP8 kernels and a C++ runtime: fewer devices for the same demand
    capped = copy.deepcopy(example_inputs)
    capped["hardware"][0]["power_limit_w"] = 450
    assert _peak_mw(capped) != pytest.approx(base, rel=1e-6)


def test_an_impossible_split_names_the_pool_field(example_inputs):
    document = copy.deepcopy(example_inputs)
    document["hardware"][0] |= {"tensor_parallel": 3, "pipeline_parallel": 2}
    with pytest.raises(FacilityStageError, match=r"hardware\[0\]\.tensor_parallel"):
        facility_stage(parse_scenario(document))
    document = copy.deepcopy(example_inputs)
    document["hardware"][0]["serving_stack"] = "pytorch-eager"
    with pytest.raises(FacilityStageError, match=r"hardware\[0\]\.serving_stack"):
        facility_stage(parse_scenario(document))


def test_serving_overhead_is_its_own_category_in_the_breakdown(example_inputs):
    result = facility_stage(parse_scenario(example_inputs))
    b = result.summary if "accelerator_serving_overhead" in result.summary else result.breakdown
    parts = (
        "accelerator_arithmetic",
        "accelerator_data_movement",
        "accelerator_serving_overhead",
        "accelerator_static",
    )
    assert all(b[k] > 0 for k in parts)
    pools_mwh = sum(p["annual_it_energy_mwh"] for p in result.pools)
    host_net = sum(b[k] for k in b if k.startswith(("host", "network")) and isinstance(b[k], float))
    assert sum(b[k] for k in parts) + host_net == pytest.approx(pools_mwh, rel=1e-6)
