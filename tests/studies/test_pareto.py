"""Pareto front of two KPIs (pure core): a hand-checked case, ties, brute force on random clouds,
a maximised KPI, and only feasible candidates of an optimisation."""

from types import SimpleNamespace

import numpy as np
import pytest

from planner.engine.schema import ScenarioError
from planner.engine.studies.definition import parse_study
from planner.engine.studies.pareto import DEFAULT_PAIR, feasible_front, pareto_mask


def test_five_points_three_on_the_front():
    # cost, carbon:  A(1, 5)  B(2, 3)  C(3, 4)  D(4, 1)  E(5, 2)
    # C is dominated by B (2 ≤ 3 and 3 ≤ 4), E by D (4 ≤ 5 and 1 ≤ 2); A, B, D trade cost for carbon.
    mask = pareto_mask([1, 2, 3, 4, 5], [5, 3, 4, 1, 2])
    assert mask.tolist() == [True, True, False, True, False]
    # The order of the points does not matter.
    assert pareto_mask([3, 5, 1, 4, 2], [4, 2, 5, 1, 3]).tolist() == [False, False, True, True, True]


def test_ties_identical_points_stay_and_weakly_dominated_ones_go():
    # (1, 2) twice: neither dominates the other. (1, 3) is dominated by (1, 2) (equal cost, more
    # carbon); (2, 2) by (1, 2) (equal carbon, more cost).
    assert pareto_mask([1, 1, 1, 2], [2, 2, 3, 2]).tolist() == [True, True, False, False]
    assert pareto_mask([], []).tolist() == []
    with pytest.raises(ValueError, match="finite"):
        pareto_mask([1, float("nan")], [1, 2])


def test_it_matches_brute_force_on_random_clouds():
    rng = np.random.default_rng(7)
    for _ in range(20):
        n = int(rng.integers(1, 60))
        x = rng.integers(0, 8, n).astype(float)  # few distinct values: many ties
        y = rng.integers(0, 8, n).astype(float)
        brute = [
            not any(x[j] <= x[i] and y[j] <= y[i] and (x[j] < x[i] or y[j] < y[i]) for j in range(n)) for i in range(n)
        ]
        assert pareto_mask(x, y).tolist() == brute


def _outcome(cost, carbon, peak, tokens=1.0):
    kpis = {
        "usd_per_million_output_tokens": cost,
        "market_based_tco2e": carbon,
        "peak_facility_power_mw": peak,
        "annual_facility_energy_mwh": cost,
        "output_tokens_per_s_per_mw": tokens,
    }
    return SimpleNamespace(kpis=kpis, devices_by_accelerator={}, error="", violations=())


def test_the_front_holds_feasible_candidates_only_ordered_by_cost():
    study = parse_study(
        {
            "kind": "optimisation",
            "choices": {"site.cooling": ["immersion"]},
            "objective": "annual_facility_energy_mwh",
            "limits": {"peak_facility_power_mw": 50},
        }
    )
    assert study.pareto == DEFAULT_PAIR
    outcomes = {
        10: _outcome(1.0, 5.0, 40),
        11: _outcome(2.0, 3.0, 40),
        12: _outcome(3.0, 4.0, 40),
        13: _outcome(4.0, 1.0, 40),
        14: _outcome(0.5, 0.5, 60),  # would dominate all, but breaks the 50 MW cap
        15: SimpleNamespace(kpis={}, devices_by_accelerator={}, error="does not fit", violations=()),
    }
    assert feasible_front(outcomes, study) == [10, 11, 13]
    # A maximised KPI: more tokens/s/MW is better. 11 has the most; 10 the least cost.
    outcomes[10].kpis["output_tokens_per_s_per_mw"] = 1.0
    outcomes[11].kpis["output_tokens_per_s_per_mw"] = 9.0
    pair = ("usd_per_million_output_tokens", "output_tokens_per_s_per_mw")
    assert feasible_front(outcomes, study, pair) == [10, 11]


def test_the_pair_is_validated():
    base = {"kind": "optimisation", "choices": {"site.cooling": ["immersion"]}}
    with pytest.raises(ScenarioError) as error:
        parse_study({**base, "pareto": ["usd_per_million_output_tokens", "joy"]})
    assert "pareto" in " ".join(error.value.errors)
    with pytest.raises(ScenarioError, match="two different"):
        parse_study({**base, "pareto": ["market_based_tco2e", "market_based_tco2e"]})
