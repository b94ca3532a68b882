"""Reads scoped to the user's organisations (outsiders get 404), and the results table."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404

from planner.engine.studies import definition as defs
from planner.engine.studies.kpis import KPIS
from planner.engine.studies.optimise import candidate_outcomes
from planner.engine.studies.pareto import feasible_front
from planner.reports.units import fmt, unit_of
from planner.studies.models import Study, StudyRun


def studies_for_user(user: AbstractBaseUser) -> QuerySet[Study]:
    return Study.objects.filter(organisation__memberships__user=user).select_related(
        "organisation", "scenario", "owner"
    )


def study_for_user(user: AbstractBaseUser, study_id: int) -> Study:
    study = studies_for_user(user).filter(pk=study_id).first()
    if study is None:
        raise Http404("No such study")
    return study


def study_runs_for_user(user: AbstractBaseUser) -> QuerySet[StudyRun]:
    return StudyRun.objects.filter(study__organisation__memberships__user=user).select_related("study")


def study_run_for_user(user: AbstractBaseUser, run_id: int) -> StudyRun:
    run = study_runs_for_user(user).filter(pk=run_id).first()
    if run is None:
        raise Http404("No such study run")
    return run


def varied_fields(run: StudyRun) -> list[str]:
    """The names a point's values use, in the definition's order."""
    definition = run.definition
    if definition["kind"] == "sweep":
        return list(definition["vary"])
    names: list[str] = []
    for point in run.points.all()[:1]:
        names = list(point.values)
    return names


def study_run_table(run: StudyRun) -> tuple[list[str], list[list[Any]]]:
    """One row per point: index, status, the varied values, every KPI, the reason if any."""
    fields = varied_fields(run)
    kpis = list(KPIS)
    points = list(run.points.all())
    # each workload's $/Mtok (planner.engine.studies.kpis.read_kpis: "usd_per_million_output_tokens[chat]")
    per_workload = sorted({k for p in points for k in (p.kpis or {}) if "[" in k and k not in KPIS})
    header = [
        "point",
        "status",
        *fields,
        *(f"{k} [{KPIS[k].unit}]" if KPIS[k].unit else k for k in kpis),
        *(f"{k} [USD/Mtok]" for k in per_workload),
        "reason",
    ]
    rows = []
    for point in points:
        rows.append(
            [
                point.index,
                point.status,
                *(point.values.get(f) for f in fields),
                *(point.kpis.get(k) for k in kpis),
                *((point.kpis or {}).get(k) for k in per_workload),
                "; ".join([point.error, *point.violations]).strip("; "),
            ]
        )
    return header, rows


def kpi_label(name: str) -> tuple[str, str]:
    """(label, unit) of a KPI of the registry, or of a per-workload cost such as
    ``usd_per_million_output_tokens[chat]`` ("TCO per million output tokens, chat", "USD/Mtok")."""
    base, _, workload = name.partition("[")
    spec = KPIS.get(base)
    if spec is None:
        return name, unit_of(name)
    return (f"{spec.label}, {workload.rstrip(']')}" if workload else spec.label), spec.unit


def kpi_heading(name: str) -> str:
    """'peak facility power at the meter [MW]' (pages and the PDF; the CSV keeps the names)."""
    label, unit = kpi_label(name)
    return f"{label} [{unit}]" if unit else label


def display_cell(value: Any) -> dict[str, Any]:
    """A table cell for a page: the number to 4 significant digits with thousands separators
    (planner.reports.units.fmt) and the exact value to sort by; '—' for a missing figure."""
    if value is None or value == "":
        return {"text": "—", "value": ""}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"text": fmt(value), "value": repr(value)}
    return {"text": str(value), "value": str(value)}


def study_run_display_table(run: StudyRun, table: tuple[list[str], list[list[Any]]] | None = None) -> dict[str, Any]:
    """The points table of the run page: KPI headings with their labels and units (the KPI's name
    as the heading's title), numbers formatted, the exact value kept for sorting. ``table``: the
    run's ``study_run_table`` when the caller has it already (the points are read once)."""
    header, rows = table if table is not None else study_run_table(run)
    fields = varied_fields(run)
    names = ["point", "status", *fields, *list(KPIS), *header[2 + len(fields) + len(KPIS) : -1], "reason"]
    columns = []
    for position, name in enumerate(names):
        if 2 + len(fields) <= position < len(names) - 1:
            name = name.removesuffix(" [USD/Mtok]")  # a per-workload cost's CSV heading
            columns.append({"text": kpi_heading(name), "title": name})
        else:
            columns.append({"text": name, "title": name})
    plain = [{"text": str(row[0]), "value": str(row[0])} for row in rows]  # the point's number, as typed to adopt it
    return {
        "columns": columns,
        "rows": [[plain[i], *(display_cell(cell) for cell in row[1:])] for i, row in enumerate(rows)],
    }


def study_run_pareto(run: StudyRun, pair: tuple[str, str] | None = None) -> dict[str, Any] | None:
    """The Pareto front of an optimisation run over its feasible points: ``{"kpis": [a, b],
    "indices": [...]}`` (ordered by the first KPI), for ``pair`` or the study's own (cost vs
    carbon by default); None for other kinds. Raises ValueError naming an unknown KPI."""
    study = defs.parse_study(run.definition)
    if not isinstance(study, defs.OptimisationStudy):
        return None
    chosen = pair or study.pareto
    points = {point.index: point for point in run.points.all()}
    candidates, _ = candidate_outcomes(study, run.inputs, points)  # a MILP's one-pool probes may not be mixes
    return {"kpis": list(chosen), "indices": feasible_front(candidates, study, chosen)}


def pareto_pair(text: str) -> tuple[str, str] | None:
    """``a,b`` from a query string → the pair; '' → None (the study's own). ValueError names the problem."""
    if not text:
        return None
    names = [name.strip() for name in text.split(",")]
    if len(names) != 2 or names[0] == names[1]:
        raise ValueError(
            "give two different KPIs separated by a comma, e.g. usd_per_million_output_tokens,market_based_tco2e"
        )
    for name in names:
        if name not in KPIS:
            raise ValueError(f"unknown KPI {name!r}; one of: {', '.join(sorted(KPIS))}")
    return names[0], names[1]


def study_run_csv(run: StudyRun) -> str:
    header, rows = study_run_table(run)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def study_run_xlsx(run: StudyRun) -> bytes:
    from openpyxl import Workbook

    header, rows = study_run_table(run)
    book = Workbook()
    sheet = book.active
    sheet.title = "points"
    sheet.append(header)
    for row in rows:
        sheet.append([v if isinstance(v, int | float | str) or v is None else str(v) for v in row])
    info = book.create_sheet("study")
    info.append(["study", run.study.name])
    info.append(["kind", run.definition["kind"]])
    info.append(["run", run.pk])
    info.append(["status", run.status])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
