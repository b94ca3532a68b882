"""Fleet sizing and hourly dispatch against hand-built power curves (grid.fleet)."""

from dataclasses import dataclass

import numpy as np
import pytest

from grid.fleet import (
    CurveError,
    FleetPolicy,
    PoolInput,
    dispatch_fleet,
    replica_curve,
    replicas_power,
    size_fleet,
)


@dataclass(frozen=True)
class HandCurve:
    """The PowerCurve fields the fleet reads, with round numbers solvable by hand."""

    devices_per_replica: int = 1
    output_tokens_per_s: tuple = (100.0, 1000.0)
    arithmetic_power_w: tuple = (50.0, 250.0)
    data_movement_power_w: tuple = (50.0, 150.0)
    static_power_w: tuple = (200.0, 300.0)  # accelerator = 300 W at batch 1, 700 W at max batch
    host_power_w: tuple = (100.0, 200.0)
    idle_accelerator_power_w: float = 50.0
    idle_host_power_w: float = 80.0
    max_batch: int = 64
    ttft_s: float = 0.2
    warnings: tuple = ()


NO_NETWORK = {"network_power_w_per_server": 0.0, "rack_auxiliary_power_w_per_rack": 0.0}


def _pool(name="p", *, curve=None, **kwargs) -> PoolInput:
    return PoolInput(name=name, accelerator="hand", curves={"w": replica_curve(curve or HandCurve())}, **kwargs)


def test_it_sizes_replicas_for_peak_headroom_and_spares():
    # ceil(1,800 × 1.2 / 1,000) = 3 replicas, + 1 spare for N+1 = 4.
    policy = FleetPolicy(headroom_frac=0.2, redundancy="N+1", **NO_NETWORK)
    sizing = size_fleet(pools=[_pool(share_frac=1.0)], peak_tokens_per_s={"w": 1800.0}, policy=policy)
    assert sizing.pools[0].replicas == {"w": 4}
    assert sizing.devices == 4 and sizing.servers == 1
    n2 = size_fleet(
        pools=[_pool(share_frac=1.0)], peak_tokens_per_s={"w": 1800.0}, policy=FleetPolicy(redundancy="N+2")
    )
    assert n2.pools[0].replicas == {"w": 5}


def test_it_follows_the_curve_when_idle_replicas_stay_on():
    # 3 replicas share 1,800 tok/s → 600 each: accelerator 300 + 500/900 × 400 W, host 100 + 500/900 × 100 W.
    curve = replica_curve(HandCurve())
    power = replicas_power(curve=curve, load_tokens_per_s=np.array([1800.0, 0.0, 60.0]), replicas=3, powered_down=False)
    accelerator = power.arithmetic_power_w + power.data_movement_power_w + power.static_power_w
    assert accelerator[0] == pytest.approx(3 * (300 + 500 / 900 * 400))
    assert power.host_power_w[0] == pytest.approx(3 * (100 + 500 / 900 * 100))
    # No load: idle power of every replica.
    assert accelerator[1] == pytest.approx(3 * 50.0) and power.host_power_w[1] == pytest.approx(3 * 80.0)
    # 20 tok/s per replica: a fifth of the way from idle to batch 1.
    assert accelerator[2] == pytest.approx(3 * (50 + 0.2 * 250))


def test_it_switches_off_spare_replicas_when_powering_down():
    curve = replica_curve(HandCurve())
    power = replicas_power(curve=curve, load_tokens_per_s=np.array([1800.0, 0.0]), replicas=4, powered_down=True)
    accelerator = power.arithmetic_power_w + power.data_movement_power_w + power.static_power_w
    # ceil(1.8) = 2 replicas at 900 tok/s each; nothing at zero load.
    assert accelerator[0] == pytest.approx(2 * (300 + 800 / 900 * 400))
    assert accelerator[1] == 0.0 and power.host_power_w[1] == 0.0


def test_it_fills_the_cheapest_pool_first():
    cheap = HandCurve(static_power_w=(100.0, 150.0))  # less energy per token at full load
    pools = [_pool("dear", share_frac=0.5), _pool("cheap", curve=cheap, share_frac=0.5)]
    policy = FleetPolicy(headroom_frac=0.0, redundancy="N", **NO_NETWORK)
    sizing = size_fleet(pools=pools, peak_tokens_per_s={"w": 4000.0}, policy=policy)
    hourly = dispatch_fleet(sizing=sizing, pools=pools, demand_tokens_per_s={"w": np.array([1500.0, 4000.0])})
    dear, cheap_pool = hourly.pools
    assert cheap_pool.served_tokens_per_s["w"][0] == pytest.approx(1500.0)  # 2 replicas × 1,000 capacity
    assert dear.served_tokens_per_s["w"][0] == 0.0
    assert dear.served_tokens_per_s["w"][1] == pytest.approx(2000.0)
    proportional = size_fleet(pools=pools, peak_tokens_per_s={"w": 4000.0}, policy=FleetPolicy(
        headroom_frac=0.0, redundancy="N", dispatch="proportional", **NO_NETWORK))  # fmt: skip
    split = dispatch_fleet(sizing=proportional, pools=pools, demand_tokens_per_s={"w": np.array([1500.0])})
    assert split.pools[0].served_tokens_per_s["w"][0] == pytest.approx(750.0)


def test_it_conserves_served_plus_unserved_demand():
    pools = [_pool("fixed", count=3)]
    policy = FleetPolicy(redundancy="N", **NO_NETWORK)
    sizing = size_fleet(pools=pools, peak_tokens_per_s={"w": 5000.0}, policy=policy)
    assert any("serves only 60%" in text for text in sizing.warnings)
    demand = np.linspace(0, 5000, 8760)
    hourly = dispatch_fleet(sizing=sizing, pools=pools, demand_tokens_per_s={"w": demand})
    served = hourly.pools[0].served_tokens_per_s["w"]
    assert np.allclose(served + hourly.unserved_tokens_per_s["w"], demand)
    assert served.max() == pytest.approx(3000.0)


def test_it_keeps_leftover_devices_of_a_fixed_pool_idle():
    curve = HandCurve(devices_per_replica=4, idle_accelerator_power_w=200.0, idle_host_power_w=320.0)
    pools = [_pool("fixed", curve=curve, count=10)]
    sizing = size_fleet(pools=pools, peak_tokens_per_s={"w": 1000.0}, policy=FleetPolicy(**NO_NETWORK))
    assert sizing.pools[0].replicas == {"w": 2} and sizing.pools[0].idle_devices == 2
    hourly = dispatch_fleet(sizing=sizing, pools=pools, demand_tokens_per_s={"w": np.zeros(4)})
    # 2 idle replicas (2 × 200 + 2 × 320 W) + 2 loose devices at 50 + 80 W each.
    assert hourly.pools[0].it_power_w[0] == pytest.approx(2 * 520 + 2 * 130)


def test_it_fills_racks_up_to_the_power_limit():
    # A server of 8 devices draws 8 × (700 + 200) W + 250 W network = 7.45 kW; 20 kW racks hold 2.
    pools = [_pool(share_frac=1.0, devices_per_server=8)]
    policy = FleetPolicy(headroom_frac=0.0, redundancy="N", rack_power_limit_w=20e3, network_power_w_per_server=250.0,
                         rack_auxiliary_power_w_per_rack=150.0)  # fmt: skip
    sizing = size_fleet(pools=pools, peak_tokens_per_s={"w": 40_000.0}, policy=policy)
    pool = sizing.pools[0]
    assert pool.devices == 40 and pool.servers == 5
    assert pool.server_power_w == pytest.approx(7450.0)
    assert pool.servers_per_rack == 2 and pool.racks == 3
    tight = size_fleet(pools=pools, peak_tokens_per_s={"w": 40_000.0}, policy=FleetPolicy(rack_power_limit_w=5e3))
    assert tight.pools[0].servers_per_rack == 1 and any("above the rack limit" in t for t in tight.warnings)


def test_it_refuses_a_curve_it_cannot_interpolate():
    with pytest.raises(CurveError, match="rise with batch"):
        replica_curve(HandCurve(output_tokens_per_s=(100.0, 100.0)))
    with pytest.raises(CurveError, match="empty"):
        replica_curve(HandCurve(output_tokens_per_s=(), arithmetic_power_w=(), data_movement_power_w=(),
                                static_power_w=(), host_power_w=()))  # fmt: skip


def test_an_energy_multiplier_scales_accelerator_power_only():
    """The uncertainty band of an uncalibrated device multiplies accelerator power at every load
    (idle included); throughput and host power are the engine's own."""
    import numpy as np

    from grid.fleet import ReplicaCurve, scale_accelerator_power

    curve = ReplicaCurve(
        devices_per_replica=2,
        throughput_tokens_per_s=np.array([0.0, 100.0, 300.0]),
        arithmetic_power_w=np.array([0.0, 200.0, 500.0]),
        data_movement_power_w=np.array([0.0, 100.0, 150.0]),
        static_power_w=np.array([180.0, 400.0, 400.0]),
        host_power_w=np.array([300.0, 350.0, 400.0]),
        serving_overhead_power_w=np.array([0.0, 20.0, 30.0]),
    )
    scaled = scale_accelerator_power(curve, 1.6)
    np.testing.assert_allclose(scaled.accelerator_power_w, 1.6 * curve.accelerator_power_w)
    np.testing.assert_array_equal(scaled.host_power_w, curve.host_power_w)
    np.testing.assert_array_equal(scaled.throughput_tokens_per_s, curve.throughput_tokens_per_s)
    assert scale_accelerator_power(curve, 1.0) is curve


@pytest.mark.parametrize("dispatch,idle", [("cheapest_energy", "idle"), ("proportional", "power_down")])
def test_dispatch_once_per_demand_state_equals_hour_by_hour(dispatch, idle):
    # A shaped demand repeats in its 48 states (day type × hour of day): dispatching each state
    # once and spreading it back must give the hour-by-hour arrays bit for bit (every step of
    # the dispatch is a function of the hour's demand alone).
    from grid.demand import workload_demand

    demand = workload_demand(
        name="w",
        daily_shape="office-hours",
        input_tokens=500,
        output_tokens=200,
        start_year=2027,
        years=2,
        peak_requests_per_s=9.0,
        annual_growth_frac=0.3,
    )
    assert demand.hour_states is not None and demand.hour_states.repeats(demand.output_tokens_per_s)
    cheap = HandCurve(static_power_w=(100.0, 150.0))
    pools = [_pool("dear", share_frac=0.5), _pool("cheap", curve=cheap, share_frac=0.5)]
    policy = FleetPolicy(headroom_frac=0.0, redundancy="N", dispatch=dispatch, idle_policy=idle)
    peak = {"w": float(demand.output_tokens_per_s.max())}
    sizing = size_fleet(pools=pools, peak_tokens_per_s=peak, policy=policy)
    # 3 × more demand than sized for in the peak hours: unserved demand is spread too.
    load = {"w": demand.output_tokens_per_s * 3.0}
    by_state = dispatch_fleet(sizing=sizing, pools=pools, demand_tokens_per_s=load, hour_states=demand.hour_states)
    by_hour = dispatch_fleet(sizing=sizing, pools=pools, demand_tokens_per_s=load)
    assert by_hour.unserved_tokens_per_s["w"].max() > 0
    np.testing.assert_array_equal(by_state.unserved_tokens_per_s["w"], by_hour.unserved_tokens_per_s["w"])
    for a, b in zip(by_state.pools, by_hour.pools, strict=True):
        for name in (
            "arithmetic_power_w",
            "data_movement_power_w",
            "static_power_w",
            "host_power_w",
            "network_power_w",
            "utilisation_frac",
            "it_power_w",
        ):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
        np.testing.assert_array_equal(a.served_tokens_per_s["w"], b.served_tokens_per_s["w"])
        # Year sums and maxima from the states (counts × values) equal those of the hourly arrays.
        for name in ("arithmetic_power_w", "static_power_w", "network_power_w", "utilisation_frac", "host_power_w"):
            assert a.year_sum(name) == pytest.approx(b.year_sum(name), rel=1e-12)
            assert a.year_max(name) == b.year_max(name)
        assert a.served_year("w") == pytest.approx(b.served_year("w"), rel=1e-12)
        assert a.served_year() == pytest.approx(b.served_year(), rel=1e-12) and a.served_year("other") == 0.0


def test_only_a_shaped_demand_without_deferral_repeats_in_states():
    from grid.demand import workload_demand

    common = dict(name="w", daily_shape="flat", input_tokens=10, output_tokens=10, start_year=2027, years=1)
    assert workload_demand(**common, requests_per_day=1e6).hour_states is not None
    assert workload_demand(**common, peak_requests_per_s=5.0, deferrable_frac=0.2).hour_states is None
    uploaded = np.random.default_rng(1).uniform(1, 2, 8760)
    assert workload_demand(**common, hourly_requests_per_s=uploaded).hour_states is None
