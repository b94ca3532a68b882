"""Constraint violations of a run (pure core): hand-made summaries, then the engine itself."""

import json
from pathlib import Path

import pytest

from planner.engine.constraints import constraint_violations
from planner.engine.runner import run_scenario
from planner.engine.schema import parse_scenario

ROOT = Path(__file__).resolve().parents[1]


def test_it_flags_a_peak_above_the_cap_and_nothing_at_or_below_it():
    over = constraint_violations({"power_cap_mw": 1.0, "peak_facility_power_mw": 2.5, "servable_demand_frac": 0.4})
    assert [v.kind for v in over] == ["power_cap"]
    assert over[0].limit == 1.0 and over[0].value == 2.5 and over[0].unit == "MW"
    assert "2.5 MW exceeds the site's power cap of 1 MW" in over[0].message and "serve 40%" in over[0].message
    assert constraint_violations({"power_cap_mw": 2.5, "peak_facility_power_mw": 2.5}) == ()
    assert constraint_violations({"peak_facility_power_mw": 2.5}) == (), "no cap, nothing to break"


def test_it_flags_unserved_demand_per_workload_but_not_float_residue():
    summary = {
        "unserved_output_tokens_frac": 0.25,
        "unserved_output_tokens_frac_by_workload": {"chat": 0.5, "batch": 0.0},
    }
    (violation,) = constraint_violations(summary)
    assert violation.kind == "unserved_demand" and violation.value == 0.25
    assert "25.0%" in violation.message and "chat 50.0%" in violation.message and "batch" not in violation.message
    assert constraint_violations({"unserved_output_tokens_frac": 1e-12}) == ()
    both = constraint_violations({**summary, "power_cap_mw": 1, "peak_facility_power_mw": 3})
    assert [v.kind for v in both] == ["power_cap", "unserved_demand"], "the power cap comes first"


@pytest.fixture(scope="module")
def ashburn() -> dict:
    return json.loads((ROOT / "examples" / "ashburn-chat.json").read_text())


def test_the_engine_reports_a_broken_1_mw_cap_as_a_constraint(ashburn):
    inputs = {**ashburn, "site": {**ashburn["site"], "power_cap_mw": 1}}
    document = run_scenario(parse_scenario(inputs)).to_dict()
    (violation,) = document["constraints"]
    assert violation["kind"] == "power_cap" and violation["limit"] == 1.0
    assert violation["value"] == pytest.approx(document["peak_facility_power_mw"])
    assert 0 < document["servable_demand_frac"] < 1


def test_the_engine_reports_a_fixed_fleet_too_small_for_its_demand(ashburn):
    pool = {key: value for key, value in ashburn["hardware"][0].items() if key != "share_frac"}
    inputs = {**ashburn, "hardware": [{**pool, "count": 8}]}
    document = run_scenario(parse_scenario(inputs)).to_dict()
    kinds = [v["kind"] for v in document["constraints"]]
    assert kinds == ["unserved_demand"]
    assert document["unserved_output_tokens_frac"] > 0.5, "8 devices cannot serve a 40 MW site's demand"


def test_the_shipped_dublin_example_meets_its_40_mw_cap():
    inputs = json.loads((ROOT / "examples" / "dublin-moe-power-cap.json").read_text())
    document = run_scenario(parse_scenario(inputs)).to_dict()
    assert document["peak_facility_power_mw"] <= inputs["site"]["power_cap_mw"]
    assert document["constraints"] == []
