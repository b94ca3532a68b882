"""Study pages: list, create from a scenario, the study with its runs, a run's progress, table,
charts and downloads. Thin: services write, selectors read."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from planner.engine.documents import DocumentError, load_json
from planner.engine.schema import ScenarioError
from planner.engine.studies.definition import default_inputs
from planner.engine.studies.kpis import KPIS, SERIES
from planner.engine.studies.params import PARAMETERS
from planner.ids import as_index
from planner.jobs.views import redirect_to_job
from planner.scenarios import selectors as scenario_selectors
from planner.scenarios.views.common import require_editor
from planner.studies import selectors, services
from planner.studies.models import StudyKind, StudyPoint


def definition_templates() -> dict[str, dict[str, Any]]:
    """What the form starts from for each kind (editable JSON)."""
    return {
        "sweep": {"kind": "sweep", "vary": {"site.cooling": ["direct_liquid_dry_cooler", "evaporative"]}},
        "uncertainty": {
            "kind": "uncertainty",
            "samples": 32,
            "method": "sobol",
            "sensitivity": False,
            "inputs": [i.model_dump(mode="json") for i in default_inputs()],
        },
        "optimisation": {
            "kind": "optimisation",
            "choices": {"hardware[0].weight_precision": ["bf16", "fp8"]},
            "objective": "annual_facility_energy_mwh",
            "limits": {"peak_facility_power_mw": 100},
            "max_devices_by_accelerator": {},
        },
    }


@login_required
@require_GET
def study_list(request: HttpRequest) -> HttpResponse:
    studies = selectors.studies_for_user(request.user)
    return render(request, "studies/list.html", {"studies": studies})


@login_required
@require_http_methods(["GET", "POST"])
def study_create(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = scenario_selectors.scenario_for_user(request.user, scenario_id)
    require_editor(request.user, scenario.organisation_id, "create studies")
    templates = definition_templates()
    kind = request.POST.get("kind") or request.GET.get("kind") or "sweep"
    if kind not in templates:
        kind = "sweep"
    name = request.POST.get("name", f"{scenario.name} — {kind}").strip()
    text = request.POST.get("definition") or json.dumps(templates[kind], indent=2)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            definition = load_json(text)  # the one JSON guard: depth, huge integers, NaN, NUL
        except DocumentError as error:
            errors = {"definition": [str(error)]}
        else:
            if isinstance(definition, dict):
                definition["kind"] = kind
            if not name:
                errors["name"] = ["give the study a name"]
            else:
                try:
                    study = services.study_create(
                        owner=request.user,
                        organisation=scenario.organisation,
                        scenario=scenario,
                        name=name,
                        definition=definition,
                    )
                except ScenarioError as error:
                    errors = error.errors
                else:
                    return redirect("study-detail", study_id=study.pk)
    context = {
        "scenario": scenario,
        "kind": kind,
        "kinds": StudyKind.choices,
        "name": name,
        "definition": text,
        "errors": errors,
        "kpis": KPIS,
        "builder": {
            "templates": templates,
            "kpis": {name: f"{k.label}{f' [{k.unit}]' if k.unit else ''}" for name, k in KPIS.items()},
            "parameters": {name: p.unit for name, p in PARAMETERS.items() if not p.waits_for},
        },
    }
    return render(request, "studies/form.html", context, status=400 if errors else 200)


@login_required
@require_GET
def study_detail(request: HttpRequest, study_id: int) -> HttpResponse:
    study = selectors.study_for_user(request.user, study_id)
    can_edit = scenario_selectors.can_edit(request.user, study.organisation_id)
    context = {
        "study": study,
        "runs": study.runs.all()[:20],
        "can_edit": can_edit,
        "definition": json.dumps(study.definition, indent=2),
    }
    return render(request, "studies/detail.html", context)


@login_required
@require_POST
def study_run_create(request: HttpRequest, study_id: int) -> HttpResponse:
    study = selectors.study_for_user(request.user, study_id)
    require_editor(request.user, study.organisation_id, "start studies")
    return redirect_to_job(
        request,
        lambda: services.study_run_submit(study=study, submitted_by=request.user),
        url_name="study-run-detail",
        what="study",
    )


@login_required
@require_POST
def study_run_cancel(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.study_run_for_user(request.user, run_id)
    require_editor(request.user, run.study.organisation_id, "cancel studies")
    if not run.is_finished:
        services.study_run_cancel(run=run, user=request.user)
    return redirect("study-run-detail", run_id=run.pk)


@login_required
@require_GET
def study_run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.study_run_for_user(request.user, run_id)
    header, rows = selectors.study_run_table(run)
    context = {
        "run": run,
        "study": run.study,
        "header": header,
        "rows": rows,
        "table": selectors.study_run_display_table(run, (header, rows)),
        "percentiles": _percentile_rows(run.summary or {}),
        "fields": selectors.varied_fields(run),
        "kpis": KPIS,
        "series": SERIES,
        "can_edit": scenario_selectors.can_edit(request.user, run.study.organisation_id),
        "summary": run.summary or {},
        "pareto": _pareto_rows(run),
        "fan_series": [
            (name, f"{SERIES[name].label} [{SERIES[name].unit}]" if name in SERIES else name)
            for name in (run.summary or {}).get("fan") or {}
        ],
    }
    return render(request, "studies/run.html", context)


def _percentile_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """P10/P50/P90 of each KPI with its label and unit, numbers formatted (raw floats before)."""
    return [
        {
            "name": name,
            "heading": selectors.kpi_heading(name),
            "cells": [selectors.display_cell(p.get(q)) for q in ("p10", "p50", "p90")],
        }
        for name, p in (summary.get("percentiles") or {}).items()
        if isinstance(p, dict)
    ]


def _pareto_rows(run: Any) -> dict[str, Any] | None:
    """The default pair's front as table rows (point, values, the two KPIs) for the run page."""
    if not run.is_finished:
        return None
    front = selectors.study_run_pareto(run)
    if front is None:
        return None
    points = {p.index: p for p in run.points.filter(index__in=front["indices"])}
    rows = [
        {
            "index": i,
            "values": {f: selectors.display_cell(v)["text"] for f, v in points[i].values.items()},
            "kpis": [selectors.display_cell(points[i].kpis.get(k)) for k in front["kpis"]],
        }
        for i in front["indices"]
    ]
    kpis = [KPIS[k] for k in front["kpis"]]
    columns = [{"name": k, "heading": selectors.kpi_heading(k)} for k in front["kpis"]]
    return {"kpis": kpis, "columns": columns, "rows": rows}


@login_required
@require_POST
def study_point_adopt(request: HttpRequest, run_id: int) -> HttpResponse:
    """ "Adopt this mix": a new scenario with the point's values; the user lands on it."""
    run = selectors.study_run_for_user(request.user, run_id)
    require_editor(request.user, run.study.organisation_id, "adopt a study point as a scenario")
    index = as_index(request.POST.get("point", ""))
    if index is None:
        messages.error(request, "Give the number of the point to adopt.")
        return redirect("study-run-detail", run_id=run.pk)
    try:
        scenario = services.study_point_adopt(run=run, index=index, owner=request.user)
    except StudyPoint.DoesNotExist:
        messages.error(request, f"This run has no point {index}.")
        return redirect("study-run-detail", run_id=run.pk)
    except (services.PointNotAdoptable, ScenarioError) as error:
        messages.error(request, f"Point {index} cannot be adopted: {error}")
        return redirect("study-run-detail", run_id=run.pk)
    messages.success(request, f"Created “{scenario.name}” from point {index}. Run it to see every figure.")
    return redirect("scenario-detail", scenario_id=scenario.pk)


@login_required
@require_GET
def study_run_status(request: HttpRequest, run_id: int) -> JsonResponse:
    run = selectors.study_run_for_user(request.user, run_id)
    return JsonResponse(
        {
            "id": run.pk,
            "status": run.status,
            "stage": run.stage,
            "progress_frac": run.progress_frac,
            "points_total": run.points_total,
            "points_stored": run.points.count(),
            "error": run.error,
            "finished": run.is_finished,
        }
    )


@login_required
@require_GET
def study_run_data(request: HttpRequest, run_id: int) -> JsonResponse:
    """Everything the charts draw: points (values, KPIs), fan bands, Sobol indices, units."""
    run = selectors.study_run_for_user(request.user, run_id)
    try:
        pair = selectors.pareto_pair(request.GET.get("pareto", ""))
    except ValueError as error:
        return JsonResponse({"errors": {"pareto": [str(error)]}}, status=400)
    points = [{"index": p.index, "status": p.status, "values": p.values, "kpis": p.kpis} for p in run.points.all()]
    summary = run.summary or {}
    return JsonResponse(
        {
            "pareto": selectors.study_run_pareto(run, pair),
            "kind": run.definition["kind"],
            "fields": selectors.varied_fields(run),
            "points": points,
            "kpis": {k: {"unit": v.unit, "label": v.label} for k, v in KPIS.items()},
            "series": {k: {"unit": v.unit, "label": v.label} for k, v in SERIES.items()},
            "fan": summary.get("fan", {}),
            "sobol": summary.get("sobol", {}),
            "best_index": summary.get("best_index"),
        }
    )


@login_required
@require_GET
def study_run_report(request: HttpRequest, run_id: int) -> HttpResponse:
    """The study report (PDF) through the one report job (planner.reports): the file once built,
    its state as JSON for the download button, else a page that refreshes itself; 409 before
    the run finished."""
    from planner.reports.views import serve_report

    run = selectors.study_run_for_user(request.user, run_id)
    page = {
        "kind": "pdf",
        "subject": f"study run {run.pk} ({run.study.name})",
        "retry_url": reverse("study-run-report", args=[run.pk]),
        "back_url": reverse("study-run-detail", args=[run.pk]),
        "back_label": "Back to the study run",
    }
    return serve_report(request, kind="pdf", subject={"study_run": run}, page=page)


@login_required
@require_GET
def study_run_download(request: HttpRequest, run_id: int, fmt: str) -> HttpResponse:
    if fmt not in {"csv", "xlsx"}:
        raise Http404("Downloads are .csv or .xlsx")
    run = selectors.study_run_for_user(request.user, run_id)
    stem = f"study-{run.study_id}-run-{run.pk}"
    if fmt == "csv":
        response = HttpResponse(selectors.study_run_csv(run), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            selectors.study_run_xlsx(run),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response
