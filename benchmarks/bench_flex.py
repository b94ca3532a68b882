"""Benchmark: the flexibility dispatch LP for one year (goal < 1 s on this machine).

Run: .venv/bin/python benchmarks/bench_flex.py
Builds two facility-years through the pipeline (facility and grid stages, then the flexibility
stage's inputs), then times grid.flex.dispatch alone — one linear program of 8,760 hours, built
vectorised and solved by HiGHS — as the median of repeated solves:

1. the Phoenix field-demonstration shape (examples/phoenix-flexible-cluster.json): power caps at
   five levels and a deferrable tier, one scheduled 3-hour event;
2. the Ashburn campus with every resource (examples/ashburn-flexible.json): caps, a deferrable
   tier, a 20 MW / 80 MWh battery, 10 MW of diesel backup, shedding allowed, and events from the
   system's own hours (the headroom method's seasonal thresholds on PJM Dominion's real hourly
   load, grid.system_load, grown to the final planning year).

Wall time depends on what else runs on the machine; CPU time of this process is printed beside
it with the load average.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grid.flex.dispatch import dispatch  # noqa: E402
from planner.engine.facility_stage import facility_stage  # noqa: E402
from planner.engine.flex_stage import flex_stage  # noqa: E402
from planner.engine.flex_summary import flexibility_lever  # noqa: E402
from planner.engine.grid_stage import grid_stage  # noqa: E402
from planner.engine.schema import parse_scenario  # noqa: E402

GOAL_S = 1.0
REPEATS = 3


def _ashburn() -> dict:
    return json.loads((ROOT / "examples" / "ashburn-flexible.json").read_text())


def _stage(document: dict):
    spec = parse_scenario(document)
    facility = facility_stage(spec)
    grid = grid_stage(
        spec,
        facility_power_w=facility.facility_power_w,
        devices_by_pool={p["name"]: int(p["devices"]) for p in facility.pools},
        accelerator_by_pool={p.name: p.accelerator for p in spec.hardware},
        servers=int(facility.summary["servers"]),
    )
    return flex_stage(spec, facility=facility, grid_summary=grid.summary, grid_hourly=grid.hourly)


def main() -> None:
    cases = {
        "Phoenix demo (caps + deferral, 1 event)": json.loads(
            (ROOT / "examples" / "phoenix-flexible-cluster.json").read_text()
        ),
        "Ashburn, every resource, events from the real Dominion hours": _ashburn(),
    }
    for label, document in cases.items():
        stage = _stage(document)
        problem = stage.problem
        times, cpu, result = [], [], None
        for _ in range(REPEATS):
            start, start_cpu = time.perf_counter(), time.process_time()
            result = dispatch(problem)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        assert result is not None
        median = statistics.median(times)
        print(
            f"{label}: dispatch of 8,760 h in {median:.3f} s wall, {statistics.median(cpu):.3f} s CPU "
            f"(median of {REPEATS}; goal < {GOAL_S:g} s; load average {os.getloadavg()[0]:.1f}), "
            f"{result.variables:,} variables, {result.constraints:,} constraints, "
            f"{'feasible' if result.feasible else 'INFEASIBLE: ' + result.message}"
        )
        print(f"  {flexibility_lever(stage.summary)}")


if __name__ == "__main__":
    main()
