"""The hardware mix as a mixed-integer linear programme (scipy.optimize.milp, HiGHS).

Decision variables, for every *operating point* ``i`` (a pool of ``shares.pools`` with one
combination of its own ``choices``: accelerator, precision, tensor parallel, serving stack, power
limit, …, under one combination of the study's other choices) and every demand share ``k`` its pool
may take (the ``step_frac`` grid, or the scenario's fixed share):

- ``u[i, k]`` binary: pool p runs at operating point i and serves share k of every workload; at
  most one (i, k) per pool (exactly one when pools may not be dropped), at most one combination of
  the other choices (``z[g]`` binary, ``u ≤ z``, ``Σ z = 1``), and the chosen shares add up to 1.
  No (i, k) for a pool: the pool is dropped from the mix.
- integer device counts: devices of pool p = ``Σ_{i,k} devices[i, k] × u[i, k]`` with
  ``devices[i, k] = Σ_w devices_per_replica[i, w] × (ceil(k × need[i, w]) + spares)`` and
  ``need = peak output tokens/s × (1 + headroom) / replica throughput at the latency targets``
  (the engine's curve at that operating point, sized as grid.fleet sizes a pool). Meeting demand at
  the latency targets is thus built into every (i, k); the ceiling is taken before the MILP, so the
  device counts are the engine's integers, not a relaxation (an earlier form with integer replica
  variables ``r ≥ k × need + spares`` gave the same optima, but HiGHS took ≈ 250 ms a solve on
  examples/studies/dallas-mix-milp.json against ≈ 7 ms now; benchmarks/bench_milp.py for larger ones).

Linearisation (the one approximation): every KPI is taken **per device** at its operating point,
from one full-engine run of that point serving all demand alone (its *probe*):
``KPI(mix) ≈ Σ_i devices_i × KPI(probe i) / devices(probe i)``. This is exact when one pool serves
all demand (every single-pool mix) and for device counts; for a split it assumes facility overheads,
cheapest-energy dispatch, demand charges and the grid's carbon and price add up pool by pool, which
they do only approximately. Ratios with a fixed denominator ($/Mtok and J/token: all demand is
served) are linear in the same way. Hence the top ``recheck`` mixes (found one after another with
no-good cuts) and the ε-constraint Pareto front are re-computed by the full engine, and the
optimality gap is reported between the MILP's bound and the best re-checked mix.

Dispatch-aware model (``fleet.dispatch: cheapest_energy``; ``OperatingPoint.roles``): that dispatch
fills the pool of least full-load J/token first, and a replica's power jumps from idle to ≈ 80 % of
full load at batch 1, so a follower pool idles through low-demand hours and a split uses far less
energy than its shares suggest (the per-device model was 24–31 % high on the Ashburn H100+B200
example). Here binaries ``f[i, w]`` pick the merit-first point per workload (exactly one; none of a
lower (J/token, pool) chosen in another pool, as grid.fleet.dispatch sorts stably) and continuous
``v[j, w] = u[j] ∧ f[i, w]`` switch each binary's driver between its two roles. KPI of a pool =
``fixed_per_device × devices + per_driver × driver``, the driver being its annual IT energy (peak
KPI: IT power in the fleet's peak-demand hour) from the engine's own replica curves and hourly demand
(first: load = min(demand, capacity); follower: demand less (1 − share) × peak × (1 + headroom),
clipped to its capacity). The two coefficients per KPI come from two engine probes with the same
devices (all demand, and demand × s with the largest headroom the schema allows), so the facility
overheads, carbon and prices that follow from energy are the engine's, measured, not assumed. Exact
for a single-pool mix (its probe). Not a proven bound: hourly weights (carbon intensity, PUE,
prices) are the probes' averages, the follower's capacity ahead ignores the first pool's spare
replica, and with three or more pools a middle pool is treated as last; the gap may take either
sign (``bound_is_valid`` in the summary is false unless every mix is a single pool).

Constraints: demand at the latency targets (the replicas above), every ``limits`` KPI ≤ its maximum
(the site's ``power_cap_mw`` is a limit on ``peak_facility_power_mw`` at the meter; a budget is a
limit on ``operator_cost_usd`` or ``tco_usd_per_year``), devices of each accelerator ≤
``max_devices_by_accelerator`` (less the devices of fixed-count pools). An infeasible problem names
the constraint that binds, with the least value any mix reaches.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

SITE_CAP = "site.power_cap_mw"  # the scenario's own cap at the meter, a limit on peak_facility_power_mw
PEAK_KPI = "peak_facility_power_mw"
MIP_REL_GAP = 1e-7  # HiGHS's relative optimality tolerance (its default 1e-4 would blur hand-checked optima)
SOLVE_TIME_LIMIT_S = 30.0  # per HiGHS solve; at the limit its best mix is kept and the bound is its dual bound
_POOL_PATH = re.compile(r"^hardware\[(\d+)\]\.")
# The low-load probe: the same devices at demand × (1 + headroom) / (1 + LOW_LOAD_HEADROOM): the
# schema's largest fleet.headroom_frac (planner/engine/schema.py, le=2.0), so the lowest load that
# keeps the probe's sizing (s = 0.4 at the default headroom 0.2).
LOW_LOAD_HEADROOM = 2.0
LOW_LOAD_MAX = 0.9  # above this the two probes are too close to separate the load-driven part (assumption)
# KPIs per served token: the low-load probe serves s × the tokens, so its numerator is s × the figure.
PER_TOKEN_KPIS = ("usd_per_million_output_tokens", "usd_per_million_tokens", "facility_energy_per_output_token_j")
# Ratios that are neither per device nor per unit of energy: kept per device (as before).
PER_DEVICE_KPIS = frozenset(
    {"annual_pue", "output_tokens_per_s_per_mw", "unserved_output_tokens_frac", "devices", "servers"}
)


class MixInfeasible(ValueError):
    """No mix meets the constraints; ``constraint`` names the binding one (``limits.peak_facility_power_mw``)."""

    def __init__(self, message: str, *, constraint: str):
        self.constraint = constraint
        super().__init__(message)


# ---- the problem, independent of the engine (hand-built in tests) ------------------------------


@dataclass(frozen=True)
class OperatingPoint:
    pool: int  # the pool's hardware index in the base scenario
    values: dict[str, Any]  # the pool's choice values (field path → value)
    accelerator: str
    replicas_needed: tuple[float, ...]  # per workload, at share 1: peak × (1 + headroom) / replica throughput
    devices_per_replica: tuple[int, ...]
    spare_replicas: int  # N / N+1 / N+2 → 0 / 1 / 2 per workload served
    per_device: dict[str, float]  # KPI per device, from the point's probe
    group: int = 0  # the combination of the study's other (not per-pool) choices
    probe_index: int = -1
    # Dispatch-aware terms (cheapest-energy dispatch; empty: the per-device model above):
    # KPI = fixed_per_device[kpi] × devices + per_driver[kpi] × the pool's driver (annual IT energy
    # [J], or for peak_facility_power_mw its IT power in the peak-demand hour [W]), the driver taken
    # from ``roles[share][workload]`` = (energy as merit-first, energy as a follower, peak power as
    # first, peak power as a follower) and the role from ``merit`` (full-load J/token per workload).
    fixed_per_device: dict[str, float] = field(default_factory=dict)
    per_driver: dict[str, float] = field(default_factory=dict)
    merit: tuple[float, ...] = ()
    roles: Mapping[float, tuple[tuple[float, float, float, float], ...]] = field(default_factory=dict)

    @property
    def dispatch_aware(self) -> bool:
        return bool(self.roles)

    def driven(self, name: str, share: float, first: Sequence[bool]) -> float:
        """The KPI of this point at a share, each workload's driver in its role (dispatch-aware)."""
        column = 2 if name == PEAK_KPI else 0
        driver = sum(
            terms[column] if is_first else terms[column + 1]
            for terms, is_first in zip(self.roles[share], first, strict=True)
        )
        return self.fixed_per_device.get(name, math.nan) * self.devices(share) + self.per_driver.get(name, 0.0) * driver

    def devices(self, share: float) -> int:
        """Devices at a share of demand, as the engine sizes a pool (grid.fleet.sizing)."""
        total = 0
        for need, dpr in zip(self.replicas_needed, self.devices_per_replica, strict=True):
            base = math.ceil(share * need - 1e-9) if share * need > 0 else 0
            total += dpr * (base + (self.spare_replicas if base > 0 else 0))
        return total


@dataclass(frozen=True)
class MixProblem:
    points: tuple[OperatingPoint, ...]
    shares: Mapping[int, tuple[float, ...]]  # pool → the shares it may take (> 0)
    droppable: bool  # a pool may be left out of the mix
    objective: str
    limits: Mapping[str, float] = field(default_factory=dict)  # KPI (or SITE_CAP) → maximum
    max_devices: Mapping[str, float] = field(default_factory=dict)  # accelerator → devices available to the mix

    @property
    def pools(self) -> tuple[int, ...]:
        return tuple(sorted(self.shares))

    @property
    def dispatch_aware(self) -> bool:
        """Every point carries the dispatch-aware terms (else the per-device model for all)."""
        return bool(self.points) and all(p.dispatch_aware for p in self.points)

    @property
    def workloads(self) -> int:
        return len(self.points[0].merit) if self.dispatch_aware else 0


@dataclass(frozen=True)
class Mix:
    """A solution: pool → (point index in problem.points, share); a dropped pool is absent."""

    choice: dict[int, tuple[int, float]]
    devices: dict[int, int]  # pool → devices
    kpis: dict[str, float]  # the linear model's figures

    def key(self) -> tuple[tuple[int, int, float], ...]:
        return tuple(sorted((p, i, s) for p, (i, s) in self.choice.items()))


def merit_first(problem: MixProblem, choice: Mapping[int, tuple[int, float]]) -> list[int]:
    """Per workload, the point of the mix that cheapest-energy dispatch fills first: the least
    full-load J/token, ties to the lower pool index (grid.fleet.dispatch sorts stably in pool order)."""
    chosen = [i for i, _ in choice.values()]
    return [
        min(chosen, key=lambda i: (problem.points[i].merit[w], problem.points[i].pool))
        for w in range(problem.workloads)
    ]


def mix_kpis(problem: MixProblem, choice: Mapping[int, tuple[int, float]]) -> tuple[dict[int, int], dict[str, float]]:
    """The model's figures of a mix: per device, or dispatch-aware (each pool's driver in its role)."""
    devices = {p: problem.points[i].devices(s) for p, (i, s) in choice.items()}
    if problem.dispatch_aware and choice:
        first = merit_first(problem, choice)
        names = set().union(*(problem.points[i].fixed_per_device for i, _ in choice.values()))
        kpis = {
            name: float(sum(problem.points[i].driven(name, s, [f == i for f in first]) for i, s in choice.values()))
            for name in names
        }
    else:
        names = set().union(*(problem.points[i].per_device for i, _ in choice.values())) if choice else set()
        kpis = {
            name: float(
                sum(devices[p] * problem.points[i].per_device.get(name, math.nan) for p, (i, _) in choice.items())
            )
            for name in names
        }
    kpis["devices"] = float(sum(devices.values()))
    return devices, kpis


def _common_steps(shares: Sequence[float], most: int = 1000) -> int:
    """The smallest S ≤ most with every share a whole number of 1/S steps (0: none)."""
    for steps in range(1, most + 1):
        if all(abs(share * steps - round(share * steps)) < 1e-9 for share in shares):
            return steps
    return 0


def _limit_kpi(name: str) -> str:
    return PEAK_KPI if name == SITE_CAP else name


class _Model:
    """The variables and constraint rows of one MixProblem."""

    def __init__(self, problem: MixProblem):
        self.problem = problem
        self.u: list[tuple[int, float]] = []  # (point, share) per binary
        for i, point in enumerate(problem.points):
            for share in problem.shares[point.pool]:
                self.u.append((i, share))
        self.groups = sorted({p.group for p in problem.points})
        # devices of each (point, share) binary: integers, exactly as the engine sizes the pool
        self.devices = np.array([problem.points[i].devices(share) for i, share in self.u], dtype=float)
        self.nu, self.nz = len(self.u), len(self.groups)
        # Dispatch-aware: f[i, w] binary (point i is merit-first for workload w), v[j, w] in [0, 1]
        # (binary j's point is first for w: u[j] ∧ f[i, w], exact as v ≥ u + f − 1, v ≤ u, v ≤ f).
        self.nw = problem.workloads
        self.f0 = self.nu + self.nz
        self.v0 = self.f0 + len(problem.points) * self.nw
        self.n = self.v0 + self.nu * self.nw
        self.rows: list[tuple[str, np.ndarray, float, float]] = []  # (name, coefficients, low, high)
        self.time_limited = False  # a solve stopped at SOLVE_TIME_LIMIT_S
        self._structure()

    def devices_row(self, weight: Mapping[int, float]) -> np.ndarray:
        """Σ_i weight[i] × devices_i as a row over the binaries."""
        row = np.zeros(self.n)
        for j, (i, _) in enumerate(self.u):
            if i in weight:
                row[j] = weight[i] * self.devices[j]
        return row

    def f(self, i: int, w: int) -> int:
        return self.f0 + i * self.nw + w

    def v(self, j: int, w: int) -> int:
        return self.v0 + j * self.nw + w

    def kpi_row(self, name: str) -> np.ndarray:
        kpi = _limit_kpi(name)
        if self.nw:
            row = np.zeros(self.n)
            follower = [False] * self.nw
            for j, (i, share) in enumerate(self.u):
                point = self.problem.points[i]
                if not math.isfinite(point.fixed_per_device.get(kpi, math.nan)):
                    raise ValueError(f"{kpi} was not computed for operating point {point.values or point.pool}")
                row[j] = point.driven(kpi, share, follower)
                column = 2 if kpi == PEAK_KPI else 0
                for w, terms in enumerate(point.roles[share]):
                    row[self.v(j, w)] = point.per_driver.get(kpi, 0.0) * (terms[column] - terms[column + 1])
            return row
        weight = {}
        for i, point in enumerate(self.problem.points):
            value = point.per_device.get(kpi)
            if value is None or not math.isfinite(value):
                raise ValueError(f"{kpi} was not computed for operating point {point.values or point.pool}")
            weight[i] = value
        return self.devices_row(weight)

    def _structure(self) -> None:
        problem = self.problem
        for pool in problem.pools:
            row = np.zeros(self.n)
            for j, (i, _) in enumerate(self.u):
                if problem.points[i].pool == pool:
                    row[j] = 1
            self.rows.append((f"pool {pool}", row, 0 if problem.droppable else 1, 1))
        steps = _common_steps([share for _, share in self.u])
        if not (problem.pools and all(len(problem.shares[p]) == 1 for p in problem.pools) and not problem.droppable):
            # shares add up to 1: in whole steps where the shares are a grid (integer rows presolve better)
            row = np.zeros(self.n)
            for j, (_, share) in enumerate(self.u):
                row[j] = round(share * steps) if steps else share
            total = float(steps) if steps else 1.0
            self.rows.append(("shares", row, total - 1e-9, total + 1e-9))
        row = np.zeros(self.n)
        row[self.nu : self.nu + self.nz] = 1
        self.rows.append(("one combination of the other choices", row, 1, 1))
        for pool in problem.pools:  # Σ_k u[i, k] over the pool's points of group g ≤ z[g]
            for g, group in enumerate(self.groups):
                row = np.zeros(self.n)
                for j, (i, _) in enumerate(self.u):
                    if problem.points[i].pool == pool and problem.points[i].group == group:
                        row[j] = 1
                row[self.nu + g] = -1
                self.rows.append(("group", row, -np.inf, 0))
        if self.nw:
            self._merit_rows()

    def _merit_rows(self) -> None:
        """Cheapest-energy dispatch's merit order: per workload exactly one chosen point is first,
        and no chosen point of another pool has a lower (J/token, pool) key than it."""
        points = self.problem.points
        of_point: dict[int, list[int]] = {}
        for j, (i, _) in enumerate(self.u):
            of_point.setdefault(i, []).append(j)
        for w in range(self.nw):
            row = np.zeros(self.n)
            for i in range(len(points)):
                row[self.f(i, w)] = 1
            self.rows.append(("merit", row, 1, 1))
            for i in range(len(points)):
                row = np.zeros(self.n)
                row[self.f(i, w)] = 1
                row[of_point.get(i, [])] = -1
                self.rows.append(("merit", row, -np.inf, 0))
            for a, b in itertools.permutations(range(len(points)), 2):
                pa, pb = points[a], points[b]
                if pa.pool != pb.pool and pa.group == pb.group and (pa.merit[w], pa.pool) < (pb.merit[w], pb.pool):
                    row = np.zeros(self.n)
                    row[self.f(b, w)] = 1
                    row[of_point.get(a, [])] = 1
                    self.rows.append(("merit", row, -np.inf, 1))
            for j, (i, _) in enumerate(self.u):
                for coefficients, high in (
                    (((self.v(j, w), 1), (j, -1)), 0),
                    (((self.v(j, w), 1), (self.f(i, w), -1)), 0),
                ):
                    row = np.zeros(self.n)
                    for column, value in coefficients:
                        row[column] = value
                    self.rows.append(("role", row, -np.inf, high))
                row = np.zeros(self.n)
                row[[j, self.f(i, w)]] = 1
                row[self.v(j, w)] = -1
                self.rows.append(("role", row, -np.inf, 1))

    def constraint_rows(self) -> list[tuple[str, np.ndarray, float, float]]:
        rows = list(self.rows)
        for name, maximum in self.problem.limits.items():
            rows.append((f"limits.{name}" if name != SITE_CAP else SITE_CAP, self.kpi_row(name), -np.inf, maximum))
        for slug, available in self.problem.max_devices.items():
            weight = {i: 1.0 for i, p in enumerate(self.problem.points) if p.accelerator == slug}
            rows.append((f"max_devices_by_accelerator.{slug}", self.devices_row(weight), -np.inf, available))
        return rows

    def bounds(self) -> Bounds:
        return Bounds(np.zeros(self.n), np.ones(self.n))

    def solve(
        self, objective: np.ndarray, rows: Sequence[tuple[str, np.ndarray, float, float]]
    ) -> tuple[Mix | None, float | None, Any]:
        """Minimise objective·x; (mix, dual bound of the objective, raw result); mix None when infeasible."""
        scale = float(np.max(np.abs(objective))) or 1.0
        matrix = sparse.csr_array(np.array([r[1] for r in rows]))
        constraints = [LinearConstraint(matrix, [r[2] for r in rows], [r[3] for r in rows])]
        result = milp(
            objective / scale,
            constraints=constraints,
            integrality=np.r_[np.ones(self.v0), np.zeros(self.n - self.v0)],
            bounds=self.bounds(),
            options={"mip_rel_gap": MIP_REL_GAP, "disp": False, "time_limit": SOLVE_TIME_LIMIT_S},
        )
        if result.status == 1 and result.x is not None:  # time limit with a mix found: kept, not proven best
            self.time_limited = True
        elif result.status != 0 or result.x is None:
            return None, None, result
        x = np.round(result.x)
        choice = {self.problem.points[i].pool: (i, share) for j, (i, share) in enumerate(self.u) if x[j] > 0.5}
        devices, kpis = mix_kpis(self.problem, choice)
        bound = getattr(result, "mip_dual_bound", None)
        bound = float(bound) * scale if bound is not None and math.isfinite(bound) else float(result.fun) * scale
        return Mix(choice=choice, devices=devices, kpis=kpis), bound, result

    def no_good(self, mix: Mix) -> tuple[str, np.ndarray, float, float]:
        """Exclude exactly this mix: not all of its (point, share) binaries again, Σ_chosen u ≤ |chosen| − 1.
        Its shares already add up to 1, so no other mix contains all of them: the cut removes this mix only."""
        chosen = {(i, s) for i, s in mix.choice.values()}
        row = np.zeros(self.n)
        for j, key in enumerate(self.u):
            if key in chosen:
                row[j] = 1
        return ("no-good", row, -np.inf, len(chosen) - 1)


@dataclass(frozen=True)
class MixSolution:
    best: list[Mix]  # the MILP's optimum, then the next best distinct mixes
    bound: float  # the MILP's dual bound of the objective (linear model)
    front: list[Mix] = field(default_factory=list)  # ε-constraint Pareto front, ordered by the first KPI
    front_kpis: tuple[str, str] | None = None
    time_limited: bool = False  # a solve stopped at SOLVE_TIME_LIMIT_S: the mixes may not be the best


def solve_mix(problem: MixProblem, *, top: int = 1) -> MixSolution:
    """The MILP's optimum and the next ``top - 1`` best distinct mixes (no-good cuts)."""
    model = _Model(problem)
    rows = model.constraint_rows()
    objective = model.kpi_row(problem.objective)
    found: list[Mix] = []
    bound = math.nan
    for _ in range(top):
        mix, mix_bound, _ = model.solve(objective, rows)
        if mix is None:
            break
        if not found:
            bound = float(mix_bound if mix_bound is not None else mix.kpis[problem.objective])
        found.append(mix)
        rows.append(model.no_good(mix))
    if not found:
        raise explain_infeasible(problem)
    return MixSolution(best=found, bound=bound, time_limited=model.time_limited)


def explain_infeasible(problem: MixProblem) -> MixInfeasible:
    """Name the constraint that binds: the least value any mix reaches under the others."""
    model = _Model(problem)
    rows = model.constraint_rows()
    optional = [r for r in rows if r[0].startswith(("limits.", "max_devices_by_accelerator.", SITE_CAP))]
    base = [r for r in rows if r not in optional]
    if model.solve(np.zeros(model.n) + 0.0, base)[0] is None:
        return MixInfeasible(
            "shares: no operating point can serve the demand (every choice was refused by the engine)",
            constraint="choices",
        )
    # A minimal set of limits that no mix meets together: drop each limit the rest still makes infeasible.
    minimal = list(optional)
    for row in list(minimal):
        trial = [r for r in minimal if r is not row]
        if model.solve(np.zeros(model.n), base + trial)[0] is None:
            minimal = trial
    primary = next((r for r in minimal if not r[0].startswith("max_devices")), minimal[0])
    partners = [r for r in minimal if r is not primary]
    mix = model.solve(primary[1], base + partners)[0]
    least = float(primary[1] @ _vector(model, mix)) if mix is not None else math.nan
    within = f" within {' and '.join(r[0] for r in partners)}" if partners else ""
    return MixInfeasible(
        f"{primary[0]}: no mix meets {primary[3]:.6g} (the least any mix reaches{within} is {least:.6g})",
        constraint=primary[0],
    )


def _vector(model: _Model, mix: Mix) -> np.ndarray:
    """The variable vector of a mix."""
    x = np.zeros(model.n)
    chosen = {(i, s) for i, s in mix.choice.values()}
    for j, key in enumerate(model.u):
        x[j] = 1 if key in chosen else 0
    for i, _ in chosen:
        x[model.nu + model.groups.index(model.problem.points[i].group)] = 1
    if model.nw:
        first = merit_first(model.problem, mix.choice)
        for w, i in enumerate(first):
            x[model.f(i, w)] = 1
        for j, (i, _) in enumerate(model.u):
            for w in range(model.nw):
                x[model.v(j, w)] = x[j] * (1 if first[w] == i else 0)
    return x


def epsilon_front(problem: MixProblem, pair: tuple[str, str], *, levels: int = 8) -> list[Mix]:
    """Pareto front of two KPIs (both minimised) by the ε-constraint method: minimise the first
    with the second ≤ ε for ``levels`` values of ε between the second's value at the first's
    optimum and its own optimum (a tiny weight on the other KPI breaks ties, so no point is weakly
    dominated). Non-dominated, ordered by the first KPI (the second then falls)."""
    model = _Model(problem)
    rows = model.constraint_rows()
    first, second = model.kpi_row(pair[0]), model.kpi_row(pair[1])

    def lexicographic(main: np.ndarray, tie: np.ndarray, extra: list) -> Mix | None:
        main_scale = float(np.max(np.abs(main))) or 1.0
        tie_scale = float(np.max(np.abs(tie))) or 1.0
        return model.solve(main / main_scale + 1e-7 * tie / tie_scale, rows + extra)[0]

    a = lexicographic(first, second, [])
    if a is None:
        raise explain_infeasible(problem)
    b = lexicographic(second, first, [])
    assert b is not None
    found = [a, b]
    high, low = a.kpis[pair[1]], b.kpis[pair[1]]
    for epsilon in np.linspace(high, low, levels + 2)[1:-1]:
        mix = lexicographic(first, second, [("epsilon", second, -np.inf, float(epsilon))])
        if mix is not None:
            found.append(mix)
    return non_dominated(found, pair)


def non_dominated(mixes: Sequence[Mix], pair: tuple[str, str]) -> list[Mix]:
    unique = {m.key(): m for m in mixes}.values()
    ordered = sorted(unique, key=lambda m: (m.kpis[pair[0]], m.kpis[pair[1]]))
    front: list[Mix] = []
    for mix in ordered:
        if not front or mix.kpis[pair[1]] < front[-1].kpis[pair[1]] - 1e-9 * abs(front[-1].kpis[pair[1]]):
            front.append(mix)
    return front


def enumerate_mixes(problem: MixProblem) -> list[Mix]:
    """Every mix the problem allows that meets its constraints (brute force, for checks and tests)."""
    by_pool = {p: [i for i, pt in enumerate(problem.points) if pt.pool == p] for p in problem.pools}
    out = []
    for group in sorted({p.group for p in problem.points}):
        options: list[list[tuple[int, float] | None]] = []
        for pool in problem.pools:
            these: list[tuple[int, float] | None] = [
                (i, s) for i in by_pool[pool] if problem.points[i].group == group for s in problem.shares[pool]
            ]
            options.append(these + ([None] if problem.droppable else []))
        for combination in itertools.product(*options):
            choice = {pool: pick for pool, pick in zip(problem.pools, combination, strict=True) if pick is not None}
            if not choice or abs(sum(s for _, s in choice.values()) - 1) > 1e-9:
                continue
            devices, kpis = mix_kpis(problem, choice)
            if _meets(problem, choice, devices, kpis):
                out.append(Mix(choice=choice, devices=devices, kpis=kpis))
    return out


def _meets(problem: MixProblem, choice: Mapping[int, tuple[int, float]], devices, kpis) -> bool:
    tolerance = 1e-9
    for name, maximum in problem.limits.items():
        if kpis[_limit_kpi(name)] > maximum * (1 + tolerance) + tolerance:
            return False
    for slug, available in problem.max_devices.items():
        used = sum(devices[p] for p, (i, _) in choice.items() if problem.points[i].accelerator == slug)
        if used > available + tolerance:
            return False
    return True


# ---- from a study definition and its stored probe points ----------------------------------------


def pool_of(path: str) -> int | None:
    match = _POOL_PATH.match(path)
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class MixLayout:
    """How a study maps onto a MixProblem: its pools, their shares, the per-pool and other choices."""

    pools: tuple[int, ...]
    shares: dict[int, tuple[float, ...]]
    droppable: bool
    free_shares: bool
    pool_choices: dict[int, list[dict[str, Any]]]  # pool → its option combinations
    other_choices: list[dict[str, Any]]  # combinations of the choices that are not per pool
    # cheapest-energy dispatch: one low-load probe per probe (same index order, after the probes)
    low_load: tuple[dict[str, Any], ...] = ()

    def probe_count(self) -> int:
        """Points of the first round: the probes, then the low-load probes."""
        return len(self.probes()) + len(self.low_load)

    def probes(self) -> list[tuple[int, int, dict[str, Any]]]:
        """(group, pool, values) of every operating point, in index order."""
        out = []
        for group, other in enumerate(self.other_choices):
            for pool in self.pools:
                for option in self.pool_choices[pool]:
                    shares = {f"hardware[{q}].share_frac": (1.0 if q == pool else 0.0) for q in self.pools}
                    out.append((group, pool, {**other, **option, **shares}))
        return out

    def probes_are_candidates(self) -> bool:
        """A probe (one pool serving all demand) is a mix the study allows."""
        return len(self.pools) == 1 or (self.free_shares and self.droppable)


def _product(choices: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    paths = list(choices)
    return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*(choices[p] for p in paths))]


def mix_layout(study: Any, document: Mapping[str, Any]) -> MixLayout:
    """The study's pools (``shares.pools``, else every pool sized by share with its share fixed)."""
    hardware = list(document.get("hardware", []))
    by_share = [i for i, pool in enumerate(hardware) if pool.get("share_frac") is not None]
    if study.shares is not None:
        pools = tuple(study.shares.pools)
        for pool in pools:
            if pool >= len(hardware):
                raise ValueError(f"shares.pools: the scenario has no hardware[{pool}]")
            if hardware[pool].get("share_frac") is None:
                raise ValueError(f"shares.pools: hardware[{pool}] has a fixed count; list pools sized by share_frac")
        for pool in by_share:
            if pool not in pools:
                raise ValueError(f"shares.pools: hardware[{pool}] is sized by share_frac too; list every such pool")
        steps = round(1 / study.shares.step_frac)
        levels = tuple(round(k / steps, 12) for k in range(1, steps + 1))
        shares = dict.fromkeys(pools, levels)
        droppable, free = study.shares.allow_drop, True
    else:
        pools = tuple(by_share)
        if not pools:
            raise ValueError("choices: the MILP needs a pool sized by share_frac (pools with a fixed count are kept)")
        shares = {p: (float(hardware[p]["share_frac"]),) for p in pools}
        droppable, free = False, False
    per_pool: dict[int, dict[str, list[Any]]] = {p: {} for p in pools}
    other: dict[str, list[Any]] = {}
    for path, options in study.choices.items():
        pool = pool_of(path)
        if pool is not None and pool in per_pool:
            if path.endswith(".share_frac"):
                raise ValueError(f"choices: {path} is set by the MILP (give shares instead)")
            per_pool[pool][path] = list(options)
        else:
            other[path] = list(options)
    layout = MixLayout(
        pools=pools,
        shares=shares,
        droppable=droppable,
        free_shares=free,
        pool_choices={p: _product(per_pool[p]) for p in pools},
        other_choices=_product(other),
    )
    if not _dispatch_aware_layout(document):
        return layout
    return replace(layout, low_load=tuple(low_load_values(document, v) for _, _, v in layout.probes()))


def low_load_frac(variant: Mapping[str, Any]) -> float:
    fleet = variant.get("fleet") or {}
    return (1 + float(fleet.get("headroom_frac", 0.2))) / (1 + LOW_LOAD_HEADROOM)  # 0.2: the schema's default


def low_load_values(document: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """The probe's values at demand × s with headroom LOW_LOAD_HEADROOM: the same replicas (ceil(s ×
    peak × (1 + 2) / throughput) = ceil(peak × (1 + h) / throughput)), each serving s of the load."""
    from planner.engine.studies.params import apply_values

    variant = apply_values(document, values)
    frac = low_load_frac(variant)
    out = {**values, "fleet.headroom_frac": LOW_LOAD_HEADROOM}
    for index, load in enumerate(variant.get("workloads", [])):
        for key in ("peak_requests_per_s", "requests_per_day"):
            if load.get(key) is not None:
                out[f"workloads[{index}].{key}"] = float(load[key]) * frac
    return out


def _dispatch_aware_layout(document: Mapping[str, Any]) -> bool:
    fleet = document.get("fleet") or {}
    return fleet.get("dispatch", "cheapest_energy") == "cheapest_energy" and low_load_frac(document) <= LOW_LOAD_MAX


def mix_values(layout: MixLayout, problem: MixProblem, mix: Mix) -> dict[str, Any]:
    """The point values of a mix (the same keys, in the same order, as its probe when it is one)."""
    group = problem.points[next(iter(mix.choice.values()))[0]].group
    values: dict[str, Any] = dict(layout.other_choices[group])
    for pool in layout.pools:
        if pool in mix.choice:
            values.update(problem.points[mix.choice[pool][0]].values)
    for pool in layout.pools:
        values[f"hardware[{pool}].share_frac"] = mix.choice[pool][1] if pool in mix.choice else 0.0
    return values


def canonical(values: Mapping[str, Any]) -> str:
    return json.dumps(values, sort_keys=True, default=str)


def point_terms(document: Mapping[str, Any], values: Mapping[str, Any], pool: int) -> dict[str, Any]:
    """Sizing terms of one operating point from the engine's curves: per workload the replicas a
    share of 1 needs and the devices per replica; the spare replicas; the accelerator."""
    from grid.fleet import FleetPolicy, replica_curve
    from planner.engine.facility_stage import _engine_power_curve, engine_arguments, workload_demands
    from planner.engine.schema import parse_scenario
    from planner.engine.studies.params import apply_values

    variant = apply_values(document, values)
    spec = parse_scenario(variant)
    name = document["hardware"][pool]["name"]
    hardware = next(p for p in spec.hardware if p.name == name)
    power_curve = _engine_power_curve()
    needs, per_replica = [], []
    for load, demand in zip(spec.workloads, workload_demands(spec), strict=True):
        curve = replica_curve(power_curve(**engine_arguments(hardware, load)))
        peak = float(np.max(demand.output_tokens_per_s))
        needs.append(peak * (1 + spec.fleet.headroom_frac) / curve.max_throughput_tokens_per_s)
        per_replica.append(curve.devices_per_replica)
    accelerator = hardware.accelerator if isinstance(hardware.accelerator, str) else str(hardware.accelerator["slug"])
    return {
        "replicas_needed": tuple(needs),
        "devices_per_replica": tuple(per_replica),
        "spare_replicas": FleetPolicy(redundancy=spec.fleet.redundancy).spare_replicas,
        "accelerator": accelerator,
    }


def dispatch_terms(
    document: Mapping[str, Any], values: Mapping[str, Any], pool: int, shares: Sequence[float], spares: int
) -> dict[str, Any]:
    """The drivers of one operating point under cheapest-energy dispatch, from the engine's replica
    curves and hourly demand (grid.fleet.curves.replicas_power, as grid.fleet.dispatch computes a pool):
    per share and workload, the pool's annual IT energy [J] and IT power in the peak-demand hour [W]
    as merit-first (load = min(demand, capacity)) and as a follower (load = demand less the others'
    capacity, (1 − share) × peak × (1 + headroom), clipped to its capacity); the full-load J/token of
    each workload (the merit order); the probe's and the low-load probe's drivers."""
    from grid.fleet import replica_curve, replicas_power
    from planner.engine.facility_stage import _engine_power_curve, engine_arguments, workload_demands
    from planner.engine.schema import parse_scenario
    from planner.engine.studies.params import apply_values

    spec = parse_scenario(apply_values(document, values))
    name = document["hardware"][pool]["name"]
    hardware = next(p for p in spec.hardware if p.name == name)
    power_curve = _engine_power_curve()
    headroom, powered_down = spec.fleet.headroom_frac, spec.fleet.idle_policy == "power_down"
    demands = [np.asarray(d.output_tokens_per_s, dtype=float) for d in workload_demands(spec)]
    peak_hour = int(np.argmax(np.sum(demands, axis=0)))  # the fleet's peak hour: every pool's load then
    frac = low_load_frac(apply_values(document, values))

    def drivers(curve: Any, replicas: int, load: np.ndarray) -> tuple[float, float]:
        power = replicas_power(curve=curve, load_tokens_per_s=load, replicas=replicas, powered_down=powered_down)
        it = power.arithmetic_power_w + power.data_movement_power_w + power.static_power_w + power.host_power_w
        if power.serving_overhead_power_w is not None:
            it = it + power.serving_overhead_power_w
        return float(np.sum(it) * 3600.0), float(it[peak_hour])

    merit: list[float] = []
    roles: dict[float, list[tuple[float, float, float, float]]] = {share: [] for share in shares}
    probe, low = [0.0, 0.0], [0.0, 0.0]
    for load, demand in zip(spec.workloads, demands, strict=True):
        curve = replica_curve(power_curve(**engine_arguments(hardware, load)))
        merit.append(curve.energy_per_token_j)
        peak, most = float(demand.max()), curve.max_throughput_tokens_per_s
        for share in shares:
            base = math.ceil(share * peak * (1 + headroom) / most - 1e-9) if share * peak > 0 else 0
            replicas = base + (spares if base > 0 else 0)
            capacity = replicas * most
            first = drivers(curve, replicas, np.minimum(demand, capacity))
            ahead = (1 - share) * peak * (1 + headroom)
            follower = drivers(curve, replicas, np.clip(demand - ahead, 0.0, capacity))
            roles[share].append((first[0], follower[0], first[1], follower[1]))
        whole = math.ceil(peak * (1 + headroom) / most - 1e-9)
        whole += spares if whole > 0 else 0
        for target, scale in ((probe, 1.0), (low, frac)):
            energy, power = drivers(curve, whole, np.minimum(demand * scale, whole * most))
            target[0] += energy
            target[1] += power
    return {
        "merit": tuple(merit),
        "roles": {share: tuple(terms) for share, terms in roles.items()},
        "probe": tuple(probe),
        "low": tuple(low),
        "frac": frac,
    }


def decompose(
    full: Mapping[str, Any], low: Mapping[str, Any], devices: float, terms: Mapping[str, Any]
) -> tuple[dict[str, float], dict[str, float]]:
    """Each KPI as fixed_per_device × devices + per_driver × driver, through the two probes (same
    devices; driver = annual IT energy, or peak-hour IT power for peak_facility_power_mw)."""
    fixed, per_driver = {}, {}
    for name, value in full.items():
        if not isinstance(value, int | float) or isinstance(value, bool):
            continue
        at_low = low.get(name)
        column = 1 if name == PEAK_KPI else 0
        spread = terms["probe"][column] - terms["low"][column]
        if name in PER_DEVICE_KPIS or not isinstance(at_low, int | float) or not spread > 0:
            fixed[name], per_driver[name] = float(value) / devices, 0.0
            continue
        if name.startswith(PER_TOKEN_KPIS):
            at_low = float(at_low) * terms["frac"]  # its numerator: the low probe serves frac of the tokens
        slope = (float(value) - float(at_low)) / spread
        per_driver[name] = slope
        fixed[name] = (float(value) - slope * terms["probe"][column]) / devices
    return fixed, per_driver


@dataclass(frozen=True)
class StudyMix:
    """The MILP of a study from its probes: the problem, the solution or the reason there is none."""

    layout: MixLayout
    problem: MixProblem | None
    solution: MixSolution | None
    error: str = ""
    constraint: str = ""
    refused: dict[int, str] = field(default_factory=dict)  # probe index → why it is out of the MILP
    checks: dict[int, dict[str, Any]] = field(default_factory=dict)  # point index → values of a mix to re-check
    check_of: dict[str, int] = field(default_factory=dict)  # canonical values → point index (probes too)


def study_mix(study: Any, document: Mapping[str, Any], outcomes: Mapping[int, Any]) -> StudyMix:
    """Build and solve the study's MILP from the probes' outcomes (index → PointOutcome)."""
    layout = mix_layout(study, document)
    probes = layout.probes()
    points, refused = [], {}
    fixed_by_accelerator: dict[str, int] = {}
    for index, (group, pool, values) in enumerate(probes):
        outcome = outcomes.get(index)
        if outcome is None:
            refused[index] = "not computed"
            continue
        if outcome.error:
            refused[index] = f"refused: {outcome.error}"
            continue
        devices = outcome.kpis.get("devices")
        if not devices:
            refused[index] = "no devices computed"
            continue
        try:
            terms = point_terms(document, values, pool)
        except ValueError as error:
            refused[index] = f"refused: {error}"
            continue
        per_device = {k: float(v) / devices for k, v in outcome.kpis.items() if isinstance(v, int | float)}
        own = sum(
            d * (t + (terms["spare_replicas"] if t > 0 else 0))
            for d, t in zip(
                terms["devices_per_replica"], (math.ceil(n - 1e-9) for n in terms["replicas_needed"]), strict=True
            )
        )
        for slug, count in (outcome.devices_by_accelerator or {}).items():
            fixed = int(count) - (own if slug == terms["accelerator"] else 0)
            fixed_by_accelerator[slug] = max(fixed_by_accelerator.get(slug, 0), max(fixed, 0))
        pool_values = {k: v for k, v in values.items() if pool_of(k) == pool and not k.endswith(".share_frac")}
        aware: dict[str, Any] = {}
        low = outcomes.get(len(probes) + index) if layout.low_load else None
        if low is not None and not low.error and low.kpis.get("devices") == devices:
            drivers = dispatch_terms(document, values, pool, layout.shares[pool], terms["spare_replicas"])
            fixed_part, per_driver = decompose(outcome.kpis, low.kpis, float(devices), drivers)
            aware = {
                "fixed_per_device": fixed_part,
                "per_driver": per_driver,
                "merit": drivers["merit"],
                "roles": drivers["roles"],
            }
        points.append(
            OperatingPoint(
                pool=pool,
                values=pool_values,
                group=group,
                probe_index=index,
                per_device=per_device,
                **terms,
                **aware,
            )
        )
    limits = dict(study.limits)
    site_cap = (document.get("site") or {}).get("power_cap_mw")
    if site_cap is not None:
        limits[SITE_CAP] = float(site_cap)
    problem = MixProblem(
        points=tuple(points),
        shares=layout.shares,
        droppable=layout.droppable,
        objective=study.objective,
        limits=limits,
        max_devices={
            slug: float(n) - fixed_by_accelerator.get(slug, 0) for slug, n in study.max_devices_by_accelerator.items()
        },
    )
    check_of = {canonical(values): index for index, (_, _, values) in enumerate(probes)}
    if not points:
        reasons = "; ".join(sorted(set(refused.values())))[:500]
        return StudyMix(layout, problem, None, f"no operating point was computed: {reasons}", "choices", refused)
    try:
        solution = solve_mix(problem, top=study.recheck)
        if study.pareto_levels:
            front = epsilon_front(problem, tuple(study.pareto), levels=study.pareto_levels)
            solution = MixSolution(
                best=solution.best,
                bound=solution.bound,
                front=front,
                front_kpis=tuple(study.pareto),
                time_limited=solution.time_limited,
            )
    except MixInfeasible as error:
        return StudyMix(layout, problem, None, str(error), error.constraint, refused, check_of=check_of)
    except ValueError as error:  # a KPI the probes did not compute
        return StudyMix(layout, problem, None, str(error), "objective", refused, check_of=check_of)
    checks: dict[int, dict[str, Any]] = {}
    next_index = layout.probe_count()
    for mix in [*solution.best, *solution.front]:
        values = mix_values(layout, problem, mix)
        key = canonical(values)
        if key not in check_of:
            check_of[key] = next_index
            checks[next_index] = values
            next_index += 1
    return StudyMix(layout, problem, solution, refused=refused, checks=checks, check_of=check_of)


def mix_summary(study: Any, document: Mapping[str, Any], outcomes: Mapping[int, Any], best_index: int | None) -> dict:
    """The summary's ``milp`` section: the bound, the re-checked mixes, the gap, the ε front."""
    solved = study_mix(study, document, outcomes)
    aware = solved.problem is not None and solved.problem.dispatch_aware
    out: dict[str, Any] = {
        "probes": solved.layout.probe_count(),
        "operating_points": len(solved.problem.points) if solved.problem else 0,
        "linearisation": (
            "dispatch-aware: per device + per unit of IT energy, each pool's energy from the engine's curves "
            "as merit-first or follower of cheapest-energy dispatch (two probes per operating point)"
            if aware
            else "per device at each operating point (its probe: the point serving all demand alone)"
        ),
    }
    if solved.solution is None:
        status = "not solved" if solved.constraint == "objective" else "infeasible"
        return out | {"status": status, "message": solved.error, "binding": solved.constraint}
    problem, solution = solved.problem, solved.solution
    assert problem is not None
    objective = study.objective

    def row(mix: Mix) -> dict[str, Any]:
        values = mix_values(solved.layout, problem, mix)
        index = solved.check_of[canonical(values)]
        outcome = outcomes.get(index)
        checked = outcome.kpis.get(objective) if outcome is not None and not outcome.error else None
        return {
            "index": index,
            "values": values,
            "devices": {str(p): d for p, d in mix.devices.items()},
            "model": {k: mix.kpis.get(k) for k in (objective, *study.pareto, "devices")},
            "model_objective": mix.kpis.get(objective),
            "checked": checked,
        }

    best_checked = None
    if best_index is not None and best_index in outcomes:
        best_checked = outcomes[best_index].kpis.get(objective)
    gap = None
    if best_checked is not None and best_checked != 0:
        gap = (best_checked - solution.bound) / abs(best_checked)
    # How far the linear model is from the engine on the re-checked mixes: (engine − MILP) / engine.
    errors = [
        (r["checked"] - r["model_objective"]) / abs(r["checked"])
        for r in (row(m) for m in solution.best)
        if r["checked"] not in (None, 0) and r["model_objective"] is not None
    ]
    return out | {
        "status": "optimal",
        "objective": objective,
        "bound": solution.bound,
        "milp_best": solution.best[0].kpis[objective],
        "checked_best": best_checked,
        "gap_frac": gap,
        # A proven lower bound only where the model is exact for every mix: one pool serves all demand.
        "bound_is_valid": len(solved.layout.pools) == 1,
        "gap_percent": None if gap is None else 100 * gap,
        "time_limited": solution.time_limited,
        "model_error_percent": [100 * min(errors), 100 * max(errors)] if errors else None,
        "candidates": [row(m) for m in solution.best],
        "front_kpis": list(solution.front_kpis or ()),
        "front": [row(m) | {"model_pair": [m.kpis[k] for k in study.pareto]} for m in solution.front],
    }
