"""Migration of curtailed work between the sites of a comparison (pure, vectorised over the hours).

A rule applied after each site's own dispatch (neither dispatch is re-solved): in the source site's
event hours, the work its dispatch loses (power caps, shedding) or defers moves to a target site
with spare replicas and meter room in that hour. Per workload w and hour t (source local hours;
the target's arrays are shifted by the difference of the two sites' UTC offsets):

- lost_w[t] = lost[t] × served_w[t] / Σ served[t] when w may run at the target (an assumption:
  the hour's lost tokens are split among workloads in proportion to the tokens each serves);
- deferred_w[t] = deferred[t] × served_w[t] / Σ_deferrable served[t] for the deferrable workloads
  (exact with one deferrable tier);
- taken_w[t] = min(lost_w + deferred_w, spare_w at the target), spare = replica capacity − the
  target's own served tokens − its own catch-up of deferred work;
- the target's added meter power Σ taken_w × e_w (its marginal meter MWh per Mtok) may not exceed
  its room: min(its own event cap, its power cap) − its dispatched meter; where it would, every
  workload's taken work is scaled down by the same factor.

The source's meter is unchanged (the work was curtailed there anyway); what changes is that the
tokens are served elsewhere: fewer lost tokens (worth the lost-token value), less waiting, and
added energy at the target (at its billed price).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class SiteHours:
    """What one site's run says about its hours (all arrays 8,760 values, the site's local standard time)."""

    name: str
    utc_offset_h: int
    event: np.ndarray  # bool: the site's own grid-event hours
    lost_mtok: np.ndarray  # [Mtok/h] lost by the dispatch (caps, shedding)
    deferred_mtok: np.ndarray  # [Mtok/h] arrivals not served in their own hour
    served_mtok: Mapping[str, np.ndarray]  # per workload [Mtok/h] served without flexibility
    spare_mtok: Mapping[str, np.ndarray]  # per workload [Mtok/h] replica capacity left after its own work
    meter_mwh_per_mtok: Mapping[str, np.ndarray]  # per workload, marginal meter energy [MWh/Mtok]
    room_mw: np.ndarray  # meter room under its event cap and power cap [MW]; inf where neither binds
    price_usd_per_mwh: np.ndarray  # billed energy price
    deferrable: frozenset[str] = field(default_factory=frozenset)
    lost_usd_per_mtok: float = 0.0


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    return np.divide(part, whole, out=np.zeros_like(whole, dtype=float), where=whole > 0)


def migrate(source: SiteHours, target: SiteHours, *, movable: frozenset[str]) -> dict[str, Any]:
    """Work of `source` curtailed in its events that `target` can serve; see the module docstring."""
    shift = target.utc_offset_h - source.utc_offset_h

    def at_target(series: np.ndarray) -> np.ndarray:  # target hour aligned with the source's local hour t
        return np.roll(np.asarray(series, dtype=float), -shift)

    names = [w for w in source.served_mtok if w in target.spare_mtok]
    served = {w: np.asarray(source.served_mtok[w], dtype=float) for w in source.served_mtok}
    total = np.sum(list(served.values()), axis=0)
    deferrable_total = np.sum([served[w] for w in served if w in source.deferrable] or [np.zeros_like(total)], axis=0)
    event = np.asarray(source.event, dtype=bool)
    lost = np.where(event, source.lost_mtok, 0.0)
    deferred = np.where(event, source.deferred_mtok, 0.0)
    wanted_lost, wanted_deferred, taken, energy = {}, {}, {}, np.zeros_like(total)
    for w in names:
        wanted_lost[w] = lost * _share(served[w], total) if w in movable else np.zeros_like(total)
        wanted_deferred[w] = deferred * _share(served[w], deferrable_total) if w in source.deferrable else 0.0 * total
        wanted = wanted_lost[w] + wanted_deferred[w]
        taken[w] = np.minimum(wanted, np.maximum(at_target(target.spare_mtok[w]), 0.0))
        energy = energy + taken[w] * at_target(target.meter_mwh_per_mtok[w])
    room = np.maximum(at_target(target.room_mw), 0.0)
    scale = np.divide(room, energy, out=np.ones_like(energy), where=energy > room)
    lost_avoided = np.zeros_like(total)
    deferred_avoided = np.zeros_like(total)
    source_mwh = np.zeros_like(total)
    for w in names:
        taken[w] = taken[w] * scale
        wanted = wanted_lost[w] + wanted_deferred[w]
        lost_avoided += taken[w] * _share(wanted_lost[w], wanted)
        deferred_avoided += taken[w] * _share(np.broadcast_to(wanted_deferred[w], wanted.shape), wanted)
        source_mwh += taken[w] * np.asarray(source.meter_mwh_per_mtok[w], dtype=float)
    target_mwh = energy * scale
    migrated = lost_avoided + deferred_avoided
    return {
        "from": source.name,
        "to": target.name,
        "hours_shift_h": shift,
        "workloads_movable": sorted(w for w in names if w in movable or w in source.deferrable),
        "hours": int(np.count_nonzero(migrated > 1e-12)),
        "migrated_mtok": float(migrated.sum()),
        "lost_mtok_avoided": float(lost_avoided.sum()),
        "lost_mtok_at_source": float(lost.sum()),
        "deferred_mtok_avoided": float(deferred_avoided.sum()),
        "deferred_mtok_at_source": float(deferred.sum()),
        "curtailed_mwh_moved": float(source_mwh.sum()),
        "target_mwh": float(target_mwh.sum()),
        "lost_usd_avoided": float(lost_avoided.sum() * source.lost_usd_per_mtok),
        "target_energy_usd": float((target_mwh * at_target(target.price_usd_per_mwh)).sum()),
        "limited_by_room_hours": int(np.count_nonzero(scale < 1.0)),
        "hourly_mtok": migrated,
    }
