"""Run pages: submit, live status, the result page and its JSON data, runs list and compare."""

from __future__ import annotations

import json
import re

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_POST

from planner.engine.flex_summary import flexibility_lever, flexibility_rows
from planner.engine.levers import workload_costs
from planner.engine.result import hourly_from_npz
from planner.ids import as_id
from planner.jobs.describe import job_is_stuck, job_waiting_for
from planner.jobs.views import redirect_to_job
from planner.reports.units import fmt
from planner.scenarios import selectors, services
from planner.scenarios.compare import inputs_that_differ, workload_cost_rows
from planner.scenarios.kpis import kpi_cards, kpi_table
from planner.scenarios.models import RunHourly, RunLevers
from planner.scenarios.views.common import require_editor

# The runner's progress stages in order (planner/engine/runner.py and facility_stage.py).
STAGES = (
    "queued",
    "weather",
    "demand",
    "power curves",
    "fleet and facility",
    "grid, carbon and bills",
    "finishing",
    "done",
)
# Hourly series change never once computed: let the browser keep them.
_CACHE = "private, max-age=86400"


@login_required
@require_POST
def run_create(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = selectors.scenario_for_user(request.user, scenario_id)
    require_editor(request.user, scenario.organisation_id, "start runs")
    return redirect_to_job(
        request,
        lambda: services.run_submit(scenario=scenario, submitted_by=request.user),
        url_name="run-detail",
        what="run",
    )


@login_required
@require_POST
def run_rerun(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.run_for_user(request.user, run_id)
    require_editor(request.user, run.scenario.organisation_id, "start runs")
    return redirect_to_job(
        request, lambda: services.run_resubmit(run=run, submitted_by=request.user), url_name="run-detail", what="run"
    )


@login_required
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.run_for_user(request.user, run_id)
    result = run.result or {}
    context = {
        "run": run,
        "scenario": run.scenario,
        "result": result,
        "cards": kpi_cards(result) if run.is_completed else [],
        "flex_lever": flexibility_lever(result.get("flexibility_dispatch")),
        "flex_rows": [
            (label, fmt(value) if isinstance(value, int | float) else value, unit)
            for label, value, unit in flexibility_rows(result.get("flexibility_dispatch"))
        ],
        "warnings": result.get("warnings", []),
        "constraints": run.constraints,
        "waiting_for": job_waiting_for(run),
        "stuck": job_is_stuck(run),
        "can_edit": selectors.can_edit(request.user, run.scenario.organisation_id),
        "stages": STAGES,
        "inputs_json": json.dumps(run.inputs, indent=2),
        "error_text": readable_error(run.error),
        "report_links": _report_links(run.pk) if run.is_completed else [],
    }
    return render(request, "scenarios/run.html", context)


def readable_error(error: str) -> str:
    """'…: planner.engine.facility_stage.FacilityStageError: msg' → '…: FacilityStageError: msg'."""
    return re.sub(r"\b(?:[a-z_][a-z0-9_]*\.)+([A-Z]\w*(?:Error|Exception)):", r"\1:", error)


def _report_links(run_id: int) -> list[tuple[str, str]]:
    """Report downloads (PDF, XLSX, CSV, JSON), when the reports app provides its URL name."""
    from django.urls import NoReverseMatch, reverse

    links = []
    for kind, label in (("pdf", "PDF report"), ("xlsx", "Excel"), ("csv", "Hourly CSV"), ("json", "JSON")):
        try:
            links.append((reverse("report-file", args=[run_id, kind]), label))
        except NoReverseMatch:
            break
    return links


@login_required
@require_GET
def run_status(request: HttpRequest, run_id: int) -> JsonResponse:
    run = selectors.run_for_user(request.user, run_id)
    return JsonResponse(
        {
            "id": run.pk,
            "status": run.status,
            "status_label": run.get_status_display(),
            "waiting_for": job_waiting_for(run),
            "stuck": job_is_stuck(run),
            "constraints": run.constraints,
            "stage": run.stage,
            "progress_frac": run.progress_frac,
            "error": run.error,
            "attempts": run.attempts,
            "finished": run.is_finished,
        }
    )


@login_required
@require_GET
@gzip_page
def run_hourly(request: HttpRequest, run_id: int) -> HttpResponse:
    """The 8,760-hour series as JSON; `?series=a,b` limits it to those the page draws."""
    run = selectors.run_for_user(request.user, run_id)
    row = RunHourly.objects.filter(run=run).first()
    if row is None:
        return JsonResponse({"error": "this run has no hourly series (not finished or failed)"}, status=404)
    series = hourly_from_npz(row.npz)
    wanted = [name for name in request.GET.get("series", "").split(",") if name]
    if wanted:
        series = {name: values for name, values in series.items() if name in wanted}
    # Rounded to 6 significant-enough decimals and serialised straight from NumPy lists.
    body = json.dumps(
        {name: [None if v != v else v for v in values.round(6).tolist()] for name, values in series.items()},
        separators=(",", ":"),
    )
    response = HttpResponse(body, content_type="application/json")
    response["Cache-Control"] = _CACHE
    return response


@login_required
@require_GET
def run_levers(request: HttpRequest, run_id: int) -> JsonResponse:
    """The efficiency-lever variants: stored after the first computation (on the first view)."""
    run = selectors.run_for_user(request.user, run_id)
    if not run.is_completed:
        return JsonResponse({"error": "the run has not completed"}, status=404)
    stored = RunLevers.objects.filter(run=run).first()
    data = stored.data if stored else services.run_levers_compute(run_id=run.pk)
    return JsonResponse(_with_plan_workload_costs(data, run.result or {}))


def _with_plan_workload_costs(data: dict, result: dict) -> dict:
    """Lever data stored before rows carried ``usd_per_mtok_by_workload``: the plan's row gets it from the
    run's own result (the variants stay without it: "—" in the table, they are not recomputed)."""
    rows = data.get("rows") or []
    if not any("usd_per_mtok_by_workload" in row for row in rows):
        rows = [
            {**row, "usd_per_mtok_by_workload": workload_costs(result)} if row.get("lever") == "baseline" else row
            for row in rows
        ]
        data = {**data, "rows": rows}
    return data


RUN_LIST_PAGE = 50  # rows per page of the run list; older ones behind "Older runs" (?before=<run id>)


@login_required
@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    runs = selectors.runs_for_list(
        selectors.runs_for_user(request.user).select_related("scenario__organisation", "submitted_by")
    ).order_by("-id")
    before = request.GET.get("before", "")
    if before:
        if not (before.isascii() and before.isdigit()):
            return HttpResponseBadRequest("Query parameter 'before' must be a run number.", content_type="text/plain")
        runs = runs.filter(pk__lt=int(before))
    page = list(runs[: RUN_LIST_PAGE + 1])  # one more tells whether there are older runs, without a COUNT
    older = page[RUN_LIST_PAGE - 1].pk if len(page) > RUN_LIST_PAGE else None
    context = {"runs": page[:RUN_LIST_PAGE], "older_than": older, "paged": bool(before)}
    return render(request, "scenarios/runs.html", context)


def _short_label(run) -> str:
    name = run.scenario.name if len(run.scenario.name) <= 32 else run.scenario.name[:31] + "…"
    return f"#{run.pk} {name} v{run.scenario_version}"


@login_required
@require_GET
def run_compare(request: HttpRequest) -> HttpResponse:
    ids = []
    for raw in request.GET.getlist("run"):
        run_id = as_id(raw)
        if run_id is not None and run_id not in ids:
            ids.append(run_id)
    if not 2 <= len(ids) <= 4:
        context = {"problem": f"Pick two to four runs to compare (you picked {len(ids)})."}
        return render(request, "scenarios/compare.html", context, status=400)
    # The earliest run is the baseline the others are compared with.
    runs = [selectors.run_for_user(request.user, run_id) for run_id in sorted(ids)]
    failed = [run for run in runs if not run.is_completed]
    if failed:
        names = ", ".join(f"#{run.pk} ({run.status})" for run in failed)
        return render(
            request, "scenarios/compare.html", {"problem": f"Only completed runs can be compared: {names}."}, status=400
        )
    results = [run.result or {} for run in runs]
    context = {
        "runs": runs,
        "kpi_rows": kpi_table(results),
        "workload_rows": workload_cost_rows(results),
        "differences": inputs_that_differ([run.inputs for run in runs]),
        "series": [{"id": run.pk, "label": _short_label(run)} for run in runs],
    }
    return render(request, "scenarios/compare.html", context)
