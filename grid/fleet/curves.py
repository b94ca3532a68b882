"""A replica's power-vs-throughput curve, with its idle point, ready for vectorised lookups.

Built from the efficiency engine's ``PowerCurve`` (accelerators.efficiency.power_curve): one
replica (``devices_per_replica`` accelerators running one model copy) at each batch size.
An idle point (0 tokens/s, idle accelerator + idle host power) is put in front, so a replica
serving less than its batch-1 throughput interpolates between idle and batch 1 (it is busy part
of the time). Between batch levels power interpolates linearly in output tokens/s, as the
engine's contract says.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np


class CurveError(ValueError):
    """A power curve that cannot be used (empty, non-increasing throughput, negative power)."""


@dataclass(frozen=True)
class ReplicaCurve:
    """Power of one replica as a function of its output throughput (idle point first).

    throughput_tokens_per_s [tokens/s], all *_power_w [W]; accelerator = arithmetic + data
    movement + static; host = the server share (CPU, DRAM, NICs, fans, storage) of the replica.
    """

    devices_per_replica: int
    throughput_tokens_per_s: np.ndarray
    arithmetic_power_w: np.ndarray
    data_movement_power_w: np.ndarray
    static_power_w: np.ndarray
    host_power_w: np.ndarray
    max_batch: int = 0
    ttft_s: float = 0.0
    warnings: tuple[str, ...] = ()
    serving_overhead_power_w: np.ndarray | None = None  # scheduling/sampling work (engine v2), else None

    @property
    def accelerator_power_w(self) -> np.ndarray:
        total = self.arithmetic_power_w + self.data_movement_power_w + self.static_power_w
        return total if self.serving_overhead_power_w is None else total + self.serving_overhead_power_w

    @property
    def max_throughput_tokens_per_s(self) -> float:
        return float(self.throughput_tokens_per_s[-1])

    @property
    def full_load_power_w(self) -> float:
        """Accelerator + host power at the largest batch [W]."""
        return float(self.accelerator_power_w[-1] + self.host_power_w[-1])

    @property
    def idle_power_w(self) -> float:
        return float(self.accelerator_power_w[0] + self.host_power_w[0])

    @property
    def energy_per_token_j(self) -> float:
        """Accelerator + host energy per output token at full load [J/token]."""
        return self.full_load_power_w / self.max_throughput_tokens_per_s


def scale_accelerator_power(curve: ReplicaCurve, multiplier: float) -> ReplicaCurve:
    """The same curve with every accelerator power term (arithmetic, data movement, static and
    idle, serving overhead) times ``multiplier`` [-]; throughput and host power unchanged.

    How an uncertainty study applies the engine's p10/p90 energy band of an uncalibrated device
    (accelerators/data/calibration.yaml, ``transfer.uncertainty``) to a whole facility-year.
    """
    if multiplier == 1.0:
        return curve
    if not multiplier > 0:
        raise CurveError(f"energy multiplier must be positive, not {multiplier}")
    overhead = curve.serving_overhead_power_w
    return replace(
        curve,
        arithmetic_power_w=curve.arithmetic_power_w * multiplier,
        data_movement_power_w=curve.data_movement_power_w * multiplier,
        static_power_w=curve.static_power_w * multiplier,
        serving_overhead_power_w=None if overhead is None else overhead * multiplier,
    )


def replica_curve(curve: Any) -> ReplicaCurve:
    """Convert a PowerCurve (or any object with its fields) into a ReplicaCurve with an idle point."""
    try:
        throughput = np.asarray(curve.output_tokens_per_s, dtype=float)
        arithmetic = np.asarray(curve.arithmetic_power_w, dtype=float)
        data = np.asarray(curve.data_movement_power_w, dtype=float)
        static = np.asarray(curve.static_power_w, dtype=float)
        host = np.asarray(curve.host_power_w, dtype=float)
        idle_accelerator = float(curve.idle_accelerator_power_w)
        idle_host = float(curve.idle_host_power_w)
        devices = int(curve.devices_per_replica)
    except AttributeError as error:
        raise CurveError(f"power curve lacks field {error.name!r}") from None
    if throughput.size == 0:
        raise CurveError("power curve is empty (the model does not fit or no batch meets the latency target)")
    if not all(a.shape == throughput.shape for a in (arithmetic, data, static, host)):
        raise CurveError("power curve arrays differ in length")
    if throughput[0] <= 0 or np.any(np.diff(throughput) <= 0):
        raise CurveError("power curve throughput must be positive and rise with batch size")
    if min(arithmetic.min(), data.min(), static.min(), host.min(), idle_accelerator, idle_host) < 0:
        raise CurveError("power curve has a negative power")
    return ReplicaCurve(
        devices_per_replica=devices,
        throughput_tokens_per_s=np.concatenate(([0.0], throughput)),
        arithmetic_power_w=np.concatenate(([0.0], arithmetic)),
        data_movement_power_w=np.concatenate(([0.0], data)),
        static_power_w=np.concatenate(([idle_accelerator], static)),
        host_power_w=np.concatenate(([idle_host], host)),
        max_batch=int(getattr(curve, "max_batch", 0) or 0),
        ttft_s=float(getattr(curve, "ttft_s", 0.0) or 0.0),
        warnings=tuple(getattr(curve, "warnings", ()) or ()),
        serving_overhead_power_w=_optional_component(curve, "serving_overhead_power_w", throughput.shape),
    )


def _optional_component(curve: Any, name: str, shape: tuple[int, ...]) -> np.ndarray | None:
    values = getattr(curve, name, None)
    if values is None:
        return None
    values = np.asarray(values, dtype=float)
    if values.shape != shape or values.min() < 0:
        raise CurveError(f"power curve field {name!r} must be non-negative and as long as the throughput")
    return np.concatenate(([0.0], values))


@dataclass(frozen=True)
class ReplicaPower:
    """Hourly power components of a group of replicas [W] (arrays of 8,760)."""

    arithmetic_power_w: np.ndarray
    data_movement_power_w: np.ndarray
    static_power_w: np.ndarray
    host_power_w: np.ndarray
    serving_overhead_power_w: np.ndarray | None = None


def replicas_power(
    *, curve: ReplicaCurve, load_tokens_per_s: np.ndarray, replicas: int, powered_down: bool
) -> ReplicaPower:
    """Power of ``replicas`` replicas sharing ``load_tokens_per_s`` evenly.

    powered_down=False: every replica stays on and the load is spread over all of them (batch
    shrinks as load falls). powered_down=True: only ceil(load / max throughput) replicas run, each
    near full batch; the others are off and draw nothing.
    """
    load = np.asarray(load_tokens_per_s, dtype=float)
    if replicas <= 0:
        zero = np.zeros_like(load)
        return ReplicaPower(zero, zero, zero, zero)
    if powered_down:
        active = np.minimum(np.ceil(load / curve.max_throughput_tokens_per_s - 1e-9), replicas)
        active = np.maximum(active, 0.0)
    else:
        active = np.full_like(load, float(replicas))
    per_replica = np.divide(load, active, out=np.zeros_like(load), where=active > 0)
    x = curve.throughput_tokens_per_s

    def component(values: np.ndarray) -> np.ndarray:
        return active * np.interp(per_replica, x, values)

    return ReplicaPower(
        arithmetic_power_w=component(curve.arithmetic_power_w),
        data_movement_power_w=component(curve.data_movement_power_w),
        static_power_w=component(curve.static_power_w),
        host_power_w=component(curve.host_power_w),
        serving_overhead_power_w=None
        if curve.serving_overhead_power_w is None
        else component(curve.serving_overhead_power_w),
    )
