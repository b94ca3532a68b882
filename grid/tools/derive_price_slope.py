"""Fit the wholesale supply curve's slope (price vs system load) to the reference hourly series.

Run from the repository root:  .venv/bin/python -m grid.tools.derive_price_slope
Reads ../shared/reference/hourly/ (never copied into the repo) and writes grid/data/price_slopes.json.

Model, per market, over hours with a positive price:

    ln p_t = α_{year-month(t)} + β × L_t [GW] + ε_t

The year-month effects absorb fuel prices and seasons; β [1/GW] is the semi-elasticity of price to
system load along the supply curve. The price effect of added load ΔL [GW] at a price level p is
Δp ≈ β × p × ΔL, i.e. a slope of β × p [$/MWh per GW] (grid/data/regions.yaml applies it to the
region's current price). Shipped with each fit: β, its standard error, R² (within year-months
and overall), RMSE of ln p, hours, period, and the dimensionless β × mean load (the share of price
per unit share of load), with which a region without its own fit borrows one (an assumption).
Markets: PJM (COMED day-ahead price vs the PJM system load forecast, epftoolbox, 2013–2018) and
ERCOT (hub-average day-ahead price vs ERCOT's EIA-930 load, 2021–2022 without February 2021,
Winter Storm Uri). Sweden's prices (ENTSO-E SE1/SE3 2022–2023) have no Swedish load beside them
in the reference data: not fitted.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / ".." / "shared" / "reference" / "hourly"
OUTPUT = REPO / "grid" / "data" / "price_slopes.json"


def fit(stamps: np.ndarray, price: np.ndarray, load_mw: np.ndarray) -> dict:
    """β of ln p on load [GW] with year-month fixed effects (within estimator), and its fit error."""
    keep = (price > 0) & np.isfinite(price) & np.isfinite(load_mw)
    stamps, y, x = stamps[keep], np.log(price[keep]), load_mw[keep] / 1e3
    group = np.unique(stamps.astype("datetime64[M]"), return_inverse=True)[1]
    counts = np.bincount(group)
    y_within = y - (np.bincount(group, weights=y) / counts)[group]
    x_within = x - (np.bincount(group, weights=x) / counts)[group]
    beta = float(x_within @ y_within / (x_within @ x_within))
    residual = y_within - beta * x_within
    dof = y.size - counts.size - 1
    se = float(np.sqrt(residual @ residual / dof / (x_within @ x_within)))
    total = y - y.mean()
    return {
        "beta_per_gw": round(beta, 6),
        "beta_se_per_gw": round(se, 6),
        "r2_within": round(1 - float(residual @ residual / (y_within @ y_within)), 4),
        "r2_overall": round(1 - float(residual @ residual / (total @ total)), 4),
        "rmse_ln_price": round(float(np.sqrt(residual @ residual / y.size)), 4),
        "hours": int(y.size),
        "mean_price_usd_per_mwh": round(float(np.exp(y).mean()), 2),
        "mean_load_mw": round(float(x.mean() * 1e3), 0),
        "peak_load_mw": round(float(x.max() * 1e3), 0),
        "elasticity_per_load_share": round(beta * float(x.mean()), 4),
        "elasticity_per_peak_share": round(beta * float(x.max()), 4),
        "slope_at_mean_price_usd_per_mwh_per_gw": round(beta * float(np.exp(y).mean()), 4),
    }


def pjm() -> dict:
    path = REFERENCE / "price" / "epftoolbox_PJM_COMED_2013-2018.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    stamps = np.array([r[0].replace(" ", "T")[:13] for r in rows], dtype="datetime64[h]")
    out = fit(stamps, np.array([float(r[1]) for r in rows]), np.array([float(r[2]) for r in rows]))
    return out | {
        "price": "PJM ComEd zone day-ahead LMP",
        "load": "PJM system load forecast (day-ahead), MW",
        "source": "epftoolbox PJM-COMED benchmark (Lago et al., Applied Energy 293, 2021), "
        "shared/reference/hourly/price/epftoolbox_PJM_COMED_2013-2018.csv",
        "period": f"{str(stamps.min())[:10]} – {str(stamps.max())[:10]}",
    }


def ercot() -> dict:
    prices: dict[np.datetime64, float] = {}
    central = ZoneInfo("America/Chicago")
    for year in (2021, 2022):
        path = REFERENCE / "price" / f"ERCOT_DAM_SPP_hubs_loadzones_{year}_hourly.csv"
        with path.open(encoding="utf-8-sig") as handle:
            for r in csv.DictReader(handle):
                month, day, yr = (int(v) for v in r["Delivery Date"].split("/"))
                if yr == 2021 and month == 2:
                    continue  # Winter Storm Uri: prices at the $9,000 cap for days, not a supply curve
                start = dt.datetime(yr, month, day, tzinfo=central) + dt.timedelta(hours=int(r["Hour Ending"][:2]) - 1)
                fold = 1 if r["Repeated Hour Flag"] == "Y" else 0
                local = dt.datetime(yr, month, day, start.hour, fold=fold, tzinfo=central)
                if int(r["Hour Ending"][:2]) == 24:
                    local = dt.datetime(yr, month, day, 23, tzinfo=central)
                utc = local.astimezone(dt.UTC).replace(tzinfo=None)
                prices[np.datetime64(utc, "h")] = float(r["HB_HUBAVG"])
    with (REFERENCE / "load" / "ERCOT_hourly.csv").open(encoding="utf-8") as handle:
        load = {np.datetime64(r[0][:13], "h"): float(r[1]) for r in list(csv.reader(handle))[1:]}
    stamps = np.array(sorted(t for t in prices if t in load))
    out = fit(stamps, np.array([prices[t] for t in stamps]), np.array([load[t] for t in stamps]))
    return out | {
        "price": "ERCOT day-ahead settlement point price, hub average (HB_HUBAVG)",
        "load": "ERCOT system load (EIA-930 ERCO, Ruggles et al. cleaned), MW",
        "source": "ERCOT DAM Settlement Point Prices (NP4-180-ER) 2021–2022 and shared/reference/hourly/load/"
        "ERCOT_hourly.csv; February 2021 (Winter Storm Uri) left out",
        "period": f"{str(stamps.min())[:10]} – {str(stamps.max())[:10]}",
    }


def main() -> None:
    fits = {"pjm": pjm(), "ercot": ercot()}
    for key, value in fits.items():
        print(
            f"{key}: β = {value['beta_per_gw']:.5f} ± {value['beta_se_per_gw']:.5f} /GW, R² within "
            f"{value['r2_within']:.3f}, RMSE ln p {value['rmse_ln_price']:.3f}, {value['hours']} h; slope at the mean "
            f"price {value['mean_price_usd_per_mwh']:.2f} $/MWh = "
            f"{value['slope_at_mean_price_usd_per_mwh_per_gw']:.3f} $/MWh per GW; "
            f"β × mean load = {value['elasticity_per_load_share']:.3f}"
        )
    document = {"about": __doc__.strip().splitlines()[0], "method": __doc__.strip().split("\n\n")[1], "fits": fits}
    OUTPUT.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
