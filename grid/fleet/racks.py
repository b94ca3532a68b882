"""Servers per rack by power and by physical space; which one binds; whether a replica fits a server.

    by_power = floor((rack_power_limit_w − rack_aux_w) / server_power_w)
    by_space = floor(rack_units_usable / server_height_u)        (and ≤ the platform's per-rack limit)
    servers_per_rack = max(1, min(by_power, by_space))

Server heights, rack units and per-rack limits come from grid/data/hosts_network.yaml
(``server_form_factors``, ``rack_units_total``, ``rack_units_reserved``) with their sources.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

POWER = "power"
SPACE = "space"
BOTH = "power and space"


@dataclass(frozen=True)
class ServerFormFactor:
    height_u: int  # rack units of one server with this pool's devices_per_server [U]
    max_servers_per_rack: int | None  # platform limit (rack-scale systems), None when unlimited
    nvlink_domain_devices: int  # devices one tensor-parallel group can span at NVLink speed
    source: str
    assumption: bool
    max_devices_per_server: int | None = None  # the platform's largest server, None when unknown


@dataclass(frozen=True)
class RackFit:
    servers_per_rack: int
    by_power: int
    by_space: int
    binding: str  # "power", "space" or "power and space"


def server_form_factor(
    *, accelerator: str, devices_per_server: int, table: dict[str, Any], height_u: int | None = None
) -> ServerFormFactor:
    """The rack units, per-rack limit and NVLink domain of a server of ``accelerator`` (slug).

    The catalog height is for ``devices`` accelerators; another ``devices_per_server`` scales it in
    proportion, rounded up to whole rack units (assumption). ``height_u`` overrides the height.
    """
    entry = table.get(accelerator) or table["default"]
    per_device_u = float(entry["height_u"]) / float(entry["devices"])
    height = height_u if height_u is not None else max(1, math.ceil(per_device_u * devices_per_server - 1e-9))
    limit_devices = entry.get("max_devices_per_rack")
    max_servers = max(1, int(limit_devices) // devices_per_server) if limit_devices else None
    domain = int(entry.get("nvlink_domain_devices") or devices_per_server)
    return ServerFormFactor(
        height_u=int(height),
        max_servers_per_rack=max_servers,
        nvlink_domain_devices=max(domain, devices_per_server),
        source=str(entry.get("source", "")),
        assumption=bool(entry.get("assumption", False)) and height_u is None,
        max_devices_per_server=int(entry["max_devices_per_server"]) if entry.get("max_devices_per_server") else None,
    )


def rack_fit(
    *,
    server_power_w: float,
    rack_power_limit_w: float,
    rack_aux_w: float,
    rack_units_usable: int,
    form: ServerFormFactor,
) -> RackFit:
    """Servers per rack: the smaller of what the rack's power and its rack units allow (at least 1)."""
    by_power = int((rack_power_limit_w - rack_aux_w) // server_power_w) if server_power_w > 0 else 10**9
    by_space = rack_units_usable // form.height_u
    if form.max_servers_per_rack is not None:
        by_space = min(by_space, form.max_servers_per_rack)
    binding = POWER if by_power < by_space else SPACE if by_space < by_power else BOTH
    return RackFit(
        servers_per_rack=max(1, min(by_power, by_space)), by_power=by_power, by_space=by_space, binding=binding
    )


def parallel_layout_problem(*, tensor_parallel: int, devices_per_server: int, form: ServerFormFactor) -> str | None:
    """Why a tensor-parallel group of ``tensor_parallel`` devices does not sit well on these servers."""
    if tensor_parallel > form.nvlink_domain_devices:
        return (
            f"{tensor_parallel} devices per replica do not fit one {devices_per_server}-device server "
            f"(NVLink domain {form.nvlink_domain_devices} devices): tensor parallelism across servers runs over "
            f"the slower scale-out network, which the planner does not model; use {form.nvlink_domain_devices} "
            "or fewer, or more devices per server"
        )
    inside = tensor_parallel <= devices_per_server
    if (devices_per_server % tensor_parallel) if inside else (tensor_parallel % devices_per_server):
        return (
            f"{tensor_parallel} devices per replica do not tile {devices_per_server}-device servers: "
            "some replicas would straddle two servers; use a divisor or a multiple of the devices per server"
        )
    return None
