"""Hourly dispatch of a facility's flexibility: one linear program per year, solved by HiGHS.

Variables (each a block over the hours, built vectorised — no per-hour Python loop):

- ``meter[t]`` [MW] at the meter, 0 ≤ meter ≤ cap[t] (the grid signal's event cap);
- ``peak[m]`` [MW] each month's peak, ≥ meter[t] for t in m (demand charges);
- ``cap[p, k, e]`` ∈ [0, 1] share of event hour e that pool p runs at cap level k (time-sharing
  inside the hour between the engine's operating points; Σ_k ≤ 1, the rest uncapped);
- ``charge[t]``, ``discharge[t]`` [MW] and ``soc[t]`` [MWh] of the battery, cyclic over the year;
- ``gen[t]`` [MW] of on-site generation, in event hours only when it is an emergency unit;
- ``shed[e]`` [MW] of load switched off in event hour e when shedding is allowed (its tokens lost);
- per deferrable tier: ``backlog[t]`` [Mtok] ≤ the arrivals of the last ``deadline_h`` hours (first
  in, first out: nothing older than the deadline waits), cleared by the year's end; served work is
  arrivals + backlog[t−1] − backlog[t] ≥ 0 (substituted out); catching up uses at most the hour's
  spare capacity. Σ backlog is the Mtok-hours waited, the quantity deferral is charged on.

Meter balance each hour:
  meter = baseline − Σ_pk saving[p,k,t]·cap[p,k,t] − shed + Σ_j e_j[t]·(served_j − arrivals_j)
          + charge − discharge − gen
Objective [USD/year]: Σ price·meter + demand charge·Σ peak + Σ fuel·gen + degradation·Σ discharge
  + lost value·Σ lost tokens + deferral value·Σ backlog (Mtok-hours waited).

When the caps cannot be met, an elastic copy of the problem (each hard limit given a slack priced
far above any resource) names the binding constraint, its hours and the resources at their limit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from grid.flex.resources import FlexProblem
from grid.flex.signals import event_runs

SOLVER = "highs"
TOLERANCE_MW = 1e-6
# Elastic diagnosis: a relaxed limit costs far more than any resource could (lost tokens are worth
# ≈ $3,000 per MWh of facility energy at $0.88/Mtok), so slack is used only where nothing else can.
PENALTY_USD_PER_MWH = 1e6
PENALTY_USD_PER_MTOK = 1e4


@dataclass
class _Builder:
    """Variable blocks with bounds and costs; rows as COO triplets (equality and ≤ separately)."""

    size: int = 0
    lower: list[np.ndarray] = field(default_factory=list)
    upper: list[np.ndarray] = field(default_factory=list)
    cost: list[np.ndarray] = field(default_factory=list)
    eq: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    eq_rhs: list[np.ndarray] = field(default_factory=list)
    eq_rows: int = 0
    ub: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    ub_rhs: list[np.ndarray] = field(default_factory=list)
    ub_rows: int = 0

    def block(self, n: int, *, lower: Any = 0.0, upper: Any = np.inf, cost: Any = 0.0) -> np.ndarray:
        index = np.arange(self.size, self.size + n)
        self.size += n
        self.lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (n,)).copy())
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (n,)).copy())
        self.cost.append(np.broadcast_to(np.asarray(cost, dtype=float), (n,)).copy())
        return index

    def rows(self, kind: str, n: int, rhs: Any) -> np.ndarray:
        if kind == "eq":
            start, self.eq_rows = self.eq_rows, self.eq_rows + n
            self.eq_rhs.append(np.broadcast_to(np.asarray(rhs, dtype=float), (n,)).copy())
        else:
            start, self.ub_rows = self.ub_rows, self.ub_rows + n
            self.ub_rhs.append(np.broadcast_to(np.asarray(rhs, dtype=float), (n,)).copy())
        return np.arange(start, start + n)

    def put(self, kind: str, rows: np.ndarray, cols: np.ndarray, values: Any) -> None:
        rows, cols = np.broadcast_arrays(np.asarray(rows), np.asarray(cols))
        vals = np.broadcast_to(np.asarray(values, dtype=float), rows.shape)
        (self.eq if kind == "eq" else self.ub).append((rows.ravel(), cols.ravel(), vals.ravel()))

    def matrix(self, kind: str) -> tuple[sparse.csr_matrix | None, np.ndarray | None]:
        parts, n_rows = (self.eq, self.eq_rows) if kind == "eq" else (self.ub, self.ub_rows)
        if n_rows == 0:
            return None, None
        rows = np.concatenate([p[0] for p in parts])
        cols = np.concatenate([p[1] for p in parts])
        vals = np.concatenate([p[2] for p in parts])
        rhs = np.concatenate(self.eq_rhs if kind == "eq" else self.ub_rhs)
        return sparse.csr_matrix((vals, (rows, cols)), shape=(n_rows, self.size)), rhs


@dataclass(frozen=True)
class Dispatch:
    """The year's dispatch. Hourly arrays [MW, Mtok/h]; costs [USD/year]."""

    feasible: bool
    message: str
    solve_s: float
    meter_mw: np.ndarray
    baseline_meter_mw: np.ndarray
    cap_saving_mw: np.ndarray  # meter MW saved by power caps
    cap_saving_by_pool_mw: dict[str, np.ndarray]
    shed_mw: np.ndarray  # meter MW of load switched off in event hours (its tokens lost)
    deferral_shift_mw: np.ndarray  # + = deferred work served (more load), − = work put off
    charge_mw: np.ndarray
    discharge_mw: np.ndarray
    soc_mwh: np.ndarray
    generation_mw: np.ndarray
    lost_mtok: np.ndarray
    deferred_mtok: np.ndarray  # arrivals not served in their own hour (first in, first out)
    backlog_mtok: np.ndarray  # work waiting at the end of each hour; Σ = Mtok-hours waited
    monthly_peak_mw: np.ndarray  # billed demand each month (peak, or the tariff's minimum)
    cap_level_share: dict[str, np.ndarray]  # pool → (levels, hours) time share at each cap level
    costs_usd: dict[str, float]
    binding: tuple[dict[str, Any], ...] = ()  # when infeasible: the constraints that cannot be met
    variables: int = 0
    constraints: int = 0


def _hour_label(year: int, hour: int) -> str:
    stamp = np.datetime64(f"{year}-01-01T00", "h") + np.timedelta64(int(hour), "h")
    return str(stamp).replace("T", " ") + ":00"


@dataclass
class _Layout:
    meter: np.ndarray
    peak: np.ndarray | None
    caps: list[tuple[str, np.ndarray]]  # (pool, (levels-1) × events flattened index), level 0 implicit
    charge: np.ndarray | None
    discharge: np.ndarray | None
    soc: np.ndarray | None
    gen: np.ndarray | None
    tiers: list[np.ndarray]  # backlog of each tier
    events: np.ndarray
    slack: dict[str, np.ndarray]
    gen_row: int | None = None
    shed: np.ndarray | None = None


def _build(problem: FlexProblem, *, elastic: bool) -> tuple[_Builder, _Layout]:
    T = problem.hours
    b = _Builder()
    prices = problem.prices
    cap = np.asarray(problem.cap_mw, dtype=float)
    events = np.flatnonzero(np.isfinite(cap))
    slack: dict[str, np.ndarray] = {}
    objective_on = 1.0

    meter_upper = cap.copy() if not elastic else np.full(T, np.inf)
    meter = b.block(T, upper=meter_upper, cost=objective_on * prices.energy_usd_per_mwh)
    if elastic and events.size:
        slack["event_cap"] = b.block(events.size, cost=PENALTY_USD_PER_MWH)
        rows = b.rows("ub", events.size, cap[events])
        b.put("ub", rows, meter[events], 1.0)
        b.put("ub", rows, slack["event_cap"], -1.0)

    # Meter balance: meter + savings·λ − Σ e·served − charge + discharge + gen = baseline − Σ e·arrivals
    balance = b.rows("eq", T, 0.0)
    rhs = np.asarray(problem.baseline_meter_mw, dtype=float).copy()
    b.put("eq", balance, meter, 1.0)

    peak = None
    if prices.demand_charge_usd_per_kw_month > 0 and not elastic:
        # billed demand ≥ every hour's meter and ≥ the tariff's minimum (a bound: shaving below it earns nothing)
        peak = b.block(12, lower=prices.minimum_billing_demand_mw, cost=prices.demand_charge_usd_per_kw_month * 1e3)
        rows = b.rows("ub", T, 0.0)
        b.put("ub", rows, meter, 1.0)
        b.put("ub", rows, peak[np.asarray(problem.month) - 1], -1.0)

    caps = []
    for option in problem.caps:
        levels = option.saving_mw.shape[0] - 1  # level 0 = uncapped
        if levels < 1 or events.size == 0:
            continue
        n = events.size
        cost = objective_on * prices.lost_usd_per_mtok * option.lost_mtok[1:, events]
        lam = b.block(levels * n, upper=1.0, cost=cost.ravel())
        grid_lam = lam.reshape(levels, n)
        b.put("eq", np.broadcast_to(balance[events], (levels, n)), grid_lam, option.saving_mw[1:, events])
        convex = b.rows("ub", n, 1.0)
        b.put("ub", np.broadcast_to(convex, (levels, n)), grid_lam, 1.0)
        caps.append((option.pool, grid_lam))

    shed = None
    if problem.shed_mtok_per_mw is not None and events.size:
        per_mw = np.asarray(problem.shed_mtok_per_mw, dtype=float)[events]
        base_e = np.asarray(problem.baseline_meter_mw, dtype=float)[events]
        shed = b.block(events.size, upper=base_e, cost=objective_on * prices.lost_usd_per_mtok * per_mw)
        b.put("eq", balance[events], shed, 1.0)

    charge = discharge = soc = None
    battery = problem.battery
    if battery is not None and battery.power_mw > 0 and battery.energy_mwh > 0:
        eta = battery.one_way_efficiency_frac
        charge = b.block(T, upper=battery.power_mw)
        discharge = b.block(T, upper=battery.power_mw, cost=objective_on * battery.degradation_usd_per_mwh)
        soc = b.block(T, upper=battery.energy_mwh)
        b.put("eq", balance, charge, -1.0)
        b.put("eq", balance, discharge, 1.0)
        rows = b.rows("eq", T, 0.0)  # soc[t] − soc[t−1] − η·charge + discharge/η = 0, cyclic
        b.put("eq", rows, soc, 1.0)
        b.put("eq", rows, np.roll(soc, 1), -1.0)
        b.put("eq", rows, charge, -eta)
        b.put("eq", rows, discharge, 1.0 / eta)

    gen = None
    gen_row = None
    generator = problem.generator
    if generator is not None and generator.power_mw > 0:
        allowed = np.zeros(T, dtype=bool)
        allowed[events] = True
        if not generator.events_only:
            allowed[:] = True
        gen = b.block(
            T, upper=np.where(allowed, generator.power_mw, 0.0), cost=objective_on * generator.fuel_usd_per_mwh
        )
        b.put("eq", balance, gen, 1.0)
        limit = generator.power_mw * generator.run_hours_per_year
        row = b.rows("ub", 1, limit)
        gen_row = int(row[0])
        b.put("ub", np.full(T, row[0]), gen, 1.0)
        if elastic:
            # cheaper than missing the cap: when more run hours would meet the event, they are named
            slack["generator_run_hours"] = b.block(1, cost=0.5 * PENALTY_USD_PER_MWH)
            b.put("ub", row, slack["generator_run_hours"], -1.0)

    tiers = []
    for tier in problem.tiers:
        # served[t] = arrivals[t] + backlog[t−1] − backlog[t] is substituted out. The backlog variable is
        # held in MWh at the tier's mean meter energy per Mtok (k), so its coefficients are near 1.
        arrivals = np.asarray(tier.arrivals_mtok, dtype=float)
        energy = np.asarray(tier.meter_mwh_per_mtok, dtype=float) * np.ones(T)
        k = _tier_scale(tier)
        window = np.convolve(arrivals, np.ones(tier.deadline_h), mode="full")[:T]  # Σ arrivals of (t−H, t]
        window[-1] = 0.0  # the backlog is cleared by the year's end
        backlog = b.block(
            T,
            upper=k * window if not elastic else np.full(T, np.inf),
            cost=objective_on * prices.deferral_usd_per_mtok_hour / k,  # Σ backlog = Mtok-hours waited
        )
        b.put("eq", balance, backlog, energy / k)  # meter − e·(backlog[t−1] − backlog[t]) + … = baseline
        b.put("eq", balance[1:], backlog[:-1], -energy[1:] / k)
        rows = b.rows("ub", T, k * arrivals)  # backlog[t] − backlog[t−1] ≤ arrivals[t] (served ≥ 0)
        b.put("ub", rows, backlog, 1.0)
        b.put("ub", rows[1:], backlog[:-1], -1.0)
        if tier.spare_mtok is not None:  # catching up uses spare capacity: backlog[t−1] − backlog[t] ≤ spare
            spare_rows = b.rows("ub", T, k * np.maximum(np.asarray(tier.spare_mtok, dtype=float), 0.0))
            b.put("ub", spare_rows, backlog, -1.0)
            b.put("ub", spare_rows[1:], backlog[:-1], 1.0)
        if elastic:
            key = f"deadline:{tier.name}"
            slack[key] = b.block(T, cost=PENALTY_USD_PER_MTOK / k)
            rows = b.rows("ub", T, k * window)
            b.put("ub", rows, backlog, 1.0)
            b.put("ub", rows, slack[key], -1.0)
        tiers.append(backlog)
    b.eq_rhs[0] = rhs
    layout = _Layout(
        meter=meter,
        peak=peak,
        caps=caps,
        charge=charge,
        discharge=discharge,
        soc=soc,
        gen=gen,
        tiers=tiers,
        events=events,
        slack=slack,
        gen_row=gen_row,
        shed=shed,
    )
    return b, layout


def _tier_scale(tier: Any) -> float:
    """Mean meter energy per Mtok of a tier [MWh/Mtok] (1 when it has none): the backlog's unit."""
    energy = float(np.mean(tier.meter_mwh_per_mtok))
    return energy if energy > 0 else 1.0


def _solve(b: _Builder) -> Any:
    a_eq, b_eq = b.matrix("eq")
    a_ub, b_ub = b.matrix("ub")
    bounds = np.column_stack([np.concatenate(b.lower), np.concatenate(b.upper)])
    return linprog(
        np.concatenate(b.cost),
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=bounds,
        method=SOLVER,
    )


def _values(x: np.ndarray | None, index: np.ndarray | None, hours: int) -> np.ndarray:
    if x is None or index is None:
        return np.zeros(hours)
    return np.asarray(x[index], dtype=float)


def dispatch(problem: FlexProblem) -> Dispatch:
    """Solve the year's dispatch; an infeasible year comes back with ``binding`` naming why."""
    started = time.perf_counter()
    builder, layout = _build(problem, elastic=False)
    solution = _solve(builder)
    if solution.status == 0:
        return _result(problem, layout, solution.x, started, builder, feasible=True, message="optimal")
    if solution.status != 2:
        raise RuntimeError(f"dispatch LP: HiGHS stopped with status {solution.status}: {solution.message}")
    elastic_builder, elastic_layout = _build(problem, elastic=True)
    relaxed = _solve(elastic_builder)
    if relaxed.status != 0:
        raise RuntimeError(f"dispatch LP (elastic diagnosis): HiGHS status {relaxed.status}: {relaxed.message}")
    binding = _diagnose(problem, elastic_layout, relaxed.x)
    text = "; ".join(item["message"] for item in binding) or "infeasible"
    return _result(
        problem, elastic_layout, relaxed.x, started, elastic_builder, feasible=False, message=text, binding=binding
    )


def _diagnose(problem: FlexProblem, layout: _Layout, x: np.ndarray) -> tuple[dict[str, Any], ...]:
    """Each relaxed limit that needed slack: which constraint, how much, when, and what ran out."""
    T = problem.hours
    out: list[dict[str, Any]] = []
    if "event_cap" in layout.slack:
        short = np.zeros(T)
        short[layout.events] = x[layout.slack["event_cap"]]
        hours = np.flatnonzero(short > TOLERANCE_MW)
        if hours.size:
            exhausted = _exhausted(problem, layout, x, hours)
            first = int(hours[0])
            out.append(
                {
                    "constraint": "event_cap_at_meter",
                    "field": "flexibility.signal",
                    "hours": int(hours.size),
                    "first_hour": first,
                    "first_hour_label": _hour_label(problem.year, first),
                    "max_shortfall_mw": float(short.max()),
                    "shortfall_mwh": float(short.sum()),
                    "resources_at_limit": exhausted,
                    "message": f"event cap at the meter cannot be met in {hours.size} h "
                    f"(first {_hour_label(problem.year, first)}, short by up to {short.max():.2f} MW); "
                    f"at their limit: {', '.join(exhausted) or 'none'}",
                }
            )
    if "generator_run_hours" in layout.slack:
        over = float(x[layout.slack["generator_run_hours"]][0])
        if over > TOLERANCE_MW and problem.generator is not None:
            out.append(
                {
                    "constraint": "generator_run_hours",
                    "field": "flexibility.generation.run_hours_per_year",
                    "excess_mwh": over,
                    "message": f"on-site generation needs {over / problem.generator.power_mw:.1f} h more than its "
                    f"{problem.generator.run_hours_per_year:g} h/year",
                }
            )
    for key, index in layout.slack.items():
        if key.startswith("deadline:"):
            name = key.split(":", 1)[1]
            tier = next(t for t in problem.tiers if t.name == name)
            late = np.asarray(x[index]) / _tier_scale(tier)
            hours = np.flatnonzero(late > 1e-9)
            if hours.size:
                out.append(
                    {
                        "constraint": "deferral_deadline",
                        "field": f"flexibility.deferrable[{name}].deadline_h",
                        "hours": int(hours.size),
                        "first_hour": int(hours[0]),
                        "first_hour_label": _hour_label(problem.year, int(hours[0])),
                        "late_mtok": float(late.max()),
                        "message": f"deferrable tier {name!r} misses its deadline in {hours.size} h "
                        f"(first {_hour_label(problem.year, int(hours[0]))}): not enough spare capacity to catch up",
                    }
                )
    return tuple(out)


def _exhausted(problem: FlexProblem, layout: _Layout, x: np.ndarray, hours: np.ndarray) -> list[str]:
    """Resources at their limit in the events with a shortfall (what would have to grow)."""
    names = []
    mask = np.zeros(problem.hours, dtype=bool)
    mask[layout.events] = True
    short = np.zeros(problem.hours, dtype=bool)
    short[hours] = True
    runs = [(a, b) for a, b in event_runs(mask) if short[a:b].any()]  # loop over events, not hours
    hours = np.concatenate([np.arange(a, b) for a, b in runs]) if runs else hours
    battery = problem.battery
    if layout.soc is not None and battery is not None:
        soc = x[layout.soc][hours]
        dis = x[layout.discharge][hours] if layout.discharge is not None else np.zeros(hours.size)
        if np.any(soc < 1e-6 * max(battery.energy_mwh, 1.0)):
            names.append("battery energy (state of charge at 0)")
        elif np.any(dis > battery.power_mw * (1 - 1e-6)):
            names.append("battery power")
    elif battery is None:
        names.append("no battery")
    generator = problem.generator
    if layout.gen is not None and generator is not None:
        used = float(x[layout.gen].sum())
        if used >= generator.power_mw * generator.run_hours_per_year * (1 - 1e-6):
            names.append("generator run hours")
        elif np.any(x[layout.gen][hours] > generator.power_mw * (1 - 1e-6)):
            names.append("generator power")
    elif generator is None:
        names.append("no on-site generation")
    for pool, lam in layout.caps:
        position = np.searchsorted(layout.events, hours)
        deepest = x[lam[-1]][position]
        if np.any(deepest > 1 - 1e-6):
            names.append(f"power cap of pool {pool!r} at its deepest level")
    if not layout.caps:
        names.append("no power capping")
    if layout.shed is None:
        names.append("no load shedding allowed")
    for tier, backlog in zip(problem.tiers, layout.tiers, strict=True):
        if np.any(x[backlog][hours] / _tier_scale(tier) >= tier.arrivals_mtok[hours] * (1 - 1e-6)):
            names.append(f"deferrable tier {tier.name!r} fully deferred")
    return names


def _result(
    problem: FlexProblem,
    layout: _Layout,
    x: np.ndarray,
    started: float,
    builder: _Builder,
    *,
    feasible: bool,
    message: str,
    binding: tuple[dict[str, Any], ...] = (),
) -> Dispatch:
    T = problem.hours
    events = layout.events
    meter = _values(x, layout.meter, T)
    by_pool: dict[str, np.ndarray] = {}
    shares: dict[str, np.ndarray] = {}
    lost = np.zeros(T)
    for option in problem.caps:
        match = [lam for pool, lam in layout.caps if pool == option.pool]
        share = np.zeros(option.saving_mw.shape)
        if match:
            share[1:, events] = x[match[0]]
        share[0] = 1.0 - share[1:].sum(axis=0)
        shares[option.pool] = share
        by_pool[option.pool] = (share[1:] * option.saving_mw[1:]).sum(axis=0)
        lost += (share[1:] * option.lost_mtok[1:]).sum(axis=0)
    shed = np.zeros(T)
    if layout.shed is not None and problem.shed_mtok_per_mw is not None:
        shed[events] = x[layout.shed]
        lost += shed * np.asarray(problem.shed_mtok_per_mw, dtype=float)
    shift = np.zeros(T)
    deferred = np.zeros(T)
    backlog = np.zeros(T)
    for tier, back in zip(problem.tiers, layout.tiers, strict=True):
        energy = np.asarray(tier.meter_mwh_per_mtok, dtype=float) * np.ones(T)
        queue = np.maximum(x[back], 0.0) / _tier_scale(tier)
        before = np.concatenate(([0.0], queue[:-1]))
        shift += energy * (before - queue)  # served − arrivals
        deferred += np.minimum(tier.arrivals_mtok, queue)  # first in, first out: the newest arrivals wait
        backlog += queue
    charge = _values(x, layout.charge, T)
    discharge = _values(x, layout.discharge, T)
    gen = _values(x, layout.gen, T)
    prices = problem.prices
    peaks = prices.billing_demand_mw(power_mw=meter, month=problem.month)
    costs = {
        "energy_usd": float(meter @ prices.energy_usd_per_mwh),
        "demand_charge_usd": float(peaks.sum() * prices.demand_charge_usd_per_kw_month * 1e3),
        "fuel_usd": float(gen.sum() * problem.generator.fuel_usd_per_mwh) if problem.generator else 0.0,
        "degradation_usd": float(discharge.sum() * problem.battery.degradation_usd_per_mwh) if problem.battery else 0.0,
        "lost_tokens_usd": float(lost.sum() * prices.lost_usd_per_mtok),
        "deferral_usd": float(backlog.sum() * prices.deferral_usd_per_mtok_hour),
    }
    costs["total_usd"] = float(sum(costs.values()))
    a_eq, _ = builder.matrix("eq")
    a_ub, _ = builder.matrix("ub")
    rows = (0 if a_eq is None else a_eq.shape[0]) + (0 if a_ub is None else a_ub.shape[0])
    return Dispatch(
        feasible=feasible,
        message=message,
        solve_s=time.perf_counter() - started,
        meter_mw=meter,
        baseline_meter_mw=np.asarray(problem.baseline_meter_mw, dtype=float),
        cap_saving_mw=np.sum(list(by_pool.values()), axis=0) if by_pool else np.zeros(T),
        cap_saving_by_pool_mw=by_pool,
        shed_mw=shed,
        deferral_shift_mw=shift,
        charge_mw=charge,
        discharge_mw=discharge,
        soc_mwh=_values(x, layout.soc, T),
        generation_mw=gen,
        lost_mtok=lost,
        deferred_mtok=deferred,
        backlog_mtok=backlog,
        monthly_peak_mw=peaks,
        cap_level_share=shares,
        costs_usd=costs,
        binding=binding,
        variables=builder.size,
        constraints=rows,
    )


__all__ = ["Dispatch", "dispatch", "event_runs"]
