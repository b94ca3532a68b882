"""Benchmark: carbon, cost, bills and headroom for one facility-year (target ≤ 20 ms).

Run: .venv/bin/python benchmarks/bench_grid.py
Times grid_stage on a synthetic 8,760-hour facility with an uploaded hourly system load (so the
headroom solve at four curtailment rates and the facility-curtailment check run too), and the
region-figure path without uploads. Prints the median of repeated runs in ms.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planner.engine.grid_stage import grid_stage
from planner.engine.schema import parse_scenario

TARGET_MS = 20.0


def _spec(**grid):
    return parse_scenario(
        {
            "name": "bench",
            "workloads": [{"name": "chat", "model": "meta-llama/Llama-3.1-70B-Instruct", "peak_requests_per_s": 400}],
            "hardware": [{"name": "gpu", "accelerator": "h100-sxm", "share_frac": 1.0}],
            "grid": grid,
        }
    )


def _median_ms(fn, repeats: int = 30) -> float:
    fn()  # warm caches (catalog YAML, profiles)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def main() -> None:
    hours = np.arange(8760)
    power_w = 120e6 * (0.8 + 0.2 * np.sin(2 * np.pi * hours / 24))
    system = 14_000 + 3_000 * np.sin(2 * np.pi * hours / 24) + 2_500 * np.cos(4 * np.pi * hours / 8760)
    pools = dict(devices_by_pool={"gpu": 100_000}, accelerator_by_pool={"gpu": "h100-sxm"}, servers=12_500)
    uploads = {"system_load": system, "price": np.full(8760, 35.0)}
    with_load = _median_ms(
        lambda: grid_stage(
            _spec(uploads={"system_load": "s", "price": "p"}), facility_power_w=power_w, uploads=uploads, **pools
        )
    )
    catalog = _median_ms(lambda: grid_stage(_spec(), facility_power_w=power_w, **pools))
    print(
        f"grid_stage, uploaded system load (carbon+cost+bills+headroom): {with_load:.2f} ms (target ≤ {TARGET_MS:g} ms)"
    )
    print(f"grid_stage, catalog region pjm-dominion:                       {catalog:.2f} ms")
    if with_load > TARGET_MS:
        sys.exit(f"slower than {TARGET_MS} ms")


if __name__ == "__main__":
    main()
