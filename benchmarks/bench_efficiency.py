"""Benchmark of the efficiency engine (not a test): estimates per second and a catalog × batch sweep.

    taskset -c 0 .venv/bin/python benchmarks/bench_efficiency.py [--repeat N]

Goal (issue 3): >= 2,000 full estimates per second on one core; the whole catalog × batch sweep < 1 s.
Each figure is the best of N passes, timed in CPU seconds of this process (time.process_time: the
machine may be shared; on an idle machine it equals the wall time of this single-threaded loop).
"warm": the deployments were estimated before (their batch-independent setup is shared,
accelerators/efficiency/setup.py), as in a batch sweep, a what-if over targets or a repeated study point;
"cold": the setup cache is cleared before every call, so every estimate builds its deployment from
scratch (a sweep over distinct deployments).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing


from accelerators.catalog import list_accelerators, list_models
from accelerators.efficiency import EstimateError, estimate, power_curve
from accelerators.efficiency.engine import clear_setup_cache

DEVICE_COUNTS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
BATCHES = (1, 8, 64, 256)


def _configs() -> list[dict]:
    """Each (model, accelerator) with the fewest devices (power of two) that hold the model."""
    out = []
    for acc in list_accelerators():
        for model in list_models():
            for n in DEVICE_COUNTS:
                try:
                    estimate(model=model, accelerator=acc, devices=n, batch=1)
                except EstimateError:
                    continue
                out.append({"model": model, "accelerator": acc, "devices": n})
                break
    return out


def _pass(configs: list[dict], mode: str, cold: bool) -> tuple[int, float]:
    calls = 0
    t0 = time.process_time()
    for cfg in configs:
        if mode == "fixed":
            for b in BATCHES:
                if cold:
                    clear_setup_cache()
                estimate(**cfg, batch=b)
                calls += 1
            continue
        if cold:
            clear_setup_cache()
        if mode == "auto":
            estimate(**cfg)
        else:
            with contextlib.suppress(EstimateError):
                estimate(**cfg, tpot_target_s=0.05)
        calls += 1
    return calls, time.process_time() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="passes per figure; the best is reported")
    repeat = parser.parse_args().repeat
    configs = _configs()
    n_acc, n_models = len(list_accelerators()), len(list_models())
    print(f"catalog: {n_acc} accelerators x {n_models} models -> {len(configs)} fitting pairs; best of {repeat}")
    for label, mode in (("fixed batch", "fixed"), ("auto batch (memory)", "auto"), ("TPOT target 50 ms", "tpot")):
        for cold in (False, True):
            calls, dt = min((_pass(configs, mode, cold) for _ in range(repeat)), key=lambda r: r[1])
            state = "cold" if cold else "warm"
            print(f"estimate ({label}, {state}): {calls} calls in {dt:.3f} s = {calls / dt:,.0f} estimates/s")
    best = float("inf")
    for _ in range(repeat):
        clear_setup_cache()
        t0 = time.process_time()
        levels = sum(len(power_curve(**cfg).batch_sizes) for cfg in configs)
        best = min(best, time.process_time() - t0)
    print(f"catalog x batch sweep (power_curve, {levels} batch levels over {len(configs)} pairs, cold): {best:.3f} s")


if __name__ == "__main__":
    main()
