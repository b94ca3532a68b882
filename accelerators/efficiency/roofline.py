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
from .stacks import power_limit_value

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


def expert_imbalance(
    *, experts: float, experts_per_token: float, tokens: np.ndarray, devices: int
) -> tuple[np.ndarray, np.ndarray]:
    """Busiest device over mean, with experts spread over `devices` (expert parallelism), uniform routing.

    Distinct experts a device must read: Binomial(E/e, q), q = 1 − (1 − k/E)^b; routed token-expert
    pairs it must compute: ≈ Binomial(b·k, 1/e). The step waits for the busiest of e devices; expected
    maximum of e such counts ≈ μ + σ·√(2 ln e) (Gaussian extreme value), capped at what exists.
    Returns (weight-read factor, compute factor), each ≥ 1."""
    e = float(devices)
    z = np.sqrt(2.0 * np.log(e))
    per_dev = experts / e
    q = 1.0 - (1.0 - experts_per_token / experts) ** tokens
    mu_w = per_dev * q
    busy_w = np.minimum(mu_w + z * np.sqrt(per_dev * q * (1.0 - q)), per_dev) / np.maximum(mu_w, 1e-12)
    mu_t = tokens * experts_per_token / e
    busy_t = np.minimum(mu_t + z * np.sqrt(mu_t * (1.0 - 1.0 / e)), tokens * experts_per_token) / mu_t
    return busy_w, busy_t


class Roofline:
    """A kernel table on one device at one power limit, with everything that does not depend on the
    batch precomputed once (per-kernel denominators, masks, launch latencies): `evaluate` then only
    does the batch-dependent arithmetic, in the same order as always (results are bit-for-bit those
    of evaluating the table from scratch)."""

    __slots__ = (
        "any_coll",
        "any_deq",
        "c",
        "coll",
        "compute_den",
        "deq",
        "deq_den",
        "dev",
        "experts",
        "floor",
        "flops0",
        "flops1",
        "group_pad",
        "idle_w",
        "is_expert",
        "launch",
        "launch_gpu",
        "limit_w",
        "link1",
        "link_den",
        "memory_den",
        "not_coll",
        "obytes1",
        "p",
        "pj",
        "static_w_full",
        "table",
        "wbytes0",
        "wbytes_expert",
    )

    def __init__(
        self, table: KernelTable, *, acc: AcceleratorSpec, dev: DeviceConstants, power_limit_w: float | None = None
    ) -> None:
        self.table, self.dev = table, dev
        self.limit_w = acc.power_limit_w if power_limit_w is None else power_limit_w
        self.p = float(table.pipeline)
        self.c = table.count[:, None]
        self.flops0, self.flops1 = table.flops0[:, None], table.flops1[:, None]
        self.wbytes0, self.wbytes_expert = table.wbytes0[:, None], table.wbytes_expert[:, None]
        self.obytes1, self.link1 = table.obytes1[:, None], table.link1[:, None]
        self.compute_den = (table.peak_flops_per_s * table.compute_frac)[:, None]
        self.deq = table.dequant_elems_per_byte[:, None]
        self.deq_den = vector_flops_per_s(acc) * dev.compute_frac
        self.memory_den = (acc.memory_bandwidth_bytes_per_s * table.memory_frac)[:, None]
        self.link_den = acc.interconnect_bandwidth_bytes_per_s
        self.coll = table.is_collective[:, None]
        self.not_coll = ~self.coll
        self.any_coll = bool(table.is_collective.any())
        self.any_deq = bool(table.dequant_elems_per_byte.any())
        # no launch gap of their own: collectives (latency modelled apart) and activation-quantisation kernels
        # (captured inside the piecewise CUDA graphs between two layers' GEMMs: no host gap)
        in_graph = np.array([n.startswith("activation_quant") for n in table.names], dtype=bool)[:, None]
        self.launch = np.where(self.coll | in_graph, 0.0, dev.kernel_launch_s)
        # the GPU front end's share of a launch gap (∝ 1/clock); the rest is host work, independent of the GPU clock
        self.launch_gpu = np.minimum(self.launch, power_limit_value("gpu_launch_gap_s"))
        self.pj = table.pj_per_flop[:, None]
        self.idle_w = min(acc.idle_power_w, dev.static_power_w)
        self.floor = power_limit_value("voltage_floor_frac")
        self.static_w_full = float(_static_w(dev.static_power_w, self.idle_w, 1.0))  # at the top clock
        self.experts = (table.experts, table.experts_per_token)
        pad = table.experts * max(table.expert_group_rows - 1.0, 0.0) / max(table.experts_per_token, 1.0)
        self.group_pad = (
            np.where(table.is_expert, table.flops1 * pad, 0.0)[:, None]
            if pad > 0 and table.is_expert is not None
            else None
        )
        self.is_expert = table.is_expert[:, None] if table.expert_parallel > 1 and table.is_expert is not None else None

    def evaluate(
        self,
        tokens: np.ndarray,
        *,
        sequences: np.ndarray | None = None,
        weight_scale: np.ndarray | None = None,
    ) -> StepResult:
        """weight_scale [N]: 1 where the step streams the weights, 0 where they are already on chip
        (a prefill chunk riding along a decode step); default all 1."""
        dev, table, p, c = self.dev, self.table, self.p, self.c
        b_all = np.asarray(tokens, dtype=float)[None, :]
        # Pipeline: min(b, p) micro-batches in flight. The table is the bottleneck stage (ceil(L/p) whole layers):
        # a step lasts max(micro-batches × its time, a token's trip through all stages = span × its time), with
        # span = L / ceil(L/p) ≤ p; other stages idle part of it (the bubble). Energy: the average stage, span/p
        # of the bottleneck's. p dividing L: span = p, as before.
        # One stage (p = 1): micro = 1, so b / micro and every "× micro", "× p" below are exact no-ops, skipped.
        staged = p != 1.0
        unused = b_all  # (never read when not staged)
        micro = np.minimum(np.maximum(b_all, 1.0), p) if staged else unused
        span = np.maximum(micro, table.stage_span) if staged else unused
        work = micro * (table.stage_span / p) if staged else unused
        b = b_all / micro if staged else b_all
        flops = self.flops0 + self.flops1 * b
        mean_flops = mean_wbytes = None  # the average expert device's work, where it differs from the busiest's
        if table.experts > 0:
            e_read = expected_experts(experts=self.experts[0], experts_per_token=self.experts[1], tokens=b)
            if self.group_pad is not None:
                # padded rows of the grouped GEMM: E·(rows − 1) over the replica (E_local on each expert device),
                # in FLOPs of one routed token-expert pair; the GEMM computes them (time) and burns them (energy)
                flops = flops + self.group_pad
            wbytes = self.wbytes0 + self.wbytes_expert * e_read  # wbytes_expert is already per device
            if self.is_expert is not None:
                # the busiest expert device sets the step time; the others do their mean share and wait at static
                # power (dynamic energy follows the mean work, not the busiest device's)
                busy_w, busy_t = expert_imbalance(
                    experts=self.experts[0], experts_per_token=self.experts[1], tokens=b, devices=table.expert_parallel
                )
                mean_flops, mean_wbytes = flops, wbytes
                routed = self.flops1 * b
                flops = np.where(self.is_expert, flops + routed * (busy_t - 1.0), flops)
                wbytes = self.wbytes0 + self.wbytes_expert * e_read * busy_w
        else:  # no experts: E_read = 0 and the expert term adds exact zeros ([K, 1], broadcast below)
            wbytes = self.wbytes0
        if weight_scale is not None:
            wbytes = wbytes * weight_scale[None, :]
            mean_wbytes = None if mean_wbytes is None else mean_wbytes * weight_scale[None, :]
        obytes = self.obytes1 * b
        link = self.link1 * b if self.any_coll else None  # only collectives send over links
        mem = wbytes + obytes
        t_compute = flops / self.compute_den
        if self.any_deq:  # (else the dequantisation term adds exact zeros)
            t_compute = t_compute + wbytes * self.deq * 2.0 / self.deq_den
        t_memory = mem / self.memory_den
        if link is not None:  # collectives present (else both selections keep every value)
            coll = self.coll
            t_link = dev.collective_latency_s + link / self.link_den
            t_compute = np.where(coll, 0.0, t_compute)
            t_memory = np.where(coll, t_link, t_memory)
        seqs = b_all[0] if sequences is None else np.asarray(sequences, dtype=float)
        overhead_s = dev.step_overhead_s + dev.per_sequence_overhead_s * seqs
        e_flops = flops if mean_flops is None else mean_flops
        e_mem = mem if mean_wbytes is None else mean_wbytes + obytes
        arith = c * e_flops * self.pj * PJ
        moved = e_mem * dev.memory_pj_per_byte
        if link is not None:
            moved = moved + link * dev.link_pj_per_byte
        data = c * moved * PJ
        if staged:
            arith, data = arith * work, data * work
        data_sum = data.sum(0)
        overhead_j = dev.overhead_power_w * overhead_s  # sampling/scheduling work outside the roofline kernels
        t_compute_all, t_memory_all = c * t_compute, c * t_memory
        launch_s = float((c * self.launch_gpu).sum())  # launch gaps' GPU front-end work, ∝ 1/clock
        if staged:
            t_compute_all, t_memory_all, launch_s = t_compute_all * span, t_memory_all * span, launch_s * span[0]
        arith_sum, other_j = arith.sum(0), data_sum + overhead_j
        # Power at the top clock (f = 1: t / f, V² and _static_w(f) are exact no-ops); DVFS only where it bites.
        host_launch_s = float((c * (self.launch - self.launch_gpu)).sum()) * (span[0] if staged else 1.0)
        t_full = np.maximum(t_compute_all, t_memory_all).sum(0) + launch_s + host_launch_s + overhead_s
        if (self.static_w_full + (arith_sum + other_j) / t_full <= self.limit_w).all():
            kernel_time = c * (np.maximum(t_compute, t_memory) + self.launch)
            static_w: np.ndarray | float = self.static_w_full  # (a number, broadcast over the batches)
            compute_bound = (t_compute > t_memory) & self.not_coll
            clock = None
        else:
            clock = dvfs_clock_frac(
                t_compute=t_compute_all,
                t_memory=t_memory_all,
                launch_s=launch_s,
                clock_bound=dev.clock_bound_memory_frac,
                voltage_slope=dev.voltage_slope,
                overhead_s=overhead_s + host_launch_s,
                arith_j=arith_sum,
                other_j=other_j,
                static_w=dev.static_power_w,
                idle_w=self.idle_w,
                limit_w=self.limit_w,
            )
            v2 = voltage_frac(clock, dev.voltage_slope) ** 2
            # one micro-batch, p stages; compute-bound time and launch gaps stretch with the clock
            t_memory_f = t_memory * _memory_stretch(clock, dev.clock_bound_memory_frac, self.coll)
            launch = self.launch_gpu / clock + (self.launch - self.launch_gpu)
            kernel_time = c * (np.maximum(t_compute / clock, t_memory_f) + launch)
            arith = arith * v2
            static_w = _static_w(dev.static_power_w, self.idle_w, clock, dev.voltage_slope)
            compute_bound = (t_compute / clock > t_memory_f) & self.not_coll
        if staged:
            kernel_time = kernel_time * span
        t = kernel_time.sum(0) + overhead_s
        dynamic = arith.sum(0) + data_sum + overhead_j
        t_capped = dynamic / np.maximum(self.limit_w - static_w, 1e-9)  # below the lowest clock: stretch
        throttled = (t_capped > t) if clock is None else (t_capped > t) | (clock < 1.0)
        t = np.maximum(t, t_capped)
        return StepResult(
            tokens=b_all[0],
            time_s=t,
            kernel_time_s=kernel_time,
            compute_bound=compute_bound,
            flops=c * e_flops * work if staged else c * e_flops,
            memory_bytes=c * e_mem * work if staged else c * e_mem,
            link_bytes=np.zeros(mem.shape) if link is None else (c * link * work if staged else c * link),
            arithmetic_energy_j=arith,
            data_movement_energy_j=data,
            static_energy_j=static_w * t,
            overhead_energy_j=overhead_j,
            overhead_time_s=overhead_s,
            throttled=throttled,
        )


def evaluate(
    table: KernelTable,
    *,
    tokens: np.ndarray,
    acc: AcceleratorSpec,
    dev: DeviceConstants,
    sequences: np.ndarray | None = None,
    weight_scale: np.ndarray | None = None,
    power_limit_w: float | None = None,
) -> StepResult:
    """One-off evaluation of a kernel table (Roofline(...).evaluate when the table is evaluated repeatedly).
    power_limit_w: the device's board power limit (default: its catalog limit)."""
    return Roofline(table, acc=acc, dev=dev, power_limit_w=power_limit_w).evaluate(
        tokens, sequences=sequences, weight_scale=weight_scale
    )


def voltage_frac(clock: np.ndarray | float, slope: float = 1.0) -> np.ndarray:
    """Supply voltage at a clock fraction, relative to the top clock's: V falls with f at `slope`
    (V/V0 = 1 − s·(1 − f)) down to the clock of the voltage floor, and stays there below it."""
    f = np.maximum(clock, power_limit_value("voltage_floor_frac"))
    return 1.0 - slope * (1.0 - f)


def _memory_stretch(clock: np.ndarray, clock_bound: float, collective: np.ndarray | bool = False) -> np.ndarray:
    """Memory-bound time at clock f over its top-clock time: the clock-bound share φ stretches ∝ 1/f
    (a kernel that does not saturate HBM is limited by how fast the SMs issue requests); links are not."""
    stretch = (1.0 - clock_bound) + clock_bound / clock
    return np.where(collective, 1.0, stretch)


def _static_w(static_w: float, idle_w: float, clock: np.ndarray | float, slope: float = 1.0) -> np.ndarray:
    """Static power at a clock fraction: idle + the clock-tree/uncore part above idle, which is dynamic
    power at the active clock (∝ f·V²)."""
    v = voltage_frac(clock, slope)
    return idle_w + (static_w - idle_w) * clock * v * v


def dvfs_clock_frac(
    *,
    t_compute: np.ndarray,
    t_memory: np.ndarray,
    overhead_s: np.ndarray,
    arith_j: np.ndarray,
    launch_s: np.ndarray | float = 0.0,
    clock_bound: float = 0.0,
    voltage_slope: float = 1.0,
    other_j: np.ndarray,
    static_w: float,
    idle_w: float,
    limit_w: float,
) -> np.ndarray:
    """Highest clock fraction f ≤ 1 whose power stays within the limit (dynamic voltage and frequency scaling).

    At clock f: compute-bound kernel time and kernel launch gaps (`launch_s`, the GPU front end's work
    between kernels) ∝ 1/f, memory-bound and link time unchanged; energy per
    operation ∝ V² with V ∝ f down to the voltage floor (P = a·C·V²·f, Weste & Harris 2010); HBM and
    link energy per byte unchanged. [K, N] kernel times, [N] energies; bisection, vectorised over N.
    """
    above_idle_w = static_w - idle_w

    def power(f: np.ndarray) -> np.ndarray:
        t = np.maximum(t_compute / f, t_memory * ((1.0 - clock_bound) + clock_bound / f)).sum(0) + launch_s / f
        t = t + overhead_s
        v = voltage_frac(f, voltage_slope)
        v2 = v**2
        return (idle_w + above_idle_w * f * v * v) + (arith_j * v2 + other_j) / t  # _static_w(f) + dynamic

    n = arith_j.shape[-1]
    ok = power(np.ones(n)) <= limit_w
    if ok.all():
        return np.ones(n)
    lo = np.full(n, power_limit_value("min_clock_frac"))
    hi = np.ones(n)
    for _ in range(24):
        mid = 0.5 * (lo + hi)
        fits = power(mid) <= limit_w
        lo = np.where(fits, mid, lo)
        hi = np.where(fits, hi, mid)
    return np.where(ok, 1.0, lo)
