"""Household bill impact of a new large load, itemised, $ per residential customer per month.

Items (issue 5), each a pure function of stated inputs:
1. capacity — the new coincident peak moves the capacity price along the supply curve
   (Δprice = slope × MW); residential customers pay Δprice × their capacity obligation
   (kW per customer) × 365/12 days per month. Check: Maryland Office of People's Counsel (2024):
   the 2025/26 PJM step of +$241/MW-day ≈ +$14–18 per residential customer-month, i.e. an
   obligation of 1.9–2.5 kW per customer.
2. transmission — upgrade cost [$/kW × kW] × fixed-charge rate = annual revenue requirement;
   residential customers carry their share of the part the facility does not pay directly.
3. energy — wholesale price effect of the added load (merit-order slope [$/MWh per GW] × GW each
   hour) on the household's monthly energy.
4. offsets — the facility's direct transmission payments above the cost of its own upgrade lower
   the fixed costs the others carry (negative = bills fall).
Views:
- ``socialised``: upgrade costs rolled into everyone's rates; the facility pays nothing toward
  its own upgrade beyond its load-ratio share (worst case for households);
- ``large_load_tariff``: the facility pays transmission on max(actual, minimum share × contract);
- ``flexible``: the facility is curtailed in the system's peak hours (Norris et al. 2025), so only
  its firm part (load above the region's headroom) adds to the capacity and transmission peak.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

DAYS_PER_MONTH = 365 / 12  # capacity is priced per MW-day; a bill month is 365/12 days
MONTHS_PER_YEAR = 12
VIEWS = ("socialised", "large_load_tariff", "flexible")


class BillError(ValueError):
    """Bad bill input; the message names the field."""


def capacity_price_step_usd_per_mw_day(
    *, slope_usd_per_mw_day_per_gw: float, added_peak_mw: float, cap_room_usd_per_mw_day: float | None = None
) -> float:
    """Capacity price change from added coincident peak along a linear supply curve [$/MW-day].

    With a price cap (e.g. PJM's 2026/27–2027/28 collar) the step stops at the room left below
    it, `cap_room_usd_per_mw_day` = cap − current price: the step is then not additive in MW
    (two loads together step less than the sum of their separate steps).
    """
    step = slope_usd_per_mw_day_per_gw * added_peak_mw / 1e3
    if cap_room_usd_per_mw_day is None:
        return step
    return min(step, max(0.0, cap_room_usd_per_mw_day))


def cap_room_usd_per_mw_day(region: Any) -> float | None:
    """Room below the region's capacity price cap [$/MW-day] (cap − price), None when it has no cap."""
    cap = region.optional("capacity_price_cap_usd_per_mw_day")
    return None if cap is None else cap - region.value("capacity_price_usd_per_mw_day")


def capacity_usd_per_customer_month(*, price_step_usd_per_mw_day: float, obligation_kw_per_customer: float) -> float:
    """Δprice [$/MW-day] × obligation [kW] / 1000 × 365/12 days → $ per customer-month."""
    if obligation_kw_per_customer < 0:
        raise BillError("residential_capacity_obligation_kw: must be ≥ 0")
    return price_step_usd_per_mw_day * obligation_kw_per_customer / 1e3 * DAYS_PER_MONTH


def per_customer_month(*, annual_usd: float, residential_share_frac: float, residential_customers: float) -> float:
    """Residential share of an annual cost spread over customers and months [$]."""
    if residential_customers <= 0:
        raise BillError("residential_customers: must be > 0")
    if not 0 <= residential_share_frac <= 1:
        raise BillError("residential_transmission_share_frac: must be in [0, 1]")
    return annual_usd * residential_share_frac / residential_customers / MONTHS_PER_YEAR


def energy_usd_per_customer_month(
    *, added_power_mw: np.ndarray, slope_usd_per_mwh_per_gw: float, household_use_kwh_per_month: float
) -> float:
    """Mean hourly wholesale price rise [$/MWh] × household energy [MWh/month]; flat household use."""
    mean_price_rise = slope_usd_per_mwh_per_gw * float(np.mean(added_power_mw)) / 1e3  # linear: mean of the rise
    return float(mean_price_rise * household_use_kwh_per_month / 1e3)


@dataclass(frozen=True)
class BillInputs:
    coincident_peak_mw: float  # facility load at the system peak [MW]
    firm_peak_mw: float  # part not curtailable at system peak (flexible view) [MW]
    contract_mw: float  # contracted (subscribed) demand [MW]
    power_mw: np.ndarray  # hourly facility power [MW]
    capacity_price_slope_usd_per_mw_day_per_gw: float
    residential_capacity_obligation_kw: float
    transmission_upgrade_cost_usd_per_kw: float
    fixed_charge_rate_frac: float
    residential_transmission_share_frac: float
    transmission_rate_usd_per_kw_year: float
    large_load_min_demand_td_frac: float
    energy_price_slope_usd_per_mwh_per_gw: float
    residential_customers: float
    household_use_kwh_per_month: float
    household_bill_usd_per_month: float
    capacity_price_cap_room_usd_per_mw_day: float | None = None  # cap − price; None = no cap
    capacity_curve: Any = (
        None  # grid.capacity_market.CapacityYear: the market's curve and collar (replaces the two above)
    )


def inputs_for_region(
    region: Any,
    *,
    coincident_mw: float,
    firm_mw: float,
    contract_mw: float,
    power_mw: np.ndarray,
    capacity_curve: Any,
) -> BillInputs:
    """The bill inputs of a facility in `region` (a grid.regions.Region) for the year of `capacity_curve`
    (grid.capacity_market.CapacityYear): one definition for runs, portfolios and the flexibility dispatch."""
    v = region.value
    return BillInputs(
        coincident_peak_mw=coincident_mw,
        firm_peak_mw=firm_mw,
        contract_mw=contract_mw,
        power_mw=power_mw,
        capacity_price_slope_usd_per_mw_day_per_gw=v("capacity_price_slope_usd_per_mw_day_per_gw"),
        residential_capacity_obligation_kw=v("residential_capacity_obligation_kw"),
        transmission_upgrade_cost_usd_per_kw=v("transmission_upgrade_cost_usd_per_kw"),
        fixed_charge_rate_frac=v("fixed_charge_rate_frac"),
        residential_transmission_share_frac=v("residential_transmission_share_frac"),
        transmission_rate_usd_per_kw_year=v("transmission_rate_usd_per_kw_year"),
        large_load_min_demand_td_frac=v("large_load_min_demand_td_frac"),
        energy_price_slope_usd_per_mwh_per_gw=v("energy_price_slope_usd_per_mwh_per_gw"),
        residential_customers=v("residential_customers"),
        household_use_kwh_per_month=v("household_use_kwh_per_month"),
        household_bill_usd_per_month=v("household_bill_usd_per_month"),
        capacity_curve=capacity_curve,
    )


def bill_view(inputs: BillInputs, *, view: str) -> dict[str, float]:
    """Items of one view, $ per residential customer per month (and % of the average bill)."""
    if view not in VIEWS:
        raise BillError(f"view: {view!r} is not one of {', '.join(VIEWS)}")
    peak_mw = inputs.firm_peak_mw if view == "flexible" else inputs.coincident_peak_mw
    if inputs.capacity_curve is not None:
        step = inputs.capacity_curve.step_usd_per_mw_day(added_peak_mw=peak_mw)
    else:
        step = capacity_price_step_usd_per_mw_day(
            slope_usd_per_mw_day_per_gw=inputs.capacity_price_slope_usd_per_mw_day_per_gw,
            added_peak_mw=peak_mw,
            cap_room_usd_per_mw_day=inputs.capacity_price_cap_room_usd_per_mw_day,
        )
    capacity = capacity_usd_per_customer_month(
        price_step_usd_per_mw_day=step, obligation_kw_per_customer=inputs.residential_capacity_obligation_kw
    )
    upgrade_arr_usd = peak_mw * 1e3 * inputs.transmission_upgrade_cost_usd_per_kw * inputs.fixed_charge_rate_frac
    if view == "socialised":
        direct_usd = 0.0
    else:
        billed_mw = max(inputs.coincident_peak_mw, inputs.large_load_min_demand_td_frac * inputs.contract_mw)
        direct_usd = billed_mw * 1e3 * inputs.transmission_rate_usd_per_kw_year
    share = {
        "residential_share_frac": inputs.residential_transmission_share_frac,
        "residential_customers": inputs.residential_customers,
    }
    transmission = per_customer_month(annual_usd=max(0.0, upgrade_arr_usd - direct_usd), **share)
    offsets = -per_customer_month(annual_usd=max(0.0, direct_usd - upgrade_arr_usd), **share)
    energy = energy_usd_per_customer_month(
        added_power_mw=inputs.power_mw,
        slope_usd_per_mwh_per_gw=inputs.energy_price_slope_usd_per_mwh_per_gw,
        household_use_kwh_per_month=inputs.household_use_kwh_per_month,
    )
    total = capacity + transmission + energy + offsets
    if inputs.household_bill_usd_per_month <= 0:
        raise BillError("household_bill_usd_per_month: must be > 0")
    return {
        "capacity_usd_per_month": capacity,
        "transmission_usd_per_month": transmission,
        "energy_usd_per_month": energy,
        "offsets_usd_per_month": offsets,
        "total_usd_per_month": total,
        "share_of_average_bill_pct": 100 * total / inputs.household_bill_usd_per_month,
        "capacity_price_step_usd_per_mw_day": step,
        "transmission_upgrade_revenue_requirement_usd_per_year": upgrade_arr_usd,
        "facility_direct_transmission_payment_usd_per_year": direct_usd,
        "peak_mw_counted": peak_mw,
    }
