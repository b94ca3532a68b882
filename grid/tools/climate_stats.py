"""Monthly climate statistics from an hourly weather file (EPW or CSV), printed as YAML.

Used to derive the compact monthly statistics shipped in grid/data/climates.yaml from the
typical-year files in ../shared/reference/hourly/weather/ (which are not copied into the repo):

    .venv/bin/python -m grid.tools.climate_stats ../shared/reference/hourly/weather/FILE.epw

Per month: mean dry bulb [°C], mean diurnal range (mean of daily max - daily min) [°C], mean dew
point [°C], mean relative humidity [%], and the standard deviation of daily-mean dry bulb about the
monthly mean [°C]; per year: the lag-1 autocorrelation of those daily anomalies [-] and the slope
of daily dew-point anomalies on dry-bulb anomalies [-] (least squares through the origin).
"""

from __future__ import annotations

import sys

import numpy as np

from grid.constants import HOURS_PER_DAY, MONTH_DAYS
from grid.weather import HourlyWeather, read_weather_file


def monthly_statistics(weather: HourlyWeather) -> dict[str, list[float]]:
    """Monthly means of an 8,760-hour year."""
    days = np.repeat(np.arange(12), MONTH_DAYS)  # month of each day
    daily = weather.dry_bulb_c.reshape(-1, HOURS_PER_DAY)
    daily_range = daily.max(axis=1) - daily.min(axis=1)
    month_of_hour = np.repeat(days, HOURS_PER_DAY)

    def by_month(values: np.ndarray, months: np.ndarray) -> list[float]:
        return [round(float(values[months == m].mean()), 1) for m in range(12)]

    def anomalies(hourly: np.ndarray) -> np.ndarray:
        daily_mean = hourly.reshape(-1, HOURS_PER_DAY).mean(axis=1)
        monthly = np.bincount(days, weights=daily_mean) / np.array(MONTH_DAYS)
        return daily_mean - monthly[days]

    dry, dew = anomalies(weather.dry_bulb_c), anomalies(weather.dew_point_c)
    return {
        "dry_bulb_mean_c": by_month(weather.dry_bulb_c, month_of_hour),
        "diurnal_range_c": by_month(daily_range, days),
        "dew_point_mean_c": by_month(weather.dew_point_c, month_of_hour),
        "relative_humidity_mean_pct": by_month(100.0 * weather.relative_humidity_frac, month_of_hour),
        "daily_anomaly_std_c": [round(float(dry[days == m].std()), 1) for m in range(12)],
        "daily_anomaly_autocorrelation": [round(float(np.corrcoef(dry[:-1], dry[1:])[0, 1]), 2)],
        "dew_point_anomaly_slope": [round(float((dry * dew).sum() / (dry * dry).sum()), 2)],
    }


def main(paths: list[str]) -> None:
    for path in paths:
        weather = read_weather_file(path)
        print(f"# {weather.source}")
        for key, values in monthly_statistics(weather).items():
            print(f"  {key}: [{', '.join(f'{v:g}' for v in values)}]")


if __name__ == "__main__":
    main(sys.argv[1:])
