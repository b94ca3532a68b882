"""Migration across the sites of a comparison with a flexibility section: the Phoenix field-demonstration
cluster at three sites whose single 3-hour event falls at the same local hour. Two sites in the same
time zone have their events in the same hours (no room for each other's work); a site two hours east
has its event earlier, so the curtailed work of the western site can run there."""

import json
from pathlib import Path

import pytest

from planner.engine.site_comparison import compare_sites, parse_comparison

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "site-comparisons" / "phoenix-flexible-sites.json"


@pytest.fixture(scope="module")
def compared() -> dict:
    document = json.loads(EXAMPLE.read_text())
    # the example's scenario is the Phoenix field-demonstration cluster, unchanged
    assert document["scenario"] == json.loads((ROOT / "examples" / "phoenix-flexible-cluster.json").read_text())
    return compare_sites(parse_comparison(document))


def _pair(compared, source, target):
    return next(p for p in compared["migration"]["pairs"] if (p["from"], p["to"]) == (source, target))


def test_every_ordered_pair_is_reported_with_the_rule(compared):
    pairs = compared["migration"]["pairs"]
    assert len(pairs) == 6 and "neither is re-solved" in compared["migration"]["method"]
    for pair in pairs:
        assert 0.0 <= pair["migrated_mtok"] <= pair["lost_mtok_at_source"] + pair["deferred_mtok_at_source"] + 1e-9
        assert pair["hours"] <= 3  # the source's one 3-hour event
    assert all("_hours" not in row for row in compared["sites"])  # the arrays stay out of the stored result


def test_work_deferred_in_an_event_moves_to_a_site_whose_event_is_at_another_hour(compared):
    east = _pair(compared, "Phoenix", "Dallas")
    assert east["hours_shift_h"] == 2 and east["deferred_mtok_at_source"] > 0
    # the batch tier is deferrable and the target has spare batch replicas in those hours
    assert east["deferred_mtok_avoided"] > 0.25 * east["deferred_mtok_at_source"] and east["hours"] >= 1
    assert east["target_mwh"] > 0 and east["target_energy_usd"] > 0
    assert east["workloads_movable"] == ["batch-summaries", "chat"]


def test_a_site_with_its_event_in_the_same_hours_has_no_room(compared):
    twin = _pair(compared, "Phoenix", "Phoenix twin")
    east = _pair(compared, "Phoenix", "Dallas")
    assert twin["hours_shift_h"] == 0
    # the twin's meter sits at its own event cap in exactly those hours: nothing (to solver tolerance) moves
    assert twin["migrated_mtok"] < 1e-3 * east["migrated_mtok"]
