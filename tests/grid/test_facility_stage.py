"""The facility stage end to end: scenario → fleet, hourly power, PUE and water."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from grid.weather import read_weather_file
from planner.engine.facility_stage import FacilityStageError, facility_stage
from planner.engine.schema import parse_scenario
from tests.grid.test_fleet import HandCurve

REQUIRED_SUMMARY = {
    "peak_facility_power_mw", "annual_facility_energy_mwh", "annual_it_energy_mwh", "annual_cooling_energy_mwh",
    "annual_pue", "peak_pue", "annual_water_m3", "devices", "servers", "racks",
}  # fmt: skip
REQUIRED_HOURLY = {"it_power_mw", "power_losses_mw", "cooling_power_mw", "facility_power_mw", "pue", "water_m3",
                   "dry_bulb_c", "wet_bulb_c", "demand_output_tokens_per_s"}  # fmt: skip


def _scenario(**site):
    return parse_scenario(
        {
            "name": "three by three",
            "horizon": {"start_year": 2027, "years": 3},
            "workloads": [
                {"name": "chat", "model": "meta-llama/Llama-3.1-8B-Instruct", "peak_requests_per_s": 300,
                 "daily_shape": "chat-us-east", "annual_growth_frac": 0.3},
                {"name": "office", "model": "meta-llama/Llama-3.1-8B-Instruct", "requests_per_day": 2e6,
                 "daily_shape": "office-hours"},
                {"name": "evening", "model": "meta-llama/Llama-3.1-8B-Instruct", "peak_requests_per_s": 80,
                 "daily_shape": "consumer-evening", "tpot_target_ms": 30},
            ],
            "hardware": [
                {"name": "a", "accelerator": "h100-sxm", "share_frac": 0.5},
                {"name": "b", "accelerator": "h200", "share_frac": 0.3},
                {"name": "c", "accelerator": "b200", "share_frac": 0.2},
            ],
            "site": {"climate": "us-va-ashburn", "cooling": "water_chiller_tower", **site},
        }
    )  # fmt: skip


def _hand_curves(**kwargs):
    return HandCurve(devices_per_replica=kwargs["devices"])


def test_it_runs_the_real_engine_end_to_end():
    spec = parse_scenario(
        {
            "name": "one pool",
            "workloads": [{"name": "chat", "model": "meta-llama/Llama-3.1-8B-Instruct", "peak_requests_per_s": 50}],
            "hardware": [{"name": "gpu", "accelerator": "h100-sxm", "share_frac": 1.0}],
            "site": {"climate": "se-lulea", "cooling": "evaporative"},
        }
    )
    result = facility_stage(spec)
    assert set(result.summary) >= REQUIRED_SUMMARY
    assert set(result.hourly) >= REQUIRED_HOURLY and "it_power_mw__gpu" in result.hourly
    assert all(np.shape(series) == (8760,) for series in result.hourly.values())
    assert result.summary["devices"]["gpu"] > 0 and result.summary["servers"] >= 1
    assert result.summary["unserved_output_tokens_frac"] == 0.0
    hourly = result.hourly
    assert np.allclose(
        hourly["facility_power_mw"], hourly["it_power_mw"] + hourly["power_losses_mw"] + hourly["cooling_power_mw"]
    )
    assert np.allclose(result.facility_power_w / 1e6, hourly["facility_power_mw"])
    # Breakdown adds up to the facility's annual energy.
    parts = sum(v for k, v in result.breakdown.items() if k != "unit")
    assert parts == pytest.approx(result.summary["annual_facility_energy_mwh"], rel=1e-9)
    assert 1.05 < result.summary["annual_pue"] < 1.2
    assert result.summary["weather_generated"] is True and "se-lulea" in result.summary["weather_source"]


def test_it_sizes_three_pools_for_three_workloads_and_reports_each_pool():
    result = facility_stage(_scenario(), power_curve_fn=_hand_curves)
    assert set(result.summary["devices"]) == {"a", "b", "c"}
    assert [pool["name"] for pool in result.pools] == ["a", "b", "c"]
    for pool in result.pools:
        assert pool["devices"] > 0 and pool["racks"] >= 1 and 0 < pool["mean_utilisation_frac"] < 1
    assert result.summary["year"] == 2029 and result.summary["demand_growth_factor"]["chat"] == pytest.approx(1.69)
    it_pools = sum(result.hourly[f"it_power_mw__{name}"] for name in "abc")
    assert np.allclose(it_pools, result.hourly["it_power_mw"])


def test_it_uses_uploaded_weather_and_says_so(reference_dir):
    path = reference_dir / "hourly" / "weather" / "USA_TX_Dallas-Fort.Worth.Intl.AP.722590_TMY3.epw"
    weather = read_weather_file(path)
    result = facility_stage(_scenario(), weather=weather, power_curve_fn=_hand_curves)
    assert result.summary["weather_generated"] is False and "Dallas" in result.summary["weather_source"]
    assert np.allclose(result.hourly["dry_bulb_c"], weather.dry_bulb_c)


def test_it_needs_the_uploaded_weather_passed_in():
    spec = _scenario(climate=None, weather_upload="42")
    with pytest.raises(FacilityStageError, match=r"site\.weather_upload"):
        facility_stage(spec, power_curve_fn=_hand_curves)


def test_it_finds_the_demand_a_power_cap_allows():
    free = facility_stage(_scenario(), power_curve_fn=_hand_curves)
    cap_mw = 0.5 * free.summary["peak_facility_power_mw"]
    capped = facility_stage(_scenario(power_cap_mw=cap_mw), power_curve_fn=_hand_curves)
    assert capped.summary["within_power_cap"] is False
    assert 0.3 < capped.summary["servable_demand_frac"] < 0.6
    assert any("exceeds the cap" in text for text in capped.warnings)


def test_it_names_the_pool_when_the_engine_refuses():
    def refuse(**kwargs):
        raise ValueError("model does not fit")

    with pytest.raises(FacilityStageError, match=r"hardware\[0\].*model does not fit.*workload 'chat' on pool 'a'"):
        facility_stage(_scenario(), power_curve_fn=refuse)


def test_it_keeps_django_out_of_the_core_modules():
    modules = ["grid.weather", "grid.climate", "grid.demand", "grid.fleet", "grid.power_chain", "grid.cooling",
               "grid.facility", "planner.engine.facility_stage"]  # fmt: skip
    code = f"import sys; [__import__(m) for m in {modules!r}]; print('django' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_pool_energy_multiplier_raises_accelerator_energy_by_that_factor(example_inputs):
    """hardware[i].energy_multiplier (the engine's p10/p90 band, sampled by uncertainty studies):
    the fleet is sized on throughput, so devices stay the same and accelerator energy scales exactly."""
    import copy

    base = facility_stage(parse_scenario(example_inputs))
    inputs = copy.deepcopy(example_inputs)
    for pool in inputs["hardware"]:
        pool["energy_multiplier"] = 1.25
    high = facility_stage(parse_scenario(inputs))
    assert high.summary["devices"] == base.summary["devices"]

    def accelerator_mwh(result):
        return sum(v for k, v in result.breakdown.items() if k.startswith("accelerator_"))

    assert accelerator_mwh(high) / accelerator_mwh(base) == pytest.approx(1.25, rel=1e-9)
    assert high.breakdown["host"] == pytest.approx(base.breakdown["host"], rel=1e-12)
    assert high.summary["peak_facility_power_mw"] > base.summary["peak_facility_power_mw"]
