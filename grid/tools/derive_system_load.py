"""Derive each region's compact multi-year hourly system load from the reference series.

Run from the repository root:  .venv/bin/python -m grid.tools.derive_system_load
Reads ../shared/reference/hourly/load/ (never copied into the repo) and writes
grid/data/system_load.json. For each series and each complete local-standard-time year it keeps
only the 365 daily maxima and minima [MW] (leap day dropped), plus one normalised within-day
shape per calendar month × day type (weekday / weekend), 12 × 2 × 24 values in [0, 1]. The
hourly load is rebuilt as

    load(d, h) = min_d + (max_d − min_d) × shape[month(d), daytype(d), h]        (grid.system_load)

so every real daily peak (weather included) is kept exactly; only the hour-by-hour course within
a day is the month's typical one. The fit error against the real hours is computed here and
shipped beside the data: mean absolute percentage error, RMSE, and the flexibility headroom
(grid.headroom, the study's all-period method) on the real and on the rebuilt hours.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from grid import headroom
from grid.constants import DAYS_PER_YEAR, HOURS_PER_DAY, HOURS_PER_YEAR, MONTH_DAYS

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / ".." / "shared" / "reference" / "hourly" / "load"
OUTPUT = REPO / "grid" / "data" / "system_load.json"
EDGE_FILL_HOURS = 12  # at most this many hours missing at a year's start/end (UTC → local shift) are filled
LEAP_DAY_INDEX = 59  # 29 Feb is day 59 (0-based) of a leap year

EIA930 = (
    "EIA Form 930 hourly demand by balancing authority, cleaned by Ruggles, Farnham et al. (Sci Data 7, 155, "
    "2020; doi 10.5281/zenodo.3517196, CC BY 4.0), as stitched in shared/reference/hourly/load (README there)"
)
SERIES = {
    # key: (file, UTC offset of local standard time [h], what, source)
    "pjm-dom": ("PJM_DOM_hourly.csv", -5, "PJM Dominion zone (EIA-930 sub-region PJM-DOM)", EIA930),
    "pjm": ("PJM_hourly.csv", -5, "PJM RTO (balancing authority PJM)", EIA930),
    "ercot": ("ERCOT_hourly.csv", -6, "ERCOT (balancing authority ERCO)", EIA930),
    "miso": ("MISO_hourly.csv", -6, "MISO (balancing authority MISO; Central time taken)", EIA930),
    "caiso": ("CAISO_hourly.csv", -8, "CAISO (balancing authority CISO)", EIA930),
    "spp": ("SPP_hourly.csv", -6, "SPP (balancing authority SWPP)", EIA930),
    "nyiso": ("NYISO_hourly.csv", -5, "NYISO (balancing authority NYIS)", EIA930),
    "isone": ("ISONE_hourly.csv", -5, "ISO New England (balancing authority ISNE)", EIA930),
    "soco": ("SOCO_hourly.csv", -5, "Southern Company (balancing authority SOCO; Eastern time taken)", EIA930),
    "de": (
        "DE_hourly.csv",
        1,
        "Germany, ENTSO-E actual total load",
        "Open Power System Data 'Time series' (DE_load_actual_entsoe_transparency), ENTSO-E Transparency",
    ),
    "sg": (
        "SG_hourly.csv",
        8,
        "Singapore system demand",
        "Energy Market Authority 'Half Hourly System Demand' (data.gov.sg, Singapore Open Data Licence)",
    ),
    "ie": (
        "EirGrid_System-Data-Qtr-Hourly-2017.csv",
        0,
        "Ireland (ROI) system demand, 15-min averaged to hours",
        "EirGrid System Data Qtr-Hourly 2017, column 'IE Demand' (CC BY 4.0)",
    ),
}
# Not shipped: TEPCO_hourly.csv (the source states no open licence: test use only, and it covers the
# Tokyo area while the planner's japan region is national); DOM_hourly.csv (superseded by PJM_DOM).


def _read_utc(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(UTC hour stamps, MW) of one reference file."""
    with path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    header, rows = rows[0], rows[1:]
    if header[0] == "DateTime":  # EirGrid: dd/mm/yyyy HH:MM local, GMT offset, 15-min
        col = header.index("IE Demand")
        stamps = []
        for r in rows:
            day, month, rest = r[0].split("/")
            year, clock = rest.split(" ")
            stamps.append(np.datetime64(f"{year}-{month}-{day}T{clock}", "m") - np.timedelta64(int(r[1]), "h"))
        minutes = np.array(stamps, dtype="datetime64[m]")
        values = np.array([float(r[col]) for r in rows])
        hours = minutes.astype("datetime64[h]")
        unique, inverse = np.unique(hours, return_inverse=True)
        return unique, np.bincount(inverse, weights=values) / np.bincount(inverse)
    stamps = np.array([r[0][:19] for r in rows], dtype="datetime64[h]")
    return stamps, np.array([float(r[1]) for r in rows])


def local_years(stamps_utc: np.ndarray, values: np.ndarray, offset_h: int) -> dict[int, np.ndarray]:
    """Complete local-standard-time years as 8,760-hour arrays (leap day dropped).

    Up to EDGE_FILL_HOURS hours missing at either end (the UTC → local shift) take the value of the
    same hour a day before or after; a year with any other gap is left out.
    """
    local = stamps_utc + np.timedelta64(offset_h, "h")
    years = local.astype("datetime64[Y]").astype(int) + 1970
    out: dict[int, np.ndarray] = {}
    for year in np.unique(years):
        start = np.datetime64(f"{year}-01-01T00", "h")
        hours = int((np.datetime64(f"{year + 1}-01-01T00", "h") - start).astype(int))
        index = (local - start).astype(int)
        inside = (index >= 0) & (index < hours)
        series = np.full(hours, np.nan)
        series[index[inside]] = values[inside]
        missing = np.flatnonzero(np.isnan(series))
        edge = (missing < EDGE_FILL_HOURS) | (missing >= hours - EDGE_FILL_HOURS)
        if missing.size > 2 * EDGE_FILL_HOURS or not edge.all():
            continue
        for i in missing:
            series[i] = series[i + HOURS_PER_DAY] if i < HOURS_PER_DAY else series[i - HOURS_PER_DAY]
        if np.isnan(series).any():
            continue
        if hours > HOURS_PER_YEAR:
            series = np.delete(series, np.s_[LEAP_DAY_INDEX * HOURS_PER_DAY : (LEAP_DAY_INDEX + 1) * HOURS_PER_DAY])
        out[int(year)] = series
    return out


def weekend_days(year: int) -> np.ndarray:
    """True on the Saturdays and Sundays of a 365-day year (leap day dropped)."""
    first = np.datetime64(f"{year}-01-01", "D")
    days = first + np.arange(DAYS_PER_YEAR + (1 if (year % 4 == 0 and year % 100) or year % 400 == 0 else 0))
    if days.size > DAYS_PER_YEAR:
        days = np.delete(days, LEAP_DAY_INDEX)
    weekday = (days.astype(int) + 3) % 7  # 1970-01-01 was a Thursday (3 with Monday = 0)
    return weekday >= 5


def month_of_day() -> np.ndarray:
    return np.repeat(np.arange(12), MONTH_DAYS)


def compact(years: dict[int, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(daily max (K, 365), daily min (K, 365), shape (12, 2, 24)) of the years' hourly loads."""
    load = np.stack(list(years.values())).reshape(len(years), DAYS_PER_YEAR, HOURS_PER_DAY)
    high, low = load.max(axis=2), load.min(axis=2)
    span = np.where(high > low, high - low, 1.0)
    normal = (load - low[..., None]) / span[..., None]
    weekend = np.stack([weekend_days(y) for y in years]).astype(int)
    month = np.broadcast_to(month_of_day(), weekend.shape)
    shape = np.zeros((12, 2, HOURS_PER_DAY))
    for m in range(12):
        for w in range(2):
            cell = normal[(month == m) & (weekend == w)]
            mean = cell.mean(axis=0) if cell.size else normal[month == m].mean(axis=0)
            shape[m, w] = (mean - mean.min()) / (mean.max() - mean.min())
    return high, low, shape


def rebuild(high: np.ndarray, low: np.ndarray, shape: np.ndarray, years: list[int]) -> np.ndarray:
    """Hourly load (K, 8,760) from daily max/min and the month × day-type shape (see module doc)."""
    weekend = np.stack([weekend_days(y) for y in years]).astype(int)
    day_shape = shape[month_of_day()[None, :], weekend]  # (K, 365, 24)
    return (low[..., None] + (high - low)[..., None] * day_shape).reshape(len(years), HOURS_PER_YEAR)


def study_headroom(load: np.ndarray) -> list[float | None]:
    months = np.tile(np.repeat(np.arange(1, 13), np.asarray(MONTH_DAYS) * HOURS_PER_DAY), load.shape[0])
    labels = np.repeat(np.arange(load.shape[0]), HOURS_PER_YEAR)
    rows = headroom.headroom_all_years(load_mw=load.ravel(), month=months, year=labels)
    return [r["headroom_mw"] for r in rows]


def _error_pct(rebuilt: float | None, real: float | None) -> float | None:
    return None if rebuilt is None or not real else round(100 * (rebuilt - real) / real, 2)


def derive(key: str) -> dict:
    file, offset_h, what, source = SERIES[key]
    stamps, values = _read_utc(REFERENCE / file)
    years = local_years(stamps, values, offset_h)
    high, low, shape = compact(years)
    real = np.stack(list(years.values()))
    rebuilt = rebuild(high, low, shape, list(years))
    error = rebuilt - real
    real_headroom, rebuilt_headroom = study_headroom(real), study_headroom(rebuilt)
    return {
        "what": what,
        "source": source,
        "file": f"shared/reference/hourly/load/{file}",
        "clock": f"local standard time (UTC{offset_h:+d}), hour beginning; 365-day years (29 Feb dropped)",
        "years": list(years),
        "annual_mean_mw": {str(y): round(float(v.mean()), 1) for y, v in years.items()},
        "daily_max_mw": {str(y): np.round(high[k]).astype(int).tolist() for k, y in enumerate(years)},
        "daily_min_mw": {str(y): np.round(low[k]).astype(int).tolist() for k, y in enumerate(years)},
        "shape": np.round(shape, 4).tolist(),
        "fit": {
            "mean_abs_error_pct": round(float(100 * np.mean(np.abs(error) / real)), 2),
            "rmse_mw": round(float(np.sqrt(np.mean(error**2))), 1),
            "peak_mw": round(float(real.max()), 1),
            "headroom_rates_pct": [100 * r for r in headroom.DUKE_RATES_FRAC],
            "headroom_real_mw": real_headroom,
            "headroom_rebuilt_mw": rebuilt_headroom,
            "headroom_error_pct": [_error_pct(b, a) for a, b in zip(real_headroom, rebuilt_headroom, strict=True)],
        },
    }


def main() -> None:
    series = {}
    for key in SERIES:
        series[key] = derive(key)
        fit = series[key]["fit"]
        print(
            f"{key:8s} {series[key]['years'][0]}–{series[key]['years'][-1]} ({len(series[key]['years'])} y): "
            f"MAPE {fit['mean_abs_error_pct']:.2f} %, RMSE {fit['rmse_mw']:,.0f} MW; headroom real "
            f"{fit['headroom_real_mw']} vs rebuilt {fit['headroom_rebuilt_mw']} MW ({fit['headroom_error_pct']} %)"
        )
    document = {"about": __doc__.strip().splitlines()[0], "method": __doc__.strip().split("\n\n")[1], "series": series}
    text = json.dumps(document, separators=(",", ":"))
    OUTPUT.write_text(text.replace(',"', ',\n"') + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size / 1e3:,.0f} kB, {len(series)} series)")


if __name__ == "__main__":
    main()
