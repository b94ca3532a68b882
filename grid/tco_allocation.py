"""Allocation of the TCO to workloads and $ per million tokens per workload (pure, no Django).

Rule (stated in every result): the year's TCO is shared in proportion to the device-seconds each
workload holds — the accelerators of its replicas × the seconds of the year. In the fleet model
every replica serves one workload, so a workload holds its devices all year whether busy or not (a
peaky workload pays for the capacity its peak needs); devices of a pool that form no replica are
shared in the same proportion. Capital (accelerators, servers, racks, facility sized by their power)
is ≈85 % of the TCO and follows the devices; energy and grid charges, a few per cent, are shared by
the same rule (an approximation: a workload's own energy is not metered separately). The
per-workload costs sum to the TCO exactly.

Per workload: USD per million output tokens = its cost ÷ its output tokens served / 10⁶, and USD per
million tokens (input + output) = its cost ÷ (prompt + output tokens) / 10⁶.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

SECONDS_PER_YEAR = 8760 * 3600.0
RULE = (
    "TCO shared by the device-seconds each workload holds (its replicas' accelerators × 8,760 h); "
    "idle devices of a pool shared in the same proportion"
)


class AllocationError(ValueError):
    """Inconsistent allocation input; the message names the field."""


@dataclass(frozen=True)
class WorkloadCost:
    workload: str
    devices: int
    device_seconds: float
    share_frac: float
    usd_per_year: float
    output_tokens: float
    input_tokens: float
    usd_per_million_output_tokens: float | None
    usd_per_million_tokens: float | None  # input + output

    def to_dict(self) -> dict:
        return {
            "devices": self.devices,
            "device_seconds": self.device_seconds,
            "share_frac": self.share_frac,
            "usd_per_year": self.usd_per_year,
            "annual_output_tokens": self.output_tokens,
            "annual_input_tokens": self.input_tokens,
            "usd_per_million_output_tokens": self.usd_per_million_output_tokens,
            "usd_per_million_tokens": self.usd_per_million_tokens,
        }


def _per_million(usd: float, tokens: float) -> float | None:
    return usd / (tokens / 1e6) if tokens > 0 else None


def allocate_tco(
    *,
    tco_usd_per_year: float,
    devices_by_workload: Mapping[str, int],
    output_tokens_by_workload: Mapping[str, float],
    input_tokens_by_workload: Mapping[str, float],
) -> list[WorkloadCost]:
    """Each workload's share of the TCO and its $/Mtok; the shares sum to 1 and the costs to the TCO."""
    if tco_usd_per_year < 0:
        raise AllocationError(f"tco_usd_per_year: must be ≥ 0, got {tco_usd_per_year}")
    names = list(devices_by_workload)
    for name in names:
        if devices_by_workload[name] < 0:
            raise AllocationError(f"devices_by_workload.{name}: must be ≥ 0")
    seconds = {name: devices_by_workload[name] * SECONDS_PER_YEAR for name in names}
    total = sum(seconds.values())
    if total <= 0:  # nothing provisioned: share by output tokens, else evenly
        tokens = sum(output_tokens_by_workload.get(n, 0.0) for n in names)
        shares = {
            n: (output_tokens_by_workload.get(n, 0.0) / tokens if tokens > 0 else 1.0 / max(len(names), 1))
            for n in names
        }
    else:
        shares = {n: seconds[n] / total for n in names}
    out = []
    for name in names:
        usd = tco_usd_per_year * shares[name]
        output = float(output_tokens_by_workload.get(name, 0.0))
        prompt = float(input_tokens_by_workload.get(name, 0.0))
        out.append(
            WorkloadCost(
                workload=name,
                devices=int(devices_by_workload[name]),
                device_seconds=seconds[name],
                share_frac=shares[name],
                usd_per_year=usd,
                output_tokens=output,
                input_tokens=prompt,
                usd_per_million_output_tokens=_per_million(usd, output),
                usd_per_million_tokens=_per_million(usd, output + prompt),
            )
        )
    return out
