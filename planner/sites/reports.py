"""A comparison run as a file: the ranking with every site's figures, the placement, each site's TCO.

PDF (WeasyPrint, like the run reports) and XLSX (openpyxl); built by the one report job
(planner.reports.services), cached per run and kind, like run and portfolio reports.
"""

from __future__ import annotations

import io
from typing import Any

from django.template.loader import render_to_string

from planner.reports.builders import CONTENT_TYPES, BuiltFile, text_safe_sheet
from planner.reports.units import fmt

# (metric key, header with unit) of the ranking table, in order.
COLUMNS = (
    ("devices", "Accelerators [devices]"),
    ("peak_mw", "Peak facility power [MW]"),
    ("pue", "Annual PUE [-]"),
    ("water_m3", "Water [m³/yr]"),
    ("tco2e_location", "Emissions, location-based [tCO2e/yr]"),
    ("tco2e_market", "Emissions, market-based [tCO2e/yr]"),
    ("usd_per_mtok", "Cost [USD per million output tokens]"),
    ("usd_per_mtok_prompt_and_output", "Cost [USD per million tokens, prompt + output]"),
    ("tco_usd_per_year", "TCO [USD/yr]"),
    ("household_bill_usd_per_month", "Household bill change [USD/month]"),
    ("headroom_share_frac", "Share of curtailment-enabled headroom (0.5 %) used [-]"),
    ("mean_rtt_ms", "User-weighted round trip [ms]"),
)


def ranking_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per site (ranked first, in rank order): its figures, score and reasons."""
    sites = sorted(result.get("sites", []), key=lambda s: (s.get("rank") is None, s.get("rank") or 0))
    return [
        {
            "rank": site.get("rank"),
            "name": site["name"],
            "climate": site["climate"],
            "region": site["region"],
            "values": [(site.get("metrics") or {}).get(key) for key, _ in COLUMNS],
            "score": site.get("score"),
            "reasons": "; ".join(site.get("reasons") or []),
        }
        for site in sites
    ]


def _workload_cost(site: dict[str, Any], workload: str) -> tuple[Any, Any]:
    """The workload's $/Mtok (output; prompt + output) at this site, from the TCO allocated by device-seconds."""
    cost = ((site.get("metrics") or {}).get("usd_per_mtok_by_workload") or {}).get(workload) or {}
    return cost.get("output"), cost.get("prompt_and_output")


def build_pdf(run) -> bytes:
    from weasyprint import HTML

    result = run.result or {}
    rows = ranking_rows(result)
    for row in rows:
        row["texts"] = [fmt(v) if v is not None else "—" for v in row["values"]]
        row["score_text"] = fmt(row["score"]) if row["score"] is not None else "—"
    tco_sites = [(s["name"], (s.get("result") or {}).get("tco") or {}) for s in result.get("sites", [])]
    html = render_to_string(
        "sites/report.html",
        {"run": run, "result": result, "rows": rows, "columns": [h for _, h in COLUMNS], "tco_sites": tco_sites},
    )
    return HTML(string=html).write_pdf()


def build_xlsx(run) -> bytes:
    from openpyxl import Workbook

    result = run.result or {}
    book = Workbook(write_only=True)
    sheet = text_safe_sheet(book, "Ranking")
    sheet.append(["rank", "site", "climate", "grid region", *[h for _, h in COLUMNS], "score", "why not ranked"])
    for row in ranking_rows(result):
        sheet.append(
            [row["rank"], row["name"], row["climate"], row["region"], *row["values"], row["score"], row["reasons"]]
        )
    sheet.append([])
    sheet.append(["weights", *[f"{k} = {v}" for k, v in (result.get("weights") or {}).items()]])
    sheet.append(["method", result.get("method", "")])
    network = result.get("network") or {}
    for name in ("fibre_delay_us_per_km", "route_inflation"):
        figure = network.get(name) or {}
        sheet.append([name, figure.get("value"), figure.get("unit"), figure.get("source")])
    sheet.append(["route inflation used", network.get("route_inflation_used")])

    sheet = text_safe_sheet(book, "Workloads")
    sheet.append(
        [
            "site",
            "workload",
            "interactive",
            "servable",
            "reason",
            "mean round trip [ms]",
            "placed at",
            "USD per million output tokens",
            "USD per million tokens (prompt + output)",
        ]
    )
    placement = result.get("placement") or {}
    for site in result.get("sites", []):
        for workload, reach in (site.get("workloads") or {}).items():
            sheet.append(
                [
                    site["name"],
                    workload,
                    reach["interactive"],
                    reach["feasible"],
                    reach["reason"],
                    reach["mean_rtt_ms"],
                    (placement.get(workload) or {}).get("site"),
                    *_workload_cost(site, workload),
                ]
            )

    sheet = text_safe_sheet(book, "TCO by site")
    sheet.append(["site", "item", "category", "capex [USD]", "life [years]", "annual [USD/yr]", "basis", "sources"])
    for site in result.get("sites", []):
        for line in ((site.get("result") or {}).get("tco") or {}).get("lines", []):
            sheet.append(
                [
                    site["name"],
                    line["item"],
                    line["category"],
                    line["capex_usd"],
                    line["life_years"],
                    line["annual_usd"],
                    line["basis"],
                    "; ".join(line["sources"]),
                ]
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


BUILDERS = {"pdf": build_pdf, "xlsx": build_xlsx}


def build_comparison_file(*, kind: str, run) -> BuiltFile:
    """The file of the report job (planner.reports.services, subject ``comparison_run``)."""
    return BuiltFile(
        data=BUILDERS[kind](run), content_type=CONTENT_TYPES[kind], filename=f"site-comparison-run-{run.pk}.{kind}"
    )
