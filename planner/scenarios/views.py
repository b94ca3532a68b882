"""Pages: thin views over selectors and services."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from planner.engine.result import hourly_from_npz, to_jsonable
from planner.scenarios import selectors, services
from planner.scenarios.forms import ScenarioDocumentForm
from planner.scenarios.models import RunHourly, RunStatus

EXAMPLE_PATH = Path(settings.BASE_DIR) / "examples" / "ashburn-chat.json"


def _example_document() -> str:
    try:
        return EXAMPLE_PATH.read_text()
    except OSError:
        return "{}"


@login_required
@require_GET
def scenario_list(request: HttpRequest) -> HttpResponse:
    scenarios = selectors.scenarios_for_user(request.user).prefetch_related("runs")
    return render(request, "scenarios/list.html", {"scenarios": scenarios})


@login_required
def scenario_create(request: HttpRequest) -> HttpResponse:
    editable = selectors.organisations_for_user(request.user).filter(
        memberships__user=request.user, memberships__role__in=["planner", "admin"]
    )
    if not editable.exists():
        raise PermissionDenied("You need the planner role in an organisation to create scenarios.")
    form = ScenarioDocumentForm(
        request.POST or None,
        organisations=editable,
        initial={"document": _example_document(), "organisation": editable.first()},
    )
    if request.method == "POST" and form.is_valid():
        scenario = services.scenario_create(
            owner=request.user, organisation=form.cleaned_data["organisation"], inputs=form.cleaned_data["document"]
        )
        return redirect("scenario-detail", scenario_id=scenario.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "scenarios/form.html", {"form": form, "title": "New scenario"}, status=status)


@login_required
def scenario_edit(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = selectors.scenario_for_user(request.user, scenario_id)
    if not selectors.can_edit(request.user, scenario.organisation_id):
        raise PermissionDenied("Viewers cannot edit scenarios.")
    organisations = selectors.organisations_for_user(request.user).filter(pk=scenario.organisation_id)
    form = ScenarioDocumentForm(
        request.POST or None,
        organisations=organisations,
        initial={"document": json.dumps(scenario.inputs, indent=2), "organisation": scenario.organisation},
    )
    if request.method == "POST" and form.is_valid():
        services.scenario_update(scenario=scenario, author=request.user, inputs=form.cleaned_data["document"])
        return redirect("scenario-detail", scenario_id=scenario.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "title": f"Edit {scenario.name}", "scenario": scenario}
    return render(request, "scenarios/form.html", context, status=status)


@login_required
@require_GET
def scenario_detail(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = selectors.scenario_for_user(request.user, scenario_id)
    context = {
        "scenario": scenario,
        "runs": scenario.runs.all()[:50],
        "revisions": scenario.revisions.select_related("author")[:20],
        "can_edit": selectors.can_edit(request.user, scenario.organisation_id),
        "inputs_json": json.dumps(scenario.inputs, indent=2),
    }
    return render(request, "scenarios/detail.html", context)


@login_required
@require_POST
def scenario_clone(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = selectors.scenario_for_user(request.user, scenario_id)
    if not selectors.can_edit(request.user, scenario.organisation_id):
        raise PermissionDenied("Viewers cannot clone scenarios.")
    clone = services.scenario_clone(scenario=scenario, owner=request.user)
    return redirect("scenario-detail", scenario_id=clone.pk)


@login_required
@require_POST
def run_create(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = selectors.scenario_for_user(request.user, scenario_id)
    if not selectors.can_edit(request.user, scenario.organisation_id):
        raise PermissionDenied("Viewers cannot start runs.")
    run = services.run_submit(scenario=scenario, submitted_by=request.user)
    return redirect("run-detail", run_id=run.pk)


@login_required
@require_POST
def run_rerun(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.run_for_user(request.user, run_id)
    if not selectors.can_edit(request.user, run.scenario.organisation_id):
        raise PermissionDenied("Viewers cannot start runs.")
    new_run = services.run_resubmit(run=run, submitted_by=request.user)
    return redirect("run-detail", run_id=new_run.pk)


@login_required
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.run_for_user(request.user, run_id)
    context = {
        "run": run,
        "scenario": run.scenario,
        "result": run.result or {},
        "can_edit": selectors.can_edit(request.user, run.scenario.organisation_id),
    }
    return render(request, "scenarios/run.html", context)


@login_required
@require_GET
def run_status(request: HttpRequest, run_id: int) -> JsonResponse:
    run = selectors.run_for_user(request.user, run_id)
    if run.status == RunStatus.RUNNING:
        services.run_recover_stale()
        run.refresh_from_db()
    return JsonResponse(
        {
            "id": run.pk,
            "status": run.status,
            "stage": run.stage,
            "progress_frac": run.progress_frac,
            "error": run.error,
            "attempts": run.attempts,
            "finished": run.is_finished,
        }
    )


@login_required
@require_GET
def run_hourly(request: HttpRequest, run_id: int) -> JsonResponse:
    run = selectors.run_for_user(request.user, run_id)
    row = RunHourly.objects.filter(run=run).first()
    if row is None:
        return JsonResponse({"error": "this run has no hourly series (not finished or failed)"}, status=404)
    series = hourly_from_npz(row.npz)
    return JsonResponse(to_jsonable({name: values.round(6) for name, values in series.items()}))
