"""Household bill impact: capacity, transmission, energy, offsets; three views."""

import numpy as np
import pytest

from grid import bills


def test_it_reproduces_the_maryland_opc_capacity_step():
    # Maryland Office of People's Counsel (2024): the 2025/26 PJM step of +$241/MW-day is ≈ +$14–18 per
    # residential customer-month, i.e. an obligation of 1.9–2.5 kW per customer recovered over 12 months.
    low = bills.capacity_usd_per_customer_month(price_step_usd_per_mw_day=241, obligation_kw_per_customer=1.9)
    high = bills.capacity_usd_per_customer_month(price_step_usd_per_mw_day=241, obligation_kw_per_customer=2.5)
    assert low == pytest.approx(13.9, abs=0.1) and high == pytest.approx(18.3, abs=0.1)
    assert 13.5 < low < high < 18.5


def _inputs(**changes):
    base = dict(
        coincident_peak_mw=500.0,
        firm_peak_mw=0.0,
        contract_mw=500.0,
        power_mw=np.full(8760, 450.0),
        capacity_price_slope_usd_per_mw_day_per_gw=30.0,
        residential_capacity_obligation_kw=2.2,
        transmission_upgrade_cost_usd_per_kw=500.0,
        fixed_charge_rate_frac=0.12,
        residential_transmission_share_frac=0.45,
        transmission_rate_usd_per_kw_year=40.0,
        large_load_min_demand_td_frac=0.85,
        energy_price_slope_usd_per_mwh_per_gw=0.2,
        residential_customers=2.5e6,
        household_use_kwh_per_month=855,
        household_bill_usd_per_month=137.0,
    )
    return bills.BillInputs(**(base | changes))


def test_it_itemises_each_view_by_hand():
    socialised = bills.bill_view(_inputs(), view="socialised")
    # capacity: 30 $/MW-day/GW × 0.5 GW = 15 $/MW-day × 2.2 kW / 1000 × 365/12
    assert socialised["capacity_usd_per_month"] == pytest.approx(15 * 2.2e-3 * 365 / 12)
    # transmission: 500 MW × 500 $/kW × 12% = $30 M/yr × 45% / 2.5 M / 12
    assert socialised["transmission_usd_per_month"] == pytest.approx(30e6 * 0.45 / 2.5e6 / 12)
    # energy: 0.2 $/MWh/GW × 0.45 GW × 0.855 MWh
    assert socialised["energy_usd_per_month"] == pytest.approx(0.2 * 0.45 * 0.855)
    parts = sum(
        socialised[k]
        for k in (
            "capacity_usd_per_month",
            "transmission_usd_per_month",
            "energy_usd_per_month",
            "offsets_usd_per_month",
        )
    )
    assert socialised["total_usd_per_month"] == pytest.approx(parts)
    assert socialised["share_of_average_bill_pct"] == pytest.approx(100 * parts / 137.0)


def test_it_orders_the_views_socialised_then_tariff_then_flexible():
    views = {v: bills.bill_view(_inputs(), view=v)["total_usd_per_month"] for v in bills.VIEWS}
    assert views["socialised"] > views["large_load_tariff"] > views["flexible"]


def test_it_turns_payments_above_the_upgrade_cost_into_offsets():
    cheap = bills.bill_view(_inputs(transmission_upgrade_cost_usd_per_kw=10.0), view="large_load_tariff")
    assert cheap["transmission_usd_per_month"] == 0 and cheap["offsets_usd_per_month"] < 0


def test_it_adds_nothing_for_no_load_and_refuses_bad_inputs():
    zero = bills.bill_view(_inputs(coincident_peak_mw=0.0, contract_mw=0.0, power_mw=np.zeros(8760)), view="socialised")
    assert zero["total_usd_per_month"] == 0
    with pytest.raises(bills.BillError, match="residential_customers"):
        bills.bill_view(_inputs(residential_customers=0), view="socialised")
    with pytest.raises(bills.BillError, match="view"):
        bills.bill_view(_inputs(), view="cheapest")
