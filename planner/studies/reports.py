"""A study run as a PDF: what varied (with the distributions' sources), the objective and limits,
the points (top N), P10/P50/P90 and Sobol indices, the best mix and the excluded candidates, charts.

WeasyPrint like the run and site-comparison reports (planner.reports, planner.sites.reports), with
their number format and image embedding; built on request from the stored points.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from planner.engine.studies import definition as defs
from planner.engine.studies.kpis import KPIS
from planner.engine.studies.params import PARAMETERS
from planner.reports.builders import _data_uri
from planner.reports.units import fmt
from planner.studies import report_charts, selectors
from planner.studies.models import StudyRun

TABLE_ROWS = 40  # points printed; every point is in the CSV/XLSX
EXCLUDED_ROWS = 60
HEADLINE_KPIS = (
    "peak_facility_power_mw",
    "annual_facility_energy_mwh",
    "location_based_tco2e",
    "market_based_tco2e",
    "usd_per_million_output_tokens",
    "household_bill_usd_per_month",
)
MAX_KPI_COLUMNS = 7


def kpi_header(name: str) -> str:
    """The KPI's label with its unit, as the run page prints it: 'peak facility power at the meter [MW]'."""
    return selectors.kpi_heading(name)


def distribution_text(distribution: dict[str, Any]) -> str:
    d = distribution
    kind = d["kind"]
    bounds = f"truncated to {fmt(d.get('low'))} – {fmt(d.get('high'))}"
    if kind == "uniform":
        return f"uniform {fmt(d['low'])} – {fmt(d['high'])}"
    if kind == "triangular":
        return f"triangular {fmt(d['low'])} / {fmt(d['mode'])} / {fmt(d['high'])}"
    if kind == "normal":
        return f"normal mean {fmt(d['mean'])}, sd {fmt(d['sd'])}, {bounds}"
    return f"log-normal median {fmt(d['median'])}, sigma {fmt(d['sigma'])}, {bounds}"


def _values_text(values: dict[str, Any]) -> str:
    return "; ".join(f"{k} = {fmt(v) if isinstance(v, float) else v}" for k, v in values.items())


def _kpi_columns(study: Any) -> list[str]:
    first: list[str] = []
    if isinstance(study, defs.OptimisationStudy):
        first = [study.objective, *study.limits, *study.pareto]
    names = list(dict.fromkeys([*first, *HEADLINE_KPIS]))
    return [n for n in names if n in KPIS][:MAX_KPI_COLUMNS]


def _row(point: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    return {
        "index": point["index"],
        "status": point["status"],
        "values": _values_text(point["values"]),
        "kpis": [fmt(point["kpis"].get(k)) if point["kpis"].get(k) is not None else "—" for k in columns],
        "reason": "; ".join([point["error"], *point["violations"]]).strip("; "),
    }


def definition_rows(study: Any, run: StudyRun) -> dict[str, Any]:
    """The definition as tables: what varied (with sources), objective and limits."""
    if isinstance(study, defs.SweepStudy):
        return {"vary": [(path, ", ".join(str(v) for v in values)) for path, values in study.vary.items()]}
    if isinstance(study, defs.UncertaintyStudy):
        rows = []
        for item in defs.study_inputs(study, dict(run.inputs)):
            parameter = PARAMETERS.get(item.parameter)
            rows.append(
                {
                    "parameter": item.parameter,
                    "path": parameter.path if parameter else item.parameter,
                    "unit": parameter.unit if parameter else "",
                    "mode": item.mode,
                    "distribution": distribution_text(item.distribution.model_dump()),
                    "source": item.source or "not stated",
                }
            )
        return {"inputs": rows}
    choices = [(path, ", ".join(str(v) for v in options)) for path, options in study.choices.items()]
    if study.shares is not None:
        pools = ", ".join(f"hardware[{p}]" for p in study.shares.pools)
        choices.append(("demand shares", f"every split among {pools} in steps of {fmt(study.shares.step_frac)}"))
    return {
        "choices": choices,
        "objective": kpi_header(study.objective),
        "limits": [(kpi_header(k), fmt(v)) for k, v in study.limits.items()],
        "devices": [(slug, fmt(n)) for slug, n in study.max_devices_by_accelerator.items()],
        "pareto": [kpi_header(k) for k in study.pareto],
    }


def report_context(run: StudyRun) -> dict[str, Any]:
    study = defs.parse_study(run.definition)
    summary = run.summary or {}
    points = [
        {
            "index": p.index,
            "status": p.status,
            "values": p.values,
            "kpis": p.kpis,
            "error": p.error,
            "violations": p.violations,
        }
        for p in run.points.all()
    ]
    by_index = {p["index"]: p for p in points}
    columns = _kpi_columns(study)
    ordered = points
    if isinstance(study, defs.OptimisationStudy):
        ordered = [by_index[i] for i in summary.get("feasible", []) if i in by_index]
    charts: list[tuple[str, bytes | None]] = []
    context: dict[str, Any] = {
        "run": run,
        "study": run.study,
        "kind": study.kind,
        "summary": summary,
        "definition": definition_rows(study, run),
        "columns": [kpi_header(k) for k in columns],
        "rows": [_row(p, columns) for p in ordered[:TABLE_ROWS]],
        "rows_total": len(ordered),
        "table_rows": TABLE_ROWS,
        "refused": sum(1 for p in points if p["status"] in {"refused", "failed"}),
    }
    computed = [p for p in points if p["kpis"] and not p["error"]]
    fields = selectors.varied_fields(run)
    if isinstance(study, defs.SweepStudy):
        for field in fields[:3]:
            charts.append((f"KPIs against {field}", report_charts.kpis_against_field(computed, field, columns)))
    elif isinstance(study, defs.UncertaintyStudy):
        context |= _uncertainty_context(summary)
        charts.append(
            ("Distribution over the samples (dashed: P10, P50, P90)", report_charts.histograms(computed, columns))
        )
        for name, band in (summary.get("fan") or {}).items():
            charts.append((f"Fan chart of {name} (P10–P50–P90 across samples)", report_charts.fan(name, band)))
        charts.append(
            (
                "Sobol indices (first and total order, bootstrap 95 % confidence)",
                report_charts.sobol_bars(summary.get("sobol") or {}),
            )
        )
    else:
        context |= _optimisation_context(study, summary, by_index, columns)
        front = selectors.study_run_pareto(run) or {"kpis": list(study.pareto), "indices": []}
        context["pareto"] = [_row(by_index[i], columns) for i in front["indices"]]
        charts.append(
            (
                f"Pareto front: {front['kpis'][0]} against {front['kpis'][1]} (feasible candidates; star: best)",
                report_charts.pareto(computed, front["kpis"], front["indices"], summary.get("best_index")),
            )
        )
        for field in fields[:2]:
            charts.append((f"KPIs against {field}", report_charts.kpis_against_field(computed, field, columns)))
    context["charts"] = [(title, _data_uri(png)) for title, png in charts if png is not None]
    return context


def _uncertainty_context(summary: dict[str, Any]) -> dict[str, Any]:
    percentiles = [
        (kpi_header(name), fmt(p.get("p10")), fmt(p.get("p50")), fmt(p.get("p90")))
        for name, p in (summary.get("percentiles") or {}).items()
        if name in KPIS and p.get("p50") is not None
    ]
    sobol = []
    for name, s in (summary.get("sobol") or {}).items():
        if s.get("error"):
            sobol.append({"kpi": kpi_header(name), "error": s["error"], "rows": []})
            continue
        rows = [
            (
                s["inputs"][i],
                f"{fmt(s['first_order'][i])} ± {fmt(s['first_order_conf'][i])}",
                f"{fmt(s['total_order'][i])} ± {fmt(s['total_order_conf'][i])}",
            )
            for i in range(len(s["inputs"]))
        ]
        sobol.append({"kpi": kpi_header(name), "error": "", "rows": rows})
    return {"percentiles": percentiles, "sobol": sobol}


def _optimisation_context(
    study: Any, summary: dict[str, Any], by_index: dict[int, dict[str, Any]], columns: list[str]
) -> dict[str, Any]:
    best = summary.get("best_index")
    excluded = sorted((summary.get("excluded") or {}).items(), key=lambda item: int(item[0]))
    return {
        "best": _row(by_index[best], columns) if best is not None and best in by_index else None,
        "excluded": [
            {
                "index": int(i),
                "values": _values_text(by_index[int(i)]["values"]) if int(i) in by_index else "",
                "reason": r,
            }
            for i, r in excluded[:EXCLUDED_ROWS]
        ],
        "excluded_total": len(excluded),
        "excluded_rows": EXCLUDED_ROWS,
    }


def build_pdf(run: StudyRun) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_to_string("studies/report.html", report_context(run))).write_pdf()
