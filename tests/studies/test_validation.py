"""Every study point, sweep row and run passes the one validation of a run; derived quantities are
bounded; a bad study definition is refused at save naming its field; a study with no computed
point fails with the reasons (issue 19, issue 20 items 5 and 6)."""

import copy

import pytest

from planner.engine.checks import DerivedQuantityError, check_derived_result, checked_scenario
from planner.engine.runner import run_scenario
from planner.engine.schema import ScenarioError
from planner.engine.studies.points import evaluate_point
from planner.engine.sweep import sweep
from tests.studies.conftest import make_study, submit


def _errors(call) -> dict[str, list[str]]:
    with pytest.raises(ScenarioError) as caught:
        call()
    return caught.value.errors


def test_a_point_with_a_tensor_parallel_group_wider_than_a_server_is_refused_not_priced(example_inputs):
    outcome = evaluate_point(example_inputs, {"hardware[0].tensor_parallel": 16})
    assert outcome.kpis == {} and outcome.error.startswith("hardware[0].tensor_parallel:")
    assert "do not fit one server of 8 devices" in outcome.error
    # manage.py sweep computes its rows the same way
    tp16, tp4 = sweep(example_inputs, {"hardware[0].tensor_parallel": [16, 4]})
    assert "do not fit one server" in tp16.error and tp16.kpis == {}
    assert tp4.error == "" and tp4.kpis["devices"] > 0


def test_a_72_device_h100_server_is_refused_everywhere(example_inputs):
    document = copy.deepcopy(example_inputs)
    document["hardware"][0]["devices_per_server"] = 72
    errors = _errors(lambda: checked_scenario(document))
    assert "at most 8" in " ".join(errors["hardware[0].devices_per_server"])
    outcome = evaluate_point(example_inputs, {"hardware[0].devices_per_server": 72, "hardware[0].tensor_parallel": 64})
    assert outcome.kpis == {} and "hardware[0].devices_per_server" in outcome.error
    # A 4-GPU HGX H100 server is a real product: accepted.
    assert evaluate_point(example_inputs, {"hardware[0].devices_per_server": 4}).error == ""


def test_demand_grown_past_every_bound_is_refused_naming_the_growth(example_inputs):
    document = copy.deepcopy(example_inputs)
    document["horizon"]["years"] = 15
    document["workloads"][0].update(peak_requests_per_s=1e7, annual_growth_frac=10.0)
    errors = _errors(lambda: checked_scenario(document))
    assert "above 1e+07 req/s" in " ".join(errors["workloads[0].annual_growth_frac"])


def test_a_vanishing_request_rate_is_refused_not_served_at_zero_percent(example_inputs):
    document = copy.deepcopy(example_inputs)
    document["workloads"][0]["peak_requests_per_s"] = 5e-324
    errors = _errors(lambda: checked_scenario(document))
    assert "below one request a year" in " ".join(errors["workloads[0].peak_requests_per_s"])


def test_a_facility_larger_than_any_power_system_is_refused(example_inputs):
    with pytest.raises(DerivedQuantityError, match=r"above 2,000,000 MW"):
        check_derived_result({"peak_facility_power_mw": 2.1e18})
    with pytest.raises(DerivedQuantityError):
        check_derived_result({"peak_facility_power_mw": float("inf")})
    check_derived_result({"peak_facility_power_mw": 52.6})  # a campus passes
    # Through the runner: 10 million requests a second of million-token answers on one pool.
    document = copy.deepcopy(example_inputs)
    document["workloads"] = [
        dict(document["workloads"][1], peak_requests_per_s=1e7, output_tokens=1_000_000, annual_growth_frac=0.0)
    ]
    with pytest.raises(DerivedQuantityError, match="workloads: the demand needs a peak facility power"):
        run_scenario(checked_scenario(document))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("definition", "field", "text"),
    [
        ({"kind": "sweep", "vary": {"nope.x": [1, 2]}}, "vary.nope.x", "Extra inputs"),
        (
            {"kind": "sweep", "vary": {"hardware[0].tensor_parallel": [4, "abc"]}},
            "vary.hardware[0].tensor_parallel",
            "valid integer",
        ),
        (
            {
                "kind": "uncertainty",
                "samples": 8,
                "inputs": [{"parameter": "nope", "distribution": {"kind": "uniform", "low": 0, "high": 1}}],
            },
            "inputs[0].parameter",
            "Extra inputs",
        ),
        ({"kind": "optimisation", "choices": {"site.cooling": ["immersion", "ice"]}}, "choices.site.cooling", "ice"),
    ],
)
def test_a_bad_definition_is_refused_at_save_naming_its_field(scenario, owner, definition, field, text):
    errors = _errors(lambda: make_study(scenario, owner, definition))
    assert field in errors and text in " ".join(errors[field])


@pytest.mark.django_db
def test_a_definition_whose_values_are_valid_but_move_shares_alone_is_accepted(scenario, owner):
    # One varied field whose single values are fine must not be refused for an unrelated check.
    study = make_study(scenario, owner, {"kind": "sweep", "vary": {"hardware[0].tensor_parallel": [16, 32]}})
    assert study.kind == "sweep"


@pytest.mark.django_db
def test_a_study_with_no_computed_point_fails_with_the_reasons(scenario, owner, django_capture_on_commit_callbacks):
    study = make_study(scenario, owner, {"kind": "sweep", "vary": {"hardware[0].tensor_parallel": [16, 32]}})
    run, _ = submit(study, owner, django_capture_on_commit_callbacks)
    assert run.status == "failed"
    assert run.error.startswith("none of the 2 points could be computed: ")
    assert "do not fit one server" in run.error
    assert run.summary["computed"] == 0 and set(run.summary["refused"]) == {"0", "1"}
    assert set(run.points.values_list("status", flat=True)) == {"refused"}


def test_server_sizes_come_from_the_platform_table_with_their_source():
    from grid.fleet.racks import server_form_factor
    from grid.fleet.sizing import load_network_defaults

    table = load_network_defaults()["server_form_factors"]
    for slug, entry in table.items():
        if "max_devices_per_server" in entry:  # never below the reference server the height is for
            assert entry["max_devices_per_server"] >= entry["devices"], slug
    h100 = server_form_factor(accelerator="h100-sxm", devices_per_server=8, table=table)
    gb200 = server_form_factor(accelerator="gb200", devices_per_server=4, table=table)
    unknown = server_form_factor(accelerator="an-own-accelerator", devices_per_server=16, table=table)
    assert (h100.max_devices_per_server, gb200.max_devices_per_server) == (8, 4)
    assert gb200.nvlink_domain_devices == 72, "a 4-GPU tray still spans the NVL72 domain"
    assert unknown.max_devices_per_server is None, "no limit is invented for an accelerator the table lacks"


def test_manage_py_plan_refuses_a_72_device_h100_server(example_inputs, tmp_path):
    import json

    from django.core.management import call_command
    from django.core.management.base import CommandError

    document = copy.deepcopy(example_inputs)
    document["hardware"][0]["devices_per_server"] = 72
    path = tmp_path / "big-server.json"
    path.write_text(json.dumps(document))
    with pytest.raises(CommandError, match=r"hardware\[0\]\.devices_per_server: 72 devices in one h100-sxm server"):
        call_command("plan", str(path))
