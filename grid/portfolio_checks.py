"""Constraints a studied portfolio misses, read from its stored result (grid.portfolio, per region).

Three constraints; the first two against the curtailment-enabled headroom at the rate the flexible bill view
assumes (FLEX_RATE_FRAC = 0.5 %, Norris et al. 2025):

- ``headroom_exceeded``: in some year the aggregate peak is above the system's headroom at that
  rate (headroom used > 100 %): the flexible view's premise (flexible load curtails ≤ 0.5 %) fails;
- ``curtailment_over_rate``: queue-order curtailment (later arrivals first) forces a member to
  curtail more than that share of its energy to keep the system within its historical peaks;
- ``reserve_margin_below_target``: the portfolio takes the reserve margin from at/above its target
  to below it (a system already below target before is context, stated in the tables, not a miss
  of the portfolio's).

Each entry: kind, label, message, region, years, and the worst figure (value, limit, unit) — the
same keys as a scenario run's constraints (planner.engine), so reports and lists treat them alike.
"""

from __future__ import annotations

from typing import Any

from grid.portfolio import FLEX_RATE_FRAC

LABELS = {
    "headroom_exceeded": "Curtailment-enabled headroom exceeded",
    "curtailment_over_rate": "Members forced to curtail beyond the headroom rate",
    "reserve_margin_below_target": "Reserve margin pushed below target",
}


def _years(years: list[int]) -> str:
    """2028, 2028–2030 (consecutive) or 2027, 2029."""
    if len(years) == 1:
        return str(years[0])
    if years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(y) for y in years)


def _headroom(slug: str, name: str, yearly: list[dict[str, Any]]) -> dict[str, Any] | None:
    rate_pct = FLEX_RATE_FRAC * 100
    over = []
    for row in yearly:
        used = next((h for h in row.get("headroom_used", []) if h["rate_pct"] == rate_pct), None)
        if used and used["used_frac"] is not None and used["used_frac"] > 1:
            over.append((row["year"], used["used_frac"], used["headroom_mw"], row["aggregate_peak_mw"]))
    if not over:
        return None
    year, frac, headroom_mw, peak_mw = max(over, key=lambda o: o[1])
    return {
        "kind": "headroom_exceeded",
        "label": f"{LABELS['headroom_exceeded']} ({name})",
        "message": f"the aggregate peak exceeds the system's headroom at {rate_pct:g} % curtailment "
        f"({headroom_mw:,.0f} MW) in {_years([o[0] for o in over])}; worst {year}: {peak_mw:,.0f} MW, "
        f"{100 * frac:.0f} % of it",
        "region": slug,
        "years": [o[0] for o in over],
        "value": round(100 * frac, 1),
        "limit": 100.0,
        "unit": "% of headroom",
    }


def _curtailment(slug: str, name: str, yearly: list[dict[str, Any]]) -> dict[str, Any] | None:
    worst: dict[str, tuple[float, int, float]] = {}
    years = set()
    for row in yearly:
        for member, c in (row.get("curtailment") or {}).get("members", {}).items():
            if c["rate_frac"] > FLEX_RATE_FRAC:
                years.add(row["year"])
                if member not in worst or c["rate_frac"] > worst[member][0]:
                    worst[member] = (c["rate_frac"], row["year"], c["hours_per_year"])
    if not worst:
        return None
    parts = [f"{m} {100 * r:.2f} % of its energy, {h:,.0f} h/yr ({y})" for m, (r, y, h) in worst.items()]
    return {
        "kind": "curtailment_over_rate",
        "label": f"{LABELS['curtailment_over_rate']} ({name})",
        "message": f"to stay within the historical seasonal peaks (queue order, later arrivals first) "
        f"members curtail more than {100 * FLEX_RATE_FRAC:g} % of their energy in {_years(sorted(years))}: "
        + "; ".join(parts),
        "region": slug,
        "years": sorted(years),
        "value": round(100 * max(r for r, _, _ in worst.values()), 4),
        "limit": 100 * FLEX_RATE_FRAC,
        "unit": "% of energy",
    }


def _reserve(slug: str, name: str, yearly: list[dict[str, Any]]) -> dict[str, Any] | None:
    below = [
        row
        for row in yearly
        if row["reserve_margin"]["before_pct"]
        >= row["reserve_margin"]["target_pct"]
        > row["reserve_margin"]["after_pct"]
    ]
    if not below:
        return None
    worst = min(below, key=lambda r: r["reserve_margin"]["after_pct"])
    margin = worst["reserve_margin"]
    return {
        "kind": "reserve_margin_below_target",
        "label": f"{LABELS['reserve_margin_below_target']} ({name})",
        "message": f"the reserve margin falls below its {margin['target_pct']:g} % target in "
        f"{_years([r['year'] for r in below])}; worst {worst['year']}: {margin['after_pct']:.2f} % "
        f"(from {margin['before_pct']:.2f} %), short {margin['shortfall_mw']:,.0f} MW",
        "region": slug,
        "years": [r["year"] for r in below],
        "value": margin["after_pct"],
        "limit": margin["target_pct"],
        "unit": "%",
    }


def missed_constraints(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The constraints a portfolio run's result misses, region by region (empty when none)."""
    out = []
    for slug, region in sorted((result.get("regions") or {}).items()):
        name = region.get("region_name", slug)
        yearly = region.get("yearly") or []
        for check in (_headroom, _curtailment, _reserve):
            entry = check(slug, name, yearly)
            if entry is not None:
                out.append(entry)
    return out
