"""A region's hourly system load [MW] for any study year, from real hours (grid/data/system_load.json).

The data file holds, per reference series, each history year's 365 daily maxima and minima and a
normalised within-day shape per month × day type (derived by grid/tools/derive_system_load.py
from ../shared/reference/hourly/load, fit error stated there). Here:

1. rebuild each history year k: load_k(d, h) = min_k,d + (max_k,d − min_k,d) × shape[month(d), daytype_k(d), h];
2. by default the history years stay as recorded (the published headroom study's method, Norris et
   al. 2025: all-period seasonal peaks over the years as they were, so the region's published
   headroom is reproduced); ``normalise=True`` scales each year to the base year's energy
   (the series' last year), load_k × mean_base / mean_k — the years keep their own weather but not
   their own level (a variant for strongly growing systems);
3. grow to the study year: × (1 + g)^(year − base year), g = the region's
   ``load_growth_frac_per_year`` (a figure with its source; user override).

Because the growth is one factor on every hour, the seasonal thresholds and the headroom of the
study's method scale with it exactly (headroom is homogeneous of degree 1 in the load).

:func:`system_load_mw` is the one function that returns a region's hourly system load for a year
(8,760 values, MW); :func:`system_load_history` returns all history years (K × 8,760) with the
method text. A region without a series raises :class:`NoSystemLoadError` saying so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from grid import headroom, reliability
from grid.constants import DAYS_PER_YEAR, HOURS_PER_DAY, HOURS_PER_YEAR, MONTH_DAYS
from grid.regions import Region

DATA = Path(__file__).resolve().parent / "data" / "system_load.json"
LEAP_DAY_INDEX = 59  # 29 Feb, dropped from a leap year's days (365-day years)


class NoSystemLoadError(ValueError):
    """The region ships no hourly system load (its message says so and what to do)."""


@dataclass(frozen=True)
class SystemLoad:
    """History years of hourly system load grown to one study year."""

    region: str
    series: str  # key in grid/data/system_load.json
    year: int  # study year
    base_year: int  # the history's last year: its energy level is the normalisation base
    history_years: tuple[int, ...]
    load_mw: np.ndarray  # (history years, 8,760) [MW]
    growth_factor: float  # (1 + g)^(year − base_year)
    method: str
    normalised: bool = False  # history years scaled to the base year's energy (not the published method)

    @property
    def peak_mw(self) -> float:
        """The largest hour over the history years (the weather-extreme peak) [MW]."""
        return float(self.load_mw.max())


@lru_cache(maxsize=1)
def _data() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def series_info(key: str) -> dict:
    """The series' metadata and fit error (no daily values)."""
    entry = _data()["series"][key]
    return {k: v for k, v in entry.items() if k not in ("daily_max_mw", "daily_min_mw", "shape")}


def _weekend_days(year: int) -> np.ndarray:
    first = np.datetime64(f"{year}-01-01", "D")
    leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0
    days = first + np.arange(DAYS_PER_YEAR + int(leap))
    if leap:
        days = np.delete(days, LEAP_DAY_INDEX)
    return (days.astype(int) + 3) % 7 >= 5  # 1970-01-01 was a Thursday (Monday = 0)


@lru_cache(maxsize=32)
def _rebuilt(key: str) -> tuple[tuple[int, ...], np.ndarray]:
    """(history years, (K, 8,760) rebuilt hourly load [MW]) of one series, at each year's own level."""
    entry = _data()["series"][key]
    years = tuple(int(y) for y in entry["years"])
    high = np.array([entry["daily_max_mw"][str(y)] for y in years], dtype=float)
    low = np.array([entry["daily_min_mw"][str(y)] for y in years], dtype=float)
    shape = np.asarray(entry["shape"], dtype=float)  # (12, 2, 24)
    weekend = np.stack([_weekend_days(y) for y in years]).astype(int)
    month = np.repeat(np.arange(12), MONTH_DAYS)
    day_shape = shape[month[None, :], weekend]  # (K, 365, 24)
    load = low[..., None] + (high - low)[..., None] * day_shape
    load = load.reshape(len(years), DAYS_PER_YEAR * HOURS_PER_DAY)
    load.setflags(write=False)
    return years, load


def has_system_load(region: Region) -> bool:
    return region.load_series is not None and region.load_series in _data()["series"]


def growth_factor(region: Region, *, year: int, base_year: int) -> float:
    """(1 + load_growth_frac_per_year)^(year − base_year)."""
    return float((1.0 + region.value("load_growth_frac_per_year")) ** (year - base_year))


def system_load_history(region: Region, *, year: int, normalise: bool = False) -> SystemLoad:
    """All history years of the region's hourly system load, normalised and grown to `year` (module doc)."""
    if not has_system_load(region):
        raise NoSystemLoadError(
            f"region {region.slug!r} ships no hourly system load (no real hourly series in the reference data for "
            "it): upload an hourly system load for a headroom or curtailment study"
        )
    key = str(region.load_series)
    years, load = _rebuilt(key)
    base_year = years[-1]
    level = load.mean(axis=1)
    normalised = load * (level[-1] / level)[:, None] if normalise else load
    factor = growth_factor(region, year=year, base_year=base_year)
    info = series_info(key)
    basis = f"each year normalised to {base_year}'s energy" if normalise else "years as recorded"
    fit = info["fit"]
    growth = region.figures["load_growth_frac_per_year"]
    method = (
        f"{info['what']}, {years[0]}–{years[-1]} ({len(years)} years; {info['source']}): real daily peaks and "
        f"minima, within-day course by month and day type (fit: {fit['mean_abs_error_pct']:.1f} % mean absolute "
        f"error, headroom within {max(abs(e) for e in fit['headroom_error_pct'] if e is not None):.0f} % of the "
        f"real hours'); {basis}, grown "
        f"{100 * growth.value:.2f} %/yr to {year} (× {factor:.3f}; {growth.source})"
    )
    grown = normalised * factor
    grown.setflags(write=False)
    return SystemLoad(
        region=region.slug,
        series=key,
        year=year,
        base_year=base_year,
        history_years=years,
        load_mw=grown,
        growth_factor=factor,
        method=method,
        normalised=normalise,
    )


def system_load_mw(
    region: Region, year: int, *, history_year: int | None = None, normalise: bool = False
) -> np.ndarray:
    """The region's hourly system load for `year`: 8,760 values [MW], local standard time from 1 January.

    The weather of `history_year` (default: the base year, the history's last) on the level of `year`
    (normalised and grown, see the module doc). Raises NoSystemLoadError for a region without a series.
    """
    history = system_load_history(region, year=year, normalise=normalise)
    pick = history.history_years[-1] if history_year is None else history_year
    if pick not in history.history_years:
        raise NoSystemLoadError(
            f"history_year: {pick} is not one of the region's history years "
            f"{history.history_years[0]}–{history.history_years[-1]}"
        )
    out = history.load_mw[history.history_years.index(pick)].copy()
    if out.shape != (HOURS_PER_YEAR,):
        raise NoSystemLoadError(f"series {history.series!r} did not rebuild to {HOURS_PER_YEAR} hours")
    return out


@lru_cache(maxsize=32)
def _base_study(key: str) -> tuple[tuple[dict, ...], np.ndarray, np.ndarray]:
    """Headroom rows, seasonal thresholds (K, 8,760) and 5CP hours (K, 5) of a series' history as recorded."""
    years, load = _rebuilt(key)
    months = np.tile(np.repeat(np.arange(1, 13), np.asarray(MONTH_DAYS) * HOURS_PER_DAY), len(years))
    labels = np.repeat(np.arange(len(years)), HOURS_PER_YEAR)
    rows = headroom.headroom_all_years(load_mw=load.ravel(), month=months, year=labels)
    for row in rows:
        row.pop("by_year", None)
    threshold = headroom.seasonal_threshold_mw(load_mw=load.ravel(), month=months).reshape(load.shape)
    threshold.setflags(write=False)
    cp_hours = reliability.coincident_peak_hours(system_load_mw=load)
    cp_hours.setflags(write=False)
    return tuple(rows), threshold, cp_hours


def study_headroom(history: SystemLoad) -> tuple[list[dict], np.ndarray, np.ndarray]:
    """(headroom rows at the study's rates [MW], thresholds (K, 8,760) [MW], 5CP hours (K, 5)) of a history
    as recorded, scaled by its growth factor (exact: one factor on every hour). Cached per series."""
    if history.normalised:
        raise NoSystemLoadError("study_headroom: takes the history as recorded (normalise=False)")
    rows, threshold, cp_hours = _base_study(history.series)
    factor = history.growth_factor
    scaled = [
        {
            k: (round(v * factor, 1) if k in ("headroom_mw", "curtailed_mwh_per_year") and v is not None else v)
            for k, v in r.items()
        }
        for r in rows
    ]
    return scaled, threshold * factor, cp_hours
