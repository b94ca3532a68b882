"""A portfolio run's result as the tables its reports print (PDF, XLSX, CSV share them).

Every table is (headers with units, rows of raw values); the PDF formats the values, the XLSX
and CSV keep them as numbers. Reads only the stored result (grid.portfolio's per-region years).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grid.bills import VIEWS
from grid.portfolio import FLEX_RATE_FRAC, REQUIRED

VIEW_LABELS = {"socialised": "socialised", "large_load_tariff": "large-load tariff", "flexible": "flexible"}
BILL_ITEMS = (
    ("capacity_usd_per_month", "Capacity [USD/month]"),
    ("transmission_usd_per_month", "Transmission [USD/month]"),
    ("energy_usd_per_month", "Energy [USD/month]"),
    ("offsets_usd_per_month", "Offsets [USD/month]"),
    ("total_usd_per_month", "Total [USD/month]"),
    ("share_of_average_bill_pct", "Share of the average bill [%]"),
)


def headroom_used_pct(row: dict[str, Any], rate_pct: float = FLEX_RATE_FRAC * 100) -> float | None:
    used = next((h for h in row.get("headroom_used", []) if h["rate_pct"] == rate_pct), None)
    return None if used is None or used["used_frac"] is None else 100 * used["used_frac"]


def _bill(view: str, curtailed: bool = False) -> Callable[[dict[str, Any]], Any]:
    key = "bills_if_curtailed" if curtailed else "bills"
    return lambda y: ((y.get(key) or {}).get(view) or {}).get("total_usd_per_month")


# (header with unit, digits the PDF prints, value of one yearly row)
YEAR_COLUMNS: tuple[tuple[str, int, Callable[[dict[str, Any]], Any]], ...] = (
    ("Year", -1, lambda y: y["year"]),
    ("Aggregate coincident peak [MW]", 1, lambda y: y["aggregate_coincident_peak_mw"]),
    ("Aggregate peak [MW]", 1, lambda y: y["aggregate_peak_mw"]),
    ("Share of system peak [%]", 3, lambda y: y["share_of_system_peak_pct"]),
    ("Reserve margin before [%]", 2, lambda y: y["reserve_margin"]["before_pct"]),
    ("Reserve margin after [%]", 2, lambda y: y["reserve_margin"]["after_pct"]),
    ("Reserve margin target [%]", 2, lambda y: y["reserve_margin"]["target_pct"]),
    ("Capacity price step, aggregate [USD/MW-day]", 2, lambda y: y["capacity_price_step_usd_per_mw_day"]),
    ("Sum of members' separate steps [USD/MW-day]", 2, lambda y: y["sum_of_member_steps_usd_per_mw_day"]),
    ("Energy price rise [USD/MWh]", 3, lambda y: y["energy_price_rise_usd_per_mwh"]),
    ("Transmission upgrade [USD]", 0, lambda y: y["transmission_upgrade_cost_usd"]),
    *(
        (f"Bill, {VIEW_LABELS[v]} view [USD/month]", 2, _bill(v))
        for v in VIEWS  # bind v per column
    ),
    *((f"Bill if curtailed, {VIEW_LABELS[v]} view [USD/month]", 2, _bill(v, curtailed=True)) for v in VIEWS),
    (f"Headroom used at {FLEX_RATE_FRAC * 100:g} % curtailment [%]", 1, headroom_used_pct),
    (
        "Aggregate curtailment to stay within historical peaks [% of energy]",
        4,
        lambda y: None if not y["curtailment"].get("assessed", True) else 100 * y["curtailment"]["aggregate_rate_frac"],
    ),
)


def regions(result: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(slug, region result) in a stable order."""
    return sorted((result.get("regions") or {}).items())


def year_table(region: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    headers = [h for h, _, _ in YEAR_COLUMNS]
    return headers, [[get(y) for _, _, get in YEAR_COLUMNS] for y in region.get("yearly", [])]


def formatted(value: Any, digits: int) -> str:
    """A figure as the PDF's tables print it (fixed decimals, thousands separators)."""
    if value is None:
        return "—"
    if digits < 0 or (isinstance(value, int) and digits == 0):
        return str(value)
    return f"{value:,.{digits}f}"


def member_mw_table(region: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Coincident MW of each facility per year (the stacked chart's data)."""
    members = list(region.get("members", []))
    rows = [[y["year"], *[y["member_coincident_mw"].get(m) for m in members]] for y in region.get("yearly", [])]
    return ["Year", *[f"{m} coincident [MW]" for m in members]], rows


def bill_item_table(region: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Household bill by item and view, each year; as studied and if the members curtail."""
    headers = ["Year", "Case", "View", *[h for _, h in BILL_ITEMS]]
    rows = []
    for y in region.get("yearly", []):
        for case, key in (("as studied", "bills"), ("if curtailed", "bills_if_curtailed")):
            for view in VIEWS:
                items = (y.get(key) or {}).get(view) or {}
                rows.append([y["year"], case, VIEW_LABELS[view], *[items.get(k) for k, _ in BILL_ITEMS]])
    return headers, rows


def curtailment_table(region: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Which facilities curtail (queue order, later arrivals first), how much and how often, each year."""
    headers = ["Year", "Facility", "Must curtail", "Curtailed [MWh/yr]", "Rate [% of its energy]", "Hours [h/yr]"]
    rows = []
    for y in region.get("yearly", []):
        for member, c in (y.get("curtailment") or {}).get("members", {}).items():
            rows.append(
                [
                    y["year"],
                    member,
                    "yes" if c["must_curtail"] else "no",
                    c["curtailed_mwh_per_year"],
                    100 * c["rate_frac"],
                    c["hours_per_year"],
                ]
            )
    return headers, rows


def headroom_table(region: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The system's headroom at each curtailment rate and the share the portfolio uses each year."""
    years = [y["year"] for y in region.get("yearly", [])]
    headers = ["Curtailment rate [%]", "Headroom [MW]", "Curtailed hours [h/yr]", *[f"Used {y} [%]" for y in years]]
    rows = []
    for row in region.get("headroom", []):
        used = []
        for y in region.get("yearly", []):
            used.append(headroom_used_pct(y, row["rate_pct"]))
        rows.append([row["rate_pct"], row.get("headroom_mw"), row.get("curtailed_hours_per_year"), *used])
    return headers, rows


def source_table(
    result: dict[str, Any], own_regions: dict[str, Any] | None = None
) -> tuple[list[str], list[list[Any]]]:
    """Every region figure the study used: value, unit, source, and the reason when it is an assumption.
    ``own_regions``: the run's snapshot of the organisation's own regions (its inputs' ``own_regions``)."""
    from planner.portfolios.validation import region_of

    headers = ["Region", "Figure", "Value", "Unit", "Source", "Assumption (reason)"]
    rows = []
    for slug, region in regions(result):
        figures = region_of(slug, own_regions).figures
        for name in REQUIRED:
            figure = figures.get(name)
            if figure is not None:
                rows.append(
                    [
                        region.get("region_name", slug),
                        name,
                        figure.value,
                        figure.unit,
                        figure.source,
                        figure.assumption or "",
                    ]
                )
        for row in region.get("headroom", []):
            if row.get("source"):
                rows.append(
                    [
                        region.get("region_name", slug),
                        f"headroom at {row['rate_pct']:g} %",
                        row["headroom_mw"],
                        "MW",
                        row["source"],
                        "",
                    ]
                )
    return headers, rows


def assumptions(result: dict[str, Any]) -> list[tuple[str, str]]:
    """(topic, text) of the method and the assumptions every figure rests on, with their sources."""
    from grid import portfolio

    out = [
        ("Method", (portfolio.__doc__ or "").strip()),
        (
            "Headroom method",
            "Curtailment-enabled headroom after Norris, Profeta, Patino-Echeverri & Cowie-Haskell (2025), "
            '"Rethinking Load Growth", Duke University Nicholas Institute: thresholds are the system\'s '
            "historical seasonal peaks over all complete years of the load (summer peak for Apr–Oct, winter "
            "peak for Nov–Mar); the same load L is added to every hour; the rate is the mean over years of "
            "curtailed MWh ÷ (L × hours). Solved on the region's real hours (its history years rebuilt from "
            "their real daily peaks, grid/data/system_load.json) or an uploaded series; on a smooth month × hour "
            "profile the region's published headroom figures are used instead and curtailment is not assessed.",
        ),
        (
            "Curtailment queue order (assumption)",
            f"{portfolio.CURTAILMENT_ORDER}. Each hour, the room below the historical seasonal peaks is given "
            "to members in that order and the rest of each member's load is curtailed; a different order "
            "(pro rata, or by contract) would spread the same curtailment differently.",
        ),
        (
            "Flexible bill view",
            f"Only the load above the system's headroom at {FLEX_RATE_FRAC * 100:g} % curtailment is counted "
            "at the peak (as in a scenario run's flexible view).",
        ),
        (
            "System load growth and capacity (assumption)",
            "Each study year's system load is the history grown by the region's load_growth_frac_per_year "
            "(thresholds, room and headroom scale with it); the reserve margin before the portfolio is the "
            "region's figure every year (capacity is planned to the load forecast); capacity prices follow "
            "the market's demand curve and collar by delivery year.",
        ),
    ]
    for slug, region in regions(result):
        out.append((f"System load, {region.get('region_name', slug)}", region.get("system_load_source", "")))
        if region.get("geography"):
            out.append((f"Geography, {region.get('region_name', slug)}", region["geography"]))
    for member in result.get("members", []):
        out.append((f"Facility load, {member['name']}", member.get("load_source", "")))
    return out
