"""Resource adequacy: the facility's share of the system peak and the change in reserve margin.

Reserve margin (NERC definition): (capacity − peak demand) / peak demand. Adding a firm load of
ΔP at the peak with no new capacity gives RM' = (C − P − ΔP) / (P + ΔP), C = P × (1 + RM).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grid.constants import HOURS_PER_DAY

COINCIDENT_PEAK_DAYS = 5  # PJM-style 5CP: the system's 5 highest daily peaks


class ReliabilityError(ValueError):
    """Bad reliability input; the message names the field."""


def peak_share_pct(*, facility_peak_mw: float, system_peak_mw: float) -> float:
    """Facility coincident peak as % of the system peak."""
    if system_peak_mw <= 0:
        raise ReliabilityError("system_peak_mw: must be > 0")
    return 100 * facility_peak_mw / system_peak_mw


@dataclass(frozen=True)
class ReserveMargin:
    before_frac: float
    after_frac: float
    target_frac: float
    change_pct_points: float
    shortfall_mw: float  # capacity missing to reach the target after the addition (0 if none)


def reserve_margin_change(
    *, system_peak_mw: float, reserve_margin_frac: float, added_peak_mw: float, target_frac: float
) -> ReserveMargin:
    """Reserve margin before and after a firm peak addition with capacity unchanged."""
    if system_peak_mw <= 0:
        raise ReliabilityError("system_peak_mw: must be > 0")
    if added_peak_mw < 0:
        raise ReliabilityError("added_peak_mw: must be ≥ 0")
    capacity_mw = system_peak_mw * (1 + reserve_margin_frac)
    new_peak = system_peak_mw + added_peak_mw
    after = (capacity_mw - new_peak) / new_peak
    return ReserveMargin(
        before_frac=reserve_margin_frac,
        after_frac=after,
        target_frac=target_frac,
        change_pct_points=100 * (after - reserve_margin_frac),
        shortfall_mw=max(0.0, new_peak * (1 + target_frac) - capacity_mw),
    )


def coincident_peak_hours(*, system_load_mw: np.ndarray, days: int = COINCIDENT_PEAK_DAYS) -> np.ndarray:
    """Hour indices of the system's `days` highest daily peaks (PJM 5CP style), per row of a (…, 8,760) array."""
    load = np.asarray(system_load_mw, dtype=float)
    if load.shape[-1] % HOURS_PER_DAY:
        raise ReliabilityError(f"system_load_mw: {load.shape[-1]} hours is not a whole number of days")
    daily = load.reshape(*load.shape[:-1], -1, HOURS_PER_DAY)
    peak_hour = daily.argmax(axis=-1)
    top_days = np.argsort(daily.max(axis=-1), axis=-1)[..., -days:]
    return top_days * HOURS_PER_DAY + np.take_along_axis(peak_hour, top_days, axis=-1)


def coincident_peak_mw(*, power_mw: np.ndarray, system_load_mw: np.ndarray) -> np.ndarray:
    """Mean load [MW] in the system's 5CP hours: `power_mw` (…, 8,760) against `system_load_mw` (8,760)."""
    hours = coincident_peak_hours(system_load_mw=system_load_mw)
    return np.asarray(power_mw, dtype=float)[..., hours].mean(axis=-1)
