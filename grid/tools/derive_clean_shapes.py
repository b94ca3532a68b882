"""Derive grid/data/clean_supply.yaml: hourly wind shapes for clean-energy contracts (hourly matching).

For each source series of wind generation (CarbonCast EIA-930 / ENTSO-E generation by fuel; EirGrid
system data for Ireland) it computes, in local standard time:
- `month_hour_cf_rel`: 12 × 24 mean wind output by calendar month and hour, each year first divided
  by its own annual mean (fleet growth removed), so the table's mean is ≈1;
- `daily_rel_std`, `daily_lag1`: the standard deviation and lag-1 autocorrelation of the daily mean
  output ÷ that day's month × hour expectation (the day-to-day swing of wind that a month × hour
  mean hides, and which decides how much of a flat load a wind contract can match hour by hour).
The shapes are compact statistics; the series are never copied.

    .venv/bin/python -m grid.tools.derive_clean_shapes [--check]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT.parent / "shared" / "reference" / "hourly"
OUTPUT = ROOT / "grid" / "data" / "clean_supply.yaml"
CARBONCAST = "CarbonCast (Maji et al., ACM e-Energy 2022; github.com/carbonfirst/CarbonCast), wind generation"

# key: (file, time column, value column, hours to local standard time, years, source)
WIND = {
    "pjm": ("carbon/carboncast_PJM_direct.csv", "UTC time", "wind", -5, (2019, 2022), f"{CARBONCAST} from EIA-930"),
    "ercot": ("carbon/carboncast_ERCO_direct.csv", "UTC time", "wind", -6, (2019, 2022), f"{CARBONCAST} from EIA-930"),
    "caiso": ("carbon/carboncast_CISO_direct.csv", "UTC time", "wind", -8, (2019, 2022), f"{CARBONCAST} from EIA-930"),
    "germany": ("carbon/carboncast_DE_direct.csv", "UTC time", "wind", 1, (2020, 2021), f"{CARBONCAST} from ENTSO-E"),
    "sweden": ("carbon/carboncast_SE_direct.csv", "UTC time", "wind", 1, (2019, 2021), f"{CARBONCAST} from ENTSO-E"),
    "ireland": (
        "load/EirGrid_System-Data-Qtr-Hourly-2017.csv",
        "DateTime",
        "IE Wind Generation",
        0,
        (2017, 2017),
        "EirGrid System Data Qtr Hourly 2017 (CC BY 4.0), IE wind generation, hourly means of 15-min values",
    ),
}


# shipped region → (wind key, reason when the region borrows another region's wind). Regions not
# listed have no wind series in the reference data and borrow PJM's (assumption, said in the result).
REGION_WIND: dict[str, tuple[str, str | None]] = {
    "pjm-dominion": ("pjm", "PJM-wide wind fleet (the Dominion zone has little wind of its own)"),
    "pjm": ("pjm", None),
    "ercot": ("ercot", None),
    "caiso": ("caiso", None),
    "miso": ("ercot", "no MISO wind series in the reference data: ERCOT's (plains wind) shape"),
    "spp": ("ercot", "no SPP wind series in the reference data: ERCOT's (plains wind) shape"),
    "nyiso": ("pjm", "no NYISO wind series in the reference data: PJM's shape"),
    "iso-ne": ("pjm", "no ISO-NE wind series in the reference data: PJM's shape"),
    "soco": ("pjm", "no Southeast wind series in the reference data: PJM's shape"),
    "germany": ("germany", None),
    "netherlands": ("germany", "no Dutch wind series in the reference data: Germany's shape"),
    "sweden-nordics": ("sweden", None),
    "ireland": ("ireland", None),
}


def _read(file: str, time_col: str, value_col: str) -> tuple[np.ndarray, np.ndarray]:
    with (REFERENCE / file).open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    if "/" in rows[0][time_col]:  # EirGrid dd/mm/yyyy HH:MM, GMT, 15-min
        stamps = np.array(
            [f"{r[time_col][6:10]}-{r[time_col][3:5]}-{r[time_col][0:2]}T{r[time_col][11:13]}" for r in rows],
            dtype="datetime64[h]",
        )
    else:
        stamps = np.array([r[time_col][:19].replace(" ", "T") for r in rows], dtype="datetime64[h]")
    values = np.array([float(r[value_col]) if r[value_col] not in ("", "nan") else np.nan for r in rows])
    hours, index = np.unique(stamps, return_inverse=True)  # hourly means (15-min data; duplicates)
    ok = np.isfinite(values)
    sums = np.bincount(index[ok], weights=values[ok], minlength=hours.size)
    counts = np.bincount(index[ok], minlength=hours.size)
    with np.errstate(invalid="ignore"):
        return hours, np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def shape_statistics(stamps: np.ndarray, values: np.ndarray) -> dict:
    year = stamps.astype("datetime64[Y]").astype(int)
    rel = np.empty_like(values)
    for y in np.unique(year):
        mask = year == y
        rel[mask] = values[mask] / np.nanmean(values[mask])
    month = stamps.astype("datetime64[M]").astype(int) % 12
    hour = stamps.astype("datetime64[h]").astype(int) % 24
    ok = np.isfinite(rel)
    cell = month * 24 + hour
    table = (np.bincount(cell[ok], weights=rel[ok], minlength=288) / np.bincount(cell[ok], minlength=288)).reshape(
        12, 24
    )
    day = stamps.astype("datetime64[D]")
    expected = table[month, hour]
    days, index = np.unique(day, return_inverse=True)
    obs = np.bincount(index[ok], weights=rel[ok], minlength=days.size)
    exp = np.bincount(index[ok], weights=expected[ok], minlength=days.size)
    full = np.bincount(index[ok], minlength=days.size) == 24
    ratio = obs[full] / exp[full]
    consecutive = np.diff(days[full].astype(int)) == 1
    a, b = ratio[:-1][consecutive], ratio[1:][consecutive]
    # within the day: each hour ÷ (its month × hour expectation × its day's ratio), on full days
    day_ratio = np.full(days.size, np.nan)
    day_ratio[full] = obs[full] / exp[full]
    hourly = rel / (expected * day_ratio[index])
    good = np.isfinite(hourly) & (expected > 0)
    h_a, h_b = hourly[:-1], hourly[1:]
    pair = good[:-1] & good[1:] & (np.diff(stamps.astype(int)) == 1)
    return {
        "month_hour_cf_rel": np.round(table, 3).tolist(),
        "daily_rel_std": round(float(ratio.std()), 3),
        "daily_lag1": round(float(np.corrcoef(a, b)[0, 1]), 3),
        "hourly_rel_std": round(float(hourly[good].std()), 3),
        "hourly_lag1": round(float(np.corrcoef(h_a[pair], h_b[pair])[0, 1]), 3),
        "measured_flat_load_match": round(_flat_match(stamps, values), 3),
        "days": int(full.sum()),
    }


def _flat_match(stamps: np.ndarray, values: np.ndarray) -> float:
    """Mean over the years of the hourly-matched share of a flat load by a contract of 100 % of it
    shaped like the measured fleet output (the figure the modelled shape is tested against)."""
    year = stamps.astype("datetime64[Y]").astype(int)
    shares = []
    for y in np.unique(year):
        x = values[(year == y) & np.isfinite(values)]
        shares.append(float(np.minimum(1.0, x / x.mean()).mean()))
    return float(np.mean(shares))


def derive() -> dict:
    wind = {}
    for key, (file, tcol, vcol, shift_h, (y0, y1), source) in WIND.items():
        stamps, values = _read(file, tcol, vcol)
        stamps = stamps + np.timedelta64(shift_h, "h")
        year = stamps.astype("datetime64[Y]").astype(int) + 1970
        keep = (year >= y0) & (year <= y1)
        stats = shape_statistics(stamps[keep], values[keep])
        wind[key] = {
            "source": source,
            "file": f"shared/reference/hourly/{file}",
            "period": f"{y0}–{y1}",
            "clock": f"local standard time (UTC{shift_h:+d})" if shift_h else "UTC (= Irish standard time)",
        } | stats
    return {
        "about": "Hourly clean-supply shapes for hourly (24/7) matching. Generated by "
        "grid/tools/derive_clean_shapes.py from shared/reference/hourly; do not edit by hand.",
        "wind": wind,
        "regions": {
            slug: {"wind": key} | ({"a": reason} if reason else {}) for slug, (key, reason) in REGION_WIND.items()
        },
        "default_wind": {"wind": "pjm", "a": "no wind series for this region in the reference data: PJM's shape"},
    }


def main(argv: list[str]) -> int:
    data = derive()
    text = yaml.safe_dump(data, sort_keys=False, width=400)
    if "--check" in argv:
        same = OUTPUT.read_text(encoding="utf-8") == text
        print("clean_supply.yaml is up to date" if same else "clean_supply.yaml differs: rerun the tool")
        return 0 if same else 1
    OUTPUT.write_text(text, encoding="utf-8")
    for key, entry in data["wind"].items():
        table = np.asarray(entry["month_hour_cf_rel"])
        print(
            f"wind {key:8s} {entry['period']:9s} days {entry['days']:5d}  daily std {entry['daily_rel_std']:.3f} "
            f"lag-1"
            f" {entry['daily_lag1']:.3f}  month range {table.mean(axis=1).min():.2f}–{table.mean(axis=1).max():.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
