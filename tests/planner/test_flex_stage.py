"""Flexible operation through the whole pipeline: schema → facility year → dispatch → result.

The example reproduces the shape of the 2025 Phoenix field demonstration (arXiv 2507.00909:
256 GPUs cut cluster power by 25 % for 3 hours during a peak event while service levels held).
"""

import copy
import json
from pathlib import Path

import numpy as np
import pytest

from accelerators.efficiency import power_curve
from planner.engine.runner import run_scenario
from planner.engine.schema import ScenarioError, parse_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "phoenix-flexible-cluster.json"
EVENT = slice(4695, 4698)


@pytest.fixture(scope="module")
def document():
    return json.loads(EXAMPLE.read_text())


@pytest.fixture(scope="module")
def demo(document):
    return run_scenario(parse_scenario(document))


def test_it_cuts_the_cluster_to_75_percent_for_three_hours_and_loses_no_interactive_token(demo):
    flex = demo.summary["flexibility_dispatch"]
    assert flex["feasible"], flex["status"]
    baseline = demo.hourly["facility_power_mw"][EVENT]
    meter = demo.hourly["flex_meter_mw"][EVENT]
    assert np.all(meter <= 0.75 * baseline + 1e-9)
    assert meter.sum() / baseline.sum() == pytest.approx(0.75, abs=1e-6)  # nothing cut beyond the ask
    assert flex["tokens"]["lost_mtok"] == 0.0  # service held: capped capacity still covers the hour's demand
    assert flex["signal"] == {"kind": "schedule", "method": "event schedule: 1 events", "events": 1, "event_hours": 3}
    assert flex["curtailed_hours"] == 3
    assert flex["reduction_by_source"]["power_caps_mwh"] > 0


def test_the_cap_it_uses_costs_the_throughput_the_engine_says(demo, document):
    # The engine's curve at each cap level is computed at the workloads' latency targets: the chat tier's
    # 50 ms per token and 1 s to first token hold at every level. Full-load throughput at a level is the
    # replica-weighted sum of the engine's figures.
    flex = demo.summary["flexibility_dispatch"]
    (caps,) = flex["power_caps"]
    level = 0.5
    k = caps["cap_frac"].index(level)
    replicas = demo.pools[0]["replicas"]
    tokens = {}
    for limit in (700.0, level * 700.0):
        total = 0.0
        for load in document["workloads"]:
            curve = power_curve(
                model=load["model"],
                accelerator="h100-sxm",
                devices=4,
                weight_precision="fp8",
                kv_precision="fp8",
                input_tokens=load["input_tokens"],
                output_tokens=load["output_tokens"],
                tpot_target_s=load["tpot_target_ms"] / 1000,
                ttft_target_s=load["ttft_target_s"],
                power_limit_w=limit,
            )
            total += replicas[load["name"]] * curve.output_tokens_per_s[-1]
        tokens[limit] = total
    assert caps["full_load_throughput_frac"][k] == pytest.approx(tokens[350.0] / tokens[700.0], abs=1e-6)
    # Half the board limit costs tokens/s, but less than the power it saves: MLPerf v4.1 H100 MaxQ (450 W)
    # runs at ≈0.79–0.83 of MaxP (../shared/reference/mlperf_throughput_v41.csv); decode is partly
    # memory-bound, so it keeps well over half its throughput.
    assert 0.7 < caps["full_load_throughput_frac"][k] < 0.95
    assert caps["full_load_power_frac"][k] < 0.75  # … for ≥ 25 % less power at full load
    assert caps["mean_cap_frac_in_events"] <= 0.6


def test_the_result_carries_the_dispatch_series_and_the_flexible_bill(demo):
    for name in ("flex_meter_mw", "flex_cap_saving_mw", "flex_battery_mw", "flex_generation_mw", "flex_event_cap_mw"):
        assert demo.hourly[name].shape == (8760,)
    bill = demo.summary["household_bill_usd_per_month"]
    assert bill["views"]["flexible"]["peak_mw_counted"] == pytest.approx(
        demo.summary["flexibility_dispatch"]["firm_mw"], abs=1e-3
    )
    assert "from the dispatch" in bill["methods"]["flexible"]
    assert demo.constraints == ()
    document = demo.to_dict()
    assert document["flexibility_dispatch"]["firm_mw"] < document["flexibility_dispatch"]["baseline_peak_mw"]


def test_an_event_the_resources_cannot_meet_is_a_missed_constraint_naming_its_cause(document):
    tight = copy.deepcopy(document)
    tight["flexibility"]["signal"]["events"][0]["reduction_frac"] = 0.6
    result = run_scenario(parse_scenario(tight))
    flex = result.summary["flexibility_dispatch"]
    assert not flex["feasible"]
    assert flex["binding"][0]["constraint"] == "event_cap_at_meter"
    assert "power cap of pool 'h100' at its deepest level" in flex["binding"][0]["resources_at_limit"]
    (violation,) = result.constraints
    assert violation["kind"] == "flexibility"
    assert "event cap at the meter cannot be met" in violation["message"]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"deferrable": [{"workload": "nobody"}]}, "flexibility.deferrable[0].workload", "is not a workload"),
        (
            {"deferrable": [{"workload": "chat", "share_frac": 0.1}, {"workload": "chat", "share_frac": 0.2}]},
            "flexibility.deferrable",
            "one tier per workload",
        ),
        ({"deferrable": [{"workload": "chat"}]}, "flexibility.deferrable[0].share_frac", "deferrable_frac"),
        ({"power_capping": {"pools": ["tpu"]}}, "flexibility.power_capping.pools", "is not a hardware pool"),
        ({"signal": {"kind": "schedule"}}, "flexibility.signal", "needs at least one event"),
        ({"signal": {"kind": "price"}}, "flexibility.signal", "needs a threshold"),
        (
            {"signal": {"kind": "schedule", "events": [{"start_hour": 5, "duration_h": 2}]}},
            "flexibility.signal.events[0]",
            "exactly one of cap_mw or reduction_frac",
        ),
        ({"battery": {"power_mw": 10, "energy_mwh": -1}}, "flexibility.battery.energy_mwh", "greater than 0"),
        ({"generation": {"power_mw": 5, "technology": "fusion"}}, "flexibility.generation.technology", "diesel"),
        ({"batteries": {}}, "flexibility.batteries", "Extra inputs"),
    ],
)
def test_bad_flexibility_input_is_refused_naming_the_field(document, change, field, words):
    bad = copy.deepcopy(document)
    bad["flexibility"] = change
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(bad)
    assert field in caught.value.errors, caught.value.errors
    assert words in " ".join(caught.value.errors[field])


def test_plan_prints_the_lever_and_the_engine_cap_curve(demo):
    from planner.scenarios.management.commands.plan import flexibility_lines

    flex = demo.to_dict()["flexibility_dispatch"]
    lines = flexibility_lines(flex)
    assert lines[0].strip().startswith("flexible: ") and "3 h/yr curtailed" in lines[0]
    assert any("Output tokens lost" in line and line.rstrip().endswith("0 million/yr") for line in lines)
    assert any(line.strip().startswith("cap 0.50 × limit: power 0.7") for line in lines)
    assert flexibility_lines(None) == []


def test_a_sweep_varies_the_flexibility_and_reads_its_kpis(document):
    from planner.engine.sweep import sweep

    battery = {"power_mw": 0.05, "energy_mwh": 0.15}
    rows = sweep(document, {"flexibility.battery": [None, battery]})
    assert [row.error for row in rows] == ["", ""]
    without, with_battery = (row.kpis for row in rows)
    assert without["flex_firm_mw"] == pytest.approx(with_battery["flex_firm_mw"], rel=1e-6)  # the same cap binds
    # A battery takes over part of the event from the caps; it costs its degradation and round trip
    assert with_battery["flex_cost_usd_per_year"] != without["flex_cost_usd_per_year"]
    assert without["flex_lost_mtok"] == 0.0 and with_battery["flex_lost_mtok"] == 0.0


def test_the_flexible_bill_view_prices_capacity_on_the_same_market_curve_as_the_run():
    # One definition of the bill inputs (grid.bills.inputs_for_region): the dispatch's flexible view
    # uses the capacity market's curve and collar like the grid stage. PJM 2027/28 cleared at its cap
    # ($333.44/MW-day, ../shared/reference/pjm_capacity.csv), so added load moves no capacity price.
    import json

    from planner.engine.runner import run_scenario
    from planner.engine.schema import parse_scenario
    from tests.conftest import ROOT

    document = json.loads((ROOT / "examples" / "phoenix-flexible-cluster.json").read_text())
    document["grid"] = {"region": "pjm-dominion"}
    document["horizon"] = {"start_year": 2026, "years": 2}  # final year 2027: a capped delivery year
    views = run_scenario(parse_scenario(document)).to_dict()["household_bill_usd_per_month"]["views"]
    assert views["socialised"]["capacity_price_step_usd_per_mw_day"] == 0.0
    assert views["flexible"]["capacity_price_step_usd_per_mw_day"] == 0.0
    assert views["flexible"]["total_usd_per_month"] <= views["socialised"]["total_usd_per_month"]
