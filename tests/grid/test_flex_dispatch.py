"""The flexibility dispatch LP (grid.flex.dispatch) on cases solvable by hand.

Two weeks of hours keep each solve in milliseconds; the LP is the same for 8,760 hours
(benchmarks/bench_flex.py times a full year).
"""

import numpy as np
import pytest

from accelerators.efficiency import power_curve
from grid.flex.dispatch import dispatch
from grid.flex.resources import Battery, CapOptions, DeferrableTier, FlexProblem, Generator, Prices
from grid.flex.signals import ScheduledEvent, schedule

HOURS = 24 * 14
EVENT = slice(200, 203)  # a three-hour event


def _prices(price=50.0, lost=0.88, waiting=0.44 / 24) -> Prices:
    return Prices(
        energy_usd_per_mwh=np.full(HOURS, price),
        demand_charge_usd_per_kw_month=0.0,
        lost_usd_per_mtok=lost,
        deferral_usd_per_mtok_hour=waiting,
    )


def _cap(value: float) -> np.ndarray:
    cap = np.full(HOURS, np.inf)
    cap[EVENT] = value
    return cap


def _problem(**kwargs) -> FlexProblem:
    base = {
        "baseline_meter_mw": np.full(HOURS, 100.0),
        "cap_mw": _cap(75.0),
        "month": np.ones(HOURS, dtype=int),
        "prices": _prices(),
    }
    return FlexProblem(**(base | kwargs))


def test_it_covers_one_event_with_a_battery_that_is_exactly_big_enough():
    # 100 MW flat, cap 75 MW for 3 h: 25 MW × 3 h = 75 MWh. A lossless 25 MW / 75 MWh battery just covers it.
    battery = Battery(power_mw=25.0, energy_mwh=75.0, round_trip_efficiency_frac=1.0, degradation_usd_per_mwh=10.0)
    result = dispatch(_problem(battery=battery))
    assert result.feasible
    assert result.meter_mw[EVENT] == pytest.approx([75.0] * 3, abs=1e-6)
    assert result.discharge_mw[EVENT] == pytest.approx([25.0] * 3, abs=1e-6)
    assert result.soc_mwh[EVENT.stop - 1] == pytest.approx(0.0, abs=1e-6)  # empty at the event's end
    assert result.discharge_mw.sum() == pytest.approx(75.0, abs=1e-6)  # no cycling beyond the event: it costs
    assert result.charge_mw.sum() == pytest.approx(75.0, abs=1e-6)  # cyclic: recharged within the period
    assert result.costs_usd["degradation_usd"] == pytest.approx(750.0, abs=1e-3)


def test_a_lossy_battery_charges_the_event_energy_over_its_round_trip_efficiency():
    # losses split evenly (√0.81 = 0.9 each way): 75 MWh at the meter take 75/0.9 MWh from the store,
    # which took 75/0.81 MWh from the meter to fill
    battery = Battery(power_mw=25.0, energy_mwh=75 / 0.9, round_trip_efficiency_frac=0.81, degradation_usd_per_mwh=0)
    result = dispatch(_problem(battery=battery))
    assert result.feasible
    assert result.charge_mw.sum() == pytest.approx(75.0 / 0.81, rel=1e-6)
    assert result.meter_mw.sum() == pytest.approx(100.0 * HOURS - 75.0 + 75.0 / 0.81, rel=1e-9)


def test_one_mwh_short_the_battery_names_the_event_cap_and_the_empty_battery():
    battery = Battery(power_mw=25.0, energy_mwh=74.0, round_trip_efficiency_frac=1.0, degradation_usd_per_mwh=10.0)
    result = dispatch(_problem(battery=battery))
    assert not result.feasible
    (binding,) = result.binding
    assert binding["constraint"] == "event_cap_at_meter"
    assert binding["shortfall_mwh"] == pytest.approx(1.0, abs=1e-6)
    assert "battery energy (state of charge at 0)" in binding["resources_at_limit"]
    assert "event cap at the meter cannot be met" in result.message


def test_a_deferrable_tier_leaves_the_event_and_is_served_before_its_deadline():
    # 10 Mtok/h of batch work at 1 MWh/Mtok on top of 90 MW firm load; cap 80 MW for 3 h: the tier must
    # wait, and catch up with 5 Mtok/h of spare capacity within its 8-hour deadline.
    arrivals = np.full(HOURS, 10.0)
    tier = DeferrableTier(
        name="batch",
        arrivals_mtok=arrivals,
        meter_mwh_per_mtok=np.ones(HOURS),
        deadline_h=8,
        spare_mtok=np.full(HOURS, 5.0),
    )
    result = dispatch(_problem(cap_mw=_cap(90.0), tiers=(tier,)))
    assert result.feasible
    assert result.meter_mw[EVENT] == pytest.approx([90.0] * 3, abs=1e-6)
    # Catching up as fast as the spare capacity allows minimises the hours waited: backlog 10, 20, 30,
    # then 25, 20, … 0. First in, first out: the newest arrivals wait, 10 per hour while the queue holds ≥ 10.
    queue = [10, 20, 30, 25, 20, 15, 10, 5, 0]
    assert result.backlog_mtok[EVENT.start : EVENT.start + 9] == pytest.approx(queue, abs=1e-6)
    assert result.deferred_mtok.sum() == pytest.approx(sum(min(10, q) for q in queue), abs=1e-6)
    assert result.costs_usd["deferral_usd"] == pytest.approx(sum(queue) * 0.44 / 24, rel=1e-6)
    served = arrivals + np.concatenate(([0.0], result.backlog_mtok[:-1])) - result.backlog_mtok
    assert served[EVENT] == pytest.approx([0.0] * 3, abs=1e-6)
    assert served.sum() == pytest.approx(arrivals.sum(), abs=1e-6)  # nothing lost
    # First in, first out within the deadline: the backlog never holds work older than 8 hours
    window = np.convolve(arrivals, np.ones(8))[:HOURS]
    assert np.all(result.backlog_mtok <= window + 1e-6)
    assert result.backlog_mtok[EVENT.stop + 6 - 1] == pytest.approx(0.0, abs=1e-6)  # 30 Mtok at 5/h: 6 hours
    assert result.meter_mw.max() == pytest.approx(105.0, abs=1e-6)  # catching up draws 5 MW more


def test_a_deadline_shorter_than_the_event_is_named():
    # Three hours without serving the tier leave 30 Mtok waiting; a 2-hour deadline allows 20.
    tier = DeferrableTier(
        name="batch",
        arrivals_mtok=np.full(HOURS, 10.0),
        meter_mwh_per_mtok=np.ones(HOURS),
        deadline_h=2,
        spare_mtok=np.full(HOURS, 5.0),
    )
    result = dispatch(_problem(cap_mw=_cap(90.0), tiers=(tier,)))
    assert not result.feasible
    assert [b["constraint"] for b in result.binding] == ["deferral_deadline"]
    assert result.binding[0]["field"] == "flexibility.deferrable[batch].deadline_h"


def test_a_power_cap_loses_the_tokens_the_engine_curve_says():
    # 64 replicas of Llama-3.1-70B on 4 × H100 at full load; the event asks for the power the engine
    # says 60 % of the board limit saves, and offers only that level: the tokens lost are the engine's.
    kwargs = {
        "model": "meta-llama/Llama-3.1-70B-Instruct",
        "accelerator": "h100-sxm",
        "devices": 4,
        "weight_precision": "fp8",
        "tpot_target_s": 0.05,
        "input_tokens": 800,
        "output_tokens": 350,
    }
    full = power_curve(**kwargs)
    capped = power_curve(**kwargs, power_limit_w=0.6 * 700)
    replicas = 64
    p0 = replicas * (full.accelerator_power_w[-1] + full.host_power_w[-1]) / 1e6
    p1 = replicas * (capped.accelerator_power_w[-1] + capped.host_power_w[-1]) / 1e6
    t0 = replicas * full.output_tokens_per_s[-1] * 3600 / 1e6
    t1 = replicas * capped.output_tokens_per_s[-1] * 3600 / 1e6
    assert 0 < p1 < p0 and 0 < t1 < t0
    option = CapOptions(
        pool="gpu",
        cap_frac=(1.0, 0.6),
        power_frac=(1.0, p1 / p0),
        throughput_frac=(1.0, t1 / t0),
        saving_mw=np.vstack([np.zeros(HOURS), np.full(HOURS, p0 - p1)]),
        lost_mtok=np.vstack([np.zeros(HOURS), np.full(HOURS, t0 - t1)]),
    )
    result = dispatch(_problem(baseline_meter_mw=np.full(HOURS, p0), cap_mw=_cap(p1), caps=(option,)))
    assert result.feasible
    assert result.cap_level_share["gpu"][1, EVENT] == pytest.approx([1.0] * 3, abs=1e-9)
    assert result.lost_mtok[EVENT] == pytest.approx([t0 - t1] * 3, rel=1e-9)
    assert result.lost_mtok.sum() == pytest.approx(3 * (t0 - t1), rel=1e-9)  # no capping outside the event
    assert result.costs_usd["lost_tokens_usd"] == pytest.approx(3 * (t0 - t1) * 0.88, rel=1e-9)


def test_an_emergency_generator_runs_only_in_events_and_within_its_hours():
    generator = Generator(
        power_mw=30.0,
        technology="diesel_backup",
        heat_rate_btu_per_kwh=10_000.0,
        fuel_price_usd_per_mmbtu=20.0,
        emission_kg_co2_per_mmbtu=73.96,
        run_hours_per_year=2.0,
        events_only=True,
    )
    # 25 MW × 3 h = 75 MWh needed, 30 MW × 2 h = 60 MWh allowed: 15 MWh short, the run-hour limit binds
    result = dispatch(_problem(generator=generator))
    assert not result.feasible
    (binding,) = result.binding
    assert binding["constraint"] == "generator_run_hours"
    assert binding["field"] == "flexibility.generation.run_hours_per_year"
    assert binding["excess_mwh"] == pytest.approx(15.0, abs=1e-6)
    # with 3 hours it is met, at 10 MMBtu/MWh × $20 = $200/MWh and 0.7396 t/MWh
    ok = dispatch(_problem(generator=Generator(**{**generator.__dict__, "run_hours_per_year": 3.0})))
    assert ok.feasible
    assert ok.generation_mw.sum() == pytest.approx(75.0, abs=1e-6)
    assert ok.generation_mw[: EVENT.start].sum() == 0.0
    assert ok.costs_usd["fuel_usd"] == pytest.approx(75.0 * 200.0, rel=1e-9)


def test_shedding_covers_what_nothing_else_can_at_the_value_of_its_tokens():
    # 1,000 Mtok per MWh at $0.88/Mtok: a shed MWh loses $880 of tokens and saves $50 of energy, so the
    # dispatch sheds exactly what the cap asks. At 10 Mtok/MWh ($8.80) shedding everything pays.
    result = dispatch(_problem(shed_mtok_per_mw=np.full(HOURS, 1000.0)))
    assert result.feasible
    assert result.shed_mw[EVENT] == pytest.approx([25.0] * 3, abs=1e-6)
    assert result.lost_mtok.sum() == pytest.approx(3 * 25.0 * 1000.0, rel=1e-9)
    cheap = dispatch(_problem(shed_mtok_per_mw=np.full(HOURS, 10.0)))
    assert cheap.shed_mw[EVENT] == pytest.approx([100.0] * 3, abs=1e-6)


def test_a_schedule_caps_the_meter_by_cap_or_by_reduction():
    baseline = np.linspace(50.0, 100.0, HOURS)
    signal = schedule(
        events=[
            ScheduledEvent(start_hour=10, duration_h=3, reduction_frac=0.25),
            ScheduledEvent(start_hour=11, duration_h=1, cap_mw=10.0),
        ],
        baseline_mw=baseline,
    )
    assert signal.cap_mw[10] == pytest.approx(0.75 * baseline[10])
    assert signal.cap_mw[11] == 10.0  # overlapping events keep the lower cap
    assert np.isinf(signal.cap_mw[13])
    assert int(signal.event_mask.sum()) == 3


def test_a_battery_shaves_the_monthly_peak_down_to_a_large_load_tariffs_minimum_and_no_further():
    # One hour at 120 MW over a flat 100 MW; $10/kW-month demand charge; a lossless 20 MW / 20 MWh battery.
    baseline = np.full(HOURS, 100.0)
    baseline[50] = 120.0
    battery = Battery(power_mw=20.0, energy_mwh=20.0, round_trip_efficiency_frac=1.0, degradation_usd_per_mwh=1.0)
    prices = Prices(
        energy_usd_per_mwh=np.full(HOURS, 50.0),
        demand_charge_usd_per_kw_month=10.0,
        lost_usd_per_mtok=0.88,
        deferral_usd_per_mtok_hour=0.0,
    )
    no_event = np.full(HOURS, np.inf)
    free = dispatch(_problem(baseline_meter_mw=baseline, cap_mw=no_event, prices=prices, battery=battery))
    # Shaving to P needs 120 − P MWh, recharged in the other 335 hours at ≤ P − 100 MW each (cyclic):
    # 120 − P = 335 (P − 100) → P = (120 + 33,500) / 336 ≈ 100.06 MW.
    peak = (120.0 + 335 * 100.0) / 336
    assert free.monthly_peak_mw[0] == pytest.approx(peak, abs=1e-6)
    assert free.costs_usd["demand_charge_usd"] == pytest.approx(peak * 1e3 * 10.0, rel=1e-9)
    floor = Prices(**{**prices.__dict__, "minimum_billing_demand_mw": 110.0})
    billed = dispatch(_problem(baseline_meter_mw=baseline, cap_mw=no_event, prices=floor, battery=battery))
    assert billed.monthly_peak_mw[0] == pytest.approx(110.0, abs=1e-6)
    assert billed.discharge_mw.sum() == pytest.approx(10.0, abs=1e-6)  # shaving below 110 MW would earn nothing
