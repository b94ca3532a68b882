"""Static charts for the PDF (matplotlib, Agg backend: no display, no browser). Each returns PNG bytes."""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from planner.reports.units import label_of, unit_of

DPI = 110
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def _month_of_hour(hours: int) -> np.ndarray:
    return np.repeat(np.repeat(np.arange(12), _MONTH_DAYS), 24)[:hours]


def facility_power(hourly: dict[str, np.ndarray]) -> bytes | None:
    """Facility, IT and cooling power over the year [MW] (the result page's main chart)."""
    if "facility_power_mw" not in hourly:
        return None
    figure, axes = plt.subplots(figsize=(7.2, 2.8))
    hours = np.arange(len(hourly["facility_power_mw"]))
    for name, label in (("facility_power_mw", "Facility"), ("it_power_mw", "IT"), ("cooling_power_mw", "Cooling")):
        if name in hourly:
            axes.plot(hours / 24, hourly[name], linewidth=0.5, label=label, rasterized=True)
    axes.set_xlabel("day of year")
    axes.set_ylabel("power [MW]")
    axes.set_xlim(0, len(hours) / 24)
    axes.legend(loc="upper right", fontsize=7, ncols=3)
    axes.grid(alpha=0.3)
    return _png(figure)


def load_duration(hourly: dict[str, np.ndarray]) -> bytes | None:
    """Facility power sorted from the highest hour to the lowest [MW]."""
    if "facility_power_mw" not in hourly:
        return None
    figure, axes = plt.subplots(figsize=(3.5, 2.6))
    axes.plot(np.sort(hourly["facility_power_mw"])[::-1], linewidth=1.2)
    axes.set_xlabel("hours of the year at or above")
    axes.set_ylabel("facility power [MW]")
    axes.grid(alpha=0.3)
    return _png(figure)


def monthly_day_profile(hourly: dict[str, np.ndarray], name: str = "facility_power_mw") -> bytes | None:
    """Mean of a series by month and hour of day (heat map)."""
    if name not in hourly or len(hourly[name]) != 8760:
        return None
    grid = np.zeros((12, 24))
    month = _month_of_hour(8760)
    hour = np.tile(np.arange(24), 365)
    np.add.at(grid, (month, hour), hourly[name])
    counts = np.zeros((12, 24))
    np.add.at(counts, (month, hour), 1.0)
    figure, axes = plt.subplots(figsize=(3.5, 2.6))
    image = axes.imshow(grid / counts, aspect="auto", cmap="viridis")
    axes.set_yticks(range(12), _MONTH_NAMES, fontsize=6)
    axes.set_xlabel("hour of day")
    figure.colorbar(image, ax=axes, label=f"Mean {label_of(name)[:1].lower()}{label_of(name)[1:]} [{unit_of(name)}]")
    return _png(figure)


def pue_vs_temperature(hourly: dict[str, np.ndarray]) -> bytes | None:
    if "pue" not in hourly or "dry_bulb_c" not in hourly:
        return None
    figure, axes = plt.subplots(figsize=(3.5, 2.6))
    axes.scatter(hourly["dry_bulb_c"], hourly["pue"], s=1, alpha=0.3, rasterized=True)
    axes.set_xlabel("outdoor dry bulb [°C]")
    axes.set_ylabel("hourly PUE [-]")
    axes.grid(alpha=0.3)
    return _png(figure)


def energy_breakdown(breakdown: dict[str, Any]) -> bytes | None:
    """Annual energy by where it goes [MWh/year] (the Sankey's flows, as bars)."""
    items = [(k, float(v)) for k, v in breakdown.items() if isinstance(v, int | float) and k != "it_power_factor"]
    if not items:
        return None
    labels, values = zip(*items, strict=True)
    figure, axes = plt.subplots(figsize=(3.5, 2.6))
    axes.barh([label.replace("_", " ").capitalize() for label in labels], values)
    axes.invert_yaxis()
    axes.tick_params(axis="y", labelsize=6)
    axes.set_xlabel(f"energy [{breakdown.get('unit', 'MWh per year')}]")
    return _png(figure)


def grid_signals(hourly: dict[str, np.ndarray]) -> bytes | None:
    """Monthly means of carbon intensity [gCO2/kWh] and price [USD/MWh]."""
    have = [n for n in ("carbon_intensity_g_per_kwh", "price_usd_per_mwh") if n in hourly]
    if not have or len(hourly[have[0]]) != 8760:
        return None
    month = _month_of_hour(8760)
    figure, axes = plt.subplots(figsize=(3.5, 2.6))
    axis = axes
    for index, name in enumerate(have):
        means = np.bincount(month, weights=hourly[name], minlength=12) / np.bincount(month, minlength=12)
        if index:
            axis = axes.twinx()
        axis.plot(range(12), means, marker="o", color=f"C{index}", label=label_of(name))
        axis.set_ylabel(f"{label_of(name)} [{unit_of(name)}]", fontsize=7, color=f"C{index}")
    axes.set_xticks(range(12), [m[0] for m in _MONTH_NAMES])
    return _png(figure)


def bill_views(bill: dict[str, Any]) -> bytes | None:
    """Household bill change per month by view, items stacked [USD/month]."""
    views = bill.get("views") if isinstance(bill, dict) else None
    if not views:
        return None
    items = ("capacity_usd_per_month", "transmission_usd_per_month", "energy_usd_per_month", "offsets_usd_per_month")
    figure, axes = plt.subplots(figsize=(3.5, 2.6))
    from grid.bills import VIEWS

    names = [v for v in VIEWS if v in views] + sorted(v for v in views if v not in VIEWS)
    positive = np.zeros(len(names))
    negative = np.zeros(len(names))
    for item in items:
        values = np.array([float((views[v] or {}).get(item, 0.0) or 0.0) for v in names])
        bottom = np.where(values >= 0, positive, negative)
        axes.bar([v.replace("_", " ") for v in names], values, bottom=bottom, label=label_of(item))
        positive += np.clip(values, 0, None)
        negative += np.clip(values, None, 0)
    axes.axhline(0, color="black", linewidth=0.6)
    axes.set_ylabel("USD per household per month")
    axes.legend(fontsize=6)
    axes.tick_params(axis="x", labelsize=7)
    return _png(figure)


def flex_week(hourly: dict[str, np.ndarray], worst: dict[str, int] | None) -> bytes | None:
    """The week around the worst event: served IT, cooling, curtailed (stacked), battery, generation, meter."""
    if not worst or "flex_meter_mw" not in hourly or "facility_power_mw" not in hourly:
        return None
    week = slice(worst["week_start_hour"], worst["week_end_hour"])
    base = hourly["facility_power_mw"][week]
    zero = np.zeros(base.size)

    def part(name: str) -> np.ndarray:
        return hourly[name][week] if name in hourly else zero

    shift = part("flex_deferral_shift_mw")
    curtailed = part("flex_cap_saving_mw") + part("flex_shed_mw") + np.maximum(-shift, 0.0)
    consumed = base - curtailed + np.maximum(shift, 0.0)
    it_share = np.divide(part("it_power_mw"), base, out=zero.copy(), where=base > 0)
    served_it = consumed * it_share
    hours = np.arange(base.size)
    figure, axes = plt.subplots(figsize=(7.2, 2.8))
    axes.stackplot(
        hours,
        served_it,
        consumed - served_it,
        curtailed,
        labels=("served IT", "cooling and losses", "curtailed"),
        colors=("#1d3557", "#4cc9f0", "#e76f51"),
        alpha=0.85,
    )
    axes.plot(hours, part("flex_battery_mw"), color="#2a9d8f", linewidth=1.2, label="battery (+ discharge)")
    axes.plot(hours, part("flex_generation_mw"), color="#6a4c93", linewidth=1.2, label="on-site generation")
    axes.plot(hours, part("flex_meter_mw"), color="#264653", linewidth=1.4, label="grid meter")
    event = part("flex_event_frac") > 0
    axes.plot(hours, np.where(event, part("flex_event_cap_mw"), np.nan), "--", color="#d62828", label="event cap")
    axes.set_xlabel(f"hour from hour {worst['week_start_hour']} of the year")
    axes.set_ylabel("power [MW]")
    axes.legend(loc="upper right", fontsize=6, ncols=4)
    axes.grid(alpha=0.3)
    return _png(figure)


def flex_duration(hourly: dict[str, np.ndarray]) -> bytes | None:
    """Meter power sorted from the highest hour to the lowest, before and after the dispatch [MW]."""
    if "flex_meter_mw" not in hourly or "facility_power_mw" not in hourly:
        return None
    figure, axes = plt.subplots(figsize=(3.5, 2.6))
    axes.plot(np.sort(hourly["facility_power_mw"])[::-1], linewidth=1.2, color="#adb5bd", label="without flexibility")
    axes.plot(np.sort(hourly["flex_meter_mw"])[::-1], linewidth=1.2, color="#264653", label="with the dispatch")
    axes.set_xlabel("hours of the year at or above")
    axes.set_ylabel("meter power [MW]")
    axes.legend(fontsize=6)
    axes.grid(alpha=0.3)
    return _png(figure)
