"""Operator cost: energy under flat/TOU/hourly tariffs, demand charges, capacity, transmission."""

import numpy as np
import pytest

from grid import cost
from grid.constants import HOURS_PER_YEAR


def test_it_reproduces_pjm_2026_27_capacity_cost():
    # PJM 2026/2027 Base Residual Auction report (Jul 2025): $329.17/MW-day × 134,311 MW UCAP × 365 → $16.1 B.
    total = cost.capacity_cost_usd(obligation_mw=134_311, price_usd_per_mw_day=329.17)
    assert total == pytest.approx(16.1e9, rel=0.005)


def test_it_counts_pjm_on_peak_hours():
    mask = cost.on_peak_mask(year=2027)  # 2027 has 261 weekdays, 16 on-peak hours each
    assert mask.sum() == 261 * 16
    assert not mask[:7].any()  # 1 Jan 2027 00:00–06:00


def test_it_charges_a_flat_load_the_same_under_every_tariff():
    rng = np.random.default_rng(1)
    price = rng.uniform(10, 90, HOURS_PER_YEAR)
    power = np.full(HOURS_PER_YEAR, 50.0)
    on_peak = cost.on_peak_mask(year=2027)
    costs = [
        cost.energy_cost_usd(
            energy_mwh=power,
            price_usd_per_mwh=cost.tariff_price_usd_per_mwh(tariff=t, price_usd_per_mwh=price, on_peak=on_peak),
        )
        for t in ("flat", "time_of_use", "hourly")
    ]
    assert costs == pytest.approx([costs[0]] * 3, rel=1e-12)


def test_it_rewards_shifting_load_off_peak_only_under_time_varying_tariffs():
    price = np.where(cost.on_peak_mask(year=2027), 80.0, 20.0)
    on_peak = cost.on_peak_mask(year=2027)
    night = np.where(on_peak, 0.0, 10.0)
    flat = cost.energy_cost_usd(
        energy_mwh=night,
        price_usd_per_mwh=cost.tariff_price_usd_per_mwh(tariff="flat", price_usd_per_mwh=price, on_peak=on_peak),
    )
    tou = cost.energy_cost_usd(
        energy_mwh=night,
        price_usd_per_mwh=cost.tariff_price_usd_per_mwh(tariff="time_of_use", price_usd_per_mwh=price, on_peak=on_peak),
    )
    assert tou == pytest.approx(night.sum() * 20.0)
    assert tou < flat


def test_it_bills_at_least_the_minimum_share_of_contracted_demand():
    # AEP Ohio data-center tariff (2025): pay ≥85% of subscribed demand. A 100 MW contract running at 40 MW
    # is billed 85 MW each month; under the flat tariff it is billed its real 40 MW.
    power = np.full(HOURS_PER_YEAR, 40.0)
    kwargs = dict(
        power_mw=power,
        price_usd_per_mwh=np.full(HOURS_PER_YEAR, 30.0),
        year=2027,
        coincident_peak_mw=40.0,
        contract_mw=100.0,
        demand_charge_usd_per_kw_month=5.0,
        capacity_price_usd_per_mw_day=300.0,
        transmission_rate_usd_per_kw_year=40.0,
        min_demand_td_frac=0.85,
        min_demand_generation_frac=0.6,
    )
    large = cost.operator_cost(tariff="large_load_minimum_demand", **kwargs)
    flat = cost.operator_cost(tariff="flat", **kwargs)
    assert large.demand_charge_usd == pytest.approx(85_000 * 5.0 * 12)
    assert large.capacity_usd == pytest.approx(60 * 300.0 * 365)
    assert large.transmission_usd == pytest.approx(85_000 * 40.0)
    assert flat.demand_charge_usd == pytest.approx(40_000 * 5.0 * 12)
    assert flat.energy_usd == pytest.approx(40 * 8760 * 30.0)
    assert large.total_usd > flat.total_usd
    with pytest.raises(cost.CostError, match="tariff"):
        cost.operator_cost(tariff="cheap", **kwargs)
