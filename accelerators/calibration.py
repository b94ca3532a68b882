"""Fit one set of energy/efficiency constants per device to measured serving data (pure, no Django).

    python -m accelerators.calibration [CSV] [--device h100-sxm]

CSV: ML.ENERGY v3 rows (../shared/reference/mlenergy_v3_calibration.csv). For each device, the
constants of data/calibration.yaml are fitted by scipy least squares (soft-L1 loss) on the
log ratio predicted/measured of energy per output token and of inter-token latency over all of
that device's rows at once (and of average power) — one constant set per device, no per-row
values. Bounds keep the constants physical (see BOUNDS). The fit is in-sample: the same rows
are what tests/accelerators/test_calibration.py checks. Prints the YAML
block to paste into data/calibration.yaml.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares

from accelerators.catalog import get_accelerator
from accelerators.efficiency.constants import PJ_UNIT, DeviceConstants, device_constants, max_pj_per_flop
from accelerators.efficiency.engine import estimate_with_constants

DEFAULT_CSV = Path(__file__).resolve().parents[1] / ".." / "shared" / "reference" / "mlenergy_v3_calibration.csv"
GPU_SLUGS = {"H100": "h100-sxm", "B200": "b200"}
PRECISIONS = {"bfloat16": "bf16", "fp8": "fp8", "mxfp4": "mxfp4"}
POWER_WEIGHT = 1.0  # measured average power constrains the split static vs dynamic
PROMPT_TOKENS = 150  # chat prompts of lm-arena-chat, "a sentence or two" (reference README)
# name: (lower bound, upper bound) — physical ranges
BOUNDS = {
    "static_power_w": (100.0, 800.0),
    "memory_pj_per_byte": (31.0, 80.0),  # HBM 3.9 pJ/bit device+PHY .. 10 pJ/bit with controller (O'Connor 2017)
    "gemm_power_frac": (0.05, 1.0),  # pJ/FLOP as a fraction of what puts a 70%-of-peak GEMM at the power limit
    "gemm_memory_frac": (0.3, 0.92),  # best streaming kernels reach ~90% of peak HBM bandwidth
    "moe_memory_frac": (0.15, 0.95),
    "attention_memory_frac": (0.15, 0.95),
    "compute_frac": (0.2, 0.8),  # large GEMMs reach 70-80% of dense peak
    "kernel_launch_s": (0.0, 6e-6),  # CUDA-graph replay: a few µs per kernel
    "step_overhead_s": (0.0, 5e-3),
    "per_sequence_overhead_s": (0.0, 200e-6),
    "collective_latency_s": (2e-6, 60e-6),
    "overhead_power_w": (0.0, 600.0),  # capped in use by the power limit
}
SCALE = {k: hi for k, (_, hi) in BOUNDS.items()}


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return [
        {
            "device": GPU_SLUGS[r["gpu_model"]],
            "model": r["model_id"].replace("-FP8", ""),
            "devices": int(r["num_gpus"]),
            "weight_precision": PRECISIONS[r["weight_precision"]],
            "batch": max(1, round(float(r["avg_batch_size"]))),
            "output_tokens": round(float(r["avg_output_len"])),
            "energy_per_token_j": float(r["energy_per_token_j"]),
            "itl_s": float(r["median_itl_ms"]) / 1e3,
            "power_w": float(r["avg_power_w"]),
        }
        for r in rows
        if r["gpu_model"] in GPU_SLUGS
    ]


def predict(constants: DeviceConstants, row: dict):
    return estimate_with_constants(
        constants,
        model=row["model"],
        accelerator=row["device"],
        devices=row["devices"],
        weight_precision=row["weight_precision"],
        kv_precision=None,
        batch=row["batch"],
        input_tokens=PROMPT_TOKENS,
        output_tokens=row["output_tokens"],
        sparsity="none",
    )


def fit_device(rows: list[dict], start: DeviceConstants, names: list[str], slug: str) -> DeviceConstants:
    acc = get_accelerator(slug)

    ref_acc = get_accelerator("h100-sxm")
    ref = device_constants(ref_acc)
    # Not fitted (few rows): keep the reference device's share of the "GEMM at the power limit" budget.
    fixed_frac = ref.pj_per_flop_bf16 * PJ_UNIT / max_pj_per_flop(ref_acc, ref.static_power_w)

    def make(x):
        values = {n: float(v) * SCALE[n] for n, v in zip(names, x, strict=True)}
        frac = values.pop("gemm_power_frac", fixed_frac)
        c = dataclasses.replace(start, **values)
        return dataclasses.replace(c, pj_per_flop_bf16=frac * max_pj_per_flop(acc, c.static_power_w) / PJ_UNIT)

    def residuals(x):
        c = make(x)
        out = []
        for r in rows:
            e = predict(c, r)
            out.append(np.log(e.accelerator_energy_per_output_token_j / r["energy_per_token_j"]))
            out.append(np.log(e.time_per_output_token_s / r["itl_s"]))
            out.append(POWER_WEIGHT * np.log(e.accelerator_power_w / r["power_w"]))
        return np.asarray(out)

    start_frac = start.pj_per_flop_bf16 * PJ_UNIT / max_pj_per_flop(acc, start.static_power_w)
    x0 = [np.clip(start_frac if n == "gemm_power_frac" else getattr(start, n), *BOUNDS[n]) / SCALE[n] for n in names]
    lo = [BOUNDS[n][0] / SCALE[n] for n in names]
    hi = [BOUNDS[n][1] / SCALE[n] for n in names]
    res = least_squares(residuals, x0, bounds=(lo, hi), loss="soft_l1", f_scale=0.1, x_scale="jac")
    return make(res.x)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("csv", nargs="?", default=str(DEFAULT_CSV))
    ap.add_argument("--device", action="append", help="device slug(s) to fit (default: all in the file)")
    a = ap.parse_args()
    rows = read_rows(Path(a.csv))
    for slug in a.device or sorted({r["device"] for r in rows}):
        sub = [r for r in rows if r["device"] == slug]
        start = device_constants(get_accelerator(slug))
        names = list(BOUNDS)
        if len(sub) < 3 * len(names):  # few rows: fit power and the main efficiency terms only
            names = [
                "static_power_w",
                "overhead_power_w",
                "gemm_memory_frac",
                "attention_memory_frac",
                "compute_frac",
                "per_sequence_overhead_s",
                "step_overhead_s",
            ]
        fitted = fit_device(sub, start, names, slug)
        err_e = [
            abs(predict(fitted, r).accelerator_energy_per_output_token_j / r["energy_per_token_j"] - 1) for r in sub
        ]
        err_t = [abs(predict(fitted, r).time_per_output_token_s / r["itl_s"] - 1) for r in sub]
        print(f"  {slug}:  # {len(sub)} rows, fitted {names}")
        print(f"    # median abs error energy {100 * np.median(err_e):.1f}%, ITL {100 * np.median(err_t):.1f}%")
        for n in [*BOUNDS, "pj_per_flop_bf16"]:
            if n != "gemm_power_frac":
                print(f"    {n}: {getattr(fitted, n):.4g}")


if __name__ == "__main__":
    main()
