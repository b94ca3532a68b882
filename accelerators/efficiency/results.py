"""Result dataclasses of the efficiency engine and their JSON form."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .kernels import KernelTable
from .roofline import StepResult


@dataclass(frozen=True)
class Estimate:
    """One replica at one batch size. Units: s, W, J (per output token / per request), bytes."""

    model: str
    accelerator: str
    devices: int
    weight_precision: str
    kv_precision: str
    compute_dtype: str
    sparsity: str
    input_tokens: int
    output_tokens: int
    batch_size: int
    max_batch_memory: int
    time_per_output_token_s: float
    output_tokens_per_s: float  # whole replica, prefill included
    accelerator_power_w: float  # sum over the replica's devices
    host_power_w: float
    accelerator_energy_per_output_token_j: float  # steady state, prefill amortised
    node_energy_per_output_token_j: float  # accelerators + host share
    energy_per_request_j: float  # accelerator boundary
    node_energy_per_request_j: float
    prefill_time_s: float  # one request, no other load
    prefill_energy_j: float
    energy_split_per_output_token_j: dict  # arithmetic / data_movement / serving_overhead / static
    energy_split_by_phase_per_output_token_j: dict  # decode / prefill -> the same three parts
    bound: dict  # phase -> "memory" | "compute" | "power"
    weight_bytes_per_device: float
    kv_bytes_per_sequence_per_device: float
    kernels: list  # per-kernel breakdown (decode: one step at batch_size; prefill: one request)
    calibrated: bool
    warnings: tuple[str, ...]
    serving_stack: str = "vllm"
    power_limit_w: float = 0.0  # board power limit each device ran at [W]
    parallelism: dict | None = None  # {tensor, expert, pipeline, data}
    serving_overhead_j: float = 0.0  # per output token: scheduling/sampling/bookkeeping work (not data movement)
    uncertainty: dict | None = None  # uncalibrated devices: {"p10": x, "p90": y} multipliers on energy per token

    def to_dict(self) -> dict:
        d = asdict(self)
        d["warnings"] = list(self.warnings)
        return d


@dataclass(frozen=True)
class PowerCurve:
    devices_per_replica: int
    batch_sizes: np.ndarray
    output_tokens_per_s: np.ndarray
    accelerator_power_w: np.ndarray
    arithmetic_power_w: np.ndarray
    data_movement_power_w: np.ndarray
    static_power_w: np.ndarray
    host_power_w: np.ndarray
    idle_accelerator_power_w: float
    idle_host_power_w: float
    max_batch: int
    ttft_s: float
    warnings: tuple[str, ...]
    # scheduling/sampling/bookkeeping work outside the roofline kernels (not data movement) [W]
    serving_overhead_power_w: np.ndarray | None = None

    def to_dict(self) -> dict:
        return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in asdict(self).items()} | {
            "warnings": list(self.warnings)
        }


def kernel_breakdown(table: KernelTable, step: StepResult, phase: str, column: int = 0) -> list[dict]:
    """Per kernel of one step: FLOPs, bytes, time and the energy split (static by time share)."""
    t = step.kernel_time_s[:, column]
    scale = float(step.time_s[column]) / (float(t.sum()) + float(step.overhead_time_s[column]))  # throttling stretch
    t = t * scale
    static = step.static_energy_j[column] * t / float(step.time_s[column])
    columns = zip(
        table.names,
        table.count.tolist(),
        table.is_collective.tolist(),
        step.flops[:, column].tolist(),
        step.memory_bytes[:, column].tolist(),
        step.link_bytes[:, column].tolist(),
        t.tolist(),
        step.compute_bound[:, column].tolist(),
        step.arithmetic_energy_j[:, column].tolist(),
        step.data_movement_energy_j[:, column].tolist(),
        static.tolist(),
        strict=True,
    )
    rows = [
        {
            "phase": phase,
            "kernel": name,
            "instances": int(count),
            "flops": flops,
            "memory_bytes": memory_bytes,
            "link_bytes": link_bytes,
            "time_s": time_s,
            "bound": "link" if collective else ("compute" if compute_bound else "memory"),
            "arithmetic_energy_j": arithmetic,
            "data_movement_energy_j": data_movement,
            "static_energy_j": static_j,
        }
        for (
            name,
            count,
            collective,
            flops,
            memory_bytes,
            link_bytes,
            time_s,
            compute_bound,
            arithmetic,
            data_movement,
            static_j,
        ) in columns
    ]
    over_t = float(step.overhead_time_s[column])
    if over_t > 0:
        total_t = float(step.time_s[column])
        rows.append(
            {
                "phase": phase,
                "kernel": "sampling_scheduling_overhead",
                "instances": 1,
                "flops": 0.0,
                "memory_bytes": 0.0,
                "link_bytes": 0.0,
                "time_s": over_t,
                "bound": "overhead",
                "arithmetic_energy_j": 0.0,
                "data_movement_energy_j": 0.0,
                "serving_overhead_energy_j": float(step.overhead_energy_j[column]),
                "static_energy_j": float(step.static_energy_j[column]) * over_t / total_t,
            }
        )
    return rows
