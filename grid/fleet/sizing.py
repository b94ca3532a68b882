"""Fleet sizing: replicas, devices, servers and racks per pool for the peak hour.

A pool serves every workload with its own replicas of that workload's model (a replica =
``devices_per_replica`` accelerators holding one model copy). For a pool sized by share:

    replicas[p, w] = ceil(share[p] × peak_tokens[w] × (1 + headroom) / max_throughput[p, w]) + spares

with ``max_throughput`` the replica's output tokens/s at its largest batch that still meets the
time-per-output-token target (from the engine's PowerCurve), and ``spares`` = 0/1/2 for N/N+1/N+2.
A pool with a fixed ``count`` splits its devices among workloads in proportion to the devices
each workload's peak would need; devices left over (not a whole replica) stay idle.
Servers = ceil(devices / devices_per_server); racks hold as many servers as both the rack power
limit allows at full load (servers' accelerators + host + network share) and the rack's usable
rack units hold (server height per accelerator type, grid.fleet.racks); the smaller binds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from grid.fleet.curves import ReplicaCurve
from grid.fleet.racks import ServerFormFactor, parallel_layout_problem, rack_fit, server_form_factor

NETWORK_PATH = Path(__file__).resolve().parents[1] / "data" / "hosts_network.yaml"


class FleetError(ValueError):
    """Impossible fleet input; ``field`` names the scenario field."""

    def __init__(self, message: str, *, field: str | None = None):
        self.field = field
        super().__init__(message)


@cache
def load_network_defaults() -> dict:
    return yaml.safe_load(NETWORK_PATH.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class FleetPolicy:
    headroom_frac: float = 0.2
    redundancy: str = "N+1"  # N, N+1, N+2
    idle_policy: str = "idle"  # idle | power_down
    dispatch: str = "cheapest_energy"  # cheapest_energy | proportional
    rack_power_limit_w: float = 130e3
    network_power_w_per_server: float | None = None  # None → grid/data/hosts_network.yaml
    rack_auxiliary_power_w_per_rack: float | None = None
    rack_units_usable: int | None = None  # None → rack_units_total − rack_units_reserved (hosts_network.yaml)

    @property
    def spare_replicas(self) -> int:
        table = load_network_defaults()["spare_replicas_by_redundancy"]
        if self.redundancy not in ("N", "N+1", "N+2"):
            raise FleetError(
                f"fleet.redundancy: must be N, N+1 or N+2, not {self.redundancy!r}", field="fleet.redundancy"
            )
        return int(table[self.redundancy])

    @property
    def network_w_per_server(self) -> float:
        if self.network_power_w_per_server is not None:
            return float(self.network_power_w_per_server)
        return float(load_network_defaults()["network_power_w_per_server"]["value"])

    @property
    def rack_aux_w(self) -> float:
        if self.rack_auxiliary_power_w_per_rack is not None:
            return float(self.rack_auxiliary_power_w_per_rack)
        return float(load_network_defaults()["rack_auxiliary_power_w_per_rack"]["value"])

    @property
    def usable_rack_units(self) -> int:
        if self.rack_units_usable is not None:
            return int(self.rack_units_usable)
        data = load_network_defaults()
        return int(data["rack_units_total"]["value"]) - int(data["rack_units_reserved"]["value"])


@dataclass(frozen=True)
class PoolInput:
    """One hardware pool: its curves per workload (from the engine) and how it is sized."""

    name: str
    accelerator: str
    curves: Mapping[str, ReplicaCurve]  # workload name → replica curve on this pool
    devices_per_server: int = 8
    share_frac: float | None = None
    count: int | None = None
    server_height_u: int | None = None  # None → grid/data/hosts_network.yaml by accelerator
    tensor_parallel: int | None = None  # checked against the server's NVLink domain when given

    def form_factor(self) -> ServerFormFactor:
        return server_form_factor(
            accelerator=self.accelerator,
            devices_per_server=self.devices_per_server,
            table=load_network_defaults()["server_form_factors"],
            height_u=self.server_height_u,
        )


@dataclass(frozen=True)
class PoolSizing:
    name: str
    accelerator: str
    replicas: dict[str, int]  # per workload
    devices: int
    idle_devices: int  # devices of a fixed-count pool not forming a whole replica
    servers: int
    servers_per_rack: int
    racks: int
    server_power_w: float  # full load: accelerators + host + network share [W]
    capacity_tokens_per_s: dict[str, float]  # per workload, all replicas at full batch
    share_frac: float | None
    server_height_u: int = 0  # rack units per server [U]
    servers_per_rack_by_power: int = 0
    servers_per_rack_by_space: int = 0
    rack_binding: str = ""  # "power", "space" or "power and space"
    devices_by_workload: dict[str, int] = field(default_factory=dict)  # replicas × devices per replica


@dataclass(frozen=True)
class FleetSizing:
    pools: tuple[PoolSizing, ...]
    policy: FleetPolicy
    peak_tokens_per_s: dict[str, float]
    warnings: tuple[str, ...] = field(default=())

    @property
    def devices(self) -> int:
        return sum(p.devices for p in self.pools)

    @property
    def servers(self) -> int:
        return sum(p.servers for p in self.pools)

    @property
    def racks(self) -> int:
        return sum(p.racks for p in self.pools)


def _server_power_w(pool: PoolInput, policy: FleetPolicy) -> float:
    per_device = max(curve.full_load_power_w / curve.devices_per_replica for curve in pool.curves.values())
    return pool.devices_per_server * per_device + policy.network_w_per_server


def size_fleet(
    *,
    pools: list[PoolInput],
    peak_tokens_per_s: Mapping[str, float],
    policy: FleetPolicy,
    field_prefix: str = "hardware",
) -> FleetSizing:
    """Size every pool for the peak hour (see module docstring)."""
    if not pools:
        raise FleetError("hardware: at least one pool is needed", field=field_prefix)
    if policy.headroom_frac < 0:
        raise FleetError("fleet.headroom_frac: must be ≥ 0", field="fleet.headroom_frac")
    if policy.rack_power_limit_w <= 0:
        raise FleetError("fleet.rack_power_limit_kw: must be > 0", field="fleet.rack_power_limit_kw")
    if policy.usable_rack_units < 1:
        raise FleetError("fleet.rack_units_usable: must be ≥ 1", field="fleet.rack_units_usable")
    spares = policy.spare_replicas
    warnings: list[str] = []
    sized: list[PoolSizing] = []
    for index, pool in enumerate(pools):
        where = f"{field_prefix}[{index}]"
        missing = [w for w in peak_tokens_per_s if w not in pool.curves]
        if missing:
            raise FleetError(f"{where}: no power curve for workload(s) {', '.join(missing)}", field=where)
        replicas: dict[str, int] = {}
        idle_devices = 0
        if pool.count is not None:
            need = {
                w: peak / pool.curves[w].max_throughput_tokens_per_s * pool.curves[w].devices_per_replica
                for w, peak in peak_tokens_per_s.items()
            }
            total_need = sum(need.values())
            used = 0
            for w, devices_needed in need.items():
                dpr = pool.curves[w].devices_per_replica
                share = devices_needed / total_need if total_need > 0 else 1.0 / len(need)
                replicas[w] = int(pool.count * share // dpr)
                used += replicas[w] * dpr
            idle_devices = pool.count - used
            devices = pool.count
            if idle_devices:
                warnings.append(
                    f"{pool.name}: {idle_devices} of {pool.count} devices do not form a whole replica and stay idle"
                )
        else:
            if pool.share_frac is None:
                raise FleetError(f"{where}: give share_frac or count", field=f"{where}.share_frac")
            for w, peak in peak_tokens_per_s.items():
                target = pool.share_frac * peak * (1.0 + policy.headroom_frac)
                base = math.ceil(target / pool.curves[w].max_throughput_tokens_per_s - 1e-9) if target > 0 else 0
                replicas[w] = base + (spares if base > 0 else 0)
            devices = sum(replicas[w] * pool.curves[w].devices_per_replica for w in replicas)
        server_power = _server_power_w(pool, policy)
        servers = math.ceil(devices / pool.devices_per_server)
        form = pool.form_factor()
        fit = rack_fit(
            server_power_w=server_power,
            rack_power_limit_w=policy.rack_power_limit_w,
            rack_aux_w=policy.rack_aux_w,
            rack_units_usable=policy.usable_rack_units,
            form=form,
        )
        if fit.by_power < 1:
            warnings.append(
                f"{pool.name}: one server draws {server_power / 1e3:.1f} kW at full load, above the rack limit of "
                f"{policy.rack_power_limit_w / 1e3:.0f} kW; counted one server per rack"
            )
        if fit.by_space < 1:
            warnings.append(
                f"{pool.name}: one {form.height_u}U server does not fit the {policy.usable_rack_units} usable rack "
                "units; counted one server per rack"
            )
        if pool.tensor_parallel is not None:
            problem = parallel_layout_problem(
                tensor_parallel=pool.tensor_parallel, devices_per_server=pool.devices_per_server, form=form
            )
            if problem:
                warnings.append(f"{where}.tensor_parallel: {pool.name}: {problem}")
        sized.append(
            PoolSizing(
                name=pool.name,
                accelerator=pool.accelerator,
                replicas=replicas,
                devices=devices,
                idle_devices=idle_devices,
                servers=servers,
                servers_per_rack=fit.servers_per_rack,
                racks=math.ceil(servers / fit.servers_per_rack),
                server_power_w=server_power,
                server_height_u=form.height_u,
                servers_per_rack_by_power=fit.by_power,
                servers_per_rack_by_space=fit.by_space,
                rack_binding=fit.binding,
                capacity_tokens_per_s={w: replicas[w] * pool.curves[w].max_throughput_tokens_per_s for w in replicas},
                devices_by_workload={w: replicas[w] * pool.curves[w].devices_per_replica for w in replicas},
                share_frac=pool.share_frac,
            )
        )
    for w, peak in peak_tokens_per_s.items():
        capacity = sum(p.capacity_tokens_per_s[w] for p in sized)
        if capacity < peak * (1 - 1e-9):
            served = 100.0 * capacity / peak if peak > 0 else 100.0
            warnings.append(
                f"workload {w}: the fleet serves only {served:.0f}% of its peak-hour demand; the rest is unserved"
            )
    return FleetSizing(
        pools=tuple(sized), policy=policy, peak_tokens_per_s=dict(peak_tokens_per_s), warnings=tuple(warnings)
    )
