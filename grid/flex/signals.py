"""Grid signals: when the facility is asked to bend, as a cap on its meter power each hour.

Three sources, each a pure function returning a :class:`Signal` (cap [MW] per hour, inf outside
events):

- the system's own hours (Norris et al. 2025, grid/headroom.py): with the seasonal thresholds θ
  (summer peak for Apr–Oct, winter peak for Nov–Mar), an hour is an event when system load +
  facility > θ, and the facility may then draw at most max(0, θ − system load) — the headroom
  method's definition of curtailment, hour by hour;
- an event schedule (uploaded or typed): start hour, duration, and a cap in MW or a reduction
  from the hour's baseline;
- price or carbon thresholds: hours whose price [USD/MWh] or carbon intensity [g/kWh] is above
  the threshold, with a reduction from the hour's baseline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from grid import headroom
from grid.flex.resources import FlexibilityError


@dataclass(frozen=True)
class Signal:
    cap_mw: np.ndarray  # meter cap each hour [MW]; inf where no event
    kind: str
    method: str

    @property
    def event_mask(self) -> np.ndarray:
        return np.isfinite(self.cap_mw)


@dataclass(frozen=True)
class ScheduledEvent:
    start_hour: int  # hour of the year, 0 = 1 January 00:00
    duration_h: int
    cap_mw: float | None = None  # meter cap during the event [MW]
    reduction_frac: float | None = None  # or: cut this share of each hour's baseline meter power


def event_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) hour pairs [start, end) of consecutive True runs."""
    edges = np.diff(np.concatenate(([0], np.asarray(mask, dtype=np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))


def system_hours(*, system_load_mw: np.ndarray, month: np.ndarray, facility_mw: np.ndarray, source: str) -> Signal:
    """Events where system load + facility exceeds the seasonal threshold; cap = max(0, θ − load)."""
    load = np.asarray(system_load_mw, dtype=float)
    facility = np.asarray(facility_mw, dtype=float)
    if load.shape != facility.shape:
        raise FlexibilityError(f"system load has {load.size} hours, facility {facility.size}", field="grid.uploads")
    threshold = headroom.seasonal_threshold_mw(load_mw=load, month=month)
    room = np.maximum(threshold - load, 0.0)
    cap = np.where(load + facility > threshold, room, np.inf)
    return Signal(
        cap_mw=cap,
        kind="system_peak_hours",
        method="hours where system load + facility > seasonal threshold θ (Norris et al. 2025: summer peak "
        f"Apr–Oct, winter peak Nov–Mar); meter cap = max(0, θ − system load); system load: {source}",
    )


def schedule(*, events: Sequence[ScheduledEvent], baseline_mw: np.ndarray) -> Signal:
    """Events from a schedule; overlapping events keep the lower cap."""
    baseline = np.asarray(baseline_mw, dtype=float)
    hours = baseline.size
    cap = np.full(hours, np.inf)
    for i, event in enumerate(events):
        where = f"flexibility.signal.events[{i}]"
        if not 0 <= event.start_hour < hours:
            raise FlexibilityError(f"start hour {event.start_hour} is outside the year (0–{hours - 1})", field=where)
        if event.duration_h < 1:
            raise FlexibilityError("duration_h must be ≥ 1", field=where)
        if (event.cap_mw is None) == (event.reduction_frac is None):
            raise FlexibilityError("give exactly one of cap_mw or reduction_frac", field=where)
        span = slice(event.start_hour, min(hours, event.start_hour + event.duration_h))
        if event.cap_mw is not None:
            value = np.full(span.stop - span.start, float(event.cap_mw))
        else:
            value = (1.0 - float(event.reduction_frac or 0.0)) * baseline[span]
        cap[span] = np.minimum(cap[span], value)
    return Signal(cap_mw=cap, kind="schedule", method=f"event schedule: {len(events)} events")


def threshold(
    *, series: np.ndarray, threshold_value: float, reduction_frac: float, baseline_mw: np.ndarray, kind: str, unit: str
) -> Signal:
    """Events in the hours whose `series` exceeds `threshold_value`; cap = (1 − reduction) × baseline."""
    values = np.asarray(series, dtype=float)
    baseline = np.asarray(baseline_mw, dtype=float)
    if not 0 < reduction_frac <= 1:
        raise FlexibilityError("must be in (0, 1]", field="flexibility.signal.reduction_frac")
    cap = np.where(values > threshold_value, (1.0 - reduction_frac) * baseline, np.inf)
    return Signal(
        cap_mw=cap,
        kind=kind,
        method=f"hours with {kind} above {threshold_value:g} {unit}: meter cut by {100 * reduction_frac:g}% "
        "of the hour's baseline",
    )
