"""Hourly clean-supply shape of a clean-energy contract (solar / wind / firm mix), for hourly matching.

A contract buys `annual_match_frac` × the facility's annual energy of clean MWh. Its hours follow
the contract's mix:
- solar: clear-sky output of a horizontal surface at the site's latitude, local standard time ≈
  solar time (no equation of time or longitude offset: ≤ ≈30 min): declination by Cooper (1969),
  δ = 23.45° sin(360° (284 + n) / 365); cos θz = sin φ sin δ + cos φ cos δ cos ω, ω = 15° (t − 12);
  direct-beam attenuation 0.7^(AM^0.678), AM = 1 / cos θz (Meinel & Meinel 1976, as in Honsberg &
  Bowden, PVEducation "Air Mass"). Clear sky, no clouds: an upper bound of how well solar fits the
  day, so hourly matching of solar is, if anything, flattered (tests compare it with TMY3 GHI);
- wind: the region's measured wind-fleet output by month × hour (grid/data/clean_supply.yaml,
  derived from EIA-930 / ENTSO-E / EirGrid series) times a day-to-day factor: a lognormal AR(1)
  daily series with the measured standard deviation and lag-1 autocorrelation of daily output,
  drawn from a generator seeded by the region slug (the same year every time);
- firm: flat (nuclear, hydro or geothermal baseload contract).
Each part is scaled so its year sums to its share of the contracted MWh.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import yaml
from scipy.signal import lfilter

from grid.constants import DAYS_PER_YEAR, HOURS_PER_DAY, HOURS_PER_YEAR
from grid.regions import month_hour_index

DATA_FILE = Path(__file__).resolve().parent / "data" / "clean_supply.yaml"
AIR_MASS_BASE = 0.7  # Meinel & Meinel 1976: 70 % of extraterrestrial beam reaches the surface at AM 1
AIR_MASS_EXPONENT = 0.678  # same source: empirical exponent for haze
DECLINATION_DEG = 23.45  # Cooper 1969


class CleanSupplyError(ValueError):
    """Bad contract mix; the message names the field."""


@dataclass(frozen=True)
class CleanShape:
    supply_kwh: np.ndarray  # 8,760 hourly clean MWh × 1000
    method: str
    notes: tuple[str, ...]


@cache
def _data() -> dict:
    return yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))


@cache
def solar_shape(*, latitude_deg: float) -> np.ndarray:
    """Clear-sky relative output of a horizontal surface, 8,760 hours (local standard time), sum 1.
    Cached per latitude (a pure function of it; read-only: a study's points share it)."""
    if not -90.0 <= latitude_deg <= 90.0:
        raise CleanSupplyError(f"latitude_deg: must be within ±90, got {latitude_deg}")
    hour = np.arange(HOURS_PER_YEAR)
    day = hour // HOURS_PER_DAY + 1
    solar_time = hour % HOURS_PER_DAY + 0.5  # middle of the hour
    declination = np.radians(DECLINATION_DEG) * np.sin(np.radians(360.0 * (284 + day) / DAYS_PER_YEAR))
    phi = np.radians(latitude_deg)
    omega = np.radians(15.0 * (solar_time - 12.0))
    cos_zenith = np.sin(phi) * np.sin(declination) + np.cos(phi) * np.cos(declination) * np.cos(omega)
    up = cos_zenith > 0.01  # sun above ≈0.6°: the air-mass formula breaks down at the horizon
    output = np.zeros(HOURS_PER_YEAR)
    output[up] = cos_zenith[up] * AIR_MASS_BASE ** ((1.0 / cos_zenith[up]) ** AIR_MASS_EXPONENT)
    shape = output / output.sum()
    shape.setflags(write=False)
    return shape


def _ar1_factor(*, std: float, lag1: float, steps: int, seed_text: str) -> np.ndarray:
    """Lognormal AR(1) factor over `steps` steps, mean 1, with the given std and lag-1 autocorrelation."""
    rng = np.random.default_rng(zlib.crc32(seed_text.encode()))
    sigma = np.sqrt(np.log1p(std**2))
    shocks = rng.standard_normal(steps)
    gain = np.sqrt(1 - lag1**2)  # z_d = lag1 z_(d-1) + gain e_d keeps unit variance; z_0 = e_0
    z = lfilter([gain], [1.0, -lag1], shocks, zi=[shocks[0] * (1 - gain)])[0]
    factor = np.exp(sigma * z - sigma**2 / 2)
    return factor / factor.mean()


@cache
def wind_shape(*, region_slug: str) -> tuple[np.ndarray, str, str | None]:
    """Relative hourly wind output (sum 1), its method and the assumption when the region borrows a shape.
    Cached per region (seeded by its slug: the same year every time; read-only)."""
    data = _data()
    entry = data["regions"].get(region_slug, data["default_wind"])
    wind = data["wind"][entry["wind"]]
    table = np.asarray(wind["month_hour_cf_rel"], dtype=float)
    month, hour = month_hour_index()
    daily = _ar1_factor(
        std=wind["daily_rel_std"], lag1=wind["daily_lag1"], steps=DAYS_PER_YEAR, seed_text=f"wind-day:{region_slug}"
    )
    within_day = _ar1_factor(
        std=wind["hourly_rel_std"], lag1=wind["hourly_lag1"], steps=HOURS_PER_YEAR, seed_text=f"wind-hour:{region_slug}"
    )
    shape = table[month, hour] * np.repeat(daily, HOURS_PER_DAY) * within_day
    method = (
        f"wind: month × hour output of the {entry['wind']} wind fleet ({wind['source']}, {wind['period']}) × "
        f"lognormal AR(1) factors day to day (std {wind['daily_rel_std']}, lag-1 {wind['daily_lag1']}) and hour to "
        f"hour within the day (std {wind['hourly_rel_std']}, lag-1 {wind['hourly_lag1']}), all measured"
    )
    relative = shape / shape.sum()
    relative.setflags(write=False)
    return relative, method, entry.get("a")


def contract_supply(
    *,
    annual_energy_kwh: float,
    annual_match_frac: float,
    solar_frac: float,
    wind_frac: float,
    firm_frac: float,
    latitude_deg: float,
    region_slug: str,
) -> CleanShape:
    """Hourly clean supply [kWh] of a contract of annual_match_frac × annual energy with the given mix."""
    for name, value in (("solar_frac", solar_frac), ("wind_frac", wind_frac), ("firm_frac", firm_frac)):
        if not 0.0 <= value <= 1.0:
            raise CleanSupplyError(f"grid.clean_energy.{name}: must be within [0, 1], got {value}")
    if abs(solar_frac + wind_frac + firm_frac - 1.0) > 1e-6:
        raise CleanSupplyError(
            "grid.clean_energy: solar_frac + wind_frac + firm_frac must add up to 1, got "
            f"{solar_frac + wind_frac + firm_frac:g}"
        )
    total_kwh = annual_match_frac * annual_energy_kwh
    shape = np.full(HOURS_PER_YEAR, firm_frac / HOURS_PER_YEAR)
    parts, notes = [], []
    if firm_frac:
        parts.append(f"firm {firm_frac:g}: flat")
    if solar_frac:
        shape += solar_frac * solar_shape(latitude_deg=latitude_deg)
        parts.append(
            f"solar {solar_frac:g}: clear-sky horizontal at latitude {latitude_deg:.2f}° (Cooper 1969; Meinel)"
        )
    if wind_frac:
        wind, wind_method, borrowed = wind_shape(region_slug=region_slug)
        shape += wind_frac * wind
        parts.append(f"{wind_frac:g} {wind_method}")
        if borrowed:
            notes.append(f"clean-energy contract: {borrowed} (assumption)")
    return CleanShape(supply_kwh=total_kwh * shape, method="; ".join(parts), notes=tuple(notes))
