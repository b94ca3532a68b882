"""Siting core: great-circle distance, fibre round trip, reach of a workload's users, weighted ranking."""

import math

import pytest

from grid.siting import EARTH_RADIUS_KM, SitingError, get_metro, great_circle_km, rank, round_trip_ms, workload_reach


def test_it_measures_great_circles():
    # A quarter of the equator is π/2 × R.
    assert great_circle_km(lat1_deg=0, lon1_deg=0, lat2_deg=0, lon2_deg=90) == pytest.approx(
        math.pi / 2 * EARTH_RADIUS_KM
    )
    # London–New York ≈ 5,570 km great circle (the figure quoted in latency primers, e.g. pingdo.net).
    london, new_york = get_metro("london"), get_metro("new-york")
    d = great_circle_km(
        lat1_deg=london.latitude, lon1_deg=london.longitude, lat2_deg=new_york.latitude, lon2_deg=new_york.longitude
    )
    assert d == pytest.approx(5570, rel=0.01)


def test_it_turns_distance_into_a_fibre_round_trip():
    # 1,000 km × 1.5 route inflation × 4.9 µs/km, there and back: 2 × 7.35 ms = 14.7 ms
    assert round_trip_ms(distance_km=1000, fibre_delay_us_per_km=4.9, route_inflation=1.5) == pytest.approx(14.7)
    with pytest.raises(SitingError):
        round_trip_ms(distance_km=1000, fibre_delay_us_per_km=4.9, route_inflation=0.5)


def _reach(site, budget, interactive=True):
    metro = get_metro(site)
    return workload_reach(
        site_lat_deg=metro.latitude,
        site_lon_deg=metro.longitude,
        users={"new-york": 0.6, "london": 0.4},
        rtt_budget_ms=budget,
        interactive=interactive,
        fibre_delay_us_per_km=4.9,
        route_inflation=1.5,
    )


def test_a_site_beyond_the_budget_is_infeasible_for_interactive_work_with_the_reason():
    reach = _reach("singapore", 100)
    assert not reach.feasible
    assert "exceeds the budget of 100 ms" in reach.reason and "New York" in reach.reason
    # Boston–London ~5,260 km → 77 ms; Boston–New York ~300 km → 4 ms: within 100 ms.
    assert _reach("boston", 100).feasible
    assert _reach("singapore", 100, interactive=False).feasible  # deferrable work goes anywhere
    near = _reach("new-york", 100)
    assert near.rtt_ms_by_metro["new-york"] == pytest.approx(0.0, abs=1e-9)
    assert near.mean_rtt_ms == pytest.approx(0.4 * near.rtt_ms_by_metro["london"])


def test_it_names_an_unknown_metro():
    with pytest.raises(SitingError, match="did you mean"):
        get_metro("new-yrok")


# Hand-built three sites: cost and carbon trade off.
SITES = [
    {"usd_per_mtok": 1.0, "tco2e_market": 100.0},  # A: cheap, dirty
    {"usd_per_mtok": 2.0, "tco2e_market": 20.0},  # B: middle
    {"usd_per_mtok": 3.0, "tco2e_market": 0.0},  # C: dear, clean
]


def test_the_ranking_follows_the_weights():
    _, ranks = rank(metrics=SITES, weights={"usd_per_mtok": 1}, eligible=[True] * 3)
    assert ranks == [1, 2, 3]
    _, ranks = rank(metrics=SITES, weights={"tco2e_market": 1}, eligible=[True] * 3)
    assert ranks == [3, 2, 1]
    # Equal weights: A (0 + 1)/2 = 0.5, B (0.5 + 0.2)/2 = 0.35, C (1 + 0)/2 = 0.5 → B first, A before C (tie, order)
    scores, ranks = rank(metrics=SITES, weights={"usd_per_mtok": 1, "tco2e_market": 1}, eligible=[True] * 3)
    assert scores == pytest.approx([0.5, 0.35, 0.5])
    assert ranks[1] == 1
    # Carbon weighted 3×: A (0 + 3)/4 = 0.75, B (0.5 + 0.6)/4 = 0.275, C (1 + 0)/4 = 0.25 → C first
    scores, ranks = rank(metrics=SITES, weights={"usd_per_mtok": 1, "tco2e_market": 3}, eligible=[True] * 3)
    assert scores == pytest.approx([0.75, 0.275, 0.25]) and ranks == [3, 2, 1]


def test_an_ineligible_site_is_not_ranked_and_does_not_stretch_the_scale():
    scores, ranks = rank(metrics=SITES, weights={"usd_per_mtok": 1}, eligible=[True, True, False])
    assert ranks == [1, 2, None] and scores == [0.0, 1.0, None]
    with pytest.raises(SitingError, match="weight"):
        rank(metrics=SITES, weights={"usd_per_mtok": 0}, eligible=[True] * 3)
