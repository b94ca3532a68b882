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
