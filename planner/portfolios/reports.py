"""A portfolio run as the files a utility files with a regulator: PDF, XLSX and CSV.

Built by the one report job (planner.reports.services: request, queue, cache, recovery); this
module only lays the stored result out. Tables come from report_tables, charts are matplotlib
PNGs (Agg) like the scenario reports'. Missed constraints (grid.portfolio_checks) come first in
every file.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from grid.bills import VIEWS
from grid.portfolio_checks import missed_constraints
from planner.portfolios import report_tables as tables
from planner.reports.builders import CONTENT_TYPES, BuiltFile, _data_uri, text_safe_sheet
from planner.reports.charts import _png
from planner.reports.units import fmt

FIGSIZE = (7.2, 2.6)


def _years(region: dict[str, Any]) -> list[int]:
    return [y["year"] for y in region.get("yearly", [])]


def _done(figure, axes, years: list[int], legend_size: int = 7) -> bytes:
    axes.set_xticks(years, [str(y) for y in years])
    axes.legend(fontsize=legend_size, loc="best")
    return _png(figure)


def chart_stack(region: dict[str, Any]) -> bytes:
    """Coincident MW by facility, stacked per year, and the aggregate as % of the system peak."""
    years, yearly = _years(region), region.get("yearly", [])
    figure, axes = plt.subplots(figsize=FIGSIZE)
    bottom = [0.0] * len(years)
    for member in region.get("members", []):
        values = [y["member_coincident_mw"].get(member, 0.0) for y in yearly]
        axes.bar(years, values, bottom=bottom, label=member)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_ylabel("coincident MW")
    right = axes.twinx()
    right.plot(years, [y["share_of_system_peak_pct"] for y in yearly], color="black", marker="o", label="% of peak")
    right.set_ylabel("% of system peak")
    right.set_ylim(bottom=0)
    return _done(figure, axes, years)


def chart_reserve(region: dict[str, Any]) -> bytes:
    years, yearly = _years(region), region.get("yearly", [])
    figure, axes = plt.subplots(figsize=FIGSIZE)
    for key, label, style in (
        ("before_pct", "before", "--"),
        ("after_pct", "after", "-"),
        ("target_pct", "target", ":"),
    ):
        axes.plot(years, [y["reserve_margin"][key] for y in yearly], style, marker="o", label=label)
    axes.set_ylabel("reserve margin [%]")
    return _done(figure, axes, years)


def chart_bills(region: dict[str, Any]) -> bytes:
    years, yearly = _years(region), region.get("yearly", [])
    figure, axes = plt.subplots(figsize=FIGSIZE)
    for index, view in enumerate(VIEWS):
        colour = f"C{index}"
        axes.plot(
            years,
            [y["bills"][view]["total_usd_per_month"] for y in yearly],
            color=colour,
            marker="o",
            label=tables.VIEW_LABELS[view],
        )
        if all(y.get("bills_if_curtailed") for y in yearly):  # not on a smooth profile (curtailment not assessed)
            axes.plot(
                years,
                [y["bills_if_curtailed"][view]["total_usd_per_month"] for y in yearly],
                "--",
                color=colour,
                label=f"{tables.VIEW_LABELS[view]}, if curtailed",
            )
    axes.set_ylabel("USD per household per month")
    return _done(figure, axes, years, legend_size=6)


def chart_headroom(region: dict[str, Any]) -> bytes:
    years, yearly = _years(region), region.get("yearly", [])
    figure, axes = plt.subplots(figsize=FIGSIZE)
    for row in region.get("headroom", []):
        used = [tables.headroom_used_pct(y, row["rate_pct"]) for y in yearly]
        if any(u is not None for u in used):
            axes.plot(
                years,
                [u if u is not None else float("nan") for u in used],
                marker="o",
                label=f"{row['rate_pct']:g} % curtailment",
            )
    axes.axhline(100, color="black", linewidth=0.8)
    axes.set_ylabel("headroom used [%]")
    return _done(figure, axes, years)


CHARTS = (
    ("Coincident MW by facility (stacked) and share of the system peak", chart_stack),
    ("Reserve margin path", chart_reserve),
    ("Household bill impact by view (dashed: if the members curtail)", chart_bills),
    ("Curtailment-enabled headroom used", chart_headroom),
)


def _table(headers_rows: tuple[list[str], list[list[Any]]], digits: list[int] | None = None) -> dict[str, Any]:
    """Cells as the PDF prints them: fixed decimals per column (``digits``; −1 = as is, e.g. a year),
    else 4 significant digits (planner.reports.units.fmt); text as it is."""
    headers, rows = headers_rows
    out = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            if isinstance(value, str):
                cells.append(value)
            elif digits is None:
                cells.append("—" if value is None else fmt(value))
            else:
                cells.append(tables.formatted(value, digits[i] if i < len(digits) else digits[-1]))
        out.append(cells)
    return {"headers": headers, "rows": out}


def build_pdf(run) -> bytes:
    from weasyprint import HTML

    result = run.result or {}
    digits = [d for _, d, _ in tables.YEAR_COLUMNS]
    regions = [
        {
            "slug": slug,
            "name": region.get("region_name", slug),
            "region": region,
            "years": _table(tables.year_table(region), digits),
            "members": _table(tables.member_mw_table(region), [-1, 1]),
            "curtailment": _table(tables.curtailment_table(region), [-1, 0, 0, 1, 4, 1]),
            "headroom": _table(tables.headroom_table(region), [2, 0, 1, 1]),
            "bills": _table(tables.bill_item_table(region), [-1, 0, 0, 3, 3, 3, 3, 3, 4]),
            "charts": [(title, _data_uri(draw(region))) for title, draw in CHARTS],
        }
        for slug, region in tables.regions(result)
    ]
    context = {
        "run": run,
        "portfolio": run.portfolio,
        "result": result,
        "constraints": missed_constraints(result),
        "regions": regions,
        "assumptions": tables.assumptions(result),
        "sources": _table(tables.source_table(result, run.inputs.get("own_regions"))),
        "generated_at": timezone.now(),
    }
    return HTML(string=render_to_string("portfolios/report.html", context)).write_pdf()


def build_xlsx(run) -> bytes:
    from openpyxl import Workbook

    result = run.result or {}
    book = Workbook(write_only=True)
    constraints = missed_constraints(result)
    if constraints:  # first, so that nobody reads the figures without it
        sheet = text_safe_sheet(book, "Constraints not met")
        sheet.append(["Completed — constraints not met: the figures describe a portfolio that misses these"])
        sheet.append(["constraint", "what", "region", "years", "limit", "value", "unit"])
        for c in constraints:
            sheet.append(
                [
                    c["label"],
                    c["message"],
                    c["region"],
                    ", ".join(map(str, c["years"])),
                    c["limit"],
                    c["value"],
                    c["unit"],
                ]
            )
    sheet = text_safe_sheet(book, "Summary")
    for row in (
        ["portfolio", run.portfolio.name],
        ["portfolio run", run.pk],
        ["finished (UTC)", run.finished_at.strftime("%Y-%m-%d %H:%M") if run.finished_at else ""],
        ["years", f"{result['years'][0]}–{result['years'][-1]}" if result.get("years") else ""],
    ):
        sheet.append(row)
    sheet.append([])
    sheet.append(["topic", "method and assumptions"])
    for topic, text in tables.assumptions(result):
        sheet.append([topic, text])
    sheet = text_safe_sheet(book, "Members")
    sheet.append(
        [
            "facility",
            "scenario",
            "region",
            "in service",
            "ramp",
            "ramp unit",
            "peak in final year [MW]",
            "full build [MW]",
            "load from",
        ]
    )
    for m in result.get("members", []):
        sheet.append(
            [
                m["name"],
                m["scenario_name"],
                m["region"],
                m["in_service_year"],
                ", ".join(f"{v:g}" for v in m["ramp"]),
                m["ramp_unit"],
                m["final_peak_mw"],
                m.get("full_build_peak_mw"),
                m["load_source"],
            ]
        )
    for title, table in (
        ("Years", tables.year_table),
        ("Facility MW", tables.member_mw_table),
        ("Bills by item", tables.bill_item_table),
        ("Curtailment", tables.curtailment_table),
        ("Headroom", tables.headroom_table),
    ):
        sheet = text_safe_sheet(book, title)
        for slug, region in tables.regions(result):
            headers, rows = table(region)
            sheet.append(["Region", *headers])
            for row in rows:
                sheet.append([slug, *row])
    sheet = text_safe_sheet(book, "Sources")
    headers, rows = tables.source_table(result, run.inputs.get("own_regions"))
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def build_csv(run) -> bytes:
    """The year-by-year table of every region (missed constraints above it as # comment lines)."""
    result = run.result or {}
    buffer = io.StringIO()
    for c in missed_constraints(result):
        buffer.write(f"# Completed — constraints not met: {c['label']}: {c['message']}\n")
    writer = csv.writer(buffer, lineterminator="\n")
    for i, (slug, region) in enumerate(tables.regions(result)):
        headers, rows = tables.year_table(region)
        if i == 0:
            writer.writerow(["Region", *headers])
        for row in rows:
            writer.writerow([slug, *["" if v is None else v for v in row]])
    return buffer.getvalue().encode()


BUILDERS = {"pdf": build_pdf, "xlsx": build_xlsx, "csv": build_csv}


def build_portfolio_file(*, kind: str, run) -> BuiltFile:
    name = slugify(run.portfolio.name)[:60] or "portfolio"
    return BuiltFile(
        data=BUILDERS[kind](run), content_type=CONTENT_TYPES[kind], filename=f"portfolio-run-{run.pk}-{name}.{kind}"
    )
