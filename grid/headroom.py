"""Flexibility headroom: the largest constant new load a system can host if it accepts curtailment.

Method of Norris, Profeta, Patino-Echeverri & Cowie-Haskell (2025), "Rethinking Load Growth:
Assessing the Potential for Integration of Large Flexible Loads in US Power Systems", Duke
University Nicholas Institute (hdl.handle.net/10161/32077):

- threshold θ_t = the seasonal peak of the year's hourly load: the summer peak (max over Jun–Aug)
  applies to Apr–Oct, the winter peak (max over Dec, Jan, Feb of the same calendar year) to
  Nov–Mar;
- a constant added load L [MW] is curtailed whenever load + L exceeds θ:
  curtailed energy C(L) = Σ_t max(0, load_t + L − θ_t) [MWh];
- curtailment rate r(L) = C(L) / (L × H), H the hours in the year (8,760; 8,784 in leap years);
- headroom at rate r* is the L that solves r(L) = r*, per year, then averaged over years.

The solve is exact, not iterative: with slack s_t = θ_t − load_t sorted ascending and
S_k = s_(1) + … + s_(k), C(L) = k·L − S_k on [s_(k), s_(k+1)], so the root on that segment is
L = S_k / (k − r*·H). The largest root with L in its own segment is the answer (r(L) rises with L
once L exceeds every negative slack, so this is the unique root on the rising branch).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

DUKE_RATES_FRAC = (0.0025, 0.005, 0.01, 0.05)  # curtailment rates studied by Norris et al. (2025)
SUMMER_PEAK_MONTHS = (6, 7, 8)  # Jun–Aug set the summer threshold (Norris et al. 2025, §2)
SUMMER_SEASON_MONTHS = (4, 5, 6, 7, 8, 9, 10)  # Apr–Oct use the summer threshold
WINTER_PEAK_MONTHS = (12, 1, 2)  # Dec–Feb set the winter threshold; Nov and Mar use it too


class HeadroomError(ValueError):
    """Input a headroom calculation cannot use; the message names the field."""


@dataclass(frozen=True)
class HeadroomResult:
    rate_frac: float  # target curtailment rate (curtailed MWh / (L × hours))
    headroom_mw: float | None  # largest constant added load at that rate; None when no load meets it
    note: str = ""
    curtailed_mwh: float = 0.0  # energy curtailed per year at that load
    curtailed_hours: int = 0  # hours with any curtailment
    events: int = 0  # runs of consecutive curtailed hours
    mean_event_hours: float = 0.0  # curtailed_hours / events
    max_event_hours: int = 0
    mean_curtailed_frac_of_load: float = 0.0  # mean over curtailed hours of curtailed MW / L

    def to_dict(self) -> dict:
        if self.headroom_mw is None:
            return {"rate_pct": round(self.rate_frac * 100, 4), "headroom_mw": None, "note": self.note}
        return {
            "rate_pct": round(self.rate_frac * 100, 4),
            "headroom_mw": round(self.headroom_mw, 1),
            "curtailed_mwh": round(self.curtailed_mwh, 1),
            "curtailed_hours": self.curtailed_hours,
            "events": self.events,
            "mean_event_hours": round(self.mean_event_hours, 2),
            "max_event_hours": self.max_event_hours,
            "mean_curtailed_frac_of_load": round(self.mean_curtailed_frac_of_load, 4),
        }


def seasonal_threshold_mw(*, load_mw: np.ndarray, month: np.ndarray) -> np.ndarray:
    """Per-hour threshold [MW]: the year's summer peak in Apr–Oct, its winter peak in Nov–Mar.

    `load_mw` and `month` (1–12) cover one year. Raises if a peak season has no hours.
    """
    load_mw = np.asarray(load_mw, dtype=float)
    month = np.asarray(month)
    if load_mw.shape != month.shape:
        raise HeadroomError(f"load_mw has {load_mw.size} values but month has {month.size}")
    summer = np.isin(month, SUMMER_PEAK_MONTHS)
    winter = np.isin(month, WINTER_PEAK_MONTHS)
    if not summer.any() or not winter.any():
        raise HeadroomError("month: the year needs hours in Jun–Aug and in Dec–Feb to set both seasonal peaks")
    summer_peak = load_mw[summer].max()
    winter_peak = load_mw[winter].max()
    return np.where(np.isin(month, SUMMER_SEASON_MONTHS), summer_peak, winter_peak)


def curtailed_mw(*, load_mw: np.ndarray, threshold_mw: np.ndarray, added_load_mw: float) -> np.ndarray:
    """Curtailment each hour [MW]: max(0, load + L − θ), capped at L (only the new load is curtailed)."""
    excess = np.asarray(load_mw, dtype=float) + added_load_mw - np.asarray(threshold_mw, dtype=float)
    return np.clip(excess, 0.0, added_load_mw)


def curtailment_rate(*, load_mw: np.ndarray, threshold_mw: np.ndarray, added_load_mw: float) -> float:
    """Curtailed energy / (L × hours) for a constant added load L [MW] (Norris et al. 2025)."""
    if added_load_mw <= 0:
        raise HeadroomError(f"added_load_mw must be > 0, got {added_load_mw}")
    curtailed = curtailed_mw(load_mw=load_mw, threshold_mw=threshold_mw, added_load_mw=added_load_mw)
    return float(curtailed.sum() / (added_load_mw * np.size(load_mw)))


def solve_headroom_mw(*, load_mw: np.ndarray, threshold_mw: np.ndarray, rate_frac: float) -> float:
    """Exact L [MW] with curtailment_rate(L) = rate_frac (piecewise-linear root, see module doc)."""
    if not 0 < rate_frac < 1:
        raise HeadroomError(f"rate_frac must be in (0, 1), got {rate_frac}")
    slack = np.sort(np.asarray(threshold_mw, dtype=float) - np.asarray(load_mw, dtype=float))
    hours = slack.size
    k = np.arange(1, hours + 1, dtype=float)
    cumulative = np.cumsum(slack)
    denominator = k - rate_frac * hours
    upper = np.append(slack[1:], np.inf)
    valid = denominator > 0
    roots = np.full(hours, -np.inf)
    roots[valid] = cumulative[valid] / denominator[valid]
    inside = valid & (roots > 0) & (roots >= slack) & (roots <= upper)
    if not inside.any():
        over = int(np.sum(slack < 0))
        raise HeadroomError(
            f"no constant load meets a {rate_frac:.2%} curtailment rate: load exceeds its seasonal threshold in "
            f"{over} hours (a shoulder month above the season's peak), so curtailment stays above the rate"
        )
    return float(roots[inside].max())


def _events(mask: np.ndarray) -> tuple[int, int]:
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    lengths = ends - starts
    return int(lengths.size), int(lengths.max(initial=0))


def headroom_year(
    *, load_mw: np.ndarray, month: np.ndarray, rates_frac: Sequence[float] = DUKE_RATES_FRAC
) -> list[HeadroomResult]:
    """Headroom of one year of hourly load [MW] at each curtailment rate."""
    load_mw = np.asarray(load_mw, dtype=float)
    if not np.all(np.isfinite(load_mw)):
        raise HeadroomError("load_mw: contains NaN or infinite values")
    threshold = seasonal_threshold_mw(load_mw=load_mw, month=month)
    results = []
    for rate in rates_frac:
        try:
            headroom = solve_headroom_mw(load_mw=load_mw, threshold_mw=threshold, rate_frac=rate)
        except HeadroomError as error:
            results.append(HeadroomResult(rate_frac=float(rate), headroom_mw=None, note=str(error)))
            continue
        cut = curtailed_mw(load_mw=load_mw, threshold_mw=threshold, added_load_mw=headroom)
        mask = cut > 1e-9 * headroom
        hours = int(mask.sum())
        events, longest = _events(mask)
        results.append(
            HeadroomResult(
                rate_frac=float(rate),
                headroom_mw=headroom,
                curtailed_mwh=float(cut.sum()),
                curtailed_hours=hours,
                events=events,
                mean_event_hours=hours / events if events else 0.0,
                max_event_hours=longest,
                mean_curtailed_frac_of_load=float(cut[mask].mean() / headroom) if hours else 0.0,
            )
        )
    return results


def curtailment_mask(*, load_mw: np.ndarray, month: np.ndarray, added_load_mw: float) -> np.ndarray:
    """Boolean per hour: True where a constant added load of `added_load_mw` would be curtailed."""
    threshold = seasonal_threshold_mw(load_mw=load_mw, month=month)
    return curtailed_mw(load_mw=load_mw, threshold_mw=threshold, added_load_mw=added_load_mw) > 0


def _pooled(load_mw: np.ndarray, threshold_mw: np.ndarray, rates_frac: Sequence[float]) -> list[dict[str, Any]]:
    """One L for all complete years together: their total curtailment / (L × all hours) = rate.

    The report's Appendix C states the rate over the whole multi-year span; averaging each
    year's L (``average_over_years``) is the reading in the planner's reference notes. Both are
    given; the pooled L lies between the smallest and largest yearly L (the pooled rate is the
    hour-weighted mean of increasing yearly rates).
    """
    rows = []
    for rate in rates_frac:
        try:
            headroom = solve_headroom_mw(load_mw=load_mw, threshold_mw=threshold_mw, rate_frac=rate)
        except HeadroomError as error:
            rows.append({"rate_pct": round(rate * 100, 4), "headroom_mw": None, "note": str(error)})
            continue
        rows.append({"rate_pct": round(rate * 100, 4), "headroom_mw": round(headroom, 1)})
    return rows


MIN_OBSERVED_FRAC = 0.98  # a year counts when ≥ 98% of its hours came from the file (assumption: rest interpolated)


def headroom_by_year(
    *,
    time: np.ndarray,
    load_mw: np.ndarray,
    observed: np.ndarray | None = None,
    rates_frac: Sequence[float] = DUKE_RATES_FRAC,
    min_observed_frac: float = MIN_OBSERVED_FRAC,
) -> dict:
    """Headroom per complete calendar year and averaged over those years (Norris et al. 2025).

    `time` is a regular hourly datetime64 array; `observed` marks hours read from the file (not
    interpolated). Years not covering every hour, or with less than `min_observed_frac` observed,
    are listed under ``skipped_years`` with the reason, never silently left out.
    """
    time = np.asarray(time).astype("datetime64[h]")
    load_mw = np.asarray(load_mw, dtype=float)
    observed = np.ones(load_mw.size, dtype=bool) if observed is None else np.asarray(observed, dtype=bool)
    if not (time.size == load_mw.size == observed.size):
        raise HeadroomError("time, load_mw and observed must have the same length")
    years = time.astype("datetime64[Y]").astype(int) + 1970
    months = time.astype("datetime64[M]").astype(int) % 12 + 1
    per_year: dict[str, dict[str, Any]] = {}
    skipped: dict[str, str] = {}
    pooled_load: list[np.ndarray] = []
    pooled_threshold: list[np.ndarray] = []
    for year in np.unique(years):
        sel = years == year
        hours_in_year = int((np.datetime64(f"{year + 1}-01-01", "h") - np.datetime64(f"{year}-01-01", "h")).astype(int))
        present = int(sel.sum())
        observed_frac = float(observed[sel].mean())
        if present < hours_in_year:
            skipped[str(year)] = f"partial year: {present} of {hours_in_year} hours in the file's span"
            continue
        if observed_frac < min_observed_frac:
            skipped[str(year)] = f"only {observed_frac:.1%} of hours observed (< {min_observed_frac:.0%})"
            continue
        results = headroom_year(load_mw=load_mw[sel], month=months[sel], rates_frac=rates_frac)
        pooled_load.append(load_mw[sel])
        pooled_threshold.append(seasonal_threshold_mw(load_mw=load_mw[sel], month=months[sel]))
        per_year[str(year)] = {
            "peak_load_mw": round(float(load_mw[sel].max()), 1),
            "mean_load_mw": round(float(load_mw[sel].mean()), 1),
            "observed_frac": round(observed_frac, 5),
            "rates": [r.to_dict() for r in results],
        }
    if not per_year:
        raise HeadroomError(
            "no complete calendar year in the series; " + "; ".join(f"{y}: {r}" for y, r in skipped.items())
        )
    average = []
    for i, rate in enumerate(rates_frac):
        rows = [year["rates"][i] for year in per_year.values() if year["rates"][i]["headroom_mw"] is not None]
        if len(rows) < len(per_year):
            average.append(
                {
                    "rate_pct": round(rate * 100, 4),
                    "headroom_mw": None,
                    "note": f"no solution in {len(per_year) - len(rows)} of {len(per_year)} years (see years)",
                }
            )
            continue
        average.append(
            {
                "rate_pct": round(rate * 100, 4),
                "headroom_mw": round(float(np.mean([r["headroom_mw"] for r in rows])), 1),
                "curtailed_hours": round(float(np.mean([r["curtailed_hours"] for r in rows])), 1),
                "mean_event_hours": round(float(np.mean([r["mean_event_hours"] for r in rows])), 2),
                "curtailed_mwh": round(float(np.mean([r["curtailed_mwh"] for r in rows])), 1),
            }
        )
    pooled = _pooled(np.concatenate(pooled_load), np.concatenate(pooled_threshold), rates_frac)
    return {
        "pooled_over_years": pooled,
        "method": "Norris et al. 2025 (Duke Nicholas Institute, 'Rethinking Load Growth'): seasonal-peak threshold, "
        "constant added load, curtailment rate = curtailed MWh / (L × hours in year); exact piecewise-linear root",
        "years": per_year,
        "average_over_years": average,
        "skipped_years": skipped,
    }
