"""The flexibility dispatch in words and rows, one wording for the page, the PDF and the XLSX."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _mw(value: float) -> str:
    """MW with three significant figures below 100 MW (a 0.27 MW cluster is not '0.3 MW')."""
    decimals = 1 if abs(value) >= 10 else 2 if abs(value) >= 1 else 3
    return f"{value:,.{decimals}f}"


def flexibility_lever(flex: Mapping[str, Any] | None) -> str | None:
    """'flexible: N MW firm of M MW, X h/yr curtailed, $Y/yr' (None when the run has no dispatch).

    $Y is the cost of flexibility (dispatch cost − baseline cost); when negative — a battery's
    arbitrage and demand-charge savings outweigh what the events cost — it reads 'saves $Y/yr'.
    """
    if not isinstance(flex, Mapping) or "firm_mw" not in flex:
        return None
    firm, peak = _num(flex.get("firm_mw")) or 0.0, _num(flex.get("baseline_peak_mw")) or 0.0
    hours = int(flex.get("curtailed_hours") or 0)
    cost = _num(flex.get("cost_of_flexibility_usd_per_year")) or 0.0
    money = f"${cost:,.0f}/yr" if cost >= 0 else f"saves ${-cost:,.0f}/yr"
    text = f"flexible: {_mw(firm)} MW firm of {_mw(peak)} MW, {hours:,} h/yr curtailed, {money}"
    if not flex.get("feasible", True):
        text += " — the grid's caps are NOT met"
    return text


def flexibility_rows(flex: Mapping[str, Any] | None) -> list[tuple[str, Any, str]]:
    """(label, value, unit) rows of the dispatch's headline figures."""
    if not isinstance(flex, Mapping) or "firm_mw" not in flex:
        return []
    tokens = flex.get("tokens") or {}
    emissions = flex.get("emissions") or {}
    speed = flex.get("speed_to_power") or {}
    source = flex.get("reduction_by_source") or {}
    signal = flex.get("signal") or {}
    rows: list[tuple[str, Any, str]] = [
        ("Grid events met", "yes" if flex.get("feasible") else f"no — {flex.get('status', '')}", ""),
        ("Signal", f"{signal.get('kind', '')}: {signal.get('events', 0)} events, {signal.get('event_hours', 0)} h", ""),
        ("Peak at the meter (no flexibility)", flex.get("baseline_peak_mw"), "MW"),
        ("Firm at the meter (most drawn in an event hour)", flex.get("firm_mw"), "MW"),
        ("Flexible", flex.get("flexible_mw"), "MW"),
        ("Hours curtailed", flex.get("curtailed_hours"), "h/yr"),
        ("Energy curtailed at the meter", flex.get("curtailed_mwh"), "MWh/yr"),
        ("… by power caps", source.get("power_caps_mwh"), "MWh/yr"),
        ("… by deferring work", source.get("deferral_mwh"), "MWh/yr"),
        ("… by the battery", source.get("battery_mwh"), "MWh/yr"),
        ("… by on-site generation", source.get("generation_mwh"), "MWh/yr"),
        ("… by shedding load", source.get("shedding_mwh"), "MWh/yr"),
        ("Output tokens lost", tokens.get("lost_mtok"), "million/yr"),
        ("Output tokens deferred", tokens.get("deferred_mtok"), "million/yr"),
        ("Cost of flexibility", flex.get("cost_of_flexibility_usd_per_year"), "USD/yr"),
        ("Cost of flexibility per event", flex.get("cost_of_flexibility_usd_per_event"), "USD/event"),
        ("On-site generation emissions", emissions.get("onsite_generation_tco2"), "tCO2/yr"),
        ("Change in grid emissions", emissions.get("grid_change_tco2e"), "tCO2e/yr"),
    ]
    if speed:
        rows += [
            (
                "Speed to power: fits today if firm",
                f"0 MW, {speed['firm_note']}" if speed.get("firm_note") else speed.get("fits_if_firm_mw"),
                "" if speed.get("firm_note") else "MW",
            ),
            ("Hours a constant load of the peak would be over θ", speed.get("hours_over_threshold_at_peak"), "h/yr"),
            (
                "Speed to power: fits today if flexible",
                speed.get("fits_if_flexible_mw")
                if speed.get("fits_if_flexible_mw") is not None
                else f"— ({speed.get('note') or 'the dispatch does not meet the events'})",
                "MW" if speed.get("fits_if_flexible_mw") is not None else "",
            ),
        ]
    solver = flex.get("solver") or {}
    rows.append(("Dispatch LP", f"{solver.get('variables', 0):,} variables, {solver.get('solve_s', 0)} s", ""))
    return rows
