"""Where the time of a Monte Carlo point goes, and what (samples × 8,760) arrays would save.

Run (no database needed):

    .venv/bin/python benchmarks/bench_point_split.py [--samples 256] [--block 64]

Prints, for the Ashburn example's Monte Carlo with the default uncertain inputs (Sobol'):
1. points/s of ``evaluate_block`` in blocks of ``--block`` samples (CPU time of this process, so
   that other processes on a shared machine weigh less; the wall figure and the load average beside);
2. the CPU time per point of each stage (facility: demand, engine curves, sizing, dispatch, power
   chain and cooling, the result's sums; grid: carbon, operator cost, bills, curtailment; TCO; the
   point's document, schema and outcome);
3. the cost per 8,760-hour row of the NumPy operations a point is made of, one row at a time vs
   rows of a (block × 8,760) array: whether evaluating a block of samples as 2-D arrays would
   make the arithmetic itself cheaper.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import timeit
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STAGES = {
    "planner.engine.facility_stage": (
        "facility_stage",
        "workload_demand",
        "_curves",
        "size_fleet",
        "dispatch_fleet",
        "facility_hourly",
        "_build_result",
    ),
    "planner.engine.grid_stage": (
        "grid_stage",
        "_carbon_section",
        "_operator_cost_section",
        "_flexibility",
        "_household_bill_section",
    ),
    "planner.engine.tco_stage": ("tco_stage",),
    "planner.engine.runner": ("input_hash",),
    "planner.engine.studies.block": ("apply_values", "parse_scenario", "outcome_of"),
}


def _timed(stages: dict[str, float]) -> None:
    """Wrap each stage function where its caller looks it up, adding its CPU time to `stages`."""
    import importlib

    def wrap(function, label):
        def timed(*args, **kwargs):
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                stages[label] += time.process_time() - started

        return timed

    for module_name, names in STAGES.items():
        module = importlib.import_module(module_name)
        for name in names:
            if hasattr(module, name):
                setattr(module, name, wrap(getattr(module, name), name))


def _array_costs(block: int) -> list[tuple[str, float, float]]:
    import numpy as np

    rng = np.random.default_rng(0)
    a, b = rng.random(8760), rng.random(8760)
    big_a, big_b = rng.random((block, 8760)), rng.random((block, 8760))
    xp, fp = np.linspace(0.0, 1.0, 24), rng.random(24)
    hours = np.arange(8760)
    load = 0.5 + 0.4 * np.sin(2 * np.pi * hours / 24)  # a daily course, as a replica's load follows one
    big_load = load[None, :] * rng.uniform(0.5, 1.0, (block, 1))
    cases = [
        ("a + b", lambda: a + b, lambda: big_a + big_b),
        ("a * b", lambda: a * b, lambda: big_a * big_b),
        ("sum", lambda: a.sum(), lambda: big_a.sum(axis=1)),
        ("max", lambda: a.max(), lambda: big_a.max(axis=1)),
        ("clip", lambda: np.clip(a, 0.2, b), lambda: np.clip(big_a, 0.2, big_b)),
        ("interp (24 points)", lambda: np.interp(load, xp, fp), lambda: np.interp(big_load, xp, fp)),
    ]
    out = []
    for label, one, many in cases:
        row = min(timeit.repeat(one, number=200, repeat=5)) / 200
        rows = min(timeit.repeat(many, number=10, repeat=5)) / 10 / block
        out.append((label, row, rows))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=256, help="points timed (after 8 warm-up points)")
    parser.add_argument("--block", type=int, default=64, help="samples per block")
    args = parser.parse_args()

    from planner.engine.studies.block import evaluate_block
    from planner.engine.studies.definition import parse_study
    from planner.engine.studies.points import relative_names, study_plan

    document = json.loads((ROOT / "examples" / "ashburn-chat.json").read_text())
    study = parse_study({"kind": "uncertainty", "samples": 1024, "method": "sobol"})
    plan = study_plan(study, document)
    relative = relative_names(study, document)
    samples = [plan[i] for i in sorted(plan)]
    evaluate_block(document, samples[:8], relative=relative, with_series=True)  # warm: imports, catalogs, curves
    timed = samples[8 : 8 + args.samples]

    def run() -> tuple[float, float]:
        cpu, wall = time.process_time(), time.perf_counter()
        for start in range(0, len(timed), args.block):
            evaluate_block(document, timed[start : start + args.block], relative=relative, with_series=True)
        return time.process_time() - cpu, time.perf_counter() - wall

    cpu_s, wall_s = run()
    n = len(timed)
    print(
        f"Monte Carlo of ashburn-chat.json, {n} points in blocks of {args.block}: {n / cpu_s:.1f} points/s "
        f"of CPU time, {n / wall_s:.1f} points/s wall (load {os.getloadavg()[0]:.1f})"
    )
    stages: dict[str, float] = defaultdict(float)
    _timed(stages)
    cpu_s, _ = run()
    print(f"CPU time per point by stage (nested: facility_stage holds the rows under it; {1e3 * cpu_s / n:.2f} ms/pt):")
    for name, seconds in sorted(stages.items(), key=lambda item: -item[1]):
        print(f"  {name:24s} {1e3 * seconds / n:6.3f} ms")
    print(f"NumPy cost per 8,760-hour row: one row at a time vs a row of a ({args.block} × 8,760) array:")
    for label, row, rows in _array_costs(args.block):
        print(f"  {label:20s} {1e6 * row:7.1f} µs   {1e6 * rows:7.1f} µs")


if __name__ == "__main__":
    main()
