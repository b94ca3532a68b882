"""Climate catalog (grid/data/climates.yaml) and a deterministic typical-year generator.

The generator turns monthly statistics (mean dry bulb, mean diurnal range, mean dew point) into
8,760 hourly values:

- daily values are piecewise linear between mid-month anchors (periodic over the year), the
  anchors chosen so that each month's mean equals the published monthly value;
- the hour-of-day shape is ASHRAE's fraction of the daily range below the daily maximum
  (ASHRAE Handbook Fundamentals 2009, ch. 14, Table 6): T(h) = T_mean + (mean(f) - f(h)) × range,
  so the day's mean is the interpolated monthly mean;
- day-to-day weather (fronts, warm and cold spells): a first-order autoregressive series of
  daily-mean anomalies with the site's monthly standard deviation and lag-1 autocorrelation
  (``daily_variability``), drawn from a random generator seeded by the site's slug - the same
  year every time - and centred so each month keeps its mean; the dew point moves with
  ``dew_point_slope`` × the dry-bulb anomaly;
- the dew point is never above the dry bulb (fog at dawn).
A generated year reproduces the monthly statistics and a realistic spread of days, not the
hottest hours of a real record: every generated result says so (``HourlyWeather.generated``).
"""

from __future__ import annotations

import difflib
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.signal import lfilter

from grid.constants import DAYS_PER_YEAR, HOURS_PER_DAY, MONTH_DAYS, STANDARD_PRESSURE_PA
from grid.weather import HourlyWeather, weather_from_arrays

CLIMATES_PATH = Path(__file__).resolve().parent / "data" / "climates.yaml"

# ASHRAE Handbook Fundamentals 2009, ch. 14, Table 6: fraction of the daily temperature range
# below the daily maximum, for the hours ending 01:00 ... 24:00 local time.
ASHRAE_DAILY_RANGE_FRACTION = np.array(
    [0.88, 0.92, 0.95, 0.98, 1.00, 0.98, 0.91, 0.74, 0.55, 0.38, 0.23, 0.13,
     0.05, 0.00, 0.00, 0.06, 0.14, 0.24, 0.39, 0.50, 0.59, 0.68, 0.75, 0.82]
)  # fmt: skip


class ClimateError(ValueError):
    """Unknown climate slug or malformed catalog entry."""


@dataclass(frozen=True)
class ClimateSite:
    slug: str
    name: str
    latitude: float
    longitude: float
    elevation_m: float
    source: str
    dry_bulb_mean_c: tuple[float, ...]  # 12 monthly means [°C]
    diurnal_range_c: tuple[float, ...]  # 12 monthly mean daily ranges [°C]
    dew_point_mean_c: tuple[float, ...]  # 12 monthly mean dew points [°C]
    reference_file: str | None = None  # hourly typical-year file in ../shared/reference/hourly/weather
    estimated_humidity: bool = False  # dew point estimated (FAO-56), not measured
    anomaly_std_c: tuple[float, ...] = (0.0,) * 12  # std of daily-mean dry bulb about the monthly mean [°C]
    anomaly_autocorrelation: float = 0.0  # lag-1 autocorrelation of daily anomalies [-]
    dew_point_slope: float = 0.0  # dew-point anomaly per dry-bulb anomaly [-]

    @property
    def pressure_pa(self) -> float:
        """Standard-atmosphere pressure at the site's elevation [Pa] (ASHRAE Fundamentals 2017 ch. 1 eq. 3)."""
        return STANDARD_PRESSURE_PA * (1.0 - 2.25577e-5 * self.elevation_m) ** 5.2559


def _twelve(entry: dict, key: str, slug: str) -> tuple[float, ...]:
    values = entry.get(key)
    if not isinstance(values, list) or len(values) != 12:
        raise ClimateError(f"climate {slug!r}: {key} must list 12 monthly values")
    return tuple(float(v) for v in values)


def _site_from_entry(slug: str, entry: dict) -> ClimateSite:
    kind = entry.get("kind")
    estimated = False
    if kind == "from_typical_year":
        mean = _twelve(entry, "dry_bulb_mean_c", slug)
        daily_range = _twelve(entry, "diurnal_range_c", slug)
        dew = _twelve(entry, "dew_point_mean_c", slug)
    elif kind == "from_normals":
        high = np.array(_twelve(entry, "daily_max_c", slug))
        low = np.array(_twelve(entry, "daily_min_c", slug))
        mean = tuple(float(v) for v in (high + low) / 2.0)
        daily_range = tuple(float(v) for v in high - low)
        if "dew_point_mean_c" in entry:
            dew = _twelve(entry, "dew_point_mean_c", slug)
        else:
            method = entry.get("dew_point", {})
            if method.get("method") != "fao56_tmin":
                raise ClimateError(f"climate {slug!r}: give dew_point_mean_c or dew_point.method fao56_tmin")
            dew = tuple(float(v) for v in low - float(method["k0_c"]))
            estimated = True
    else:
        raise ClimateError(f"climate {slug!r}: kind must be from_typical_year or from_normals, not {kind!r}")
    variability = entry.get("daily_variability") or {}
    std = variability.get("anomaly_std_c", [0.0] * 12)
    if len(std) != 12:
        raise ClimateError(f"climate {slug!r}: daily_variability.anomaly_std_c must list 12 monthly values")
    rho = float(variability.get("autocorrelation", 0.0))
    if not 0.0 <= rho < 1.0:
        raise ClimateError(f"climate {slug!r}: daily_variability.autocorrelation must be within 0-1")
    return ClimateSite(
        slug=slug,
        name=str(entry["name"]),
        latitude=float(entry["latitude"]),
        longitude=float(entry["longitude"]),
        elevation_m=float(entry["elevation_m"]),
        source=str(entry["source"]),
        dry_bulb_mean_c=mean,
        diurnal_range_c=daily_range,
        dew_point_mean_c=dew,
        reference_file=entry.get("reference_file"),
        estimated_humidity=estimated,
        anomaly_std_c=tuple(float(v) for v in std),
        anomaly_autocorrelation=rho,
        dew_point_slope=float(variability.get("dew_point_slope", 0.0)),
    )


@cache
def _catalog() -> dict[str, ClimateSite]:
    data = yaml.safe_load(CLIMATES_PATH.read_text(encoding="utf-8"))
    return {slug: _site_from_entry(slug, entry) for slug, entry in data["sites"].items()}


def list_climates() -> list[ClimateSite]:
    return list(_catalog().values())


def get_climate(slug: str) -> ClimateSite:
    """The catalog site for a slug (case-insensitive); ClimateError names close matches."""
    catalog = _catalog()
    key = slug.strip().lower()
    if key in catalog:
        return catalog[key]
    close = difflib.get_close_matches(key, list(catalog), n=3, cutoff=0.4)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; known: {', '.join(sorted(catalog))}"
    raise ClimateError(f"unknown climate {slug!r}{hint}")


def climate_from_ref(ref: str | Mapping[str, Any]) -> ClimateSite:
    """A scenario's ``site.climate``: a catalog slug, or an own site's definition (the catalog API's
    form: the climates.yaml entry with its ``slug``), as snapshot in a run's inputs."""
    if isinstance(ref, str):
        return get_climate(ref)
    slug = str(ref.get("slug") or "").strip()
    if not slug:
        raise ClimateError("a site object needs its slug")
    try:
        return _site_from_entry(slug, dict(ref))
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, ClimateError):
            raise
        raise ClimateError(f"climate {slug!r}: {error!r} is missing or malformed") from None


def _interpolate_mid_months(anchors: np.ndarray) -> np.ndarray:
    month_days = np.array(MONTH_DAYS, dtype=float)
    mid = np.cumsum(month_days) - month_days / 2.0  # day-of-year of each month's middle
    x = np.concatenate(([mid[-1] - DAYS_PER_YEAR], mid, [mid[0] + DAYS_PER_YEAR]))
    y = np.concatenate(([anchors[-1]], anchors, [anchors[0]]))
    return np.interp(np.arange(DAYS_PER_YEAR) + 0.5, x, y)


@cache
def _mean_preserving_matrix() -> np.ndarray:
    """Inverse of the map mid-month anchors → monthly means of the interpolated days."""
    month_of_day = np.repeat(np.arange(12), MONTH_DAYS)
    forward = np.empty((12, 12))
    for j in range(12):
        daily = _interpolate_mid_months(np.eye(12)[j])
        forward[:, j] = np.bincount(month_of_day, weights=daily) / np.array(MONTH_DAYS)
    return np.linalg.inv(forward)


def _daily_from_monthly(monthly: tuple[float, ...]) -> np.ndarray:
    """365 daily values, piecewise linear between mid-months, whose monthly means equal ``monthly``."""
    anchors = _mean_preserving_matrix() @ np.asarray(monthly, dtype=float)
    return _interpolate_mid_months(anchors)


BURN_IN_DAYS = 60  # lets the autoregressive series forget its zero start


def daily_anomalies_c(site: ClimateSite) -> np.ndarray:
    """365 daily-mean dry-bulb anomalies [°C]: AR(1), monthly std, zero mean in every month."""
    rng = np.random.default_rng(zlib.crc32(site.slug.encode()))
    rho = site.anomaly_autocorrelation
    shocks = rng.standard_normal(DAYS_PER_YEAR + BURN_IN_DAYS) * np.sqrt(1.0 - rho**2)
    unit = lfilter([1.0], [1.0, -rho], shocks)[BURN_IN_DAYS:]  # unit-variance AR(1), vectorised
    month_of_day = np.repeat(np.arange(12), MONTH_DAYS)
    anomalies = unit * np.asarray(site.anomaly_std_c)[month_of_day]
    monthly_mean = np.bincount(month_of_day, weights=anomalies) / np.array(MONTH_DAYS)
    return anomalies - monthly_mean[month_of_day]


def generate_typical_year(site: ClimateSite) -> HourlyWeather:
    """Deterministic 8,760-hour year from the site's monthly statistics (see module docstring)."""
    anomalies = daily_anomalies_c(site)
    mean = _daily_from_monthly(site.dry_bulb_mean_c) + anomalies
    daily_range = _daily_from_monthly(site.diurnal_range_c)
    dew = _daily_from_monthly(site.dew_point_mean_c) + site.dew_point_slope * anomalies
    shape = ASHRAE_DAILY_RANGE_FRACTION.mean() - ASHRAE_DAILY_RANGE_FRACTION
    dry_bulb = (mean[:, None] + shape[None, :] * daily_range[:, None]).reshape(-1)
    dew_point = np.minimum(np.repeat(dew, HOURS_PER_DAY), dry_bulb)
    humidity = "estimated dew point (FAO-56)" if site.estimated_humidity else "monthly mean dew point"
    return weather_from_arrays(
        dry_bulb_c=dry_bulb,
        dew_point_c_values=dew_point,
        pressure_pa=site.pressure_pa,
        generated=True,
        source=(
            f"generated typical year for {site.name} ({site.slug}) from monthly statistics, {humidity}; "
            f"ASHRAE daily-range profile, seeded day-to-day variability; statistics source: {site.source}"
        ),
    )


def weather_for_climate(ref: str | Mapping[str, Any]) -> HourlyWeather:
    """The generated typical year of a catalog site or an own site's definition."""
    return generate_typical_year(climate_from_ref(ref))
