"""Hourly demand from shapes, rates and growth (grid.demand)."""

import numpy as np
import pytest

from grid.demand import (
    DemandError,
    get_daily_shape,
    hourly_shape,
    list_daily_shapes,
    read_hourly_rate_csv,
    weekend_days,
    workload_demand,
)


def _demand(**overrides):
    args = {"name": "chat", "daily_shape": "chat-us-east", "input_tokens": 800, "output_tokens": 350,
            "start_year": 2027, "years": 1, "peak_requests_per_s": 100.0}  # fmt: skip
    args.update(overrides)
    return workload_demand(**args)


def test_it_ships_named_shapes_with_a_peak_of_one_and_a_source():
    names = {shape.name for shape in list_daily_shapes()}
    assert {"flat", "office-hours", "chat-us-east", "consumer-evening"} <= names
    for shape in list_daily_shapes():
        assert max(shape.weekday.max(), shape.weekend.max()) == pytest.approx(1.0)
        assert shape.source


def test_it_reaches_the_peak_rate_grown_to_the_last_year():
    demand = _demand(years=3, annual_growth_frac=0.5)
    assert demand.year == 2029
    assert demand.requests_per_s.max() == pytest.approx(100.0 * 1.5**2)
    assert demand.output_tokens_per_s.max() == pytest.approx(350 * 225.0)
    assert demand.requests_per_s.shape == (8760,)


def test_it_spreads_requests_per_day_so_the_year_adds_up():
    demand = _demand(peak_requests_per_s=None, requests_per_day=1e6, daily_shape="office-hours")
    assert demand.requests_per_s.sum() * 3600 == pytest.approx(365 * 1e6)


def test_it_uses_the_weekend_curve_on_weekends():
    # 2 January 2027 is a Saturday; 4 January 2027 a Monday.
    weekend = weekend_days(year=2027)
    assert weekend[1] and weekend[2] and not weekend[3]
    shape = get_daily_shape("office-hours")
    hourly = hourly_shape(shape=shape, year=2027)
    assert hourly[24 + 10] == pytest.approx(shape.weekend[10])
    assert hourly[3 * 24 + 10] == pytest.approx(shape.weekday[10])


def test_it_moves_deferrable_requests_within_the_day():
    plain = _demand(daily_shape="office-hours")
    shifted = _demand(daily_shape="office-hours", deferrable_frac=0.5)
    assert np.allclose(plain.requests_per_s.reshape(365, 24).sum(1), shifted.requests_per_s.reshape(365, 24).sum(1))
    assert shifted.requests_per_s.max() < plain.requests_per_s.max()


def test_it_accepts_custom_curves_and_names_a_bad_shape():
    class Shape:
        weekday = [0.5] * 23 + [1.0]
        weekend = [0.25] * 24

    demand = _demand(daily_shape=Shape())
    assert demand.requests_per_s.max() == pytest.approx(100.0)
    with pytest.raises(DemandError, match=r"workload.daily_shape: unknown daily shape 'nope'"):
        _demand(daily_shape="nope")
    with pytest.raises(DemandError, match="peak_requests_per_s: must be a positive number"):
        _demand(peak_requests_per_s=-5.0)


def test_it_reads_an_hourly_rate_file_and_names_a_negative_rate():
    rows = ["requests_per_s"] + ["12.5"] * 8760
    assert read_hourly_rate_csv("\n".join(rows)).sum() == pytest.approx(12.5 * 8760)
    rows[41] = "-3"
    with pytest.raises(DemandError, match=r"line 42, column 'requests_per_s': rate -3 must be ≥ 0") as caught:
        read_hourly_rate_csv("\n".join(rows))
    assert caught.value.line == 42
    rows[41] = "lots"
    with pytest.raises(DemandError, match="'lots' is not a number"):
        read_hourly_rate_csv("\n".join(rows))
    with pytest.raises(DemandError, match="8,759 hourly rows"):
        read_hourly_rate_csv("\n".join(rows[:-1]))
