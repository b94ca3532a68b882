"""Derive compact month × hour profiles (12 × 24 means) from the reference hourly series.

Run from the repository root:  .venv/bin/python -m grid.tools.derive_profiles
Reads ../shared/reference/hourly/ (never copied into the repo) and writes grid/data/profiles.json:
for each series, 288 means by calendar month and local standard hour, with the source file,
period, unit, time-zone shift and citation. Only these statistics ship with the project.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / ".." / "shared" / "reference" / "hourly"
OUTPUT = REPO / "grid" / "data" / "profiles.json"

CARBONCAST = "CarbonCast (Maji et al., ACM e-Energy 2022; github.com/carbonfirst/CarbonCast), from EIA-930 / ENTSO-E"
SERIES = {
    # name: (file, time column, value column, hours to add to get local standard time, years, unit, kind, source)
    "carbon/pjm": (
        "carbon/carboncast_PJM_direct.csv",
        "UTC time",
        "carbon_intensity",
        -5,
        (2019, 2022),
        "gCO2/kWh",
        "average direct (operational) intensity",
        CARBONCAST,
    ),
    "carbon/ercot": (
        "carbon/carboncast_ERCO_direct.csv",
        "UTC time",
        "carbon_intensity",
        -6,
        (2019, 2022),
        "gCO2/kWh",
        "average direct intensity",
        CARBONCAST,
    ),
    "carbon/caiso": (
        "carbon/carboncast_CISO_direct.csv",
        "UTC time",
        "carbon_intensity",
        -8,
        (2019, 2022),
        "gCO2/kWh",
        "average direct intensity",
        CARBONCAST,
    ),
    "carbon/germany": (
        "carbon/carboncast_DE_direct.csv",
        "UTC time",
        "carbon_intensity",
        1,
        (2020, 2021),
        "gCO2/kWh",
        "average direct intensity",
        CARBONCAST,
    ),
    "carbon/sweden": (
        "carbon/carboncast_SE_direct.csv",
        "UTC time",
        "carbon_intensity",
        1,
        (2019, 2021),
        "gCO2/kWh",
        "average direct intensity",
        CARBONCAST,
    ),
    "marginal/caiso-pge": (
        "carbon/SGIP_CAISO_PGE_MOER_2020_hourly.csv",
        "utc_hour",
        "moer_kgCO2_per_kWh",
        -8,
        (2020, 2020),
        "kgCO2/kWh",
        "short-run marginal operating emission rate (MOER)",
        "California SGIP GHG signal (WattTime for CPUC), PG&E area, CC BY 4.0",
    ),
    "price/pjm-comed": (
        "price/epftoolbox_PJM_COMED_2013-2018.csv",
        "",
        " Zonal COMED price",
        0,
        (2014, 2017),
        "USD/MWh",
        "day-ahead zonal LMP",
        "epftoolbox PJM-COMED day-ahead prices (Lago et al., Applied Energy 293, 2021)",
    ),
    "load/dominion": (
        "load/DOM_hourly.csv",
        "Datetime",
        "DOM_MW",
        0,
        (2014, 2017),
        "MW",
        "Dominion zone hourly load (local time)",
        "PJM hourly load via Kaggle 'PJM Hourly Energy Consumption'",
    ),
}


def _month_hour_means(stamps: np.ndarray, values: np.ndarray) -> np.ndarray:
    month = stamps.astype("datetime64[M]").astype(int) % 12
    hour = stamps.astype("datetime64[h]").astype(int) % 24
    cell = month * 24 + hour
    sums = np.bincount(cell, weights=values, minlength=288)
    counts = np.bincount(cell, minlength=288)
    if np.any(counts == 0):
        raise ValueError("a month × hour cell has no data")
    return (sums / counts).reshape(12, 24)


def _read(path: Path, time_col: str, value_col: str) -> tuple[np.ndarray, np.ndarray]:
    with path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    stamps = np.array([r[time_col][:19].replace(" ", "T") for r in rows], dtype="datetime64[h]")
    values = np.array([float(r[value_col]) if r[value_col] else np.nan for r in rows])
    return stamps, values


def _ercot_prices(year: int) -> tuple[np.ndarray, np.ndarray]:
    path = REFERENCE / "price" / f"ERCOT_DAM_SPP_hubs_loadzones_{year}_hourly.csv"
    with path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    stamps = []
    for r in rows:
        month, day, yr = r["Delivery Date"].split("/")
        hour_beginning = int(r["Hour Ending"][:2]) - 1  # hour ending 01:00 → 00:00–01:00
        stamps.append(f"{yr}-{month}-{day}T{hour_beginning:02d}")
    return np.array(stamps, dtype="datetime64[h]"), np.array([float(r["HB_HUBAVG"]) for r in rows])


def main() -> None:
    profiles = {}
    for name, (file, tcol, vcol, shift_h, (y0, y1), unit, kind, source) in SERIES.items():
        stamps, values = _read(REFERENCE / file, tcol, vcol)
        stamps = stamps + np.timedelta64(shift_h, "h")
        year = stamps.astype("datetime64[Y]").astype(int) + 1970
        keep = (year >= y0) & (year <= y1) & np.isfinite(values)
        table = _month_hour_means(stamps[keep], values[keep])
        if unit == "kgCO2/kWh":
            table, unit = table * 1e3, "gCO2/kWh"
        profiles[name] = {
            "unit": unit,
            "what": kind,
            "source": source,
            "file": f"shared/reference/hourly/{file}",
            "period": f"{y0}–{y1}",
            "clock": f"local standard time (UTC{shift_h:+d})" if shift_h else "file's local clock",
            "annual_mean": round(float(values[keep].mean()) * (1e3 if "kgCO2" in vcol else 1), 3),
            "month_hour_mean": np.round(table, 3).tolist(),
        }
    stamps, values = zip(*(_ercot_prices(y) for y in (2021, 2022)), strict=True)
    stamps, values = np.concatenate(stamps), np.concatenate(values)
    keep = stamps.astype("datetime64[Y]").astype(int) + 1970 == 2022  # 2021 holds Winter Storm Uri ($9,000 cap)
    profiles["price/ercot-hub"] = {
        "unit": "USD/MWh",
        "what": "day-ahead settlement point price, hub average (HB_HUBAVG)",
        "source": "ERCOT DAM Settlement Point Prices (public report NP4-180-ER)",
        "file": "shared/reference/hourly/price/ERCOT_DAM_SPP_hubs_loadzones_2022_hourly.csv",
        "period": "2022",
        "clock": "Central prevailing time, hour beginning",
        "annual_mean": round(float(values[keep].mean()), 3),
        "month_hour_mean": np.round(_month_hour_means(stamps[keep], values[keep]), 3).tolist(),
    }
    OUTPUT.write_text(json.dumps({"about": __doc__.strip().splitlines()[0], "profiles": profiles}, indent=1) + "\n")
    print(f"wrote {OUTPUT} ({len(profiles)} profiles)")


if __name__ == "__main__":
    main()
