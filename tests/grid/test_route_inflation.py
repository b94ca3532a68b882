"""Route inflation fitted to 127 measured data-center round trips (IBM Cloud 2024, Azure 2023)."""

import numpy as np
import pytest

from grid.siting import network_figures, round_trip_ms
from grid.tools.fit_route_inflation import fit, read_pairs


@pytest.fixture(scope="module")
def pairs(reference_dir):
    return read_pairs(reference_dir / "rtt_measured.csv")


def test_the_shipped_factor_and_its_errors_are_the_fit_of_the_measured_table(pairs):
    shipped = network_figures()["route_inflation"]
    result = fit(*pairs, fibre_delay_us_per_km=network_figures()["fibre_delay_us_per_km"]["value"])
    assert result.pairs == shipped["fit"]["pairs"] == 127
    assert result.route_inflation == pytest.approx(shipped["value"], abs=5e-4)
    assert result.rms_ms == pytest.approx(shipped["fit"]["rms_ms"], abs=0.05)
    assert 100 * result.mean_abs_rel == pytest.approx(shipped["fit"]["mean_abs_error_pct"], abs=0.05)
    assert result.loo_rms_ms == pytest.approx(shipped["fit"]["loo_rms_ms"], abs=0.05)
    assert 100 * result.loo_max_abs_rel == pytest.approx(shipped["fit"]["loo_max_abs_error_pct"], abs=0.05)
    assert not shipped["assumption"]  # calibrated, no longer a judgement between 1.0 and 2.1


def test_the_planner_reproduces_the_measured_round_trips_within_the_stated_error(pairs):
    km, measured = pairs
    network = network_figures()
    predicted = round_trip_ms(
        distance_km=km,
        fibre_delay_us_per_km=network["fibre_delay_us_per_km"]["value"],
        route_inflation=network["route_inflation"]["value"],
    )
    error = predicted - measured
    assert np.sqrt(np.mean(error**2)) <= network["route_inflation"]["fit"]["rms_ms"] + 0.05
    assert 100 * np.mean(np.abs(error) / measured) <= network["route_inflation"]["fit"]["mean_abs_error_pct"] + 0.05
    assert abs(np.mean(error / measured)) < 0.1  # no large bias either way
    # the old judgement (1.5) was short of the measurements on average: ≈20 % on routes under 3,000 km
    old = predicted * 1.5 / network["route_inflation"]["value"]
    short = km < 3000
    assert np.mean((old[short] - measured[short]) / measured[short]) < -0.15


def test_leave_one_out_error_is_close_to_the_fit_error_so_the_factor_is_not_overfitted(pairs):
    result = fit(*pairs, fibre_delay_us_per_km=4.9)
    assert result.loo_rms_ms < 1.05 * result.rms_ms


def test_the_measured_factor_moves_dallas_out_of_the_examples_40_ms_autocomplete_budget():
    """examples/site-comparisons/ashburn-dallas-lulea-singapore.json: autocomplete users in New York,
    Boston and Washington within 40 ms. At the old judgement 1.5 Dallas reached them (worst 37 ms, to
    Boston); at the fitted 1.718 it does not (42 ms), so Dallas is no longer ranked."""
    import json
    from pathlib import Path

    from grid.climate import get_climate
    from grid.siting import workload_reach

    example = (
        Path(__file__).resolve().parents[2] / "examples" / "site-comparisons" / "ashburn-dallas-lulea-singapore.json"
    )
    document = json.loads(example.read_text())
    users = {u["workload"]: u for u in document["users"] if u.get("interactive")}
    fitted = network_figures()["route_inflation"]["value"]
    changed = []
    for site in document["sites"]:
        climate = get_climate(site["climate"])
        for workload, u in users.items():
            feasible = [
                workload_reach(
                    site_lat_deg=climate.latitude,
                    site_lon_deg=climate.longitude,
                    users=u["metros"],
                    rtt_budget_ms=u["rtt_budget_ms"],
                    interactive=True,
                    fibre_delay_us_per_km=4.9,
                    route_inflation=factor,
                ).feasible
                for factor in (1.5, fitted)
            ]
            if feasible[0] != feasible[1]:
                changed.append((site["name"], workload, u["rtt_budget_ms"]))
    assert changed == [("Dallas", "autocomplete", 40)]
