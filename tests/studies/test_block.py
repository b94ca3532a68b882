"""A block of points gives exactly the outcomes of the one-at-a-time path (issue 19: to 1e-9):
KPIs, daily series, devices, violations and refusals."""

import math

from planner.engine.studies.block import evaluate_block, validation_key
from planner.engine.studies.definition import parse_study
from planner.engine.studies.points import evaluate_point, relative_names, study_plan


def _assert_same(block, one_by_one):
    assert len(block) == len(one_by_one)
    for got, want in zip(block, one_by_one, strict=True):
        assert got.error == want.error
        assert got.violations == want.violations
        assert got.devices_by_accelerator == want.devices_by_accelerator
        assert got.kpis.keys() == want.kpis.keys()
        for name, value in want.kpis.items():
            if value is None:
                assert got.kpis[name] is None, name
            else:
                assert math.isclose(got.kpis[name], value, rel_tol=1e-9, abs_tol=1e-12), name
        assert got.series == want.series


def test_a_monte_carlo_block_matches_the_one_at_a_time_path(example_inputs):
    # The default uncertain inputs: demand growth (changes the fleet), carbon, price, capacity
    # slope, UPS efficiency; 16 Sobol samples, daily series included.
    study = parse_study({"kind": "uncertainty", "samples": 16})
    plan = study_plan(study, example_inputs)
    relative = relative_names(study, example_inputs)
    samples = [plan[i] for i in sorted(plan)]
    block = evaluate_block(example_inputs, samples, relative=relative, with_series=True)
    one_by_one = [evaluate_point(example_inputs, s, relative=relative, with_series=True) for s in samples]
    _assert_same(block.outcomes, one_by_one)
    assert block.fleets == 1, "every sample shares the validation of one fleet structure"
    peaks = [o.kpis["peak_facility_power_mw"] for o in block.outcomes]
    assert len(set(peaks)) == len(peaks), "each sample's growth gives its own fleet"


def test_samples_that_share_a_fleet_share_its_facility_stage_and_match_one_at_a_time(example_inputs):
    # Carbon intensity, energy price and capacity slope never change the fleet (issue 19).
    inputs = [
        {"parameter": name, "mode": "relative", "distribution": {"kind": "uniform", "low": 0.5, "high": 1.5}}
        for name in ("carbon_intensity", "energy_price", "capacity_price_slope")
    ]
    study = parse_study({"kind": "uncertainty", "samples": 16, "inputs": inputs})
    plan = study_plan(study, example_inputs)
    relative = relative_names(study, example_inputs)
    samples = [plan[i] for i in sorted(plan)]
    block = evaluate_block(example_inputs, samples, relative=relative, with_series=True)
    _assert_same(
        block.outcomes, [evaluate_point(example_inputs, s, relative=relative, with_series=True) for s in samples]
    )
    assert block.facility_runs == 1 and block.fleets == 1
    peaks = {o.kpis["peak_facility_power_mw"] for o in block.outcomes}
    carbon = [o.kpis["location_based_tco2e"] for o in block.outcomes]
    assert len(peaks) == 1 and len(set(carbon)) == len(carbon), "one facility, a carbon figure per sample"


def test_a_sweep_block_with_refusals_matches_the_one_at_a_time_path(example_inputs):
    samples = [
        {"hardware[0].tensor_parallel": 4, "grid.overrides.energy_price_usd_per_mwh": 40.0},
        {"hardware[0].tensor_parallel": 16, "grid.overrides.energy_price_usd_per_mwh": 40.0},  # wider than a server
        {"hardware[0].tensor_parallel": 4, "grid.overrides.energy_price_usd_per_mwh": 1e6},  # above its bound
        {"hardware[0].tensor_parallel": 4, "grid.overrides.energy_price_usd_per_mwh": 80.0},
        {"hardware[0].tensor_parallel": 8, "site.power_cap_mw": 1.0},  # computed, misses its cap
    ]
    block = evaluate_block(example_inputs, samples)
    _assert_same(block.outcomes, [evaluate_point(example_inputs, s) for s in samples])
    cheap, wide, negative, dear, capped = block.outcomes
    assert "do not fit one server" in wide.error and "energy_price_usd_per_mwh" in negative.error
    assert dear.kpis["operator_cost_usd"] > cheap.kpis["operator_cost_usd"]
    assert capped.violations and capped.kpis["peak_facility_power_mw"] > 1.0


def test_only_values_the_full_validation_reads_make_a_new_validation_key(example_inputs):
    carbon = {"grid.overrides.carbon_intensity_g_per_kwh": 300.0, "demand_growth": 0.3, "ups_efficiency": 0.95}
    other = {"grid.overrides.carbon_intensity_g_per_kwh": 400.0, "demand_growth": 0.1, "ups_efficiency": 0.97}
    assert validation_key(example_inputs, carbon) == validation_key(example_inputs, other)
    assert validation_key(example_inputs, {"hardware[0].tensor_parallel": 4}) != validation_key(
        example_inputs, {"hardware[0].tensor_parallel": 8}
    )


def test_a_64_sample_block_matches_one_at_a_time_and_a_second_block_gives_the_same(example_inputs):
    # Issue 19's exactness on a block of the size a chunk computes; the second block reuses every
    # process cache (engine curves, weather, hourly shapes, the region's grown system hours) and
    # must give the same outcomes, so nothing a point computes leaks into the next.
    study = parse_study({"kind": "uncertainty", "samples": 64})
    plan = study_plan(study, example_inputs)
    relative = relative_names(study, example_inputs)
    samples = [plan[i] for i in sorted(plan)]
    first = evaluate_block(example_inputs, samples, relative=relative, with_series=True)
    _assert_same(
        first.outcomes, [evaluate_point(example_inputs, s, relative=relative, with_series=True) for s in samples]
    )
    again = evaluate_block(example_inputs, list(reversed(samples)), relative=relative, with_series=True)
    _assert_same(list(reversed(again.outcomes)), first.outcomes)
    assert all(not o.error for o in first.outcomes)


def test_arrays_shared_between_points_are_read_only(example_inputs):
    # The hourly shapes every point reads are computed once per process; an in-place change by
    # any caller raises instead of silently changing the next point's figures.
    import numpy as np
    import pytest

    from grid import clean_supply, cost
    from grid.regions import get_region, hourly_series, month_hour_index
    from planner.engine.checks import checked_scenario
    from planner.engine.facility_stage import facility_stage

    shared = [
        clean_supply.solar_shape(latitude_deg=39.0),
        clean_supply.wind_shape(region_slug="pjm-dominion")[0],
        cost.on_peak_mask(year=2029),
        *month_hour_index(),
    ]
    assert clean_supply.solar_shape(latitude_deg=39.0) is shared[0]
    for array in shared:
        with pytest.raises(ValueError, match="read-only"):
            array[0] = array[1]
    region = get_region("pjm-dominion")
    low, _ = hourly_series(region, kind="carbon", level=100.0)
    high, _ = hourly_series(region, kind="carbon", level=200.0)
    assert np.allclose(high, 2 * low) and low.flags.writeable, "each call scales its own copy"

    facility = facility_stage(checked_scenario(example_inputs))
    # hourly sums of a result are computed once, read-only: facility = IT + losses + cooling
    assert not facility.facility_power_w.flags.writeable
    hourly = facility.hourly
    assert np.allclose(
        hourly["facility_power_mw"], hourly["it_power_mw"] + hourly["power_losses_mw"] + hourly["cooling_power_mw"]
    )
