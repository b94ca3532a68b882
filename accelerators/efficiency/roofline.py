"""Roofline time and energy of a kernel table, vectorised over batch sizes.

time of a kernel = max(FLOPs / (peak × compute_frac) + dequant time, bytes / (bandwidth × memory_frac))
                   + kernel launch latency;  collectives: latency + link bytes / link bandwidth.
step time = Σ kernels + step overhead + per-sequence overhead × b; the overhead work (sampling,
scheduling, bookkeeping kernels) draws a calibrated active power above static.
energy = FLOPs × pJ/FLOP + bytes × pJ/byte + link bytes × pJ/link-byte + static power × time.
Above the power limit the step stretches (clock throttling): t = dynamic energy / (limit − static).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelerators.catalog import AcceleratorSpec

from .constants import DeviceConstants
from .kernels import KernelTable, vector_flops_per_s

PJ = 1e-12


@dataclass(frozen=True)
class StepResult:
    """Per device, one step (decode) or one prefill, for each batch size b (axis -1)."""

    tokens: np.ndarray  # [N] tokens in the step
    time_s: np.ndarray  # [N] after throttling
    kernel_time_s: np.ndarray  # [K, N] before throttling (incl. launch latency)
    compute_bound: np.ndarray  # [K, N] bool
    flops: np.ndarray  # [K, N] summed over instances
    memory_bytes: np.ndarray  # [K, N]
    link_bytes: np.ndarray  # [K, N]
    arithmetic_energy_j: np.ndarray  # [K, N]
    data_movement_energy_j: np.ndarray  # [K, N]
    static_energy_j: np.ndarray  # [N]
    overhead_energy_j: np.ndarray  # [N] dynamic energy of per-step/per-sequence overhead work
    overhead_time_s: np.ndarray  # [N]
    throttled: np.ndarray  # [N] bool

    @property
    def energy_j(self) -> np.ndarray:
        return (
            self.arithmetic_energy_j.sum(0)
            + self.data_movement_energy_j.sum(0)
            + self.overhead_energy_j
            + self.static_energy_j
        )

    @property
    def power_w(self) -> np.ndarray:
        return self.energy_j / self.time_s


def expected_experts(*, experts: float, experts_per_token: float, tokens: np.ndarray) -> np.ndarray:
    """Distinct experts hit by `tokens` independent top-k routings: E·(1 − (1 − k/E)^b)."""
    if experts <= 0:
        return np.zeros_like(tokens, dtype=float)
    return experts * (1.0 - (1.0 - experts_per_token / experts) ** tokens)


def evaluate(
    table: KernelTable,
    *,
    tokens: np.ndarray,
    acc: AcceleratorSpec,
    dev: DeviceConstants,
    devices: int,
    sequences: np.ndarray | None = None,
    weight_scale: np.ndarray | None = None,
) -> StepResult:
    """weight_scale [N]: 1 where the step streams the weights, 0 where they are already on chip
    (a prefill chunk riding along a decode step); default all 1."""
    b = np.asarray(tokens, dtype=float)[None, :]
    e_read = expected_experts(experts=table.experts, experts_per_token=table.experts_per_token, tokens=b)
    c = table.count[:, None]
    flops = table.flops0[:, None] + table.flops1[:, None] * b
    wbytes = table.wbytes0[:, None] + table.wbytes_expert[:, None] * e_read  # wbytes_expert is already per device
    if weight_scale is not None:
        wbytes = wbytes * weight_scale[None, :]
    obytes = table.obytes1[:, None] * b
    link = table.link1[:, None] * b
    mem = wbytes + obytes
    t_compute = flops / (table.peak_flops_per_s * table.compute_frac)[:, None]
    t_compute = t_compute + wbytes * table.dequant_elems_per_byte[:, None] * 2.0 / (
        vector_flops_per_s(acc) * dev.compute_frac
    )
    t_memory = mem / (acc.memory_bandwidth_bytes_per_s * table.memory_frac)[:, None]
    coll = table.is_collective[:, None]
    t_link = dev.collective_latency_s + link / acc.interconnect_bandwidth_bytes_per_s
    t_kernel = np.where(coll, t_link, np.maximum(t_compute, t_memory) + dev.kernel_launch_s)
    kernel_time = c * t_kernel
    seqs = b[0] if sequences is None else np.asarray(sequences, dtype=float)
    overhead_s = dev.step_overhead_s + dev.per_sequence_overhead_s * seqs
    t = kernel_time.sum(0) + overhead_s
    arith = c * flops * table.pj_per_flop[:, None] * PJ
    data = c * (mem * dev.memory_pj_per_byte + link * dev.link_pj_per_byte) * PJ
    overhead_j = dev.overhead_power_w * overhead_s  # sampling/scheduling work outside the roofline kernels
    dynamic = arith.sum(0) + data.sum(0) + overhead_j
    headroom = acc.power_limit_w - dev.static_power_w
    t_capped = dynamic / headroom
    throttled = t_capped > t
    t = np.maximum(t, t_capped)
    return StepResult(
        tokens=b[0],
        time_s=t,
        kernel_time_s=kernel_time,
        compute_bound=(t_compute > t_memory) & ~coll,
        flops=c * flops,
        memory_bytes=c * mem,
        link_bytes=c * link,
        arithmetic_energy_j=arith,
        data_movement_energy_j=data,
        static_energy_j=dev.static_power_w * t,
        overhead_energy_j=overhead_j,
        overhead_time_s=overhead_s,
        throttled=throttled,
    )
