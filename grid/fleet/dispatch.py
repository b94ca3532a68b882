"""Hourly dispatch: each hour's demand split across pools, and each pool's power.

Per workload, vectorised over the 8,760 hours:
- ``cheapest_energy``: pools in ascending order of full-load energy per token (accelerator +
  host) on that workload fill up to their capacity, the next pool takes the remainder;
- ``proportional``: every pool takes demand in proportion to its capacity for the workload
  (pools sized by share have capacity in proportion to their share).
Demand above the fleet's capacity is unserved and reported. Each pool's power follows its
replicas' power-vs-load curve (grid.fleet.curves.replicas_power); network gear and rack
auxiliaries draw constant power.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from grid.demand import HourStates
from grid.fleet.curves import replicas_power
from grid.fleet.sizing import FleetError, FleetSizing, PoolInput


@dataclass(frozen=True)
class PoolHourly:
    """Hourly power of one pool [W] and its served output tokens [tokens/s] (arrays of 8,760)."""

    name: str
    arithmetic_power_w: np.ndarray
    data_movement_power_w: np.ndarray
    static_power_w: np.ndarray
    host_power_w: np.ndarray
    network_power_w: np.ndarray
    served_tokens_per_s: dict[str, np.ndarray]
    utilisation_frac: np.ndarray  # served / capacity, device-weighted over workloads (idle devices count as 0)
    serving_overhead_power_w: np.ndarray | None = None  # scheduling/sampling work outside the kernels

    # Sums computed once per object, read-only (a result reads them many times).
    @cached_property
    def accelerator_power_w(self) -> np.ndarray:
        total = self.arithmetic_power_w + self.data_movement_power_w + self.static_power_w
        return _read_only(total if self.serving_overhead_power_w is None else total + self.serving_overhead_power_w)

    @cached_property
    def it_power_w(self) -> np.ndarray:
        return _read_only(self.accelerator_power_w + self.host_power_w + self.network_power_w)

    def year_sum(self, name: str) -> float:
        """Σ over the year's hours of the hourly array ``name`` (0 for an absent optional part)."""
        values = getattr(self, name)
        return 0.0 if values is None else float(values.sum())

    def year_max(self, name: str) -> float:
        return float(getattr(self, name).max())

    def served_year(self, workload: str | None = None) -> float:
        """Σ over the year's hours of the output tokens per second it serves of ``workload`` (every
        workload: None) [tokens/s × hours]."""
        served = self.served_tokens_per_s
        names = served if workload is None else [workload] if workload in served else []
        return float(sum(float(served[name].sum()) for name in names))


# The parts of a pool dispatched per state that are read only for their year's sum or maximum
# (the energy breakdown, utilisation): spread to 8,760 hours only if something reads them hourly.
_SPREAD_WHEN_READ = frozenset(
    ("arithmetic_power_w", "data_movement_power_w", "static_power_w", "network_power_w", "utilisation_frac",
     "serving_overhead_power_w", "served_tokens_per_s")
)  # fmt: skip


class _StatePool(PoolHourly):
    """A pool dispatched once per demand state (``dispatch_fleet`` with ``hour_states``).

    Built by :func:`_spread` without ``__init__``: the host, accelerator and IT power are spread at
    once; the parts in ``_SPREAD_WHEN_READ`` (served tokens among them) are spread on first read, and
    their year sums and maxima come from the state values and each state's hours (48 values
    instead of 8,760).
    """

    def __getattr__(self, name: str) -> Any:  # only reached for an attribute not set yet
        if name not in _SPREAD_WHEN_READ:
            raise AttributeError(name)
        values = getattr(self.__dict__["_per_state"], name)
        index = self.__dict__["_states"].index
        if isinstance(values, dict):  # served tokens per workload
            spread: Any = {w: _read_only(v.take(index)) for w, v in values.items()}
        else:
            spread = None if values is None else _read_only(values.take(index))
        self.__dict__[name] = spread
        return spread

    def year_sum(self, name: str) -> float:
        if name not in _SPREAD_WHEN_READ:
            return super().year_sum(name)
        values = getattr(self.__dict__["_per_state"], name)
        return 0.0 if values is None else float(self.__dict__["_states"].counts @ values)

    def year_max(self, name: str) -> float:
        if name not in _SPREAD_WHEN_READ:
            return super().year_max(name)
        return float(getattr(self.__dict__["_per_state"], name).max())  # every state has hours

    def served_year(self, workload: str | None = None) -> float:
        served = self.__dict__["_per_state"].served_tokens_per_s
        counts = self.__dict__["_states"].counts
        names = served if workload is None else [workload] if workload in served else []
        return float(sum(float(counts @ served[name]) for name in names))


@dataclass(frozen=True)
class FleetHourly:
    pools: tuple[PoolHourly, ...]
    unserved_tokens_per_s: dict[str, np.ndarray]

    @cached_property
    def it_power_w(self) -> np.ndarray:
        return _read_only(np.sum([p.it_power_w for p in self.pools], axis=0))


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def _split(demand: np.ndarray, capacities: np.ndarray, order: np.ndarray, policy: str) -> np.ndarray:
    """Load per pool (pools × hours) for one workload."""
    total = capacities.sum()
    served = np.minimum(demand, total)
    if policy == "proportional":
        weights = capacities / total if total > 0 else np.zeros_like(capacities)
        return weights[:, None] * served[None, :]
    loads = np.zeros((capacities.size, demand.size))
    before = 0.0
    for pool in order:  # loop over pools (≤ 20), vectorised over hours
        loads[pool] = np.clip(served - before, 0.0, capacities[pool])
        before += capacities[pool]
    return loads


def dispatch_fleet(
    *,
    sizing: FleetSizing,
    pools: list[PoolInput],
    demand_tokens_per_s: Mapping[str, np.ndarray],
    hour_states: HourStates | None = None,
) -> FleetHourly:
    """Split demand across pools hour by hour and compute each pool's power.

    ``hour_states``: given only when every workload's demand is the same in every hour of a state
    (``WorkloadDemand.hour_states``: a daily shape without deferral), the dispatch runs once per
    state and its arrays are spread back to the 8,760 hours. Every step is a function of the
    hour's demand alone, so the result is the same, bit for bit, as running it hour by hour
    (tests/grid/test_fleet.py).
    """
    if hour_states is not None:
        first = hour_states.first
        per_state = _dispatch(
            sizing=sizing,
            pools=pools,
            demand_tokens_per_s={w: np.asarray(d, dtype=float)[first] for w, d in demand_tokens_per_s.items()},
        )
        return _spread(per_state, hour_states)
    return _dispatch(sizing=sizing, pools=pools, demand_tokens_per_s=demand_tokens_per_s)


def _spread(fleet: FleetHourly, states: HourStates) -> FleetHourly:
    """Each state's values put in every hour of that state (some parts when first read: _StatePool)."""
    index = states.index

    def hours(values: np.ndarray) -> np.ndarray:
        return values.take(index)  # (take: faster than fancy indexing, same values)

    pools = []
    for state_pool in fleet.pools:
        pool = object.__new__(_StatePool)
        pool.__dict__.update(
            name=state_pool.name,
            host_power_w=hours(state_pool.host_power_w),
            _per_state=state_pool,
            _states=states,
            # The sums (cached properties) are element-wise too: computed on the states and spread,
            # they are the same values as summing the spread arrays, for 48 values instead of 8,760.
            accelerator_power_w=_read_only(hours(state_pool.accelerator_power_w)),
            it_power_w=_read_only(hours(state_pool.it_power_w)),
        )
        pools.append(pool)
    spread = FleetHourly(
        pools=tuple(pools),
        unserved_tokens_per_s={w: hours(v) for w, v in fleet.unserved_tokens_per_s.items()},
    )
    spread.__dict__["it_power_w"] = _read_only(hours(fleet.it_power_w))
    return spread


def _dispatch(
    *, sizing: FleetSizing, pools: list[PoolInput], demand_tokens_per_s: Mapping[str, np.ndarray]
) -> FleetHourly:
    policy = sizing.policy
    if policy.dispatch not in ("cheapest_energy", "proportional"):
        raise FleetError(f"fleet.dispatch: unknown policy {policy.dispatch!r}", field="fleet.dispatch")
    if policy.idle_policy not in ("idle", "power_down"):
        raise FleetError(f"fleet.idle_policy: unknown policy {policy.idle_policy!r}", field="fleet.idle_policy")
    powered_down = policy.idle_policy == "power_down"
    by_name = {p.name: p for p in pools}
    hours = next(iter(demand_tokens_per_s.values())).size
    loads: dict[str, np.ndarray] = {}
    unserved: dict[str, np.ndarray] = {}
    for w, demand in demand_tokens_per_s.items():
        demand = np.asarray(demand, dtype=float)
        capacities = np.array([p.capacity_tokens_per_s[w] for p in sizing.pools])
        cost = np.array([by_name[p.name].curves[w].energy_per_token_j for p in sizing.pools])
        loads[w] = _split(demand, capacities, np.argsort(cost, kind="stable"), policy.dispatch)
        unserved[w] = np.maximum(demand - capacities.sum(), 0.0)
    result = []
    for index, sized in enumerate(sizing.pools):
        pool = by_name[sized.name]
        zeros = np.zeros(hours)
        arithmetic, data, static, host = zeros.copy(), zeros.copy(), zeros.copy(), zeros.copy()
        overhead = zeros.copy()
        served: dict[str, np.ndarray] = {}
        for w in demand_tokens_per_s:
            load = loads[w][index]
            served[w] = load
            power = replicas_power(
                curve=pool.curves[w], load_tokens_per_s=load, replicas=sized.replicas[w], powered_down=powered_down
            )
            arithmetic += power.arithmetic_power_w
            data += power.data_movement_power_w
            static += power.static_power_w
            host += power.host_power_w
            if power.serving_overhead_power_w is not None:
                overhead += power.serving_overhead_power_w
        if sized.idle_devices and not powered_down:
            any_curve = next(iter(pool.curves.values()))
            static += sized.idle_devices * any_curve.static_power_w[0] / any_curve.devices_per_replica
            host += sized.idle_devices * any_curve.host_power_w[0] / any_curve.devices_per_replica
        network = np.full(hours, sized.servers * policy.network_w_per_server + sized.racks * policy.rack_aux_w)
        # utilisation: served / capacity per workload, weighted by the devices serving it
        utilisation = np.zeros(hours)
        for w in served:
            if sized.capacity_tokens_per_s[w] > 0:
                devices_w = sized.replicas[w] * pool.curves[w].devices_per_replica
                utilisation += served[w] / sized.capacity_tokens_per_s[w] * devices_w / max(sized.devices, 1)
        result.append(
            PoolHourly(
                name=sized.name,
                arithmetic_power_w=arithmetic,
                data_movement_power_w=data,
                static_power_w=static,
                host_power_w=host,
                network_power_w=network,
                served_tokens_per_s=served,
                utilisation_frac=utilisation,
                serving_overhead_power_w=overhead,
            )
        )
    return FleetHourly(pools=tuple(result), unserved_tokens_per_s=unserved)
