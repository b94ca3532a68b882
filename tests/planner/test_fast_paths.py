"""The shortcuts that make a study point cheap give what the direct computation gives.

Each test builds the quantity both ways (the shortcut the engine uses, and the plain formula it
replaced) on data where the shortcut could go wrong: curtailment on the few hours whose slack is
below the facility's peak, monthly peaks by contiguous months, the daily series by reduceat, the
finiteness check in two reductions, and the hourly series computed when first read.
"""

import numpy as np
import pytest

from grid.bounds import finite_non_negative
from grid.cost import month_of_hour, monthly_peaks
from planner.engine.grid_stage import SystemHours, _curtailment
from planner.engine.lazy_series import LazySeries


def _brute_curtailment(load, threshold, power):
    # The formula over every (history year, hour): cut = clip(load + facility − threshold, 0, facility).
    cut = np.clip(load + power[None, :] - threshold, 0.0, power[None, :])
    return cut.sum(axis=1).mean(), (cut > 0).sum(axis=1).mean(), cut.max()


@pytest.mark.parametrize("facility_mw", [0.0, 1.0, 250.0, 3000.0, 1e6])
def test_curtailment_on_the_hours_below_the_peak_equals_every_hour(facility_mw):
    # Six history years of a 20 GW system whose seasonal threshold leaves a few hundred MW of slack
    # in its highest hours: a small facility is cut in a handful of hours, a huge one in all.
    rng = np.random.default_rng(11)
    load = 20_000 + 3_000 * rng.random((6, 8760))
    threshold = np.full((6, 8760), 22_800.0)
    power = facility_mw * (0.6 + 0.4 * rng.random(8760))
    system = SystemHours(load_mw=load, method="test", real_hours=True, peak_mw=23_000.0, threshold_mw=threshold)
    fast = _curtailment(system, load, threshold, power)
    brute = _brute_curtailment(load, threshold, power)
    assert fast[0] == pytest.approx(brute[0], rel=1e-12, abs=1e-9)
    assert fast[1] == brute[1]  # hours: a count, exactly
    assert fast[2] == brute[2]  # the largest cut: the same arithmetic on the same hour


def test_monthly_peaks_by_contiguous_months_equal_the_unordered_reduction():
    # The 365-day calendar's months are contiguous: reduceat over them gives the same maxima as
    # the general (month-by-month, unordered) reduction, which any other month array still takes.
    values = np.random.default_rng(2).normal(50.0, 20.0, 8760)
    reference = np.zeros(12)
    np.maximum.at(reference, month_of_hour() - 1, values)
    np.testing.assert_array_equal(monthly_peaks(values, month_of_hour()), reference)
    shuffled = np.random.default_rng(3).permutation(month_of_hour())
    expected = np.zeros(12)
    np.maximum.at(expected, shuffled - 1, values)
    np.testing.assert_array_equal(monthly_peaks(values, shuffled), expected)


@pytest.mark.parametrize(
    "values,ok",
    [
        (np.array([0.0, 1.0, 2.0]), True),
        (np.array([0.0, -1e-300]), False),
        (np.array([1.0, np.nan]), False),
        (np.array([np.nan, 1.0]), False),
        (np.array([1.0, np.inf]), False),
        (np.array([-np.inf, 1.0]), False),
        (np.zeros(0), True),
    ],
)
def test_finiteness_check_in_two_reductions(values, ok):
    assert finite_non_negative(values) is ok
    assert ok == bool(values.size == 0 or (np.all(np.isfinite(values)) and np.all(values >= 0)))


def test_lazy_series_computes_each_series_once_on_first_read():
    calls = []

    def compute():
        calls.append(1)
        return np.arange(3.0)

    series = LazySeries({"eager": np.ones(3), "lazy": compute})
    assert calls == [] and set(series) == {"eager", "lazy"} and len(series) == 2
    np.testing.assert_array_equal(series["lazy"], np.arange(3.0))
    np.testing.assert_array_equal(series["lazy"], np.arange(3.0))
    assert calls == [1]
    merged = LazySeries.merged(series, {"other": np.zeros(1)})
    assert list(merged) == ["eager", "lazy", "other"]
    assert dict(merged)["lazy"] is series["lazy"]


def test_daily_series_by_reduceat_equal_the_day_by_day_reductions():
    # A study stores each point's daily peak (max) and daily emissions (sum) rounded to 4 digits.
    from types import SimpleNamespace

    from planner.engine.studies.kpis import SERIES, read_series

    rng = np.random.default_rng(5)
    hourly = {series.hourly: rng.uniform(0.0, 80.0, 8760) for series in SERIES.values()}
    stored = read_series(SimpleNamespace(hourly=hourly))
    for series in SERIES.values():
        days = hourly[series.hourly].reshape(365, 24)
        reduced = {"max": days.max(axis=1), "sum": days.sum(axis=1), "mean": days.mean(axis=1)}[series.reduce]
        np.testing.assert_allclose(stored[series.name], np.round(reduced * series.scale, 4), rtol=0, atol=1.01e-4)


def test_identity_cache_computes_once_per_object_and_key():
    # What a study keeps per weather year, engine curve or system hours: computed the first time
    # for that object (and key), returned after; another object, or a full cache, computes again.
    from grid.identity_cache import IdentityCache

    calls = []
    cache = IdentityCache(max_entries=2)
    weather, other = np.zeros(3), np.zeros(3)  # equal values, different objects

    def compute(tag):
        calls.append(tag)
        return tag

    assert cache.get(weather, lambda: compute("a"), "air") == "a"
    assert cache.get(weather, lambda: compute("b"), "air") == "a"
    assert cache.get(weather, lambda: compute("c"), "liquid") == "c"
    assert calls == ["a", "c"]
    assert cache.get(other, lambda: compute("d"), "air") == "d"  # full: emptied, then computed
    assert cache.get(weather, lambda: compute("e"), "air") == "e" and calls == ["a", "c", "d", "e"]
