"""Operator electricity cost: energy, demand charges, capacity and transmission under a tariff.

Tariffs (GridSpec.tariff):
- ``flat``: every MWh at the year's time-weighted mean price;
- ``time_of_use``: on-peak hours at the mean on-peak price, off-peak at the mean off-peak price;
  on-peak = weekdays 07:00–23:00 local (PJM's on-peak definition, HE 8–23; NERC holidays ignored);
- ``hourly``: each MWh at its hour's price (real-time/day-ahead pass-through);
- ``large_load_minimum_demand``: hourly energy, and demand, capacity and transmission billed on
  at least a minimum share of the contracted demand (e.g. AEP Ohio 2025 data-center tariff: 85%
  of contract; Dominion GS-5: 85% of T&D and 60% of generation demand).
Demand charges apply each month to the billing demand (monthly peak, or the minimum if higher).
Capacity: obligation [MW] × capacity price [$/MW-day] × 365 (PJM's Base Residual Auction cost).
Transmission: billed demand [kW] × network service rate [$/kW-year].
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np

from grid.constants import HOURS_PER_YEAR, MONTH_DAYS

DAYS_PER_YEAR_CAPACITY = 365  # PJM capacity cost = price × UCAP × 365 days (delivery year)
KW_PER_MW = 1e3
TARIFFS = ("flat", "time_of_use", "hourly", "large_load_minimum_demand")
ON_PEAK_HOURS = (7, 23)  # [start, end) local hour; PJM on-peak HE 8–23 on weekdays


class CostError(ValueError):
    """Bad cost input; the message names the field."""


def month_of_hour(hours: int = HOURS_PER_YEAR) -> np.ndarray:
    """Calendar month 1–12 for each hour of a 365-day year starting 1 January 00:00 (read-only)."""
    months = _months()
    if hours != months.size:
        raise CostError(f"hours: the calendar covers {months.size} hours, got {hours}")
    return months


@cache
def _months() -> np.ndarray:
    months = np.repeat(np.arange(1, 13), np.asarray(MONTH_DAYS) * 24)
    months.setflags(write=False)
    return months


@cache
def _month_starts() -> np.ndarray:
    """The first hour of each month of the 365-day calendar (12 values)."""
    return np.concatenate(([0], np.cumsum(np.asarray(MONTH_DAYS) * 24)[:-1]))


def monthly_peaks(values: np.ndarray, month: np.ndarray) -> np.ndarray:
    """The largest value in each month 1–12 (0 where a month has no hour or only negative values)."""
    peaks = np.zeros(12)
    if month is _months() or (month.shape == _months().shape and np.array_equal(month, _months())):
        np.maximum(peaks, np.maximum.reduceat(values, _month_starts()), out=peaks)  # contiguous months
    else:
        np.maximum.at(peaks, np.asarray(month) - 1, values)
    return peaks


@lru_cache(maxsize=32)
def on_peak_mask(*, year: int, hours: int = HOURS_PER_YEAR) -> np.ndarray:
    """True in weekday hours 07:00–23:00 (PJM on-peak) of `year`, 365-day calendar (cached per year, read-only)."""
    start = np.datetime64(f"{year}-01-01T00", "h")
    stamps = start + np.arange(hours).astype("timedelta64[h]")
    weekday = (stamps.astype("datetime64[D]").astype(int) + 3) % 7  # 1970-01-01 was a Thursday → 0 = Monday
    hour = stamps.astype(int) % 24
    mask = (weekday < 5) & (hour >= ON_PEAK_HOURS[0]) & (hour < ON_PEAK_HOURS[1])
    mask.setflags(write=False)
    return mask


def tariff_price_usd_per_mwh(*, tariff: str, price_usd_per_mwh: np.ndarray, on_peak: np.ndarray) -> np.ndarray:
    """The price each hour is billed at under `tariff` [$/MWh], from the hourly price series."""
    price = np.asarray(price_usd_per_mwh, dtype=float)
    if tariff not in TARIFFS:
        raise CostError(f"tariff: {tariff!r} is not one of {', '.join(TARIFFS)}")
    if tariff == "flat":
        return np.full(price.shape, price.mean())
    if tariff == "time_of_use":
        if not on_peak.any() or on_peak.all():
            raise CostError("on_peak: a time-of-use tariff needs both on-peak and off-peak hours")
        return np.where(on_peak, price[on_peak].mean(), price[~on_peak].mean())
    return price


def energy_cost_usd(*, energy_mwh: np.ndarray, price_usd_per_mwh: np.ndarray) -> float:
    """Σ_t energy_t [MWh] × price_t [$/MWh]."""
    energy = np.asarray(energy_mwh, dtype=float)
    price = np.asarray(price_usd_per_mwh, dtype=float)
    if energy.shape != price.shape:
        raise CostError(f"price_usd_per_mwh has {price.size} hours but energy_mwh has {energy.size}")
    return float(energy @ price)


def billing_demand_mw(
    *, power_mw: np.ndarray, month: np.ndarray, contract_mw: float, minimum_frac: float
) -> np.ndarray:
    """Monthly billing demand [MW]: max(monthly peak, minimum_frac × contract_mw), 12 values."""
    if not 0 <= minimum_frac <= 1:
        raise CostError(f"minimum_frac: must be in [0, 1], got {minimum_frac}")
    peaks = monthly_peaks(np.asarray(power_mw, dtype=float), np.asarray(month))
    return np.maximum(peaks, minimum_frac * contract_mw)


def demand_charge_usd(*, billing_demand_mw: np.ndarray, rate_usd_per_kw_month: float) -> float:
    """Σ_months billing demand [kW] × rate [$/kW-month]."""
    return float(np.sum(billing_demand_mw) * KW_PER_MW * rate_usd_per_kw_month)


def capacity_cost_usd(
    *, obligation_mw: float, price_usd_per_mw_day: float, days: int = DAYS_PER_YEAR_CAPACITY
) -> float:
    """Capacity obligation [MW] × clearing price [$/MW-day] × days (PJM BRA cost convention)."""
    if obligation_mw < 0 or price_usd_per_mw_day < 0:
        raise CostError("obligation_mw and price_usd_per_mw_day must be ≥ 0")
    return obligation_mw * price_usd_per_mw_day * days


def transmission_cost_usd(*, billed_mw: float, rate_usd_per_kw_year: float) -> float:
    """Network transmission service: billed demand [kW] × rate [$/kW-year]."""
    return billed_mw * KW_PER_MW * rate_usd_per_kw_year


@dataclass(frozen=True)
class OperatorCost:
    tariff: str
    energy_usd: float
    demand_charge_usd: float
    capacity_usd: float
    transmission_usd: float
    billed_capacity_mw: float
    billed_transmission_mw: float
    mean_billing_demand_mw: float

    @property
    def total_usd(self) -> float:
        return self.energy_usd + self.demand_charge_usd + self.capacity_usd + self.transmission_usd


def operator_cost(
    *,
    power_mw: np.ndarray,
    price_usd_per_mwh: np.ndarray,
    tariff: str,
    year: int,
    coincident_peak_mw: float,
    contract_mw: float,
    demand_charge_usd_per_kw_month: float,
    capacity_price_usd_per_mw_day: float,
    transmission_rate_usd_per_kw_year: float,
    min_demand_td_frac: float = 0.0,
    min_demand_generation_frac: float = 0.0,
) -> OperatorCost:
    """One year of the operator's bill for hourly facility power [MW] (8,760 values)."""
    power = np.asarray(power_mw, dtype=float)
    if power.size != HOURS_PER_YEAR:
        raise CostError(f"power_mw: has {power.size} hours, expected {HOURS_PER_YEAR}")
    month = month_of_hour(power.size)
    billed_price = tariff_price_usd_per_mwh(
        tariff=tariff, price_usd_per_mwh=price_usd_per_mwh, on_peak=on_peak_mask(year=year)
    )
    minimum = tariff == "large_load_minimum_demand"
    td_frac = min_demand_td_frac if minimum else 0.0
    gen_frac = min_demand_generation_frac if minimum else 0.0
    demand = billing_demand_mw(power_mw=power, month=month, contract_mw=contract_mw, minimum_frac=td_frac)
    capacity_mw = max(coincident_peak_mw, gen_frac * contract_mw)
    transmission_mw = max(coincident_peak_mw, td_frac * contract_mw)
    return OperatorCost(
        tariff=tariff,
        energy_usd=energy_cost_usd(energy_mwh=power, price_usd_per_mwh=billed_price),  # 1 h steps: MW = MWh
        demand_charge_usd=demand_charge_usd(
            billing_demand_mw=demand, rate_usd_per_kw_month=demand_charge_usd_per_kw_month
        ),
        capacity_usd=capacity_cost_usd(obligation_mw=capacity_mw, price_usd_per_mw_day=capacity_price_usd_per_mw_day),
        transmission_usd=transmission_cost_usd(
            billed_mw=transmission_mw, rate_usd_per_kw_year=transmission_rate_usd_per_kw_year
        ),
        billed_capacity_mw=capacity_mw,
        billed_transmission_mw=transmission_mw,
        mean_billing_demand_mw=float(demand.mean()),
    )
