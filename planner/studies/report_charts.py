"""Static charts of a study report (matplotlib, through planner.reports.charts: Agg backend, one DPI,
one PNG writer). Each returns PNG bytes, or None when there is nothing to draw."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from planner.engine.studies.kpis import KPIS, SERIES
from planner.reports.charts import _png, plt

MAX_PANELS = 4


def _label(kpi: str) -> str:
    spec = KPIS.get(kpi)
    if spec is None:
        return kpi
    return f"{spec.label} [{spec.unit}]" if spec.unit else spec.label


def _positions(values: Sequence[Any]) -> tuple[np.ndarray, list[str] | None]:
    """Numbers stay numbers; anything else becomes categories in order of first appearance."""
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=float), None
    categories = list(dict.fromkeys(str(v) for v in values))
    return np.asarray([categories.index(str(v)) for v in values], dtype=float), categories


def kpis_against_field(points: Sequence[Mapping[str, Any]], field: str, kpis: Sequence[str]) -> bytes | None:
    """Each KPI (a panel, up to four) against one varied field, over the computed points."""
    usable = [p for p in points if field in p["values"] and p["kpis"]]
    panels = [k for k in kpis if any(p["kpis"].get(k) is not None for p in usable)][:MAX_PANELS]
    if not usable or not panels:
        return None
    figure, axes = plt.subplots(1, len(panels), figsize=(2.7 * len(panels), 2.5), squeeze=False)
    for axis, kpi in zip(axes[0], panels, strict=True):
        chosen = [p for p in usable if p["kpis"].get(kpi) is not None]
        x, categories = _positions([p["values"][field] for p in chosen])
        axis.scatter(x, [p["kpis"][kpi] for p in chosen], s=12)
        if categories is not None:
            axis.set_xticks(range(len(categories)), categories, rotation=30, ha="right", fontsize=6)
            axis.set_xlim(-0.5, len(categories) - 0.5)
        axis.set_xlabel(field, fontsize=7)
        axis.set_ylabel(_label(kpi), fontsize=7)
        axis.tick_params(labelsize=6)
        axis.grid(alpha=0.3)
    figure.tight_layout()
    return _png(figure)


def pareto(
    points: Sequence[Mapping[str, Any]], pair: Sequence[str], front: Sequence[int], best: int | None
) -> bytes | None:
    """Every computed candidate in the plane of two KPIs; the front joined and highlighted."""
    first, second = pair
    usable = {p["index"]: p for p in points if p["kpis"].get(first) is not None and p["kpis"].get(second) is not None}
    if not usable:
        return None
    figure, axes = plt.subplots(figsize=(6.0, 3.4))
    others = [p for i, p in usable.items() if i not in set(front)]
    axes.scatter(
        [p["kpis"][first] for p in others], [p["kpis"][second] for p in others], s=12, c="#9aa5b1", label="candidates"
    )
    on_front = [usable[i] for i in front if i in usable]
    axes.plot(
        [p["kpis"][first] for p in on_front],
        [p["kpis"][second] for p in on_front],
        "o-",
        color="#c2410c",
        markersize=6,
        label="Pareto front (feasible)",
    )
    for p in on_front:
        axes.annotate(
            str(p["index"]),
            (p["kpis"][first], p["kpis"][second]),
            fontsize=6,
            xytext=(3, 3),
            textcoords="offset points",
        )
    if best is not None and best in usable:
        axes.scatter(
            [usable[best]["kpis"][first]],
            [usable[best]["kpis"][second]],
            marker="*",
            s=160,
            c="#1d4e89",
            label="best (objective)",
            zorder=3,
        )
    axes.set_xlabel(_label(first), fontsize=8)
    axes.set_ylabel(_label(second), fontsize=8)
    axes.legend(fontsize=7)
    axes.grid(alpha=0.3)
    return _png(figure)


def fan(name: str, band: Mapping[str, Sequence[float]]) -> bytes | None:
    """P10–P90 band and P50 of a daily series across the samples."""
    if not band.get("p50"):
        return None
    days = np.arange(1, len(band["p50"]) + 1)
    spec = SERIES.get(name)
    figure, axes = plt.subplots(figsize=(7.2, 2.6))
    axes.fill_between(days, band["p10"], band["p90"], alpha=0.3, label="P10–P90")
    axes.plot(days, band["p50"], linewidth=1.0, label="P50")
    axes.set_xlabel("day of year")
    axes.set_ylabel(f"{spec.label} [{spec.unit}]" if spec else name, fontsize=8)
    axes.set_xlim(1, len(days))
    axes.legend(fontsize=7)
    axes.grid(alpha=0.3)
    return _png(figure)


def sobol_bars(sobol: Mapping[str, Mapping[str, Any]]) -> bytes | None:
    """First- and total-order Sobol indices per input, one panel per KPI, with bootstrap confidence."""
    panels = [(kpi, s) for kpi, s in sobol.items() if not s.get("error")]
    if not panels:
        return None
    figure, axes = plt.subplots(1, len(panels), figsize=(3.4 * len(panels), 2.8), squeeze=False)
    for axis, (kpi, s) in zip(axes[0], panels, strict=True):
        x = np.arange(len(s["inputs"]))
        axis.bar(x - 0.2, s["first_order"], 0.4, yerr=s.get("first_order_conf"), label="first order", capsize=2)
        axis.bar(x + 0.2, s["total_order"], 0.4, yerr=s.get("total_order_conf"), label="total", capsize=2)
        axis.set_xticks(x, s["inputs"], rotation=30, ha="right", fontsize=6)
        axis.set_title(_label(kpi), fontsize=7)
        axis.set_ylim(bottom=min(0.0, axis.get_ylim()[0]))
        axis.tick_params(labelsize=6)
        axis.grid(alpha=0.3, axis="y")
    axes[0][0].set_ylabel("Sobol index", fontsize=7)
    axes[0][0].legend(fontsize=6)
    figure.tight_layout()
    return _png(figure)


def histograms(points: Sequence[Mapping[str, Any]], kpis: Sequence[str]) -> bytes | None:
    """Distribution of each KPI over the samples (up to four panels), P10/P50/P90 marked."""
    columns = [(k, [p["kpis"][k] for p in points if p["kpis"].get(k) is not None]) for k in kpis]
    columns = [(k, c) for k, c in columns if len(c) > 1][:MAX_PANELS]
    if not columns:
        return None
    figure, axes = plt.subplots(1, len(columns), figsize=(2.7 * len(columns), 2.4), squeeze=False)
    for axis, (kpi, column) in zip(axes[0], columns, strict=True):
        axis.hist(column, bins=min(20, max(5, len(column) // 4)))
        for q in np.percentile(column, [10, 50, 90]):
            axis.axvline(q, color="black", linewidth=0.6, linestyle="--")
        axis.set_xlabel(_label(kpi), fontsize=7)
        axis.tick_params(labelsize=6)
    axes[0][0].set_ylabel("samples", fontsize=7)
    figure.tight_layout()
    return _png(figure)
