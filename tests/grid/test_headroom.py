"""Flexibility headroom (Norris et al. 2025, Duke Nicholas Institute, 'Rethinking Load Growth')."""

import numpy as np
import pytest
from scipy.optimize import brentq

from grid.constants import HOURS_PER_YEAR
from grid.cost import month_of_hour
from grid.headroom import (
    HeadroomError,
    curtailment_rate,
    headroom_by_year,
    headroom_year,
    seasonal_threshold_mw,
    solve_headroom_mw,
)
from grid.load_series import read_load_csv_file


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
    series = read_load_csv_file(reference_dir / "hourly" / "load" / "DOM_hourly.csv")
    report = series.report
    assert report.unsorted_rows > 0 and report.duplicate_timestamps >= 4 and report.gap_hours_filled > 0
    result = headroom_by_year(time=series.time, load_mw=series.load_mw, observed=series.observed)
    year = result["years"]["2017"]
    assert year["peak_load_mw"] == pytest.approx(19_661, abs=0.5)
    assert year["mean_load_mw"] == pytest.approx(11_058, abs=1)
    assert set(result["skipped_years"]) == {"2005", "2018"}  # partial years, listed with the reason
    # Thresholds: the 2006–2017 summer max (2012) and winter max (Jan 2015 cold snap).
    assert result["threshold_mw"] == {"summer_mw": 20_588.0, "winter_mw": 21_651.0}
    headroom = {row["rate_pct"]: row for row in result["headroom"]}
    # The figures grid/data/regions.yaml ships for the Dominion zone (source dom-derived).
    assert headroom[0.25]["headroom_mw"] == pytest.approx(3354.2, abs=0.1)
    assert headroom[0.5]["headroom_mw"] == pytest.approx(4091.2, abs=0.1)
    assert headroom[1.0]["headroom_mw"] == pytest.approx(5020.4, abs=0.1)
    assert headroom[5.0]["headroom_mw"] == pytest.approx(8312.8, abs=0.1)
    # The study's rate is the mean of the yearly rates at the one L.
    for row in result["headroom"]:
        realised = [
            r["realised_rate_pct"]
            for y in result["years"].values()
            for r in y["rates"]
            if r["rate_pct"] == row["rate_pct"]
        ]
        assert np.mean(realised) == pytest.approx(row["rate_pct"], rel=1e-3)


def _two_years(m: int, peak_a: float, peak_b: float, base: float) -> tuple[np.ndarray, np.ndarray]:
    """2017 (hot: m July hours and m January hours at peak_a) and 2018 (mild: same hours at peak_b)."""
    time = np.arange(np.datetime64("2017-01-01T00", "h"), np.datetime64("2019-01-01T00", "h"))
    month = time.astype("datetime64[M]").astype(int) % 12 + 1
    year = time.astype("datetime64[Y]").astype(int) + 1970
    load = np.full(time.size, base)
    for y, peak in ((2017, peak_a), (2018, peak_b)):
        for mo in (7, 1):
            load[np.flatnonzero((year == y) & (month == mo))[:m]] = peak
    return time, load


def test_it_sets_thresholds_over_all_years_by_hand():
    # m = 20 peak hours per season and year; base 100 MW; hot year peaks 400 MW, mild year 350 MW.
    # H = 8,760 (two non-leap years), rate r = 1 %.
    # Study (all-period thresholds θ = 400 MW in both years): slack D = 300 MW in the base hours of
    # both years, 0 in the hot year's 2m peak hours, d = 50 MW in the mild year's. Below L = D the
    # mean rate is at most m(2D − d)/(H·D) = 0.42 % < r, so L > D and every hour is curtailed:
    #   [2mL + (H − 2m)(L − D)] + [2m(L − d) + (H − 2m)(L − D)] = 2·r·H·L
    #   → L = (m·d + (H − 2m)·D) / (H (1 − r)) = (1,000 + 8,720 × 300) / 8,672.4 = 301.76 MW.
    # Variant (per-year thresholds 400 and 350 MW): each year alone has 2m hours at slack 0 and the
    # rest at D_y (300, 250 MW); r_y = 2m/H = 0.46 % < r below D_y, so L_y = (H − 2m)·D_y / (H (1 − r)):
    #   301.65 and 251.38 MW, mean 276.51 MW.
    m, hours, rate = 20, 8760, 0.01
    time, load = _two_years(m, 400.0, 350.0, 100.0)
    study = headroom_by_year(time=time, load_mw=load, rates_frac=[rate])
    variant = headroom_by_year(time=time, load_mw=load, rates_frac=[rate], thresholds="per_year")
    expected_study = (m * 50 + (hours - 2 * m) * 300) / (hours * (1 - rate))
    expected_variant = (hours - 2 * m) * (300 + 250) / 2 / (hours * (1 - rate))
    assert study["headroom"][0]["headroom_mw"] == pytest.approx(expected_study, abs=0.05)
    assert variant["headroom"][0]["headroom_mw"] == pytest.approx(expected_variant, abs=0.05)
    assert study["threshold_mw"] == {"summer_mw": 400.0, "winter_mw": 400.0}
    assert study["headroom"][0]["headroom_pct_of_peak"] == pytest.approx(100 * expected_study / 400, abs=0.01)


def test_it_solves_inside_a_segment_by_hand_where_the_variant_has_no_answer():
    # Same two years, r = 0.3 %: with θ = 400 MW, for d ≤ L ≤ D the mean rate is m(2L − d)/(H·L), so
    # L = m·d / (2m − r·H) = 20 × 50 / (40 − 26.28) = 72.89 MW (within [50, 300]). With per-year
    # thresholds each year (its own 2m peak hours at slack 0) never drops below 2m/H = 0.457 % > r.
    time, load = _two_years(20, 400.0, 350.0, 100.0)
    study = headroom_by_year(time=time, load_mw=load, rates_frac=[0.003])
    assert study["headroom"][0]["headroom_mw"] == pytest.approx(20 * 50 / (40 - 0.003 * 8760), abs=0.05)
    assert study["headroom"][0]["curtailed_hours_per_year"] == 40  # hot year 40 h, mild year 40 h
    variant = headroom_by_year(time=time, load_mw=load, rates_frac=[0.003], thresholds="per_year")
    assert variant["headroom"][0]["headroom_mw"] is None and "2 of 2 years" in variant["headroom"][0]["note"]


def test_it_refuses_an_unknown_threshold_definition():
    time, load = _two_years(20, 400.0, 350.0, 100.0)
    with pytest.raises(HeadroomError, match="thresholds: 'calendar' is not one of all_years, per_year"):
        headroom_by_year(time=time, load_mw=load, thresholds="calendar")


# Norris et al. 2025, Duke Nicholas Institute, "Rethinking Load Growth": US aggregate over 22 balancing
# authorities (EIA-930 2016–2024) 76 / 98 / 126 / 215 GW at 0.25 / 0.5 / 1 / 5 % (76 GW ≈ 10 % of peak),
# 85 / 177 / 366 / 1,848 curtailed hours per year.
STUDY_PCT_OF_PEAK = {0.25: 10.0, 0.5: 12.9, 1.0: 16.6, 5.0: 28.3}
STUDY_HOURS = {0.25: 85, 0.5: 177, 1.0: 366, 5.0: 1848}


@pytest.mark.parametrize("zone", ["DOM", "PJME"])
def test_it_lands_near_the_studys_published_aggregate_shape(reference_dir, zone):
    # Tolerance: curtailed hours within ±25 % and share of peak within 0.8–1.6× of the study's US
    # aggregate. Why this wide: the study aggregates 22 balancing authorities over 2016–2024; these
    # files are single PJM zones over 2002/2006–2017 (a zone is peakier than a sum of BAs, and DOM has a
    # record winter peak in 2015), and the hours depend on the shape of each zone's load-duration
    # curve. The per-year variant falls outside (≈59–62 h and 5.6–6.7 % of peak at 0.25 %).
    series = read_load_csv_file(reference_dir / "hourly" / "load" / f"{zone}_hourly.csv")
    result = headroom_by_year(time=series.time, load_mw=series.load_mw, observed=series.observed)
    for row in result["headroom"]:
        rate = row["rate_pct"]
        assert row["curtailed_hours_per_year"] == pytest.approx(STUDY_HOURS[rate], rel=0.25), rate
        assert 0.8 <= row["headroom_pct_of_peak"] / STUDY_PCT_OF_PEAK[rate] <= 1.6, rate
    variant = headroom_by_year(
        time=series.time, load_mw=series.load_mw, observed=series.observed, thresholds="per_year"
    )
    low = variant["headroom"][0]
    assert low["curtailed_hours_per_year"] < 0.75 * STUDY_HOURS[0.25]
    assert low["headroom_pct_of_peak"] < 0.8 * STUDY_PCT_OF_PEAK[0.25]
