"""An organisation's own accelerator is used by its runs, snapshotted, and invisible to others."""

import dataclasses

import pytest

from accelerators.catalog import get_accelerator
from accelerators.models import AcceleratorEntry
from planner.engine.schema import ScenarioError
from planner.scenarios import services
from planner.scenarios.models import RunStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_fpga(organisation):
    data = dataclasses.asdict(get_accelerator("alveo-v80"))
    data.update(slug="alpha-fpga", name="Alpha's FPGA overlay", power_limit_w=150.0)
    return AcceleratorEntry.objects.create(slug="alpha-fpga", name=data["name"], data=data, organisation=organisation)


def _fpga_inputs(example_inputs):
    inputs = dict(example_inputs)
    # An FPGA overlay prefills 1,500 prompt tokens of an 8B model in ≥ 1 s (int8 at 25 TOP/s, 2.4 s with
    # engine v3's transferred efficiency), so a 0.5 s time-to-first-token target is out of its reach: give it 5 s.
    inputs["workloads"] = [{**example_inputs["workloads"][1], "peak_requests_per_s": 50, "ttft_target_s": 5.0}]
    inputs["hardware"] = [
        {**example_inputs["hardware"][0], "accelerator": "alpha-fpga", "tensor_parallel": 1, "weight_precision": "int8"}
    ]
    return inputs


def test_it_runs_with_the_organisations_own_accelerator(own_fpga, owner, organisation, example_inputs):
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=_fpga_inputs(example_inputs))
    run = services.run_submit(scenario=scenario, submitted_by=owner)
    snapshot = run.inputs["hardware"][0]["accelerator"]
    assert isinstance(snapshot, dict) and snapshot["power_limit_w"] == 150.0
    services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.result["devices"]["h100"] > 0  # the pool keeps its name; the device is the custom FPGA


def test_it_does_not_lend_an_entry_to_another_organisation(own_fpga, outsider, other_organisation, example_inputs):
    with pytest.raises(ScenarioError) as caught:
        services.scenario_create(owner=outsider, organisation=other_organisation, inputs=_fpga_inputs(example_inputs))
    assert "alpha-fpga" in " ".join(caught.value.errors["hardware[0].accelerator"])


def test_it_fails_a_run_with_the_reason_when_the_entry_vanished(own_fpga, owner, organisation, example_inputs):
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=_fpga_inputs(example_inputs))
    own_fpga.delete()  # removed after the scenario was saved, before it was run
    run = services.run_submit(scenario=scenario, submitted_by=owner)
    services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "hardware[0].accelerator" in run.error and "alpha-fpga" in run.error
