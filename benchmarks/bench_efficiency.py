"""Benchmark of the efficiency engine (not a test): estimates per second and a catalog × batch sweep.

    .venv/bin/python benchmarks/bench_efficiency.py

Goal (issue 3): >= 2,000 full estimates per second on one core; the whole catalog × batch sweep < 1 s.
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing


from accelerators.catalog import list_accelerators, list_models
from accelerators.efficiency import EstimateError, estimate, power_curve

DEVICE_COUNTS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


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


def main() -> None:
    configs = _configs()
    n_acc, n_models = len(list_accelerators()), len(list_models())
    print(f"catalog: {n_acc} accelerators x {n_models} models -> {len(configs)} fitting pairs")
    batches = (1, 8, 64, 256)
    for label, extra in (("fixed batch", None), ("auto batch (memory)", "auto"), ("TPOT target 50 ms", "tpot")):
        calls = 0
        t0 = time.perf_counter()
        for cfg in configs:
            if extra is None:
                for b in batches:
                    estimate(**cfg, batch=b)
                    calls += 1
            elif extra == "auto":
                estimate(**cfg)
                calls += 1
            else:
                with contextlib.suppress(EstimateError):
                    estimate(**cfg, tpot_target_s=0.05)
                calls += 1
        dt = time.perf_counter() - t0
        print(f"estimate ({label}): {calls} calls in {dt:.3f} s = {calls / dt:,.0f} estimates/s")
    t0 = time.perf_counter()
    levels = 0
    for cfg in configs:
        levels += len(power_curve(**cfg).batch_sizes)
    dt = time.perf_counter() - t0
    print(f"catalog x batch sweep (power_curve, {levels} batch levels over {len(configs)} pairs): {dt:.3f} s")


if __name__ == "__main__":
    main()
