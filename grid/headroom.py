"""Flexibility headroom: the largest constant new load a system can host if it accepts curtailment.

Method of Norris, Profeta, Patino-Echeverri & Cowie-Haskell (2025), "Rethinking Load Growth:
Assessing the Potential for Integration of Large Flexible Loads in US Power Systems", Duke
University Nicholas Institute (hdl.handle.net/10161/32077):

- threshold θ_t = the system's historical seasonal peak over the whole period studied: the summer
  peak (max over every Jun–Aug hour of all complete years) applies to Apr–Oct, the winter peak
  (max over every Dec–Feb hour of all complete years) to Nov–Mar — the load the system has
  already shown it can serve;
- the same constant added load L [MW] is added to every hour of every year and is curtailed
  whenever load + L exceeds θ: curtailed energy C_y(L) = Σ_{t∈y} max(0, load_t + L − θ_t) [MWh];
- curtailment rate of year y r_y(L) = C_y(L) / (L × H_y), H_y its hours (8,760; 8,784 in leap
  years); the study's rate is the mean over years r(L) = (1/N) Σ_y r_y(L);
- headroom at rate r* is the L that solves r(L) = r*.

Variant (not the default): ``thresholds="per_year"`` sets each year's threshold from that year's
own seasonal peaks and solves L per year, then averages L over years (the planner's earlier
reading; a mild year gets a low threshold, so headroom comes out about half of the study's).

The solve is exact, not iterative: each hour has a weight w_t (1/H for one year; 1/(N·H_y) for the
mean of N yearly rates, Σ w = 1), so r(L)·L = Σ w_t max(0, L − s_t) with slack s_t = θ_t − load_t.
With slacks sorted ascending, W_k = w_(1) + … + w_(k) and S_k = w_(1)s_(1) + … + w_(k)s_(k), the
weighted curtailment is W_k·L − S_k on [s_(k), s_(k+1)], so the root on that segment is
L = S_k / (W_k − r*). The largest root with L in its own segment is the answer (r(L) rises with L
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


def solve_headroom_mw(
    *, load_mw: np.ndarray, threshold_mw: np.ndarray, rate_frac: float, weight: np.ndarray | None = None
) -> float:
    """Exact L [MW] with weighted curtailment rate r(L) = rate_frac (piecewise-linear root, see module doc).

    `weight` [1/h] per hour, summing to 1: None = 1/hours (one year, or all hours pooled); the
    study's mean of yearly rates uses 1/(N·H_y) (see :func:`year_weights`).
    """
    if not 0 < rate_frac < 1:
        raise HeadroomError(f"rate_frac must be in (0, 1), got {rate_frac}")
    raw = np.asarray(threshold_mw, dtype=float) - np.asarray(load_mw, dtype=float)
    hours = raw.size
    w = np.full(hours, 1.0 / hours) if weight is None else np.asarray(weight, dtype=float)
    if w.shape != raw.shape:
        raise HeadroomError(f"weight has {w.size} values but load_mw has {hours}")
    order = np.argsort(raw, kind="stable")
    slack, w = raw[order], w[order]
    cumulative = np.cumsum(w * slack)
    denominator = np.cumsum(w) - rate_frac
    upper = np.append(slack[1:], np.inf)
    valid = denominator > 1e-15
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


MIN_OBSERVED_FRAC = 0.98  # a year counts when ≥ 98% of its hours came from the file (assumption: rest interpolated)
THRESHOLDS = ("all_years", "per_year")  # all_years = the study's method (default); per_year = variant
METHOD = (
    "Norris et al. 2025 (Duke Nicholas Institute, 'Rethinking Load Growth'): threshold = the historical summer "
    "(Jun–Aug, applied Apr–Oct) and winter (Dec–Feb, applied Nov–Mar) peaks over all complete years; one constant "
    "load L added to every hour of every year; rate = mean over years of curtailed MWh / (L × hours in year); "
    "exact piecewise-linear root"
)
VARIANT_METHOD = (
    "VARIANT per_year: each year's threshold from that year's own seasonal peaks, L solved per year, "
    "then averaged over years (not the study's method; gives about half its headroom)"
)


def year_weights(year: np.ndarray) -> np.ndarray:
    """Per-hour weight 1/(N·H_y) [1/h]: the weighted rate is the mean of the N yearly rates."""
    _, inverse, counts = np.unique(np.asarray(year), return_inverse=True, return_counts=True)
    return 1.0 / (counts.size * counts[inverse])


def _per_year_curtailment(cut: np.ndarray, year: np.ndarray, added_load_mw: float) -> dict[int, dict[str, Any]]:
    out = {}
    for y in np.unique(year):
        sel = year == y
        mask = cut[sel] > 1e-9 * added_load_mw
        events, longest = _events(mask)
        out[int(y)] = {
            "realised_rate_pct": round(100 * float(cut[sel].sum()) / (added_load_mw * int(sel.sum())), 4),
            "curtailed_hours": int(mask.sum()),
            "curtailed_mwh": round(float(cut[sel].sum()), 1),
            "events": events,
            "max_event_hours": longest,
        }
    return out


def headroom_all_years(
    *, load_mw: np.ndarray, month: np.ndarray, year: np.ndarray, rates_frac: Sequence[float] = DUKE_RATES_FRAC
) -> list[dict[str, Any]]:
    """The study's headroom over several complete years of hourly load [MW] (all-period thresholds).

    `month` (1–12) and `year` label each hour. Returns one row per rate: the headroom L [MW], its
    share of the period's peak [%], and the curtailment it implies per year (means over years),
    with each year's own figures under ``by_year``.
    """
    load_mw = np.asarray(load_mw, dtype=float)
    year = np.asarray(year)
    if not np.all(np.isfinite(load_mw)):
        raise HeadroomError("load_mw: contains NaN or infinite values")
    threshold = seasonal_threshold_mw(load_mw=load_mw, month=month)
    weight = year_weights(year)
    peak = float(load_mw.max())
    rows: list[dict[str, Any]] = []
    for rate in rates_frac:
        try:
            headroom = solve_headroom_mw(load_mw=load_mw, threshold_mw=threshold, rate_frac=rate, weight=weight)
        except HeadroomError as error:
            rows.append({"rate_pct": round(rate * 100, 4), "headroom_mw": None, "note": str(error)})
            continue
        cut = curtailed_mw(load_mw=load_mw, threshold_mw=threshold, added_load_mw=headroom)
        by_year = _per_year_curtailment(cut, year, headroom)
        hours = sum(v["curtailed_hours"] for v in by_year.values())
        events = sum(v["events"] for v in by_year.values())
        n = len(by_year)
        rows.append(
            {
                "rate_pct": round(rate * 100, 4),
                "headroom_mw": round(headroom, 1),
                "headroom_pct_of_peak": round(100 * headroom / peak, 2),
                "curtailed_hours_per_year": round(hours / n, 1),
                "curtailed_mwh_per_year": round(float(cut.sum()) / n, 1),
                "events_per_year": round(events / n, 1),
                "mean_event_hours": round(hours / events, 2) if events else 0.0,
                "max_event_hours": max(v["max_event_hours"] for v in by_year.values()),
                "by_year": {str(y): v for y, v in by_year.items()},
            }
        )
    return rows


def _per_year_variant(load_mw, months, years, rates_frac, peak) -> tuple[list[dict[str, Any]], dict[str, list]]:
    """VARIANT: each year's own thresholds and L, averaged over years (the planner's earlier reading)."""
    yearly: dict[str, list[dict]] = {}
    for y in np.unique(years):
        sel = years == y
        results = headroom_year(load_mw=load_mw[sel], month=months[sel], rates_frac=rates_frac)
        yearly[str(y)] = [r.to_dict() for r in results]
    rows = []
    for i, rate in enumerate(rates_frac):
        solved = [v[i] for v in yearly.values() if v[i]["headroom_mw"] is not None]
        if len(solved) < len(yearly):
            note = f"no solution in {len(yearly) - len(solved)} of {len(yearly)} years (see years)"
            rows.append({"rate_pct": round(rate * 100, 4), "headroom_mw": None, "note": note})
            continue
        mean_mw = float(np.mean([r["headroom_mw"] for r in solved]))
        hours = float(np.sum([r["curtailed_hours"] for r in solved]))
        events = float(np.sum([r["events"] for r in solved]))
        rows.append(
            {
                "rate_pct": round(rate * 100, 4),
                "headroom_mw": round(mean_mw, 1),
                "headroom_pct_of_peak": round(100 * mean_mw / peak, 2),
                "curtailed_hours_per_year": round(hours / len(solved), 1),
                "curtailed_mwh_per_year": round(float(np.mean([r["curtailed_mwh"] for r in solved])), 1),
                "events_per_year": round(events / len(solved), 1),
                "mean_event_hours": round(hours / events, 2) if events else 0.0,
                "max_event_hours": max(r["max_event_hours"] for r in solved),
            }
        )
    return rows, yearly


def complete_years(
    *, time: np.ndarray, observed: np.ndarray, min_observed_frac: float = MIN_OBSERVED_FRAC
) -> tuple[list[int], dict[str, str]]:
    """Calendar years fully covered by the hourly `time` axis with enough observed hours; others with reasons."""
    years = time.astype("datetime64[Y]").astype(int) + 1970
    kept: list[int] = []
    skipped: dict[str, str] = {}
    for year in np.unique(years):
        sel = years == year
        hours_in_year = int((np.datetime64(f"{year + 1}-01-01", "h") - np.datetime64(f"{year}-01-01", "h")).astype(int))
        present = int(sel.sum())
        observed_frac = float(observed[sel].mean())
        if present < hours_in_year:
            skipped[str(year)] = f"partial year: {present} of {hours_in_year} hours in the file's span"
        elif observed_frac < min_observed_frac:
            skipped[str(year)] = f"only {observed_frac:.1%} of hours observed (< {min_observed_frac:.0%})"
        else:
            kept.append(int(year))
    return kept, skipped


def headroom_by_year(
    *,
    time: np.ndarray,
    load_mw: np.ndarray,
    observed: np.ndarray | None = None,
    rates_frac: Sequence[float] = DUKE_RATES_FRAC,
    min_observed_frac: float = MIN_OBSERVED_FRAC,
    thresholds: str = "all_years",
) -> dict:
    """Headroom of a multi-year hourly series over its complete calendar years (Norris et al. 2025).

    `time` is a regular hourly datetime64 array; `observed` marks hours read from the file (not
    interpolated). Years not covering every hour, or with less than `min_observed_frac` observed,
    are listed under ``skipped_years`` with the reason, never silently left out. `thresholds`:
    ``"all_years"`` (the study's method, default) or ``"per_year"`` (variant, see module doc).
    """
    if thresholds not in THRESHOLDS:
        raise HeadroomError(f"thresholds: {thresholds!r} is not one of {', '.join(THRESHOLDS)}")
    time = np.asarray(time).astype("datetime64[h]")
    load_mw = np.asarray(load_mw, dtype=float)
    observed = np.ones(load_mw.size, dtype=bool) if observed is None else np.asarray(observed, dtype=bool)
    if not (time.size == load_mw.size == observed.size):
        raise HeadroomError("time, load_mw and observed must have the same length")
    kept, skipped = complete_years(time=time, observed=observed, min_observed_frac=min_observed_frac)
    if not kept:
        raise HeadroomError(
            "no complete calendar year in the series; " + "; ".join(f"{y}: {r}" for y, r in skipped.items())
        )
    years_all = time.astype("datetime64[Y]").astype(int) + 1970
    sel = np.isin(years_all, kept)
    load, years, seen = load_mw[sel], years_all[sel], observed[sel]
    months = time[sel].astype("datetime64[M]").astype(int) % 12 + 1
    peak = float(load.max())
    per_year: dict[str, dict[str, Any]] = {
        str(y): {
            "peak_load_mw": round(float(load[years == y].max()), 1),
            "mean_load_mw": round(float(load[years == y].mean()), 1),
            "observed_frac": round(float(seen[years == y].mean()), 5),
        }
        for y in kept
    }
    if thresholds == "all_years":
        rows = headroom_all_years(load_mw=load, month=months, year=years, rates_frac=rates_frac)
        for row in rows:
            for y, figures in row.pop("by_year", {}).items():
                per_year[y].setdefault("rates", []).append({"rate_pct": row["rate_pct"], **figures})
        summer = float(load[np.isin(months, SUMMER_PEAK_MONTHS)].max())
        winter = float(load[np.isin(months, WINTER_PEAK_MONTHS)].max())
        threshold_info: dict[str, Any] = {"summer_mw": round(summer, 1), "winter_mw": round(winter, 1)}
    else:
        rows, yearly = _per_year_variant(load, months, years, rates_frac, peak)
        for y, figures in yearly.items():
            per_year[y]["rates"] = figures
        threshold_info = {"per_year": True}
    return {
        "thresholds": thresholds,
        "method": METHOD if thresholds == "all_years" else VARIANT_METHOD,
        "threshold_mw": threshold_info,
        "peak_load_mw": round(peak, 1),
        "complete_years": [str(y) for y in kept],
        "headroom": rows,
        "years": per_year,
        "skipped_years": skipped,
    }
