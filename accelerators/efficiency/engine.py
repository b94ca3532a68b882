"""estimate() and power_curve(): one replica (= `devices` accelerators holding one model copy).

Steady state of continuous batching: B sequences decode together; each finishes after
`output_tokens` steps and is replaced by a new one whose prefill runs inside the decode steps
(chunked prefill), so prefill adds its marginal cost (FLOPs, activations, KV writes — the
weights are already streamed by the decode step). Per cycle of B requests:
    time = O·t_step(B) + B·t_prefill_marginal,   tokens = B·O.
Context of a decoding sequence: input + output/2 on average.
The energy of the calibrated per-step/per-sequence overhead work (sampling over the vocabulary,
scheduling and paged-KV bookkeeping kernels) is booked as data movement in the three-way split.
Host (CPU, DRAM, NIC, fans, storage) power: idle share + (rated share − idle share) × the
accelerators' load fraction (P − P_idle)/(P_limit − P_idle) [assumption, overridable via the
catalog's host figures].
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import cache

import numpy as np

from accelerators.catalog import AcceleratorSpec, ModelSpec

from .constants import DeviceConstants
from .errors import EstimateError
from .results import Estimate, PowerCurve, kernel_breakdown
from .roofline import StepResult
from .setup import (  # noqa: F401  (Request, _Setup, clear_setup_cache: re-exported for the calibration and benchmarks)
    SETUP_CACHE_SIZE,
    Request,
    _bound,
    _optional_positive_int,
    _scaled,
    _Setup,
    _setup,
    _split_sums,
    clear_setup_cache,
)

CURVE_LEVELS = 40  # batch levels of a power curve (geometric from 1 to max_batch)


@cache
def _grid(limit: int, points: int) -> np.ndarray:
    """Batch levels 1..limit, roughly geometric, unique integers (cached: reused across estimates)."""
    grid = np.unique(np.round(np.exp(np.linspace(0.0, np.log(limit), min(limit, points))))).astype(int)
    grid.setflags(write=False)
    return grid


def _check_target(tpot_target_s: object) -> None:
    if tpot_target_s is not None and (
        isinstance(tpot_target_s, bool) or not isinstance(tpot_target_s, int | float) or not tpot_target_s > 0
    ):
        raise EstimateError("tpot_target_s", f"must be a positive number of seconds, got {tpot_target_s!r}")


def _largest_batch_meeting(setup: _Setup, target_s: float, limit: int, *, field: str = "tpot_target_s") -> int:
    """Largest B ≤ limit with decode step time ≤ target (step time increases with B)."""
    grid = _grid(limit, 48)
    t = setup.grid_times.get(limit)
    if t is None:
        t = setup.decode(grid.astype(float)).time_s
        t.setflags(write=False)
        if len(setup.grid_times) < 8:
            setup.grid_times[limit] = t
    ok = t <= target_s
    if not ok[0]:
        raise EstimateError(
            field,
            f"unreachable: even batch 1 takes {t[0] * 1e3:.2f} ms per output token "
            f"on {setup.devices} x {setup.acc.slug}"
            + ("" if field == "tpot_target_s" else f", more than the {target_s * 1e3:.2f} ms left after prefill"),
        )
    i = int(np.nonzero(ok)[0][-1])
    if i == len(grid) - 1:
        return int(grid[-1])
    lo, hi = int(grid[i]), int(grid[i + 1])
    fine = np.arange(lo, hi + 1)
    t_fine = setup.decode(fine.astype(float)).time_s
    return int(fine[np.nonzero(t_fine <= target_s)[0][-1]])


def _host_power_w(setup: _Setup, accelerator_power_w: np.ndarray | float) -> np.ndarray:
    """Host power [W] at the replica's accelerator power (per batch level, or one number)."""
    acc, n = setup.acc, setup.devices
    load = np.clip((accelerator_power_w / n - acc.idle_power_w) / (acc.power_limit_w - acc.idle_power_w), 0.0, 1.0)
    return n * (
        acc.host_idle_power_w_per_device + (acc.host_power_w_per_device - acc.host_idle_power_w_per_device) * load
    )


def estimate(
    *,
    model: ModelSpec | str | Mapping,
    accelerator: AcceleratorSpec | str | Mapping,
    batch: int | None = None,
    tpot_target_s: float | None = None,
    **request: object,
) -> Estimate:
    """Time, power and energy of one replica serving `model` on `devices` × `accelerator`.

    request: the other fields of Request (devices, precisions, token counts, sparsity, parallel degrees,
    serving_stack, power_limit_w). batch: fixed decode batch [sequences]; None → largest that fits
    memory and meets tpot_target_s [s]. Energies in J, powers in W, times in s; accelerator boundary
    unless named node/host.
    """
    setup = _setup(Request(model=model, accelerator=accelerator, **request))  # type: ignore[arg-type]
    return _estimate(setup, batch=batch, tpot_target_s=tpot_target_s)


def estimate_with_constants(constants: DeviceConstants, *, batch: int | None = None, tpot_target_s=None, **kwargs):
    """estimate() with explicit device constants (used by the calibration fit and what-if studies)."""
    setup = _Setup(Request(**kwargs), constants=constants)
    return _estimate(setup, batch=batch, tpot_target_s=tpot_target_s)


def _estimate(setup: _Setup, *, batch: int | None, tpot_target_s: float | None) -> Estimate:
    _check_target(tpot_target_s)
    warnings = setup.warnings()
    fixed = _optional_positive_int("batch", batch)
    if fixed is not None:
        b = fixed
        if b > setup.fp.max_batch:
            warnings.append(
                f"batch {b} exceeds the {setup.fp.max_batch} sequences whose KV cache fits in memory "
                "(the server would preempt or queue)"
            )
    elif tpot_target_s is not None:
        b = _largest_batch_meeting(setup, float(tpot_target_s), setup.fp.max_batch)
    else:
        b = setup.fp.max_batch
    dec = setup.decode(np.array([float(b)]))
    pre_alone = setup.curve_prefill[0]
    n, out = setup.devices, setup.out
    cycle_s, cycle_j = (float(x[0]) for x in steady_cycle(setup, dec, np.array([float(b)]), np.array([float(out)])))
    tokens = b * out
    acc_power = cycle_j / cycle_s
    host_power = float(_host_power_w(setup, acc_power))
    if dec.throttled[0]:
        warnings.append("decode at the power limit: clocks throttle and the step stretches")
    if tpot_target_s is not None and dec.time_s[0] > tpot_target_s:
        warnings.append(f"time per output token {dec.time_s[0] * 1e3:.2f} ms misses the target")
    pre_sums, pre_bound, pre_rows = setup.prefill_parts()
    by_phase = {
        "decode": _scaled(_split_sums(dec), scale=n * out / tokens),
        "prefill": _scaled(pre_sums, scale=n * b / tokens),  # marginal cost inside the decode steps
    }
    split = {k: by_phase["decode"][k] + by_phase["prefill"][k] for k in by_phase["decode"]}
    return Estimate(
        model=setup.model.slug,
        accelerator=setup.acc.slug,
        devices=n,
        weight_precision=setup.prec.weight,
        kv_precision=setup.prec.kv,
        compute_dtype=setup.prec.compute,
        sparsity=setup.sp.kind if setup.sp.applied else "none",
        input_tokens=setup.inp,
        output_tokens=out,
        batch_size=b,
        max_batch_memory=setup.fp.max_batch,
        time_per_output_token_s=float(dec.time_s[0]),
        output_tokens_per_s=tokens / cycle_s,
        accelerator_power_w=acc_power,
        host_power_w=host_power,
        accelerator_energy_per_output_token_j=cycle_j / tokens,
        node_energy_per_output_token_j=(cycle_j + host_power * cycle_s) / tokens,
        energy_per_request_j=cycle_j / b,
        node_energy_per_request_j=(cycle_j + host_power * cycle_s) / b,
        prefill_time_s=float(pre_alone.time_s[0]),
        prefill_energy_j=float(n * pre_alone.energy_j[0]),
        energy_split_per_output_token_j=split,
        energy_split_by_phase_per_output_token_j=by_phase,
        bound={"decode": _bound(dec), "prefill": pre_bound},
        weight_bytes_per_device=setup.fp.weight_bytes,
        kv_bytes_per_sequence_per_device=setup.fp.kv_bytes_per_sequence,
        kernels=kernel_breakdown(setup.table, dec, "decode") + [dict(row) for row in pre_rows],
        calibrated=setup.dev.calibrated,
        serving_stack=setup.stack.slug,
        power_limit_w=setup.limit_w,
        parallelism=setup.par.to_dict(),
        serving_overhead_j=split["serving_overhead"],
        uncertainty=setup.uncertainty,
        warnings=tuple(dict.fromkeys(warnings)),
    )


def steady_cycle(setup: _Setup, dec: StepResult, batch: np.ndarray, out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Time [s] and replica energy [J] of one cycle of continuous batching: B requests each decode
    `out` tokens and are replaced by new ones whose prefill rides along (its marginal cost)."""
    pre_marg = setup.curve_prefill[1]
    cycle_s = out * dec.time_s + batch * pre_marg.time_s[0]
    cycle_j = setup.devices * (out * dec.energy_j + batch * pre_marg.energy_j[0])
    return cycle_s, cycle_j


def power_curve(
    *,
    model: ModelSpec | str | Mapping,
    accelerator: AcceleratorSpec | str | Mapping,
    tpot_target_s: float | None = None,
    ttft_target_s: float | None = None,
    ttft_input_tokens: int | None = None,
    **request: object,
) -> PowerCurve:
    """Replica power and throughput at batch levels 1..max_batch (memory- and latency-feasible).

    request: the other fields of Request (devices, precisions, token counts, parallel degrees, stack, limit).
    ``ttft_target_s`` [s]: a new request's first token comes after its own prefill and one decode
    step of the running batch (continuous batching, no queueing), so the batch is also limited
    to decode steps no longer than the target less the prompt's prefill time.
    ``ttft_input_tokens``: the prompt length the TTFT target is met for (e.g. a 95th percentile),
    when it differs from the mean ``input_tokens`` that sets throughput and energy.
    """
    _check_target(tpot_target_s)
    req = Request(model=model, accelerator=accelerator, **request)  # type: ignore[arg-type]
    setup = _setup(req)
    limit = setup.fp.max_batch
    if tpot_target_s is not None:
        limit = _largest_batch_meeting(setup, float(tpot_target_s), limit)
    design_prefill_s = float(setup.curve_prefill[0].time_s[0])
    if ttft_target_s is not None:
        prompt_setup = setup
        if ttft_input_tokens is not None and ttft_input_tokens != setup.inp:
            prompt_setup = _setup(dataclasses.replace(req, input_tokens=ttft_input_tokens))
        prefill_s = float(prompt_setup.curve_prefill[0].time_s[0])
        if prefill_s >= ttft_target_s:
            raise EstimateError(
                "ttft_target_s",
                f"unreachable: the prefill of {prompt_setup.inp} prompt tokens alone takes {prefill_s:.3f} s "
                f"on {setup.devices} x {setup.acc.slug}",
            )
        limit = _largest_batch_meeting(setup, float(ttft_target_s) - prefill_s, limit, field="ttft_target_s")
        design_prefill_s = prefill_s
    levels = _grid(limit, CURVE_LEVELS).copy()
    b = levels.astype(float)
    dec = setup.decode(b)
    _, pre_marg, _ = setup.curve_prefill
    n, out = setup.devices, setup.out
    cycle_s = out * dec.time_s + b * pre_marg.time_s[0]
    arith = n * (out * dec.arithmetic_energy_j.sum(0) + b * pre_marg.arithmetic_energy_j.sum()) / cycle_s
    data = n * (out * dec.data_movement_energy_j.sum(0) + b * pre_marg.data_movement_energy_j.sum()) / cycle_s
    overhead = n * (out * dec.overhead_energy_j + b * pre_marg.overhead_energy_j[0]) / cycle_s
    static = n * (out * dec.static_energy_j + b * pre_marg.static_energy_j[0]) / cycle_s
    total = arith + data + overhead + static
    return PowerCurve(
        devices_per_replica=n,
        batch_sizes=levels,
        output_tokens_per_s=b * out / cycle_s,
        accelerator_power_w=total,
        arithmetic_power_w=arith,
        data_movement_power_w=data,
        serving_overhead_power_w=overhead,
        static_power_w=static,
        host_power_w=_host_power_w(setup, total),
        idle_accelerator_power_w=n * setup.acc.idle_power_w,
        idle_host_power_w=n * setup.acc.host_idle_power_w_per_device,
        max_batch=int(limit),
        ttft_s=float(design_prefill_s + dec.time_s[-1]),
        warnings=tuple(dict.fromkeys(setup.warnings())),
    )
