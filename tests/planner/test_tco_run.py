"""The run's TCO: $/Mtok = TCO ÷ tokens served; economics inputs refused with their field path."""

import copy

import pytest

from planner.engine.runner import run_scenario
from planner.engine.schema import ScenarioError, parse_scenario
from planner.engine.tco_stage import TcoStageError


@pytest.fixture(scope="module")
def ashburn_result():
    import json
    from pathlib import Path

    document = json.loads((Path(__file__).resolve().parents[2] / "examples" / "ashburn-chat.json").read_text())
    return document, run_scenario(parse_scenario(document)).to_dict()


def test_it_divides_the_tco_by_the_tokens_served(ashburn_result):
    _, result = ashburn_result
    tco = result["tco"]
    served = result["annual_output_tokens"]
    assert served > 0 and result["annual_input_tokens"] > served  # 800- and 1,500-token prompts
    assert tco["usd_per_million_output_tokens"] == pytest.approx(tco["tco_usd_per_year"] / (served / 1e6))
    assert tco["usd_per_million_input_tokens"] == pytest.approx(
        tco["tco_usd_per_year"] / (result["annual_input_tokens"] / 1e6)
    )
    # The energy and grid-charge lines are the operator's bill from the grid stage, not a second estimate.
    bill = result["operator_cost_breakdown_usd"]
    assert tco["breakdown_usd_per_year"]["energy"] == pytest.approx(bill["energy_usd"])
    assert tco["breakdown_usd_per_year"]["grid_charges"] == pytest.approx(
        bill["demand_charge_usd"] + bill["capacity_usd"] + bill["transmission_usd"]
    )
    assert sum(tco["breakdown_usd_per_year"].values()) == pytest.approx(tco["tco_usd_per_year"])


def test_a_dearer_accelerator_raises_the_cost_per_token(ashburn_result):
    document, result = ashburn_result
    dearer = copy.deepcopy(document)
    dearer["economics"] = {"accelerator_price_usd": {"h100-sxm": 40000}}
    again = run_scenario(parse_scenario(dearer)).to_dict()["tco"]
    assert again["usd_per_million_output_tokens"] > result["tco"]["usd_per_million_output_tokens"]
    line = next(line for line in again["lines"] if line["item"] == "accelerators")
    assert line["capex_usd"] == pytest.approx(40000 * result["devices"]["h100"])


@pytest.mark.parametrize(
    ("economics", "path"),
    [
        ({"facility_cost_usd_per_w": -1}, "economics.facility_cost_usd_per_w"),
        ({"accelerator_price_usd": {"h100-sxm": -5}}, "economics.accelerator_price_usd.h100-sxm"),
        ({"device_life_years": 0}, "economics.device_life_years"),
        ({"facility_life_years": 0}, "economics.facility_life_years"),
        ({"discount_rate_frac": -0.02}, "economics.discount_rate_frac"),
        ({"facility_tier": "tier_v"}, "economics.facility_tier"),
        ({"staf_fte_per_mw": 1}, "economics.staf_fte_per_mw"),
    ],
)
def test_it_names_the_economics_field_of_a_bad_input(example_inputs, economics, path):
    document = copy.deepcopy(example_inputs)
    document["economics"] = economics
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(document)
    assert path in caught.value.errors, caught.value.errors


def test_a_price_for_a_device_no_pool_uses_is_refused(example_inputs):
    from planner.engine.tco_stage import tco_stage

    document = copy.deepcopy(example_inputs)
    document["economics"] = {"accelerator_price_usd": {"b200": 30000}}
    with pytest.raises(TcoStageError) as caught:
        tco_stage(parse_scenario(document), {})
    assert caught.value.field == "economics.accelerator_price_usd.b200"


def test_a_scenario_without_economics_stays_valid(example_inputs):
    assert "economics" not in example_inputs
    assert parse_scenario(example_inputs).economics.facility_tier == "tier_iii"
