"""Benchmark: one full year for a 3-pool × 3-workload scenario (not a timed test).

    .venv/bin/python benchmarks/bench_facility.py

Prints, on one core:
- the engine's 9 power curves (accelerators.efficiency.power_curve, computed once per run): the first
  call (loads the catalogs), cold (engine setup cache cleared) and warm (setups shared, as when a lever
  or a study re-runs a scenario whose pools did not change);
- the year model: demand → sizing → hourly dispatch → power chain → cooling → PUE/water, with
  the curves already computed (goal ≤ 20 ms);
- the whole facility_stage call (curves + year model + result dictionaries).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from accelerators.efficiency import power_curve
from accelerators.efficiency.engine import clear_setup_cache
from planner.engine import facility_stage as stage
from planner.engine.schema import parse_scenario

SCENARIO = {
    "name": "benchmark 3 pools x 3 workloads",
    "horizon": {"start_year": 2027, "years": 3},
    "workloads": [
        {"name": "chat", "model": "meta-llama/Llama-3.1-70B-Instruct", "peak_requests_per_s": 400,
         "daily_shape": "chat-us-east", "annual_growth_frac": 0.35},
        {"name": "assistant", "model": "meta-llama/Llama-3.1-8B-Instruct", "requests_per_day": 2e7,
         "daily_shape": "office-hours"},
        {"name": "moe", "model": "Qwen/Qwen3-30B-A3B", "peak_requests_per_s": 120, "daily_shape": "consumer-evening",
         "tpot_target_ms": 40, "deferrable_frac": 0.2},
    ],
    "hardware": [
        {"name": "h100", "accelerator": "h100-sxm", "share_frac": 0.5, "tensor_parallel": 4, "weight_precision": "fp8"},
        {"name": "b200", "accelerator": "b200", "share_frac": 0.3, "tensor_parallel": 2},
        {"name": "mi300x", "accelerator": "mi300x", "share_frac": 0.2, "tensor_parallel": 2},
    ],
    "fleet": {"dispatch": "cheapest_energy", "idle_policy": "idle"},
    "site": {"climate": "us-va-ashburn", "cooling": "direct_liquid_dry_cooler"},
}  # fmt: skip


def _best_ms(function, repeat: int) -> tuple[float, float]:
    """Best and median CPU time of this process [ms] (time.process_time: the machine may be shared)."""
    times = []
    for _ in range(repeat):
        started = time.process_time()
        function()
        times.append((time.process_time() - started) * 1e3)
    return min(times), statistics.median(times)


def main() -> None:
    spec = parse_scenario(SCENARIO)
    weather = stage._weather(spec, None)
    started = time.perf_counter()
    curves = stage._curves(spec, power_curve)
    curves_ms = (time.perf_counter() - started) * 1e3

    def cold_curves():
        clear_setup_cache()
        stage._curves(spec, power_curve)

    curves_cold, _ = _best_ms(cold_curves, 20)
    curves_warm, _ = _best_ms(lambda: stage._curves(spec, power_curve), 20)

    def year():
        demands = {
            w.name: stage.workload_demand(
                name=w.name, daily_shape=w.daily_shape, input_tokens=w.input_tokens, output_tokens=w.output_tokens,
                start_year=spec.horizon.start_year, years=spec.horizon.years,
                peak_requests_per_s=w.peak_requests_per_s, requests_per_day=w.requests_per_day,
                annual_growth_frac=w.annual_growth_frac, deferrable_frac=w.deferrable_frac,
            ).output_tokens_per_s
            for w in spec.workloads
        }  # fmt: skip
        pools = [
            stage.PoolInput(name=p.name, accelerator=p.accelerator, share_frac=p.share_frac, count=p.count,
                            devices_per_server=p.devices_per_server,
                            curves={w.name: curves[i, j] for j, w in enumerate(spec.workloads)})
            for i, p in enumerate(spec.hardware)
        ]  # fmt: skip
        return stage._run(spec=spec, pools=pools, demand=demands, weather=weather)

    year()
    best, median = _best_ms(year, 50)
    full_best, full_median = _best_ms(lambda: stage.facility_stage(spec, weather=weather), 5)
    result = stage.facility_stage(spec, weather=weather)
    print(f"scenario: {len(spec.hardware)} pools x {len(spec.workloads)} workloads, 8,760 hours, {spec.site.cooling}")
    print(f"engine power curves (9, once):        {curves_ms:8.1f} ms  (first call: loads the catalogs)")
    print(f"engine power curves (9), cold / warm: {curves_cold:8.2f} ms / {curves_warm:.2f} ms best  (setups shared)")
    print(f"year model (curves given):            {best:8.2f} ms best, {median:.2f} ms median  (goal <= 20 ms)")
    print(f"facility_stage total (curves cached after 1st call): {full_best:.1f} ms best, {full_median:.1f} ms median")
    summary = result.summary
    print(
        f"result: peak {summary['peak_facility_power_mw']:.2f} MW, {summary['annual_facility_energy_mwh']:.0f} MWh, "
        f"PUE {summary['annual_pue']:.3f} (peak {summary['peak_pue']:.3f}), devices {summary['devices']}, "
        f"racks {summary['racks']}"
    )


if __name__ == "__main__":
    main()
