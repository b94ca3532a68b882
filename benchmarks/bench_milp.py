"""Benchmark: how the optimiser's MILP (planner.engine.studies.milp) scales (not a timed test).

    .venv/bin/python benchmarks/bench_milp.py

Synthetic mix problems (seeded): P pools, O operating points per pool under each of G combinations
of the other choices, shares in 5 % steps (20 per pool, a pool may be dropped), two workloads, a
budget and a device limit that bind. Prints, per size, the binaries, the time of the optimum alone,
of the 8 best distinct mixes (no-good cuts) and of an 8-level ε-constraint front, on one core.
A study's aggregate solves the 8 best and the front twice (to plan the re-check, then to summarise).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from planner.engine.studies.milp import MixProblem, OperatingPoint, epsilon_front, solve_mix

STEPS = 20


def problem(pools: int, options: int, groups: int, seed: int = 0) -> MixProblem:
    rng = np.random.default_rng(seed)
    points = []
    for group in range(groups):
        for pool in range(pools):
            for option in range(options):
                points.append(
                    OperatingPoint(
                        pool=pool,
                        values={"option": option},
                        accelerator=str(rng.choice(list("abc"))),
                        replicas_needed=tuple(float(x) for x in rng.uniform(50, 2000, 2)),
                        devices_per_replica=tuple(int(x) for x in rng.choice([1, 2, 4, 8], 2)),
                        spare_replicas=1,
                        per_device={name: float(rng.uniform(1, 10)) for name in ("energy", "carbon", "cost")},
                        group=group,
                    )
                )
    budget = 0.6 * max(p.devices(1.0) * p.per_device["cost"] for p in points)
    available = 0.3 * max(p.devices(1.0) for p in points)
    return MixProblem(
        points=tuple(points),
        shares=dict.fromkeys(range(pools), tuple(round(k / STEPS, 12) for k in range(1, STEPS + 1))),
        droppable=True,
        objective="energy",
        limits={"cost": budget},
        max_devices={"a": available},
    )


def main() -> None:
    print(f"MILP scaling: shares in {STEPS} steps, a budget and a device limit that bind (one core)")
    for pools, options, groups in ((2, 4, 1), (2, 8, 2), (3, 12, 2), (4, 12, 2)):
        mix = problem(pools, options, groups)
        started = time.perf_counter()
        solve_mix(mix, top=1)
        optimum = time.perf_counter() - started
        started = time.perf_counter()
        solve_mix(mix, top=8)
        best8 = time.perf_counter() - started
        started = time.perf_counter()
        front = epsilon_front(mix, ("energy", "carbon"), levels=8)
        front_s = time.perf_counter() - started
        print(
            f"{pools} pools × {options} points × {groups} combinations: {len(mix.points) * STEPS} binaries; "
            f"optimum {optimum:.2f} s, 8 best {best8:.2f} s, front ({len(front)} points) {front_s:.2f} s"
        )


if __name__ == "__main__":
    main()
