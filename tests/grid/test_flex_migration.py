"""Migration of curtailed work between two sites, hand-solved on a 24-hour day."""

import numpy as np
import pytest

from grid.flex.migration import SiteHours, migrate

HOURS = 24


def _site(name, *, offset=0, event=(), lost=0.0, deferred=0.0, spare=0.0, room=np.inf, price=50.0, deferrable=()):
    mask = np.zeros(HOURS, dtype=bool)
    mask[list(event)] = True
    return SiteHours(
        name=name,
        utc_offset_h=offset,
        event=mask,
        lost_mtok=np.where(mask, lost, 0.0),
        deferred_mtok=np.where(mask, deferred, 0.0),
        served_mtok={"chat": np.full(HOURS, 8.0), "batch": np.full(HOURS, 2.0)},
        spare_mtok={"chat": np.full(HOURS, spare), "batch": np.full(HOURS, spare)},
        meter_mwh_per_mtok={"chat": np.full(HOURS, 0.5), "batch": np.full(HOURS, 0.25)},
        room_mw=np.broadcast_to(np.asarray(room, dtype=float), (HOURS,)).copy(),
        price_usd_per_mwh=np.full(HOURS, price),
        deferrable=frozenset(deferrable),
        lost_usd_per_mtok=0.88,
    )


def test_lost_work_moves_up_to_the_target_s_spare_replicas_and_meter_room():
    # 5 Mtok/h lost in hours 10-12, split 8:2 between chat and batch (their served tokens): 4 and 1
    source = _site("A", event=(10, 11, 12), lost=5.0)
    room = np.full(HOURS, np.inf)
    room[11] = 1.0  # the target's own event: 1 MW of room
    target = _site("B", spare=3.0, room=room, price=40.0)
    pair = migrate(source, target, movable=frozenset({"chat", "batch"}))
    # hour 10 and 12: chat min(4, 3) = 3, batch min(1, 3) = 1 → 4 Mtok, 3 × 0.5 + 1 × 0.25 = 1.75 MWh
    # hour 11: 1.75 MWh wanted, 1 MW of room → scaled by 1/1.75 → 4/1.75 Mtok, 1 MWh
    assert pair["migrated_mtok"] == pytest.approx(8 + 4 / 1.75)
    assert pair["lost_mtok_avoided"] == pytest.approx(pair["migrated_mtok"]) and pair["lost_mtok_at_source"] == 15
    assert pair["target_mwh"] == pytest.approx(1.75 * 2 + 1.0)
    assert pair["target_energy_usd"] == pytest.approx(40.0 * 4.5)
    assert pair["lost_usd_avoided"] == pytest.approx(0.88 * pair["migrated_mtok"])
    assert pair["hours"] == 3 and pair["limited_by_room_hours"] == 1
    assert pair["curtailed_mwh_moved"] == pytest.approx(pair["target_mwh"])  # same marginal energy at both


def test_interactive_work_beyond_the_budget_stays_and_deferred_work_moves_anywhere():
    source = _site("A", event=(10,), lost=5.0, deferred=2.0, deferrable=("batch",))
    target = _site("B", spare=100.0)
    pair = migrate(source, target, movable=frozenset({"batch"}))  # chat's users are out of B's reach
    # batch: its 1 Mtok share of the lost work and all 2 Mtok deferred; chat's 4 Mtok stay lost
    assert pair["lost_mtok_avoided"] == pytest.approx(1.0) and pair["deferred_mtok_avoided"] == pytest.approx(2.0)
    assert pair["workloads_movable"] == ["batch"]


def test_hours_are_aligned_by_the_utc_offsets():
    source = _site("A", offset=-5, event=(10,), lost=5.0)
    room = np.zeros(HOURS)
    room[17] = np.inf  # only B's local hour 17 has room: 10:00 at UTC−5 is 17:00 at UTC+2
    target = _site("B", offset=2, spare=100.0, room=room)
    pair = migrate(source, target, movable=frozenset({"chat", "batch"}))
    assert pair["hours_shift_h"] == 7 and pair["migrated_mtok"] == pytest.approx(5.0)
    shifted = _site("B", offset=1, spare=100.0, room=room)
    assert migrate(source, shifted, movable=frozenset({"chat", "batch"}))["migrated_mtok"] == 0.0


def test_nothing_moves_outside_the_source_s_events_or_to_a_full_target():
    source = _site("A", event=(), lost=5.0)
    assert migrate(source, _site("B", spare=10.0), movable=frozenset({"chat"}))["migrated_mtok"] == 0.0
    busy = _site("A", event=(3,), lost=5.0)
    assert migrate(busy, _site("B", spare=0.0), movable=frozenset({"chat"}))["migrated_mtok"] == 0.0
