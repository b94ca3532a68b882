"""Fleet sizing and hourly dispatch over pools of accelerators (pure core, no Django)."""

from grid.fleet.curves import (
    CurveError,
    ReplicaCurve,
    ReplicaPower,
    replica_curve,
    replicas_power,
    scale_accelerator_power,
)
from grid.fleet.dispatch import FleetHourly, PoolHourly, dispatch_fleet
from grid.fleet.sizing import (
    FleetError,
    FleetPolicy,
    FleetSizing,
    PoolInput,
    PoolSizing,
    load_network_defaults,
    size_fleet,
)

__all__ = [
    "CurveError",
    "FleetError",
    "FleetHourly",
    "FleetPolicy",
    "FleetSizing",
    "PoolHourly",
    "PoolInput",
    "PoolSizing",
    "ReplicaCurve",
    "ReplicaPower",
    "dispatch_fleet",
    "load_network_defaults",
    "replica_curve",
    "replicas_power",
    "scale_accelerator_power",
    "size_fleet",
]
