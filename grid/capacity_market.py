"""Capacity prices as the market clears them: a demand curve with its collar, on an accredited (UCAP) basis.

Per delivery year (grid/data/capacity_markets.yaml, sourced): the cleared price, the uncapped price
(the demand curve's intersection without the collar), the cap and floor, and the shortfall against
the reliability requirement. Added load raises the demand for accredited capacity by its
obligation ΔUCAP = coincident peak MW × forecast pool requirement (FPR); the price moves along the
region's slope and is clipped to the collar:

    price(ΔUCAP) = clip(uncapped + slope × ΔUCAP / 1000, floor, cap)
    step = price(ΔUCAP) − price(0)

In a year cleared at the cap the step is 0 and the added obligation is not procured: the UCAP
shortfall grows by ΔUCAP. Where the uncapped price is not known (a year without a collar) it is the
cleared price. A region without a market entry (or whose capacity price is a user override) keeps
its flat figures: its price every year, a linear step at its slope, stopped by
``capacity_price_cap_usd_per_mw_day`` when the user gives one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from grid.regions import Region, RegionDataError

DATA = Path(__file__).resolve().parent / "data" / "capacity_markets.yaml"
OVERRIDE_SOURCE = "user override"


@dataclass(frozen=True)
class CapacityYear:
    """The demand curve of one delivery year, all prices UCAP $/MW-day."""

    delivery_year: int  # June of this year to May of the next
    cleared_usd_per_mw_day: float
    uncapped_usd_per_mw_day: float
    cap_usd_per_mw_day: float | None
    floor_usd_per_mw_day: float | None
    slope_usd_per_mw_day_per_gw: float
    forecast_pool_requirement: float  # MW UCAP obligation per MW of peak load
    shortfall_ucap_mw: float  # short of the reliability requirement before the added load
    source: str

    def price_usd_per_mw_day(self, added_ucap_mw: float) -> float:
        price = self.uncapped_usd_per_mw_day + self.slope_usd_per_mw_day_per_gw * added_ucap_mw / 1e3
        if self.floor_usd_per_mw_day is not None:
            price = max(price, self.floor_usd_per_mw_day)
        if self.cap_usd_per_mw_day is not None:
            price = min(price, self.cap_usd_per_mw_day)
        return float(price)

    def step_usd_per_mw_day(self, *, added_peak_mw: float) -> float:
        """Price change from a load adding `added_peak_mw` of coincident peak (obligation × FPR)."""
        return self.price_usd_per_mw_day(added_peak_mw * self.forecast_pool_requirement) - self.price_usd_per_mw_day(
            0.0
        )

    @property
    def capped(self) -> bool:
        return self.cap_usd_per_mw_day is not None and self.uncapped_usd_per_mw_day >= self.cap_usd_per_mw_day

    def shortfall_after_ucap_mw(self, *, added_peak_mw: float) -> float:
        """UCAP short of the requirement with the load: in a capped year its obligation is not procured."""
        added = added_peak_mw * self.forecast_pool_requirement
        if self.cap_usd_per_mw_day is None:
            return self.shortfall_ucap_mw
        # along the curve, the load's obligation is procured until the price reaches the cap
        room_mw = max(0.0, (self.cap_usd_per_mw_day - self.uncapped_usd_per_mw_day))
        procured = (
            added
            if self.slope_usd_per_mw_day_per_gw <= 0
            else min(added, room_mw / self.slope_usd_per_mw_day_per_gw * 1e3)
        )
        return self.shortfall_ucap_mw + added - procured

    def to_dict(self, *, added_peak_mw: float = 0.0) -> dict:
        return {
            "delivery_year": f"{self.delivery_year}/{(self.delivery_year + 1) % 100:02d}",
            "cleared_usd_per_mw_day": self.cleared_usd_per_mw_day,
            "uncapped_usd_per_mw_day": round(self.uncapped_usd_per_mw_day, 2),
            "cap_usd_per_mw_day": self.cap_usd_per_mw_day,
            "floor_usd_per_mw_day": self.floor_usd_per_mw_day,
            "capped": self.capped,
            "price_with_load_usd_per_mw_day": round(
                self.price_usd_per_mw_day(added_peak_mw * self.forecast_pool_requirement), 4
            ),
            "step_usd_per_mw_day": round(self.step_usd_per_mw_day(added_peak_mw=added_peak_mw), 4),
            "added_obligation_ucap_mw": round(added_peak_mw * self.forecast_pool_requirement, 2),
            "shortfall_ucap_mw": round(self.shortfall_after_ucap_mw(added_peak_mw=added_peak_mw), 1),
            "source": self.source,
        }


@lru_cache(maxsize=1)
def _markets() -> dict:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def capacity_year(region: Region, year: int) -> CapacityYear:
    """The region's capacity demand curve for study year `year` (module doc); flat figures without a market."""
    slope = region.value("capacity_price_slope_usd_per_mw_day_per_gw")
    price_figure = region.figures["capacity_price_usd_per_mw_day"]
    key = region.capacity_market
    if key is None or price_figure.source == OVERRIDE_SOURCE:
        cap = region.optional("capacity_price_cap_usd_per_mw_day")
        return CapacityYear(
            delivery_year=year,
            cleared_usd_per_mw_day=price_figure.value,
            uncapped_usd_per_mw_day=price_figure.value,
            cap_usd_per_mw_day=cap,
            floor_usd_per_mw_day=None,
            slope_usd_per_mw_day_per_gw=slope,
            forecast_pool_requirement=1.0,
            shortfall_ucap_mw=0.0,
            source=f"region figure capacity_price_usd_per_mw_day ({price_figure.source}), every year",
        )
    markets = _markets()
    if key not in markets:
        raise RegionDataError(
            f"region {region.slug!r}: capacity_market {key!r} is not in grid/data/capacity_markets.yaml"
        )
    market = markets[key]
    years = sorted(int(y) for y in market["delivery_years"])
    chosen = min(max(year, years[0]), years[-1])
    entry = market["delivery_years"][chosen]
    note = (
        ""
        if chosen == year
        else f" (study year {year} takes delivery year {chosen}/{(chosen + 1) % 100:02d}: assumption)"
    )
    cap = region.optional("capacity_price_cap_usd_per_mw_day")  # a user's cap replaces the shipped collar's
    return CapacityYear(
        delivery_year=chosen,
        cleared_usd_per_mw_day=float(entry["cleared"]),
        uncapped_usd_per_mw_day=float(entry["cleared"] if entry["uncapped"] is None else entry["uncapped"]),
        cap_usd_per_mw_day=cap if cap is not None else (None if entry["cap"] is None else float(entry["cap"])),
        floor_usd_per_mw_day=None if entry["floor"] is None else float(entry["floor"]),
        slope_usd_per_mw_day_per_gw=slope,
        forecast_pool_requirement=float(market["forecast_pool_requirement"]["v"]),
        shortfall_ucap_mw=float(entry["shortfall_ucap_mw"]),
        source=f"{market['name']}: {entry['s']}{note}",
    )
