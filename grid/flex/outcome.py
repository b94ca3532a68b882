"""What a year's dispatch means: firm vs flexible MW, curtailment, tokens, cost, emissions, speed to power.

Definitions (units in the keys):
- firm MW: the most the meter draws in any event hour — what the grid must serve when it is
  stressed; flexible MW = the baseline peak − firm MW;
- curtailed hours / MWh: event hours in which the meter is below the baseline, and Σ (baseline −
  meter) over those hours; split by source (power caps, deferral, battery, on-site generation);
- cost of flexibility [USD/year]: the dispatch's energy + demand charges + fuel + battery
  degradation + tokens lost + hours tokens waited, less the baseline's energy + demand charges; per event:
  divided by the number of events (runs of consecutive event hours);
- on-site emissions [tCO2] = generation MWh × heat rate × emission factor; the grid's change
  Σ (meter − baseline) × hourly intensity;
- speed to power: with the system's hourly load, the firm load that fits today under the seasonal
  thresholds θ with no curtailment is max(0, min_t θ_t − load_t); a flexible facility fits whole
  when its dispatch follows the meter cap max(0, θ − load) in every event hour (kind
  ``system_peak_hours``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grid import headroom
from grid.cost import month_of_hour
from grid.flex.dispatch import Dispatch
from grid.flex.resources import FlexProblem
from grid.flex.signals import Signal, event_runs

T_PER_KG = 1e-3
HOURS_PER_WEEK = 168


def _r(x: float, digits: int = 3) -> float:
    return round(float(x), digits)


def worst_event_week(*, reduction_mw: np.ndarray, mask: np.ndarray) -> dict[str, int] | None:
    """The event run with the largest reduction at the meter, and the week centred on it."""
    runs = event_runs(mask)
    if not runs:
        return None
    energy = [float(reduction_mw[a:b].sum()) for a, b in runs]  # loop over events (tens), not hours
    start, end = runs[int(np.argmax(energy))]
    hours = reduction_mw.size
    week_start = int(min(max(0, (start + end) // 2 - HOURS_PER_WEEK // 2), hours - HOURS_PER_WEEK))
    return {
        "event_start_hour": start,
        "event_end_hour": end,
        "week_start_hour": week_start,
        "week_end_hour": week_start + HOURS_PER_WEEK,
    }


def _costs_baseline(problem: FlexProblem) -> dict[str, float]:
    base = problem.baseline_meter_mw
    peaks = problem.prices.billing_demand_mw(power_mw=base, month=problem.month)
    energy = float(base @ problem.prices.energy_usd_per_mwh)
    demand = float(peaks.sum() * problem.prices.demand_charge_usd_per_kw_month * 1e3)
    return {"energy_usd": energy, "demand_charge_usd": demand, "total_usd": energy + demand}


def _speed_to_power(
    *, system_load_mw: np.ndarray | None, peak_mw: float, feasible: bool, kind: str
) -> dict[str, Any] | None:
    if system_load_mw is None:
        return None
    threshold = headroom.seasonal_threshold_mw(load_mw=system_load_mw, month=month_of_hour(system_load_mw.size))
    margin = threshold - system_load_mw
    firm_room = max(0.0, float(np.min(margin)))
    flexible = None
    if kind == "system_peak_hours":
        flexible = peak_mw if feasible else None
    zero_margin_hours = int(np.count_nonzero(margin <= 0.0))
    firm_note = None
    if firm_room == 0.0:
        # θ is each season's own peak of this same series, so the season's peak hour has θ − load = 0
        firm_note = (
            "by construction: the thresholds θ are this system's own seasonal peaks, so θ − load ≤ 0 at least in "
            f"each season's peak hour ({zero_margin_hours} h/yr here); a load that is never curtailed raises "
            "those peaks. "
            "The headroom method's answer is the flexible one: the facility fits if it curtails in the hours "
            "where load + facility > θ"
        )
    return {
        "facility_peak_mw": _r(peak_mw),
        "firm_headroom_mw": _r(firm_room),
        "fits_if_firm_mw": _r(min(peak_mw, firm_room)),
        "fits_if_flexible_mw": None if flexible is None else _r(flexible),
        "zero_margin_hours": zero_margin_hours,
        # hours in which a constant load of the facility's peak would push the system above θ
        "hours_over_threshold_at_peak": int(np.count_nonzero(system_load_mw + peak_mw > threshold)),
        "firm_note": firm_note,
        "method": "firm: a constant load that never pushes the system above its seasonal thresholds θ "
        "(max(0, min θ − load)); flexible: the whole facility when its dispatch keeps the meter at or "
        "below max(0, θ − load) in every hour where load + facility > θ (Norris et al. 2025 thresholds)"
        + (f". Firm room 0 MW {firm_note}" if firm_note else ""),
        "note": None
        if kind == "system_peak_hours"
        else "fits_if_flexible_mw needs the signal kind 'system_peak_hours' (the system's own hours)",
    }


def flexibility_outcome(
    *,
    problem: FlexProblem,
    dispatch: Dispatch,
    signal: Signal,
    intensity_g_per_kwh: np.ndarray,
    annual_output_mtok: float,
    system_load_mw: np.ndarray | None,
) -> dict[str, Any]:
    """The JSON-ready summary of a dispatch (see module docstring)."""
    base = dispatch.baseline_meter_mw
    meter = dispatch.meter_mw
    mask = signal.event_mask
    reduction = np.where(mask, np.maximum(base - meter, 0.0), 0.0)
    curtailed = mask & (reduction > 1e-6)
    peak = float(base.max())
    firm = float(meter[mask].max()) if mask.any() else float(meter.max())
    runs = event_runs(mask)
    baseline_costs = _costs_baseline(problem)
    costs = dict(dispatch.costs_usd)
    flex_cost = costs["total_usd"] - baseline_costs["total_usd"]
    onsite_t = float(dispatch.generation_mw.sum() * problem.generator.emission_t_per_mwh) if problem.generator else 0.0
    grid_change_t = float(((meter - base) @ intensity_g_per_kwh) * T_PER_KG)
    by_source = {
        "power_caps_mwh": _r(dispatch.cap_saving_mw[mask].sum(), 2),
        "deferral_mwh": _r(np.maximum(-dispatch.deferral_shift_mw[mask], 0.0).sum(), 2),
        "battery_mwh": _r((dispatch.discharge_mw - dispatch.charge_mw)[mask].clip(min=0.0).sum(), 2),
        "generation_mwh": _r(dispatch.generation_mw[mask].sum(), 2),
        "shedding_mwh": _r(dispatch.shed_mw[mask].sum(), 2),
    }
    pools = [
        {
            "pool": option.pool,
            "cap_frac": [round(c, 3) for c in option.cap_frac],
            "full_load_power_frac": [round(p, 6) for p in option.power_frac],
            "full_load_throughput_frac": [round(t, 6) for t in option.throughput_frac],
            "mean_cap_frac_in_events": _r(
                (np.asarray(option.cap_frac)[:, None] * dispatch.cap_level_share[option.pool][:, mask])
                .sum(axis=0)
                .mean(),
                4,
            )
            if mask.any()
            else 1.0,
            "notes": list(option.notes),
        }
        for option in problem.caps
    ]
    return {
        "feasible": dispatch.feasible,
        "status": dispatch.message,
        "binding": list(dispatch.binding),
        "signal": {"kind": signal.kind, "method": signal.method, "events": len(runs), "event_hours": int(mask.sum())},
        "baseline_peak_mw": _r(peak),
        "firm_mw": _r(firm),
        "flexible_mw": _r(max(0.0, peak - firm)),
        "dispatched_peak_mw": _r(meter.max()),
        "curtailed_hours": int(curtailed.sum()),
        "curtailed_mwh": _r(reduction.sum(), 2),
        "reduction_by_source": by_source,
        "tokens": {
            "lost_mtok": _r(dispatch.lost_mtok.sum(), 4),
            "deferred_mtok": _r(dispatch.deferred_mtok.sum(), 4),
            "waiting_mtok_hours": _r(dispatch.backlog_mtok.sum(), 4),
            "lost_frac_of_annual": _r(dispatch.lost_mtok.sum() / annual_output_mtok, 8) if annual_output_mtok else 0.0,
            "deferred_frac_of_annual": _r(dispatch.deferred_mtok.sum() / annual_output_mtok, 8)
            if annual_output_mtok
            else 0.0,
        },
        "costs_usd": {k: _r(v, 0) for k, v in costs.items()},
        "baseline_costs_usd": {k: _r(v, 0) for k, v in baseline_costs.items()},
        "cost_of_flexibility_usd_per_year": _r(flex_cost, 0),
        "cost_of_flexibility_usd_per_event": _r(flex_cost / len(runs), 0) if runs else None,
        "emissions": {
            "onsite_generation_tco2": _r(onsite_t, 3),
            "grid_change_tco2e": _r(grid_change_t, 3),
            "method": "on-site: generation MWh × heat rate × fuel CO2 factor; grid: Σ (dispatched − baseline "
            "meter MWh) × hourly average intensity",
        },
        "power_caps": pools,
        "worst_event": worst_event_week(reduction_mw=reduction, mask=mask),
        "speed_to_power": _speed_to_power(
            system_load_mw=system_load_mw, peak_mw=peak, feasible=dispatch.feasible, kind=signal.kind
        ),
        "solver": {
            "method": "one linear program per year, scipy.optimize.linprog (HiGHS)",
            "solve_s": _r(dispatch.solve_s, 3),
            "variables": dispatch.variables,
            "constraints": dispatch.constraints,
        },
    }
