"""Racks counted by power and by physical slots (grid.fleet.racks), hand-counted."""

import json
from pathlib import Path

import pytest

from grid.fleet import FleetPolicy, PoolInput, replica_curve, size_fleet
from grid.fleet.racks import parallel_layout_problem, server_form_factor
from grid.fleet.sizing import load_network_defaults
from tests.grid.test_fleet import NO_NETWORK, HandCurve

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TABLE = load_network_defaults()["server_form_factors"]


def _pool(accelerator: str = "hand", **kwargs) -> PoolInput:
    return PoolInput(name="p", accelerator=accelerator, curves={"w": replica_curve(HandCurve())}, **kwargs)


def test_it_counts_racks_by_space_when_servers_are_tall():
    # One device per replica draws 700 W (accelerator) + 200 W (host) at full batch: a server of 8 draws
    # 7.2 kW. 80,000 tok/s at 1,000 tok/s per replica, no headroom, N → 80 devices = 10 servers.
    # Power: 130 kW // 7.2 kW = 18 servers per rack. Space: an unknown accelerator is an 8U server
    # (hosts_network.yaml default), a 42U rack less 2U of switches holds 40 // 8 = 5. Space binds:
    # ceil(10 / 5) = 2 racks of 36 kW.
    policy = FleetPolicy(headroom_frac=0.0, redundancy="N", rack_power_limit_w=130e3, **NO_NETWORK)
    sizing = size_fleet(pools=[_pool(share_frac=1.0)], peak_tokens_per_s={"w": 80_000.0}, policy=policy)
    pool = sizing.pools[0]
    assert pool.servers == 10
    assert pool.server_power_w == pytest.approx(7200.0)
    assert (pool.servers_per_rack_by_power, pool.servers_per_rack_by_space) == (18, 5)
    assert pool.servers_per_rack == 5 and pool.rack_binding == "space"
    assert pool.racks == 2


def test_it_counts_racks_by_power_when_the_rack_limit_is_low():
    # Same 10 servers of 7.2 kW; a 20 kW rack less 150 W of rack auxiliaries holds 19,850 // 7,200 = 2
    # servers, space still 5: power binds, ceil(10 / 2) = 5 racks.
    policy = FleetPolicy(
        headroom_frac=0.0,
        redundancy="N",
        rack_power_limit_w=20e3,
        network_power_w_per_server=0.0,
        rack_auxiliary_power_w_per_rack=150.0,
    )
    sizing = size_fleet(pools=[_pool(share_frac=1.0)], peak_tokens_per_s={"w": 80_000.0}, policy=policy)
    pool = sizing.pools[0]
    assert (pool.servers_per_rack_by_power, pool.servers_per_rack_by_space) == (2, 5)
    assert pool.servers_per_rack == 2 and pool.rack_binding == "power"
    assert pool.racks == 5


def test_it_takes_the_usable_rack_units_and_server_height_from_the_scenario():
    # 48U usable and a 4U server: 12 by space; power 18 → 12 per rack, 10 servers in 1 rack.
    policy = FleetPolicy(headroom_frac=0.0, redundancy="N", rack_units_usable=48, **NO_NETWORK)
    sizing = size_fleet(
        pools=[_pool(share_frac=1.0, server_height_u=4)], peak_tokens_per_s={"w": 80_000.0}, policy=policy
    )
    assert sizing.pools[0].servers_per_rack == 12 and sizing.pools[0].racks == 1


@pytest.mark.parametrize(
    ("slug", "devices_per_server", "height_u", "max_servers"),
    [
        ("h100-sxm", 8, 8, None),  # DGX H100 user guide: 8U
        ("b200", 8, 10, None),  # DGX B200 user guide: 10U
        ("h100-sxm", 4, 4, None),  # half the devices, half the height (rounded up)
        ("gb200", 4, 1, 18),  # NVL72: 18 compute trays of 4 GPUs, 1U each
    ],
)
def test_it_reads_server_heights_with_their_sources(slug, devices_per_server, height_u, max_servers):
    form = server_form_factor(accelerator=slug, devices_per_server=devices_per_server, table=TABLE)
    assert form.height_u == height_u and form.max_servers_per_rack == max_servers
    assert form.source
    for entry in TABLE.values():
        assert entry["source"] and entry["height_u"] >= 1 and entry["devices"] >= 1


def test_an_nvl72_rack_holds_72_gpus_however_much_power_it_may_draw():
    form = server_form_factor(accelerator="gb200", devices_per_server=4, table=TABLE)
    # 40 usable U would hold 40 one-U trays; the platform holds 18 (72 GPUs).
    from grid.fleet.racks import rack_fit

    fit = rack_fit(server_power_w=1.0, rack_power_limit_w=1e6, rack_aux_w=0.0, rack_units_usable=40, form=form)
    assert fit.servers_per_rack == 18 and fit.binding == "space"


def test_it_names_a_parallel_layout_that_does_not_fit_a_server():
    h100 = server_form_factor(accelerator="h100-sxm", devices_per_server=8, table=TABLE)
    assert "do not fit one 8-device server" in parallel_layout_problem(
        tensor_parallel=16, devices_per_server=8, form=h100
    )
    assert "straddle" in parallel_layout_problem(tensor_parallel=3, devices_per_server=8, form=h100)
    assert parallel_layout_problem(tensor_parallel=4, devices_per_server=8, form=h100) is None
    gb200 = server_form_factor(accelerator="gb200", devices_per_server=4, table=TABLE)
    assert parallel_layout_problem(tensor_parallel=8, devices_per_server=4, form=gb200) is None  # one NVLink rack


def test_saving_tensor_parallel_16_on_8_device_servers_names_the_field():
    from planner.engine.checks import feasibility_errors
    from planner.engine.schema import parse_scenario

    document = json.loads((EXAMPLES / "ashburn-chat.json").read_text())
    document["hardware"][0]["tensor_parallel"] = 16
    errors = feasibility_errors(parse_scenario(document))
    assert "hardware[0].tensor_parallel" in errors
    assert "16 devices per model replica do not fit one server of 8" in errors["hardware[0].tensor_parallel"][0]
