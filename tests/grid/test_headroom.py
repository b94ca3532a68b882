"""Flexibility headroom (Norris et al. 2025, Duke Nicholas Institute, 'Rethinking Load Growth')."""

import numpy as np
import pytest
from scipy.optimize import brentq

from grid.constants import HOURS_PER_YEAR
from grid.cost import month_of_hour
from grid.headroom import (
    curtailment_rate,
    headroom_by_year,
    headroom_year,
    seasonal_threshold_mw,
    solve_headroom_mw,
)
from grid.load_series import read_load_csv


def test_it_solves_a_hand_case_exactly():
    # m peak hours sit at the threshold (slack 0), the other n − m hours have slack a. For L > a:
    # C(L) = m·L + (n − m)(L − a) = r·n·L  →  L = (n − m)·a / (n − r·n).
    n, m, a, rate = HOURS_PER_YEAR, 10, 1000.0, 0.01
    load = np.full(n, 5000.0)
    load[:m] = 6000.0
    threshold = np.full(n, 6000.0)
    expected = (n - m) * a / (n - rate * n)
    assert solve_headroom_mw(load_mw=load, threshold_mw=threshold, rate_frac=rate) == pytest.approx(expected, rel=1e-12)
    assert curtailment_rate(load_mw=load, threshold_mw=threshold, added_load_mw=expected) == pytest.approx(rate)


def test_it_agrees_with_an_independent_root_finder():
    rng = np.random.default_rng(7)
    month = month_of_hour()
    hours = np.arange(HOURS_PER_YEAR)
    # Peaks in summer and winter, troughs in spring and autumn (no shoulder month above its season's peak).
    load = 10_000 + 3_000 * np.sin(2 * np.pi * hours / 24) + 2_000 * np.cos(4 * np.pi * hours / 8760)
    load = load + rng.normal(0, 300, hours.size)
    threshold = seasonal_threshold_mw(load_mw=load, month=month)
    for rate in (0.0025, 0.005, 0.01, 0.05):
        exact = solve_headroom_mw(load_mw=load, threshold_mw=threshold, rate_frac=rate)
        lower = max(0.0, -float(np.min(threshold - load))) + 1e-6
        root = brentq(
            lambda x, r=rate: curtailment_rate(load_mw=load, threshold_mw=threshold, added_load_mw=x) - r,
            lower,
            1e6,
            xtol=1e-9,
        )
        assert exact == pytest.approx(root, rel=1e-7)


def test_it_grows_headroom_with_the_curtailment_rate():
    month = month_of_hour()
    hours = np.arange(HOURS_PER_YEAR)
    load = 8000 + 2000 * np.sin(2 * np.pi * hours / 24) + 1500 * np.cos(4 * np.pi * hours / 8760)
    load = load + np.random.default_rng(3).normal(0, 200, hours.size)
    results = headroom_year(load_mw=load, month=month)
    values = [r.headroom_mw for r in results]
    assert values == sorted(values)
    for r in results:
        assert r.curtailed_mwh == pytest.approx(r.rate_frac * r.headroom_mw * HOURS_PER_YEAR, rel=1e-9)
        assert r.mean_event_hours == pytest.approx(r.curtailed_hours / r.events)


def test_it_uses_the_summer_peak_april_to_october_and_the_winter_peak_otherwise():
    month = month_of_hour()
    load = np.full(HOURS_PER_YEAR, 100.0)
    load[month == 7] = 300.0  # summer peak from July
    load[month == 1] = 200.0  # winter peak from January
    load[month == 4] = 250.0  # April does not set a peak
    threshold = seasonal_threshold_mw(load_mw=load, month=month)
    assert set(threshold[np.isin(month, [4, 5, 6, 7, 8, 9, 10])]) == {300.0}
    assert set(threshold[np.isin(month, [11, 12, 1, 2, 3])]) == {200.0}


def test_it_reports_rates_with_no_solution_instead_of_failing():
    # A shoulder month above the season's peak keeps curtailment high even for a tiny load.
    month = month_of_hour()
    load = np.full(HOURS_PER_YEAR, 100.0)
    load[np.flatnonzero(month == 7)[:24]] = 150.0  # summer peak
    load[np.flatnonzero(month == 1)[:24]] = 150.0  # winter peak
    load[np.flatnonzero(month == 10)[:10]] = 500.0  # October above the summer peak
    # Below L = 50 MW the rate is (58 L + 3,500) / (8,760 L) ≥ 0.66%: 0.25% has no solution, 5% has.
    results = headroom_year(load_mw=load, month=month, rates_frac=(0.0025, 0.05))
    assert results[0].headroom_mw is None and "shoulder month" in results[0].note
    assert results[1].headroom_mw is not None


def test_it_computes_dominion_headroom_from_the_messy_real_file(reference_dir):
    # Checks from shared/reference/README.md: DOM 2017 max 19,661 MW, mean 11,058 MW.
    series = read_load_csv(reference_dir / "hourly" / "load" / "DOM_hourly.csv")
    report = series.report
    assert report.unsorted_rows > 0 and report.duplicate_timestamps >= 4 and report.gap_hours_filled > 0
    result = headroom_by_year(time=series.time, load_mw=series.load_mw, observed=series.observed)
    year = result["years"]["2017"]
    assert year["peak_load_mw"] == pytest.approx(19_661, abs=0.5)
    assert year["mean_load_mw"] == pytest.approx(11_058, abs=1)
    assert set(result["skipped_years"]) == {"2005", "2018"}  # partial years, listed with the reason
    average = {row["rate_pct"]: row for row in result["average_over_years"]}
    # Reported figure (2006–2017 mean); PJM-wide the paper finds 13.3/17.8/23.6 GW at 0.25/0.5/1%, the
    # Dominion zone is ≈1/8 of PJM's peak, so ≈1.5–3 GW is the expected order.
    assert average[0.25]["headroom_mw"] == pytest.approx(1455.9, abs=0.1)
    assert average[0.5]["headroom_mw"] == pytest.approx(2097.3, abs=0.1)
    assert average[1.0]["headroom_mw"] == pytest.approx(2856.2, abs=0.1)
    assert average[5.0]["headroom_mw"] == pytest.approx(5397.6, abs=0.1)
    assert 1.5 < average[0.5]["mean_event_hours"] < 6  # paper: mean events 1.7–4.5 h at low rates


def test_it_pools_years_between_the_yearly_answers():
    # Two synthetic non-leap years with different peaks: one L for both years together (the
    # report's Appendix C reading) must lie between each year's own L, since the pooled rate is
    # the mean of the two increasing yearly rates; identical years give the yearly L itself.
    rng = np.random.default_rng(11)
    hours = np.arange(HOURS_PER_YEAR)
    base = 10_000 + 3_000 * np.sin(2 * np.pi * hours / 24) + 2_000 * np.cos(4 * np.pi * hours / 8760)
    year_a = base + rng.normal(0, 300, HOURS_PER_YEAR)
    year_b = 1.1 * base + rng.normal(0, 600, HOURS_PER_YEAR)
    time = np.arange(np.datetime64("2017-01-01T00", "h"), np.datetime64("2019-01-01T00", "h"))
    result = headroom_by_year(time=time, load_mw=np.concatenate([year_a, year_b]), rates_frac=[0.005, 0.01])
    for i, pooled in enumerate(result["pooled_over_years"]):
        yearly = [year["rates"][i]["headroom_mw"] for year in result["years"].values()]
        assert min(yearly) - 0.1 <= pooled["headroom_mw"] <= max(yearly) + 0.1
    same = headroom_by_year(time=time, load_mw=np.concatenate([year_a, year_a]), rates_frac=[0.01])
    assert same["pooled_over_years"][0]["headroom_mw"] == pytest.approx(
        same["average_over_years"][0]["headroom_mw"], abs=0.1
    )
