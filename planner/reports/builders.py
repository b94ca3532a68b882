"""Lay a ReportContent out as a file: PDF (WeasyPrint), XLSX (openpyxl), CSV or JSON."""

from __future__ import annotations

import base64
import csv
import io
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.template.loader import render_to_string
from django.utils.text import slugify

from planner.engine.flex_summary import flexibility_lever, flexibility_rows
from planner.engine.result import to_jsonable
from planner.reports import charts
from planner.reports.content import ReportContent, hourly_stats, lookup
from planner.reports.units import fmt, header_of, label_of
from planner.scenarios.catalogs import TARIFF_LABELS

MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
BILL_ITEMS = ("capacity_usd_per_month", "transmission_usd_per_month", "energy_usd_per_month", "offsets_usd_per_month")


@dataclass(frozen=True)
class BuiltFile:
    data: bytes
    content_type: str
    filename: str


def calendar_columns(hours: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Month (1–12), day of month and hour of day of each hour of a 365-day year."""
    month = np.repeat(np.repeat(np.arange(1, 13), MONTH_DAYS), 24)[:hours]
    day = np.repeat(np.concatenate([np.arange(1, n + 1) for n in MONTH_DAYS]), 24)[:hours]
    hour = np.tile(np.arange(24), 365)[:hours]
    return month, day, hour


def hourly_table(content: ReportContent) -> tuple[list[str], list[str], np.ndarray]:
    """(series names, headers with units, 8,760 × columns array) in a stable order."""
    names = list(content.hourly)
    hours = len(next(iter(content.hourly.values()))) if names else 0
    month, day, hour = calendar_columns(hours)
    headers = ["hour_of_year", "month", "day", "hour_of_day", *[header_of(n) for n in names]]
    columns = [np.arange(hours), month, day, hour, *[np.asarray(content.hourly[n], dtype=float) for n in names]]
    return names, headers, np.column_stack(columns) if names else np.zeros((0, 4))


def bill_rows(result: dict[str, Any]) -> tuple[list[str], list[dict[str, str]]]:
    """Itemised household bill change per view: views, then one row per item."""
    bill = result.get("household_bill_usd_per_month") or {}
    views = bill.get("views") or {}
    names = view_order(views)
    rows = []
    for item in (*BILL_ITEMS, "total_usd_per_month", "share_of_average_bill_pct"):
        unit = "%" if item.endswith("_pct") else "USD/month"
        # A view the run could not compute (the flexible view without flexible load) is None: "—".
        values = ["—" if views[v] is None else fmt(views[v].get(item)) for v in names]
        rows.append({"item": label_of(item), "unit": unit, "values": values})
    return names, rows


# The operator-cost block of a result: key → (label, unit); money rounded to whole dollars.
COST_ROWS = {
    "energy_usd": ("Energy", "USD/year"),
    "demand_charge_usd": ("Demand charges", "USD/year"),
    "capacity_usd": ("Capacity", "USD/year"),
    "transmission_usd": ("Transmission", "USD/year"),
    "total_usd": ("Total operator cost", "USD/year"),
    "usd_per_mwh": ("Average cost of facility energy", "USD/MWh"),
    "billed_capacity_mw": ("Billed capacity", "MW"),
    "billed_transmission_mw": ("Billed transmission demand", "MW"),
    "mean_billing_demand_mw": ("Mean monthly billing demand", "MW"),
    "tariff": ("Tariff", ""),
}


def cost_rows(cost: dict[str, Any]) -> list[dict[str, str]]:
    """The operator-cost table: human labels, rounded figures, units (keys not listed are left out)."""
    rows = []
    for key, (label, unit) in COST_ROWS.items():
        if key not in cost:
            continue
        value = cost[key]
        if key == "tariff":
            text = TARIFF_LABELS.get(str(value), str(value))
        elif unit == "USD/year" and isinstance(value, int | float):
            text = f"{round(value):,}"
        else:
            text = fmt(value) if value is not None else "—"
        rows.append({"label": label, "value": text, "unit": unit})
    return rows


def view_order(views: dict[str, Any]) -> list[str]:
    """The three views in the engine's order (PostgreSQL's JSONB does not keep key order)."""
    from grid.bills import VIEWS

    return [v for v in VIEWS if v in views] + sorted(v for v in views if v not in VIEWS)


def _filename(content: ReportContent, extension: str) -> str:
    return f"run-{content.run_id}-{slugify(content.scenario_name)[:60] or 'scenario'}.{extension}"


def _data_uri(png: bytes | None) -> str | None:
    return None if png is None else "data:image/png;base64," + base64.b64encode(png).decode()


def build_pdf(content: ReportContent) -> bytes:
    from weasyprint import HTML

    result = content.result
    bill = result.get("household_bill_usd_per_month") or {}
    views, bill_table = bill_rows(result)
    chart_list = [
        ("Facility, IT and cooling power over the year", charts.facility_power(content.hourly)),
        ("Load duration curve of facility power", charts.load_duration(content.hourly)),
        ("Mean facility power by month and hour of day [MW]", charts.monthly_day_profile(content.hourly)),
        ("Hourly PUE against outdoor temperature", charts.pue_vs_temperature(content.hourly)),
        ("Annual energy by destination", charts.energy_breakdown(result.get("breakdown") or {})),
        ("Monthly mean carbon intensity and price", charts.grid_signals(content.hourly)),
        ("Household bill change by view", charts.bill_views(bill)),
        (
            "Flexible operation: the week around the worst event",
            charts.flex_week(content.hourly, lookup(result, "flexibility_dispatch.worst_event")),
        ),
        ("Flexible operation: meter load duration before and after", charts.flex_duration(content.hourly)),
    ]
    context = {
        "c": content,
        "charts": [(title, _data_uri(png)) for title, png in chart_list if png is not None],
        "stats": hourly_stats(content.hourly),
        "bill": bill,
        "bill_views": views,
        "bill_rows": bill_table,
        "bill_headline": {
            "view": bill.get("view", ""),
            "total": fmt(bill.get("total_usd_per_month")),
            "share": fmt(bill.get("share_of_average_bill_pct")),
            "average": fmt(bill.get("average_bill_usd_per_month")),
            "lag": fmt(bill.get("rate_case_lag_months")),
        },
        "pools": result.get("pools") or [],
        "workloads": content.inputs.get("workloads", []),
        "hardware": content.inputs.get("hardware", []),
        "site": content.inputs.get("site", {}),
        "grid": content.inputs.get("grid", {}),
        "fleet": content.inputs.get("fleet", {}),
        "warnings": result.get("warnings") or [],
        "carbon": result.get("carbon") or {},
        "cost": cost_rows(result.get("operator_cost_breakdown_usd") or {}),
        "flexibility_rates": lookup(result, "flexibility.rates") or [],
        "tco": tco_view(result.get("tco")),
        "flex_lever": flexibility_lever(result.get("flexibility_dispatch")),
        "flex_rows": [
            (label, fmt(value) if isinstance(value, int | float) else value, unit)
            for label, value, unit in flexibility_rows(result.get("flexibility_dispatch"))
        ],
    }
    html = render_to_string("reports/report.html", context)
    return HTML(string=html).write_pdf()


def tco_view(tco: dict[str, Any] | None) -> dict[str, Any] | None:
    """The TCO block formatted for the PDF: headline figures, lines and the category breakdown."""
    if not tco:
        return None
    total = tco.get("tco_usd_per_year") or 0.0
    return {
        "total": fmt(total),
        "per_mtok": fmt(tco.get("usd_per_million_output_tokens")),
        "per_mtok_input": fmt(tco.get("usd_per_million_input_tokens")),
        "per_kw_month": fmt(tco.get("usd_per_kw_month")),
        "tokens_per_mw": fmt(tco.get("output_tokens_per_s_per_mw")),
        "lines": [
            {
                "item": line["item"],
                "category": line["category"],
                "capex": fmt(line["capex_usd"]) if line.get("capex_usd") else "",
                "life": fmt(line["life_years"]) if line.get("life_years") else "",
                "annual": fmt(line["annual_usd"]),
                "basis": line.get("basis", ""),
                "sources": "; ".join(line.get("sources", [])),
                "assumption": line.get("assumption", False),
            }
            for line in tco.get("lines", [])
        ],
        "breakdown": [
            (name, fmt(value), f"{100 * value / total:.1f} %" if total else "")
            for name, value in (tco.get("breakdown_usd_per_year") or {}).items()
        ],
        "per_mtok_all": fmt(tco.get("usd_per_million_tokens")),
        "allocation_rule": tco.get("allocation_rule", ""),
        "by_workload": [
            {
                "workload": name,
                "devices": fmt(row.get("devices")),
                "share": f"{100 * row.get('share_frac', 0.0):.1f} %",
                "annual": fmt(row.get("usd_per_year")),
                "per_mtok": fmt(row.get("usd_per_million_output_tokens")),
                "per_mtok_all": fmt(row.get("usd_per_million_tokens")),
            }
            for name, row in (tco.get("by_workload") or {}).items()
        ],
    }


def _tco_sheet(book: Any, tco: dict[str, Any] | None) -> None:
    if not tco:
        return
    sheet = text_safe_sheet(book, "TCO")
    sheet.append(["KPI", "value", "unit"])
    for key, unit in (
        ("tco_usd_per_year", "USD/year"),
        ("capex_usd", "USD"),
        ("usd_per_million_output_tokens", "USD per million output tokens"),
        ("usd_per_million_input_tokens", "USD per million prompt tokens"),
        ("usd_per_million_tokens", "USD per million tokens (prompt + output)"),
        ("usd_per_kw_month", "USD per kW-month (critical IT)"),
        ("output_tokens_per_s_per_mw", "output tokens/s per MW (peak facility)"),
        ("annual_output_tokens", "tokens/year"),
        ("annual_input_tokens", "tokens/year"),
    ):
        sheet.append([key, tco.get(key), unit])
    sheet.append([])
    sheet.append(
        [
            "workload",
            "devices",
            "share of TCO",
            "USD/year",
            "USD per million output tokens",
            "USD per million tokens (prompt + output)",
            "allocation rule",
        ]
    )
    for name, row in (tco.get("by_workload") or {}).items():
        sheet.append(
            [
                name,
                row.get("devices"),
                row.get("share_frac"),
                row.get("usd_per_year"),
                row.get("usd_per_million_output_tokens"),
                row.get("usd_per_million_tokens"),
                tco.get("allocation_rule", ""),
            ]
        )
    sheet.append([])
    sheet.append(["breakdown", "USD/year"])
    for name, value in (tco.get("breakdown_usd_per_year") or {}).items():
        sheet.append([name, value])
    sheet.append([])
    sheet.append(
        ["item", "category", "capex [USD]", "life [years]", "annual [USD/year]", "basis", "assumption", "sources"]
    )
    for line in tco.get("lines", []):
        sheet.append(
            [
                line["item"],
                line["category"],
                line["capex_usd"],
                line["life_years"],
                line["annual_usd"],
                line["basis"],
                "yes" if line["assumption"] else "",
                "; ".join(line["sources"]),
            ]
        )
    sheet.append([])
    sheet.append(["figure", "value", "unit", "source", "assumption (reason)"])
    for name, figure in (tco.get("figures") or {}).items():
        sheet.append([name, figure["value"], figure["unit"], figure["source"], figure.get("reason") or ""])


def _flatten(document: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(document, dict):
        out: list[tuple[str, Any]] = []
        for key, value in document.items():
            out.extend(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(document, list):
        out = []
        for index, value in enumerate(document):
            out.extend(_flatten(value, f"{prefix}[{index}]"))
        return out
    return [(prefix, document)]


# A text cell starting with one of these is a formula (or becomes one on edit) in spreadsheet
# programs: OWASP "CSV injection" lists = + - @ tab and carriage return.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class _TextSafeSheet:
    """A write-only sheet whose string cells are always text: a workload named ``=HYPERLINK(…)``
    is written as a string cell (type ``s``), never as a formula. Every sheet of the workbook is
    created through :func:`_sheet`, so no sheet can skip it."""

    def __init__(self, sheet: Any) -> None:
        self._sheet = sheet

    def append(self, row: list[Any]) -> None:
        self._sheet.append([self._cell(value) for value in row])

    def _cell(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
            from openpyxl.cell import WriteOnlyCell

            cell = WriteOnlyCell(self._sheet, value=value)
            cell.data_type = "s"
            return cell
        return value


def text_safe_sheet(book: Any, title: str) -> _TextSafeSheet:
    """A write-only sheet whose text cells can never be read as formulas (every workbook uses it)."""
    return _TextSafeSheet(book.create_sheet(title))


def _flexibility_sheet(book: Any, flex: dict[str, Any] | None) -> None:
    """The dispatch's headline figures, its binding constraints and the figures it used, with sources."""
    if not flex:
        return
    sheet = text_safe_sheet(book, "Flexibility")
    sheet.append([flexibility_lever(flex)])
    sheet.append(["figure", "value", "unit"])
    for label, value, unit in flexibility_rows(flex):
        sheet.append([label, value if isinstance(value, int | float | str) or value is None else str(value), unit])
    for binding in flex.get("binding") or []:
        sheet.append(["binding constraint", binding.get("constraint"), binding.get("message")])
    sheet.append([])
    sheet.append(["power cap level", "pool", "full-load power [fraction]", "full-load throughput [fraction]"])
    for caps in flex.get("power_caps") or []:
        for level, power, tokens in zip(
            caps["cap_frac"], caps["full_load_power_frac"], caps["full_load_throughput_frac"], strict=True
        ):
            sheet.append([level, caps["pool"], power, tokens])
    sheet.append([])
    sheet.append(["figure used", "value", "unit", "source", "assumption"])
    for name, figure in (flex.get("figures_used") or {}).items():
        value = figure.get("value")
        sheet.append(
            [
                name,
                value if isinstance(value, int | float | str | bool) else str(value),
                figure.get("unit", ""),
                figure.get("source", ""),
                figure.get("assumption", ""),
            ]
        )


def build_xlsx(content: ReportContent) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    if content.constraints:  # first, so that nobody reads the figures without it
        sheet = text_safe_sheet(book, "Constraints not met")
        sheet.append(["Completed — constraints not met: the figures describe a plan that misses these"])
        sheet.append(["constraint", "what", "limit", "value", "unit"])
        for c in content.constraints:
            sheet.append([c.get("label"), c.get("message"), c.get("limit"), c.get("value"), c.get("unit")])
    sheet = text_safe_sheet(book, "Inputs")
    sheet.append(["field", "value"])
    for path, value in _flatten(content.inputs):
        sheet.append([path, value if isinstance(value, int | float | str | bool) or value is None else str(value)])

    sheet = text_safe_sheet(book, "Summary")
    sheet.append(["KPI", "value", "unit", "result key"])
    for kpi in content.kpis:
        sheet.append([kpi.label, kpi.value, kpi.unit, kpi.path])
    sheet.append([])
    sheet.append(["run", content.run_id])
    sheet.append(["scenario", content.scenario_name])
    sheet.append(["code version", content.code_version])
    sheet.append(["data version", content.data_version])
    sheet.append(["input hash", content.input_hash])

    _tco_sheet(book, content.result.get("tco"))
    _flexibility_sheet(book, content.result.get("flexibility_dispatch"))

    sheet = text_safe_sheet(book, "Hourly")
    _names, headers, table = hourly_table(content)
    sheet.append(headers)
    integer_columns = 4
    for row in table.tolist():
        sheet.append([int(v) for v in row[:integer_columns]] + row[integer_columns:])

    sheet = text_safe_sheet(book, "Bill impact")
    views, rows = bill_rows(content.result)
    sheet.append(["item", "unit", *[f"{v} view" for v in views]])
    bill_views = (content.result.get("household_bill_usd_per_month") or {}).get("views") or {}
    for item, row in zip((*BILL_ITEMS, "total_usd_per_month", "share_of_average_bill_pct"), rows, strict=True):
        sheet.append([row["item"], row["unit"], *[(bill_views[v] or {}).get(item) for v in views]])
    sheet.append([])
    for name, text in content.methods:
        if name.startswith("Bill"):
            sheet.append([name, text])

    sheet = text_safe_sheet(book, "Sources")
    sheet.append(["item", "field", "value", "unit", "source", "assumption (reason)"])
    for source in content.sources:
        sheet.append([source[k] for k in ("item", "field", "value", "unit", "source", "assumption")])

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def build_csv(content: ReportContent) -> bytes:
    _names, headers, table = hourly_table(content)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for c in content.constraints:  # above the header, as comment lines (pandas: comment="#")
        buffer.write(f"# Completed — constraints not met: {c.get('label')}: {c.get('message')}\n")
    writer.writerow(headers)
    for row in table.tolist():
        writer.writerow([int(v) for v in row[:4]] + [repr(v) for v in row[4:]])
    return buffer.getvalue().encode()


def build_json(content: ReportContent) -> bytes:
    document = {
        "run": content.run_id,
        "scenario": content.scenario_name,
        "organisation": content.organisation,
        "scenario_version": content.scenario_version,
        "code_version": content.code_version,
        "data_version": content.data_version,
        "input_hash": content.input_hash,
        "constraints": content.constraints,
        "inputs": content.inputs,
        "result": content.result,
        "hourly": content.hourly,
    }
    return json.dumps(to_jsonable(document), ensure_ascii=False).encode()


BUILDERS = {"pdf": build_pdf, "xlsx": build_xlsx, "csv": build_csv, "json": build_json}


def build_file(*, kind: str, content: ReportContent) -> BuiltFile:
    return BuiltFile(data=BUILDERS[kind](content), content_type=CONTENT_TYPES[kind], filename=_filename(content, kind))
