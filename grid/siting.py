"""Where to build: network round trip to users, site feasibility and a weighted ranking (pure, no Django).

Round trip [ms] = 2 × great-circle distance [km] × route inflation × fibre delay [µs/km] / 1000,
the figures and their sources in grid/data/metros.yaml. Great-circle distance by the haversine
formula on a sphere of the IUGG mean Earth radius 6,371.0088 km (Moritz, 'Geodetic Reference
System 1980', J. Geodesy 74, 2000). Ranking: each criterion is scaled to [0, 1] across the
ranked sites (0 = best), weighted by the user's weights and summed; the lowest score ranks first.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

METROS_FILE = Path(__file__).parent / "data" / "metros.yaml"
EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius R1 (GRS 80)
US_PER_MS = 1000.0


class SitingError(ValueError):
    """Bad siting input; ``field`` names the culprit."""

    def __init__(self, message: str, *, field: str):
        self.field = field
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class Metro:
    slug: str
    name: str
    latitude: float
    longitude: float


@cache
def _metro_file() -> dict[str, Any]:
    return yaml.safe_load(METROS_FILE.read_text())


def list_metros() -> list[Metro]:
    return [
        Metro(slug=k, name=v["name"], latitude=v["latitude"], longitude=v["longitude"])
        for k, v in _metro_file()["metros"].items()
    ]


def get_metro(slug: str, *, field: str = "metro") -> Metro:
    metros = {m.slug: m for m in list_metros()}
    if slug not in metros:
        close = difflib.get_close_matches(slug, list(metros), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; known: {', '.join(metros)}"
        raise SitingError(f"unknown metro {slug!r}{hint}", field=field)
    return metros[slug]


def network_figures() -> dict[str, dict[str, Any]]:
    """The fibre delay and route inflation with their sources (as in metros.yaml)."""
    raw = _metro_file()
    return {
        name: {
            "value": float(raw[name]["v"]),
            "unit": raw[name]["u"],
            "source": raw[name]["s"],
            "assumption": "a" in raw[name],
            "reason": raw[name].get("a"),
        }
        | ({"fit": dict(raw[name]["fit"])} if "fit" in raw[name] else {})
        for name in ("fibre_delay_us_per_km", "route_inflation")
    }


def great_circle_km(*, lat1_deg: Any, lon1_deg: Any, lat2_deg: Any, lon2_deg: Any) -> Any:
    """Haversine distance [km] between points given in degrees; scalars or arrays."""
    p1, p2 = np.radians(lat1_deg), np.radians(lat2_deg)
    dphi, dlmb = p2 - p1, np.radians(np.asarray(lon2_deg) - np.asarray(lon1_deg))
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def round_trip_ms(*, distance_km: Any, fibre_delay_us_per_km: float, route_inflation: float) -> Any:
    """Network round trip [ms] over fibre for a great-circle distance [km]."""
    if fibre_delay_us_per_km <= 0 or route_inflation < 1:
        raise SitingError("fibre delay must be > 0 and route inflation ≥ 1", field="network")
    return 2.0 * np.asarray(distance_km) * route_inflation * fibre_delay_us_per_km / US_PER_MS


@dataclass(frozen=True)
class Reach:
    feasible: bool
    reason: str
    rtt_ms_by_metro: dict[str, float]
    mean_rtt_ms: float  # user-share weighted


def workload_reach(
    *,
    site_lat_deg: float,
    site_lon_deg: float,
    users: Mapping[str, float],
    rtt_budget_ms: float | None,
    interactive: bool,
    fibre_delay_us_per_km: float,
    route_inflation: float,
) -> Reach:
    """Can a site serve a workload's users within its round-trip budget? Every metro with users must be."""
    metros = [get_metro(slug) for slug in users]
    distance = great_circle_km(
        lat1_deg=site_lat_deg,
        lon1_deg=site_lon_deg,
        lat2_deg=np.array([m.latitude for m in metros]),
        lon2_deg=np.array([m.longitude for m in metros]),
    )
    rtt = np.atleast_1d(
        round_trip_ms(
            distance_km=distance, fibre_delay_us_per_km=fibre_delay_us_per_km, route_inflation=route_inflation
        )
    )
    by_metro = {m.slug: float(r) for m, r in zip(metros, rtt, strict=True)}
    shares = np.array([users[m.slug] for m in metros])
    mean = float(rtt @ shares / shares.sum()) if len(metros) else 0.0
    if not interactive:
        return Reach(True, "deferrable: may run at any site", by_metro, mean)
    if rtt_budget_ms is None or not by_metro:
        return Reach(True, "no round-trip budget", by_metro, mean)
    beyond = {slug: r for slug, r in by_metro.items() if r > rtt_budget_ms and users[slug] > 0}
    if beyond:
        worst = max(beyond, key=lambda slug: beyond[slug])
        return Reach(
            False,
            f"round trip to {get_metro(worst).name} {beyond[worst]:.0f} ms exceeds the budget of "
            f"{rtt_budget_ms:g} ms" + (f" ({len(beyond)} metros beyond)" if len(beyond) > 1 else ""),
            by_metro,
            mean,
        )
    return Reach(
        True, f"every metro within {rtt_budget_ms:g} ms (worst {max(by_metro.values()):.0f} ms)", by_metro, mean
    )


def rank(
    *, metrics: Sequence[Mapping[str, float | None]], weights: Mapping[str, float], eligible: Sequence[bool]
) -> tuple[list[float | None], list[int | None]]:
    """Weighted min-max score per site (0 best, 1 worst; None when ineligible) and rank (1 = best).

    Every criterion is lower-is-better. A criterion whose value is missing at an eligible site, or
    equal at all of them, adds nothing.
    """
    total_weight = sum(w for w in weights.values() if w > 0)
    if total_weight <= 0:
        raise SitingError("at least one weight must be > 0", field="weights")
    idx = [i for i, ok in enumerate(eligible) if ok]
    scores: list[float | None] = [None] * len(metrics)
    for i in idx:
        scores[i] = 0.0
    for criterion, weight in weights.items():
        if weight <= 0:
            continue
        values = [metrics[i].get(criterion) for i in idx]
        known = [v for v in values if v is not None]
        if len(known) < 2 or max(known) == min(known):
            continue
        low, span = min(known), max(known) - min(known)
        for i, value in zip(idx, values, strict=True):
            if value is not None:
                scores[i] = (scores[i] or 0.0) + weight * (value - low) / span / total_weight
    order = sorted(idx, key=lambda i: (scores[i], i))
    ranks: list[int | None] = [None] * len(metrics)
    for position, i in enumerate(order, start=1):
        ranks[i] = position
    return scores, ranks
