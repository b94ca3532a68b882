"""Grid signals from the system's own hours and what a dispatch means (grid.flex.signals, grid.flex.outcome)."""

import numpy as np
import pytest

from grid.constants import HOURS_PER_YEAR
from grid.cost import month_of_hour
from grid.flex.dispatch import dispatch
from grid.flex.outcome import flexibility_outcome, worst_event_week
from grid.flex.resources import Battery, FlexProblem, Prices
from grid.flex.signals import system_hours, threshold


def _system() -> np.ndarray:
    # 10 GW flat; July 15 at 17:00 peaks at 12 GW (the summer threshold), 18:00 at 11.9 GW; January 10
    # at 18:00 at 11 GW (the winter threshold). A 150 MW facility pushes those three hours over θ.
    load = np.full(HOURS_PER_YEAR, 10_000.0)
    july15 = (31 + 28 + 31 + 30 + 31 + 30 + 14) * 24
    load[july15 + 17] = 12_000.0
    load[july15 + 18] = 11_900.0
    load[9 * 24 + 18] = 11_000.0
    return load


def test_system_hours_are_those_the_facility_pushes_over_the_seasonal_threshold():
    load = _system()
    signal = system_hours(system_load_mw=load, month=month_of_hour(), facility_mw=np.full(8760, 150.0), source="test")
    events = np.flatnonzero(signal.event_mask)
    july15 = (31 + 28 + 31 + 30 + 31 + 30 + 14) * 24
    assert events.tolist() == [9 * 24 + 18, july15 + 17, july15 + 18]
    assert signal.cap_mw[events].tolist() == [0.0, 0.0, 100.0]  # max(0, θ − load): the room left under θ
    # A 1 MW load is pushed over only in the two seasonal peak hours themselves (no room at all there)
    quiet = system_hours(system_load_mw=load, month=month_of_hour(), facility_mw=np.full(8760, 1.0), source="t")
    assert np.flatnonzero(quiet.event_mask).tolist() == [9 * 24 + 18, july15 + 17]


def test_a_price_threshold_cuts_the_share_asked_of_each_hour():
    price = np.full(8760, 40.0)
    price[100:104] = 300.0
    signal = threshold(
        series=price,
        threshold_value=200.0,
        reduction_frac=0.4,
        baseline_mw=np.full(8760, 50.0),
        kind="price",
        unit="USD/MWh",
    )
    assert np.flatnonzero(signal.event_mask).tolist() == [100, 101, 102, 103]
    assert signal.cap_mw[100] == pytest.approx(30.0)


def test_the_outcome_of_a_battery_following_the_system_caps():
    load = _system()
    facility = np.full(8760, 150.0)
    signal = system_hours(system_load_mw=load, month=month_of_hour(), facility_mw=facility, source="test")
    problem = FlexProblem(
        baseline_meter_mw=facility,
        cap_mw=signal.cap_mw,
        month=month_of_hour(),
        prices=Prices(
            energy_usd_per_mwh=np.full(8760, 50.0),
            demand_charge_usd_per_kw_month=0.0,
            lost_usd_per_mtok=0.88,
            deferral_usd_per_mtok_hour=0.0,
        ),
        battery=Battery(power_mw=150.0, energy_mwh=200.0, round_trip_efficiency_frac=1.0, degradation_usd_per_mwh=5.0),
    )
    result = dispatch(problem)
    assert result.feasible
    out = flexibility_outcome(
        problem=problem,
        dispatch=result,
        signal=signal,
        intensity_g_per_kwh=np.full(8760, 400.0),
        annual_output_mtok=1e6,
        system_load_mw=load,
    )
    # January: 150 MW for an hour (cap 0); July: 150 MW (cap 0), then 50 MW (cap 100): 350 MWh in 2 events.
    assert out["firm_mw"] == pytest.approx(100.0, abs=1e-6)
    assert out["flexible_mw"] == pytest.approx(50.0, abs=1e-6)
    assert out["curtailed_hours"] == 3 and out["curtailed_mwh"] == pytest.approx(350.0, abs=1e-6)
    assert out["reduction_by_source"]["battery_mwh"] == pytest.approx(350.0, abs=1e-4)
    assert out["signal"]["events"] == 2 and out["signal"]["event_hours"] == 3
    assert out["cost_of_flexibility_usd_per_year"] == pytest.approx(350.0 * 5.0, abs=1.0)  # degradation only
    assert out["cost_of_flexibility_usd_per_event"] == pytest.approx(350.0 * 5.0 / 2, abs=1.0)
    assert out["emissions"]["grid_change_tco2e"] == pytest.approx(0.0, abs=1e-6)  # lossless: same MWh, flat intensity
    speed = out["speed_to_power"]
    assert speed["firm_headroom_mw"] == 0.0 and speed["fits_if_firm_mw"] == 0.0  # the peak hour has no room
    assert speed["fits_if_flexible_mw"] == 150.0  # the dispatch keeps the system at or under θ


def test_the_worst_event_is_the_one_with_the_most_energy_and_its_week_stays_in_the_year():
    mask = np.zeros(8760, dtype=bool)
    mask[[10, 11, 5000, 8755]] = True
    reduction = np.zeros(8760)
    reduction[[10, 11]] = 5.0
    reduction[5000] = 20.0
    reduction[8755] = 1.0
    week = worst_event_week(reduction_mw=reduction, mask=mask)
    assert week == {"event_start_hour": 5000, "event_end_hour": 5001, "week_start_hour": 4916, "week_end_hour": 5084}
    only_late = np.zeros(8760, dtype=bool)
    only_late[8755] = True
    late = worst_event_week(reduction_mw=reduction, mask=only_late)
    assert late["week_end_hour"] == 8760 and late["week_start_hour"] == 8760 - 168
    assert worst_event_week(reduction_mw=reduction, mask=np.zeros(8760, dtype=bool)) is None
