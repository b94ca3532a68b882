"""The optimiser as a MILP: optimum = brute-force enumeration, constraints, infeasibility, ε front."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest

from planner.engine.studies.aggregate import run_in_process
from planner.engine.studies.definition import parse_study
from planner.engine.studies.milp import (
    MixInfeasible,
    MixProblem,
    OperatingPoint,
    _meets,
    enumerate_mixes,
    epsilon_front,
    mix_kpis,
    solve_mix,
)

QUARTERS = (0.25, 0.5, 0.75, 1.0)


def point(pool, accelerator, needed, dpr, energy, carbon, cost, *, spares=1, group=0, label=""):
    return OperatingPoint(
        pool=pool,
        values={"label": label or f"{pool}{accelerator}"},
        accelerator=accelerator,
        replicas_needed=tuple(needed),
        devices_per_replica=tuple(dpr),
        spare_replicas=spares,
        per_device={"annual_facility_energy_mwh": energy, "market_based_tco2e": carbon, "operator_cost_usd": cost},
        group=group,
    )


def three_pools(**overrides) -> MixProblem:
    """Pool 1 (accelerator y) is the cheapest per device but only 12 y devices exist; pool 0 is next;
    pool 2 (big replicas, dear devices) loses: the best mix drops it."""
    points = (
        point(0, "x", [7.3, 2.2], [1, 2], energy=10, carbon=3, cost=5, label="x-fp8"),
        point(0, "x", [9.1, 1.1], [2, 2], energy=8, carbon=2.5, cost=6, label="x-bf16"),
        point(1, "y", [20.0, 0.6], [1, 1], energy=5, carbon=4, cost=3, label="y"),
        point(2, "z", [3.2, 0.4], [4, 4], energy=12, carbon=1, cost=9, label="z"),
    )
    fields = {
        "points": points,
        "shares": dict.fromkeys((0, 1, 2), QUARTERS),
        "droppable": True,
        "objective": "annual_facility_energy_mwh",
        "max_devices": {"y": 14},
    }
    return MixProblem(**(fields | overrides))


def brute_best(problem):
    mixes = enumerate_mixes(problem)
    return min(mixes, key=lambda m: m.kpis[problem.objective]), mixes


def test_the_milp_optimum_equals_enumeration_and_drops_a_pool():
    problem = three_pools()
    best, mixes = brute_best(problem)
    solution = solve_mix(problem)
    found = solution.best[0]
    assert found.kpis["annual_facility_energy_mwh"] == pytest.approx(best.kpis["annual_facility_energy_mwh"], rel=1e-9)
    assert found.choice == best.choice
    assert 2 not in found.choice  # the best mix drops pool 2 (the coordinate search could not)
    assert set(found.choice) == {0, 1}
    # devices as the engine sizes a pool: ceil(share × need) + 1 spare per workload, × devices per replica
    share_y = found.choice[1][1]
    assert found.devices[1] == 1 * (-(-share_y * 20.0 // 1) + 1) + 1 * (-(-share_y * 0.6 // 1) + 1)
    assert found.devices[1] <= 14  # the y devices available
    assert solution.bound == pytest.approx(found.kpis["annual_facility_energy_mwh"], rel=1e-6)
    assert len(mixes) > 20


def test_the_next_best_mixes_come_in_the_order_enumeration_gives():
    problem = three_pools()
    solution = solve_mix(problem, top=6)
    enumerated = sorted(m.kpis["annual_facility_energy_mwh"] for m in enumerate_mixes(problem))
    assert [m.kpis["annual_facility_energy_mwh"] for m in solution.best] == pytest.approx(enumerated[:6], rel=1e-9)
    assert len({m.key() for m in solution.best}) == 6


@pytest.mark.parametrize("seed", range(25))
def test_random_problems_match_enumeration_and_meet_every_constraint(seed):
    rng = random.Random(seed)
    pools = rng.choice([(0, 1), (0, 1, 2)])
    groups = rng.choice([1, 2])
    points = []
    for group, pool in itertools.product(range(groups), pools):
        for option in range(rng.randint(1, 3)):
            points.append(
                point(
                    pool,
                    rng.choice("ab"),
                    [rng.uniform(0.5, 12) for _ in range(2)],
                    [rng.choice([1, 2, 4]) for _ in range(2)],
                    energy=rng.uniform(1, 10),
                    carbon=rng.uniform(1, 10),
                    cost=rng.uniform(1, 10),
                    spares=rng.choice([0, 1, 2]),
                    group=group,
                    label=f"{group}-{pool}-{option}",
                )
            )
    step = rng.choice([(0.5, 1.0), QUARTERS])
    base = MixProblem(
        points=tuple(points),
        shares=dict.fromkeys(pools, step),
        droppable=rng.random() < 0.7,
        objective=rng.choice(["annual_facility_energy_mwh", "market_based_tco2e"]),
    )
    unconstrained = enumerate_mixes(base)
    if not unconstrained:  # e.g. three pools that may not be dropped, each at least half the demand
        with pytest.raises(MixInfeasible):
            solve_mix(base)
        return
    costs = sorted(m.kpis["operator_cost_usd"] for m in unconstrained)
    devices_a = sorted(
        sum(m.devices[p] for p, (i, _) in m.choice.items() if points[i].accelerator == "a") for m in unconstrained
    )
    problem = MixProblem(
        points=base.points,
        shares=base.shares,
        droppable=base.droppable,
        objective=base.objective,
        limits={"operator_cost_usd": costs[len(costs) // 2]},  # a budget that binds for half the mixes
        max_devices={"a": devices_a[len(devices_a) // 3]},
    )
    mixes = enumerate_mixes(problem)
    if not mixes:
        with pytest.raises(MixInfeasible):
            solve_mix(problem)
        return
    best = min(m.kpis[problem.objective] for m in mixes)
    found = solve_mix(problem).best[0]
    assert found.kpis[problem.objective] == pytest.approx(best, rel=1e-9)
    assert _meets(problem, found.choice, found.devices, found.kpis)
    assert found.kpis["operator_cost_usd"] <= problem.limits["operator_cost_usd"] * (1 + 1e-9)
    assert sum(s for _, s in found.choice.values()) == pytest.approx(1)
    assert len({problem.points[i].group for i, _ in found.choice.values()}) == 1


def test_an_infeasible_limit_names_the_binding_constraint_and_the_least_value():
    problem = three_pools()
    least = min(m.kpis["operator_cost_usd"] for m in enumerate_mixes(problem))
    tight = three_pools(limits={"operator_cost_usd": least * 0.9, "market_based_tco2e": 1e9})
    with pytest.raises(MixInfeasible) as caught:
        solve_mix(tight)
    # the budget binds together with the 14 y devices (without them a cheaper mix exists)
    assert caught.value.constraint == "limits.operator_cost_usd"
    assert f"within max_devices_by_accelerator.y is {least:.6g}" in str(caught.value)
    unlimited = three_pools(max_devices={})
    least_alone = min(m.kpis["operator_cost_usd"] for m in enumerate_mixes(unlimited))
    with pytest.raises(MixInfeasible) as caught:
        solve_mix(three_pools(max_devices={}, limits={"operator_cost_usd": least_alone * 0.99}))
    assert str(caught.value) == (
        f"limits.operator_cost_usd: no mix meets {least_alone * 0.99:.6g} "
        f"(the least any mix reaches is {least_alone:.6g})"
    )
    with pytest.raises(MixInfeasible) as caught:
        solve_mix(three_pools(max_devices={"y": 14, "x": 0, "z": 0}, droppable=False))
    assert caught.value.constraint.startswith("max_devices_by_accelerator.")
    # two limits each reachable alone but not together
    cost_best = min(enumerate_mixes(problem), key=lambda m: m.kpis["operator_cost_usd"])
    carbon_best = min(enumerate_mixes(problem), key=lambda m: m.kpis["market_based_tco2e"])
    both = three_pools(
        limits={
            "operator_cost_usd": cost_best.kpis["operator_cost_usd"] * 1.0001,
            "market_based_tco2e": carbon_best.kpis["market_based_tco2e"] * 1.0001,
        }
    )
    if not enumerate_mixes(both):
        with pytest.raises(MixInfeasible) as caught:
            solve_mix(both)
        assert "within limits." in str(caught.value)


def test_the_epsilon_front_is_non_dominated_monotone_and_pareto_optimal():
    problem = three_pools(objective="operator_cost_usd")
    pair = ("operator_cost_usd", "market_based_tco2e")
    front = epsilon_front(problem, pair, levels=12)
    assert len(front) >= 3
    firsts = [m.kpis[pair[0]] for m in front]
    seconds = [m.kpis[pair[1]] for m in front]
    assert firsts == sorted(firsts) and len(set(firsts)) == len(firsts)
    assert all(b < a for a, b in itertools.pairwise(seconds))  # cost up, carbon down
    everything = enumerate_mixes(problem)
    for mix in front:  # no enumerated mix dominates a front point
        assert not any(
            (o.kpis[pair[0]] <= mix.kpis[pair[0]] * (1 - 1e-12) and o.kpis[pair[1]] <= mix.kpis[pair[1]] * (1 + 1e-12))
            or (
                o.kpis[pair[0]] <= mix.kpis[pair[0]] * (1 + 1e-12)
                and o.kpis[pair[1]] <= mix.kpis[pair[1]] * (1 - 1e-12)
            )
            for o in everything
        )
    assert firsts[0] == pytest.approx(min(m.kpis[pair[0]] for m in everything))
    assert seconds[-1] == pytest.approx(min(m.kpis[pair[1]] for m in everything))


def test_model_kpis_are_per_device_sums():
    problem = three_pools()
    devices, kpis = mix_kpis(problem, {0: (1, 0.5), 1: (2, 0.5)})
    assert kpis["annual_facility_energy_mwh"] == pytest.approx(devices[0] * 8 + devices[1] * 5)


# ---- with the engine --------------------------------------------------------------------------


@pytest.fixture
def two_pool_scenario():
    document = json.loads((Path(__file__).parents[2] / "examples" / "ashburn-chat.json").read_text())
    document["fleet"]["dispatch"] = "proportional"
    document["hardware"] = [
        {**document["hardware"][0], "share_frac": 0.5},
        {
            "name": "a100",
            "accelerator": "a100-sxm",
            "share_frac": 0.5,
            "weight_precision": "bf16",
            "kv_precision": "bf16",
            "tensor_parallel": 4,
            "devices_per_server": 8,
        },
    ]
    return document


def _definition(method, **extra):
    return {
        "kind": "optimisation",
        "method": method,
        "choices": {"hardware[0].weight_precision": ["fp8", "bf16"], "hardware[1].tensor_parallel": [4, 8]},
        "shares": {"pools": [0, 1], "step_frac": 0.25},
        "objective": "annual_facility_energy_mwh",
        "pareto_levels": 4,
        "recheck": 4,
    } | extra


def test_with_the_engine_the_milp_finds_the_enumerated_best_and_reports_the_gap(two_pool_scenario):
    # 16 000 H100s available: the H100 pool (less energy per token) cannot take all demand, the
    # rest goes to A100s; with proportional dispatch the per-device model is within 1e-4 of the engine.
    limits = {"max_devices_by_accelerator": {"h100-sxm": 16000}}
    _, enumerated, exhaustive = run_in_process(parse_study(_definition("exhaustive", **limits)), two_pool_scenario)
    plan, outcomes, summary = run_in_process(parse_study(_definition("milp", **limits)), two_pool_scenario)
    best_energy = enumerated[exhaustive["best_index"]].kpis["annual_facility_energy_mwh"]
    assert outcomes[summary["best_index"]].kpis["annual_facility_energy_mwh"] == pytest.approx(best_energy, rel=1e-9)
    assert len(plan) < len(enumerated)  # 4 probes + re-checks instead of 20 candidates
    milp = summary["milp"]
    assert milp["status"] == "optimal" and milp["checked_best"] == pytest.approx(best_energy)
    assert abs(milp["gap_frac"]) < 1e-3
    assert outcomes[summary["best_index"]].devices_by_accelerator["h100-sxm"] <= 16000
    # the probes are exact: the MILP's devices at a single-pool mix equal the engine's
    for row in milp["candidates"]:
        if outcomes[row["index"]].error == "":
            assert sum(row["devices"].values()) == outcomes[row["index"]].kpis["devices"]
    assert milp["front"] and [r["model_pair"][0] for r in milp["front"]] == sorted(
        r["model_pair"][0] for r in milp["front"]
    )


def test_with_the_engine_the_milp_drops_a_pool_when_one_alone_is_best(two_pool_scenario):
    plan, outcomes, summary = run_in_process(parse_study(_definition("milp")), two_pool_scenario)
    best = plan[summary["best_index"]]
    assert best["hardware[1].share_frac"] == 0.0 and best["hardware[0].share_frac"] == 1.0
    assert "a100-sxm" not in outcomes[summary["best_index"]].devices_by_accelerator


def test_with_the_engine_an_impossible_cap_names_the_limit(two_pool_scenario):
    study = parse_study(_definition("milp", limits={"peak_facility_power_mw": 5}))
    _, _, summary = run_in_process(study, two_pool_scenario)
    assert summary["best_index"] is None
    assert summary["milp"]["status"] == "infeasible"
    assert summary["milp"]["binding"] == "limits.peak_facility_power_mw"
    assert "no mix meets 5" in summary["milp"]["message"]


def test_saved_definitions_still_validate_and_sampled_coordinate_runs_the_milp():
    old = {
        "kind": "optimisation",
        "choices": {"hardware[0].weight_precision": ["bf16", "fp8"]},
        "shares": {"pools": [0, 1], "step_frac": 0.25},
        "method": "sampled_coordinate",
        "exhaustive_limit": 256,
        "max_rounds": 8,
    }
    study = parse_study(old)
    from planner.engine.studies.optimise import resolved_method, space_size

    assert resolved_method(study) == "milp"
    assert space_size(study) == 2 * 5  # splits of 4 quarters over 2 pools, a pool may take 0
    assert space_size(parse_study(old | {"shares": {"pools": [0, 1], "allow_drop": False}})) == 2 * 3


def test_a_point_that_sets_a_pools_share_to_zero_leaves_the_pool_out(two_pool_scenario):
    from planner.engine.schema import parse_scenario
    from planner.engine.studies.params import apply_values

    dropped = apply_values(two_pool_scenario, {"hardware[0].share_frac": 1.0, "hardware[1].share_frac": 0.0})
    assert [p["name"] for p in dropped["hardware"]] == [two_pool_scenario["hardware"][0]["name"]]
    assert parse_scenario(dropped).hardware[0].share_frac == 1.0
    kept = apply_values(two_pool_scenario, {"hardware[0].share_frac": 0.25, "hardware[1].share_frac": 0.75})
    assert len(kept["hardware"]) == 2


def test_the_milp_refuses_a_layout_it_cannot_size_and_names_the_field(two_pool_scenario):
    from planner.engine.studies.optimise import first_round

    counted = {
        **two_pool_scenario,
        "hardware": [two_pool_scenario["hardware"][0], {**two_pool_scenario["hardware"][1]}],
    }
    counted["hardware"][1].pop("share_frac")
    counted["hardware"][1]["count"] = 800
    with pytest.raises(ValueError, match=r"shares.pools: hardware\[1\] has a fixed count"):
        first_round(parse_study(_definition("milp")), counted)
    share_choice = _definition("milp") | {"choices": {"hardware[0].share_frac": [0.5, 1.0]}}
    with pytest.raises(ValueError, match=r"choices: hardware\[0\].share_frac is set by the MILP"):
        first_round(parse_study(share_choice), two_pool_scenario)
    # probes: one per pool option, the other listed pools at share 0
    probes = first_round(parse_study(_definition("milp")), two_pool_scenario)
    assert len(probes) == 4
    assert probes[0] == {
        "hardware[0].weight_precision": "fp8",
        "hardware[0].share_frac": 1.0,
        "hardware[1].share_frac": 0.0,
    }


def test_with_the_engine_the_sites_own_cap_at_the_meter_is_a_milp_constraint(two_pool_scenario):
    capped = {**two_pool_scenario, "site": {**two_pool_scenario["site"], "power_cap_mw": 5}}
    _, _, summary = run_in_process(parse_study(_definition("milp")), capped)
    assert summary["milp"]["binding"] == "site.power_cap_mw"
    least = float(summary["milp"]["message"].rsplit(" is ", 1)[1].rstrip(")"))
    # the engine serves only part of each probe's demand under the 5 MW cap; per device, the MILP
    # scales that to the devices all demand needs, so the least any mix draws is above the cap
    assert least > 5
    assert all("constraint not met" in reason or "refused" in reason for reason in summary["excluded"].values())


def test_with_fixed_shares_the_probes_are_not_candidates_and_the_best_matches_enumeration(two_pool_scenario):
    # No `shares`: both pools keep half the demand; the MILP picks each pool's option. A probe (one
    # pool alone) is not a mix this study allows: it is excluded and never on the front.
    definition = {
        "kind": "optimisation",
        "choices": {"hardware[0].weight_precision": ["fp8", "bf16"], "hardware[1].tensor_parallel": [4, 8]},
        "objective": "annual_facility_energy_mwh",
        "pareto_levels": 2,
    }
    _, enumerated, exhaustive = run_in_process(parse_study(definition | {"method": "exhaustive"}), two_pool_scenario)
    plan, outcomes, summary = run_in_process(parse_study(definition | {"method": "milp"}), two_pool_scenario)
    assert summary["best_index"] >= 4 and plan[summary["best_index"]]["hardware[0].share_frac"] == 0.5
    assert outcomes[summary["best_index"]].kpis["annual_facility_energy_mwh"] == pytest.approx(
        enumerated[exhaustive["best_index"]].kpis["annual_facility_energy_mwh"], rel=1e-9
    )
    assert all(summary["excluded"][str(i)].startswith("operating-point probe") for i in range(4))
    assert all(i >= 4 for i in summary["pareto"]["indices"]) and summary["pareto"]["indices"]


def test_the_study_command_prints_the_best_mix_the_gap_and_names_a_bad_file(tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    root = Path(__file__).parents[2] / "examples" / "studies"
    out = StringIO()
    call_command("study", str(root / "ashburn-h100-b200.json"), str(root / "ashburn-carbon-milp.json"), stdout=out)
    text = out.getvalue()
    assert "method milp, objective market_based_tco2e" in text
    assert "best: point" in text and "share_frac=0.75" in text  # the enumerated best (docs/studies.md)
    assert "MILP over 6 operating points: estimate (not a proven bound)" in text
    # dispatch-aware model (cheapest-energy dispatch): the MILP's own best is the enumerated best
    # (docs/studies.md) and its figure is within 1 % of the engine's (the per-device model was 24 % off)
    milp_line = next(line for line in text.splitlines() if line.startswith("MILP over"))
    gap = float(milp_line.rsplit("gap ", 1)[1].rstrip(" %"))
    assert abs(gap) < 1.0
    first_candidate = text.split("of the engine's figure\n", 1)[1].splitlines()[0]
    assert "share_frac=0.75" in first_candidate and "weight_precision=fp8" in first_candidate
    with pytest.raises(CommandError, match="definition"):
        call_command("study", str(root / "ashburn-h100-b200.json"), str(tmp_path / "missing.json"))


# ---- dispatch-aware model (cheapest-energy dispatch) ---------------------------------------------


def aware_point(rng, pool, group, label, workloads=2):
    """A random dispatch-aware point: per share, a pool serves more as merit-first than as a follower
    (first ≥ follower energy and peak power), and both grow with its share (more replicas)."""
    shares = QUARTERS
    roles = {}
    for share in shares:
        terms = []
        for _ in range(workloads):
            follower = share * rng.uniform(0.2, 1.0)
            first = follower + share * rng.uniform(0.0, 1.0)
            terms.append((first, follower, first * 0.3, follower * 0.3))
        roles[share] = tuple(terms)
    fixed = {
        name: rng.uniform(0.5, 5) for name in ("annual_facility_energy_mwh", "market_based_tco2e", "operator_cost_usd")
    }
    return OperatingPoint(
        pool=pool,
        values={"label": label},
        accelerator=rng.choice("ab"),
        replicas_needed=tuple(rng.uniform(0.5, 12) for _ in range(workloads)),
        devices_per_replica=tuple(rng.choice([1, 2, 4]) for _ in range(workloads)),
        spare_replicas=1,
        per_device=dict(fixed),
        group=group,
        fixed_per_device=fixed,
        per_driver={name: rng.uniform(0.5, 20) for name in fixed},
        merit=tuple(rng.uniform(0.5, 1.5) for _ in range(workloads)),
        roles=roles,
    )


@pytest.mark.parametrize("seed", range(15))
def test_dispatch_aware_problems_match_enumeration_and_the_merit_order(seed):
    # The merit-order rows (one first point per workload, none of lower J/token chosen in another
    # pool) and the role variables must reproduce mix_kpis, which picks the first point directly:
    # the MILP's optimum equals brute force, and its next best mixes come in enumeration order.
    rng = random.Random(1000 + seed)
    pools = rng.choice([(0, 1), (0, 1, 2)])
    groups = rng.choice([1, 2])
    points = tuple(
        aware_point(rng, pool, group, f"{group}-{pool}-{option}")
        for group, pool in itertools.product(range(groups), pools)
        for option in range(rng.randint(1, 3))
    )
    problem = MixProblem(
        points=points,
        shares=dict.fromkeys(pools, QUARTERS),
        droppable=True,
        objective=rng.choice(["annual_facility_energy_mwh", "market_based_tco2e"]),
    )
    assert problem.dispatch_aware
    mixes = enumerate_mixes(problem)
    ordered = sorted(m.kpis[problem.objective] for m in mixes)
    solution = solve_mix(problem, top=4)
    assert [m.kpis[problem.objective] for m in solution.best] == pytest.approx(ordered[:4], rel=1e-9)
    assert solution.bound == pytest.approx(ordered[0], rel=1e-6)
    # a budget that binds for half the mixes is met, and the optimum under it is enumeration's
    costs = sorted(m.kpis["operator_cost_usd"] for m in mixes)
    budget = MixProblem(**{**problem.__dict__, "limits": {"operator_cost_usd": costs[len(costs) // 2]}})
    under = [m.kpis[problem.objective] for m in enumerate_mixes(budget)]
    assert solve_mix(budget).best[0].kpis[problem.objective] == pytest.approx(min(under), rel=1e-9)


def test_dispatch_aware_single_pool_mix_is_the_probe_and_the_first_pool_is_the_efficient_one():
    # One pool serving all demand is its probe: fixed × devices + per_driver × (driver as first) at
    # share 1. In a split, the pool with the lower full-load J/token is merit-first (it takes the
    # base load) and the other is the follower, whatever their pool order.
    rng = random.Random(7)
    a, b = aware_point(rng, 0, 0, "a"), aware_point(rng, 1, 0, "b")
    a = OperatingPoint(**{**a.__dict__, "merit": (1.2, 1.2)})
    b = OperatingPoint(**{**b.__dict__, "merit": (0.8, 0.8)})
    problem = MixProblem(
        points=(a, b), shares={0: QUARTERS, 1: QUARTERS}, droppable=True, objective="market_based_tco2e"
    )
    _, alone = mix_kpis(problem, {0: (0, 1.0)})
    name = "market_based_tco2e"
    probe = a.fixed_per_device[name] * a.devices(1.0) + a.per_driver[name] * sum(t[0] for t in a.roles[1.0])
    assert alone[name] == pytest.approx(probe)
    _, split = mix_kpis(problem, {0: (0, 0.5), 1: (1, 0.5)})
    expected = (
        a.fixed_per_device[name] * a.devices(0.5)
        + a.per_driver[name] * sum(t[1] for t in a.roles[0.5])  # a: follower
        + b.fixed_per_device[name] * b.devices(0.5)
        + b.per_driver[name] * sum(t[0] for t in b.roles[0.5])  # b: merit-first
    )
    assert split[name] == pytest.approx(expected)


def test_with_the_engine_under_cheapest_energy_the_dispatch_aware_model_tracks_the_engine(two_pool_scenario):
    # Cheapest-energy dispatch fills the H100 pool (less J/token) first and leaves the A100 pool
    # idle in low-demand hours, which the per-device model could not see. With the pools' roles
    # from the engine's curves, the MILP's figures are within 1 % of the engine's on every
    # re-checked mix and its best is the enumerated best.
    document = {**two_pool_scenario, "fleet": {**two_pool_scenario["fleet"], "dispatch": "cheapest_energy"}}
    limits = {"max_devices_by_accelerator": {"h100-sxm": 16000}}
    _, enumerated, exhaustive = run_in_process(parse_study(_definition("exhaustive", **limits)), document)
    _, _, summary = run_in_process(parse_study(_definition("milp", **limits)), document)
    milp = summary["milp"]
    assert milp["linearisation"].startswith("dispatch-aware")
    best_energy = enumerated[exhaustive["best_index"]].kpis["annual_facility_energy_mwh"]
    assert milp["checked_best"] == pytest.approx(best_energy, rel=1e-9)
    low, high = milp["model_error_percent"]
    assert -1.0 < low <= high < 1.0
    # the low-load probes (4 after the 4 probes) are never candidates
    assert all(summary["excluded"][str(i)].startswith("low-load probe") for i in range(4, 8))
    assert all(i not in range(4, 8) for i in summary["pareto"]["indices"])
