"""Fit the route-inflation factor of grid/siting.py to measured round trips between data-center metros.

Reference: ../shared/reference/rtt_measured.csv, 127 pairs: 45 from IBM Cloud VPC's inter-region
latency table (monthly average, 3 Feb–3 Mar 2024; mean of both directions) and 82 from Azure's
inter-region P50 round trips (30 days, doc dated 2023-07-21). Each city is placed at its catalogue
metro (grid/data/metros.yaml, GeoNames coordinates), matched by name (CITY_TO_METRO).

Model: RTT = 2 × great-circle km × k × 4.9 µs/km (fibre delay of metros.yaml); k by least squares
through the origin, k = Σ x·y / Σ x², x = 2 × km × 4.9 µs/km. Printed: k, the RMS and mean absolute
errors in ms and in % of the measured RTT, and the same for leave-one-out predictions (each pair
predicted by k fitted on the other 126).

    .venv/bin/python -m grid.tools.fit_route_inflation
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grid.siting import US_PER_MS, get_metro, great_circle_km, network_figures

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT.parent / "shared" / "reference" / "rtt_measured.csv"

CITY_TO_METRO = {
    "Amsterdam": "amsterdam",
    "Boydton VA": "boydton-va",
    "Chicago IL": "chicago",
    "Dallas": "dallas",
    "Des Moines IA": "des-moines",
    "Dubai": "dubai",
    "Dublin": "dublin",
    "Frankfurt": "frankfurt",
    "Gavle": "gavle",
    "Hong Kong": "hong-kong",
    "Johannesburg": "johannesburg",
    "London": "london",
    "Madrid": "madrid",
    "Mumbai": "mumbai",
    "Osaka": "osaka",
    "Paris": "paris",
    "Phoenix AZ": "phoenix",
    "Pune": "pune",
    "Quincy WA": "quincy-wa",
    "San Antonio TX": "san-antonio",
    "San Francisco Bay Area CA": "san-francisco",
    "Sao Paulo": "sao-paulo",
    "Seoul": "seoul",
    "Singapore": "singapore",
    "Sydney": "sydney",
    "Tokyo": "tokyo",
    "Toronto": "toronto",
    "Washington DC": "washington-dc",
}


@dataclass(frozen=True)
class RouteFit:
    route_inflation: float
    pairs: int
    rms_ms: float
    mean_abs_rel: float  # mean |error| / measured
    rms_rel: float
    loo_rms_ms: float
    loo_mean_abs_rel: float
    loo_max_abs_rel: float
    distance_km: np.ndarray
    measured_ms: np.ndarray


def read_pairs(path: Path = REFERENCE) -> tuple[np.ndarray, np.ndarray]:
    """(great-circle km, measured RTT ms) of every pair."""
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    a = [get_metro(CITY_TO_METRO[r["city_a"]]) for r in rows]
    b = [get_metro(CITY_TO_METRO[r["city_b"]]) for r in rows]
    km = great_circle_km(
        lat1_deg=np.array([m.latitude for m in a]),
        lon1_deg=np.array([m.longitude for m in a]),
        lat2_deg=np.array([m.latitude for m in b]),
        lon2_deg=np.array([m.longitude for m in b]),
    )
    return np.asarray(km), np.array([float(r["rtt_ms"]) for r in rows])


def fit(distance_km: np.ndarray, measured_ms: np.ndarray, *, fibre_delay_us_per_km: float) -> RouteFit:
    x = 2.0 * distance_km * fibre_delay_us_per_km / US_PER_MS  # straight-line fibre RTT [ms]
    y = measured_ms
    k = float(x @ y / (x @ x))
    error = k * x - y
    # leave-one-out: k without pair i, vectorised over i
    k_loo = (x @ y - x * y) / (x @ x - x * x)
    loo_error = k_loo * x - y
    return RouteFit(
        route_inflation=k,
        pairs=int(y.size),
        rms_ms=float(np.sqrt(np.mean(error**2))),
        mean_abs_rel=float(np.mean(np.abs(error) / y)),
        rms_rel=float(np.sqrt(np.mean((error / y) ** 2))),
        loo_rms_ms=float(np.sqrt(np.mean(loo_error**2))),
        loo_mean_abs_rel=float(np.mean(np.abs(loo_error) / y)),
        loo_max_abs_rel=float(np.max(np.abs(loo_error) / y)),
        distance_km=distance_km,
        measured_ms=measured_ms,
    )


def main() -> None:
    delay = network_figures()["fibre_delay_us_per_km"]["value"]
    km, rtt = read_pairs()
    result = fit(km, rtt, fibre_delay_us_per_km=delay)
    print(f"pairs {result.pairs}, fibre delay {delay} µs/km")
    print(f"route inflation k = {result.route_inflation:.3f}")
    print(
        f"fit error: RMS {result.rms_ms:.1f} ms, mean |error| {100 * result.mean_abs_rel:.1f} % "
        f"(RMS {100 * result.rms_rel:.1f} %)"
    )
    print(
        f"leave-one-out: RMS {result.loo_rms_ms:.1f} ms, mean |error| {100 * result.loo_mean_abs_rel:.1f} %, "
        f"max {100 * result.loo_max_abs_rel:.1f} %"
    )
    short = km < 3000
    for label, mask in (("< 3,000 km", short), ("≥ 3,000 km", ~short)):
        ratio = rtt[mask] / (2 * km[mask] * delay / US_PER_MS)
        print(f"  measured / straight-line fibre RTT, {label}: median {np.median(ratio):.2f} ({mask.sum()} pairs)")


if __name__ == "__main__":
    main()
